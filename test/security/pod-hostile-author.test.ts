import type { V1Pod } from '@kubernetes/client-node';
import { Registry, roundhouseConventions } from '@roundhouse/core';
import { type KubeObject, resources } from '@roundhouse/kube';
import { PodExecutor } from '@roundhouse/pod';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it } from 'vitest';
import { type Attack, executionAuthors } from '../support/execution-authors.js';
import { type StoredExecution, useController } from '../workflowexecution/controller-fixture.js';
import { manifest } from '../workflowexecution/harness.js';

/*
 * What a WorkflowExecution author who may create and read executions in their own namespace,
 * and nothing else, gets out of a controller running the pod engine, whose engineConfig holds
 * the author's own steps: each attack is created by a minted non-admin user against the real
 * API server and a running controller, and the Pod is read as the API server stored it. The test
 * control plane runs without the ServiceAccount admission plugin, which would add a token volume
 * to a Pod that does not refuse one: `automountServiceAccountToken: false` is what refuses it.
 */

const allowedImages = ['registry.invalid/*'];
const runner = roundhouseConventions.defaultServiceAccountName;
const step = { name: 'work', image: 'registry.invalid/tools:1', script: 'id' };

describeWithControlPlane('a hostile WorkflowExecution author on the pod engine', () => {
  const cluster = useController('wfe-pod-hostile');
  const { env, client } = cluster;

  beforeAll(async () => {
    const admin = client();
    await admin.create(resources.serviceAccounts, cluster.executionNamespace, {
      metadata: { name: runner },
    });
    await admin.create(resources.serviceAccounts, cluster.executionNamespace, {
      metadata: { name: 'deployer' },
    });
    // Mounted into an execution that names it would hand the author its value.
    await admin.create(resources.secrets, cluster.executionNamespace, {
      metadata: { name: 'victim' },
      stringData: { password: 'hunter2' },
    });
    await cluster.start({
      registry: (reader) =>
        new Registry().register(new PodExecutor(client(), { reader, allowedImages })),
    });
  });

  const authors = executionAuthors(env, client, 'wfe-pod-hostile-author');
  const { author, create } = authors;

  const podsOf = async (wfe: string) => {
    const { items } = await client().list<KubeObject>(resources.pods, cluster.executionNamespace, {
      labelSelector: `roundhouse.dev/workflow-execution=${wfe}`,
    });
    return items;
  };

  const withSteps = (engineConfig: unknown, overrides: Parameters<typeof manifest>[0] = {}) =>
    manifest({ engine: 'pod', engineConfig, ...overrides });

  /** Each attack fails with `reason` naming `field`, before any Pod exists. */
  const expectRefused = (attacks: readonly Attack[]) =>
    authors.expectRefused(attacks, cluster.waitForStoredPhase, podsOf);

  it('cannot reach a Secret, a token, another ServiceAccount, the host or privilege through the steps: every field for it is refused by name', async () => {
    const secretRef = { secretKeyRef: { name: 'victim', key: 'password' } };
    const path = 'spec.workflowRef.engineConfig';
    /** Refused as an unknown field `key` of the object at `at` under engineConfig. */
    const refused = (engineConfig: unknown, at: string, key: string) => ({
      attack: withSteps(engineConfig),
      reason: 'ConfigurationError',
      field: `${at ? `${path}.${at}` : path}: unknown field(s) ${key}`,
    });
    await expectRefused([
      refused(
        { steps: [{ ...step, env: [{ name: 'P', value: '', valueFrom: secretRef }] }] },
        'steps.0.env.0',
        'valueFrom',
      ),
      refused(
        { steps: [{ ...step, envFrom: [{ secretRef: { name: 'victim' } }] }] },
        'steps.0',
        'envFrom',
      ),
      refused(
        { steps: [{ ...step, volumeMounts: [{ name: 's', mountPath: '/s' }] }] },
        'steps.0',
        'volumeMounts',
      ),
      refused(
        { steps: [step], volumes: [{ name: 's', secret: { secretName: 'victim' } }] },
        '',
        'volumes',
      ),
      refused(
        {
          steps: [step],
          volumes: [
            { name: 't', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } },
          ],
        },
        '',
        'volumes',
      ),
      refused({ steps: [step], serviceAccountName: 'deployer' }, '', 'serviceAccountName'),
      refused(
        { steps: [step], automountServiceAccountToken: true },
        '',
        'automountServiceAccountToken',
      ),
      refused({ steps: [step], hostNetwork: true, hostPID: true }, '', 'hostNetwork, hostPID'),
      refused(
        { steps: [{ ...step, securityContext: { privileged: true } }] },
        'steps.0',
        'securityContext',
      ),
      refused({ steps: [step], nodeName: 'kwok-node-0' }, '', 'nodeName'),
      // Landing on a control-plane node, in another runtime or priority, or beside the steps.
      refused(
        {
          steps: [step],
          nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
          tolerations: [{ operator: 'Exists' }],
        },
        '',
        'nodeSelector, tolerations',
      ),
      refused(
        {
          steps: [step],
          runtimeClassName: 'unconfined',
          priorityClassName: 'system-node-critical',
        },
        '',
        'priorityClassName, runtimeClassName',
      ),
      refused(
        { steps: [step], imagePullSecrets: [{ name: 'victim' }], hostIPC: true },
        '',
        'hostIPC, imagePullSecrets',
      ),
      refused(
        { steps: [step], shareProcessNamespace: true, initContainers: [step] },
        '',
        'initContainers, shareProcessNamespace',
      ),
      refused({ steps: [step], ephemeralContainers: [step] }, '', 'ephemeralContainers'),
      // A step's own container fields: another command, a host port, a native sidecar.
      refused(
        { steps: [{ ...step, command: ['/bin/sh'], args: ['-c', 'id'] }] },
        'steps.0',
        'args, command',
      ),
      refused(
        { steps: [{ ...step, ports: [{ containerPort: 22, hostPort: 22 }] }] },
        'steps.0',
        'ports',
      ),
      refused({ steps: [{ ...step, restartPolicy: 'Always' }] }, 'steps.0', 'restartPolicy'),
      refused({ steps: [step], namespace: 'kube-system' }, '', 'namespace'),
    ]);
  });

  it("cannot pass its step off as a mesh's sidecar, nor leave a Pod that can never start: refused by name", async () => {
    const path = 'spec.workflowRef.engineConfig.steps.0';
    await expectRefused([
      // Istio would merge the step into its proxy: the author's image and script beside the
      // proxy's projected token and certificates, as the user whose traffic it does not redirect.
      {
        attack: withSteps({ steps: [{ ...step, name: 'istio-proxy' }], parallel: true }),
        reason: 'ConfigurationError',
        field: `${path}.name: is the name of a service mesh's own container`,
      },
      // The API server would store these; the runtime's execve or chdir could never start them.
      {
        attack: withSteps({ steps: [{ ...step, script: `: ${'x'.repeat(131_070)}` }] }),
        reason: 'ConfigurationError',
        field: `${path}.script: is 131072 bytes`,
      },
      {
        attack: withSteps({ steps: [{ ...step, workingDir: `/${'d'.repeat(256)}` }] }),
        reason: 'ConfigurationError',
        field: `${path}.workingDir: is longer than a directory the kernel can enter`,
      },
    ]);
  });

  it('cannot run as another ServiceAccount, mount a Secret that did not opt in, or run an image the operator did not allow', async () => {
    await expectRefused([
      {
        attack: withSteps({ steps: [step] }, { serviceAccountName: 'deployer' }),
        reason: 'Forbidden',
        field: 'spec.executionConfig.serviceAccountName',
      },
      {
        // The default runner named outright is a ServiceAccount like any other.
        attack: withSteps({ steps: [step] }, { serviceAccountName: runner }),
        reason: 'Forbidden',
        field: 'spec.executionConfig.serviceAccountName',
      },
      {
        attack: withSteps({ steps: [step] }, { dependencies: { secrets: [{ name: 'victim' }] } }),
        reason: 'Forbidden',
        field: 'spec.dependencies.secrets',
      },
      ...[
        'registry.invalid.attacker.example/tools:1',
        'attacker.example/registry.invalid/tools:1',
        'docker.io/library/busybox:1',
      ].map((image, i) => ({
        attack: withSteps({ steps: [step, { ...step, name: `b${i}`, image }] }),
        reason: 'Forbidden',
        field: 'spec.workflowRef.engineConfig.steps.1.image',
      })),
    ]);
  });

  it('gets a Pod in the execution namespace as the default runner with no token, no host access and no privilege', async () => {
    const attack = withSteps({
      steps: [
        { ...step, env: [{ name: 'X', value: '$(KUBERNETES_SERVICE_HOST)' }] },
        { ...step, name: 'second' },
      ],
    });
    await create(await author(), attack);
    const running = (await cluster.waitForStoredPhase(
      attack.metadata.name,
      'Running',
    )) as StoredExecution;
    const name = running.status?.executionRef?.name as string;
    const pod = (await client().get<V1Pod & KubeObject>(
      resources.pods,
      cluster.executionNamespace,
      name,
    )) as V1Pod;
    const spec = pod.spec;
    expect(spec?.serviceAccountName).toBe(runner);
    expect(spec?.automountServiceAccountToken).toBe(false);
    expect(spec?.enableServiceLinks).toBe(false);
    expect([spec?.hostNetwork, spec?.hostPID, spec?.hostIPC]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    // No Secret or token volume: only the writable /tmp.
    expect(spec?.volumes?.filter((v) => v.name !== 'tmp')).toEqual([]);
    expect(spec?.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
      expect(c.securityContext, c.name).toMatchObject({
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        readOnlyRootFilesystem: true,
      });
      expect(c.securityContext?.privileged, c.name).toBeUndefined();
      expect(c.envFrom, c.name).toBeUndefined();
      expect(c.env?.filter((e) => e.valueFrom) ?? [], c.name).toEqual([]);
      expect(
        c.volumeMounts?.map((m) => m.mountPath),
        c.name,
      ).toEqual(['/tmp']);
    }
    // The kubelet expands $(NAME) in env: the author's value is left as written, escaped.
    expect(spec?.initContainers?.[0]?.env).toContainEqual({
      name: 'X',
      value: '$$(KUBERNETES_SERVICE_HOST)',
    });
  });
});
