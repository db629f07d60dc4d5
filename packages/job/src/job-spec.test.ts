/**
 * Past 350 lines: the cases of one builder, buildJob, under both presets and profiles, over one
 * execution each case edits.
 */
import {
  ConfigurationError,
  ExecutionForbiddenError,
  kubernautConventions,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { describe, expect, it } from 'vitest';
import { buildJob, type JobSettings, jobPodsSelector } from './job-spec.js';

const wfe = (spec: Partial<WorkflowExecution['spec']> = {}): WorkflowExecution =>
  sampleExecution({ spec });

/** The execution with no uid, whose annotation kubernaut's own controller never writes. */
const withoutUid = ({ metadata: { uid: _, ...metadata }, ...rest }: WorkflowExecution) => ({
  ...rest,
  metadata,
});

const settings = (overrides: Partial<JobSettings> = {}): JobSettings => ({
  conventions: roundhouseConventions,
  serviceAccountName: 'runner',
  ttlSecondsAfterFinished: 600,
  securityProfile: 'restricted',
  ...overrides,
});

describe('buildJob', () => {
  it('leaves a finished Job to whoever deletes it when no TTL is set', () => {
    const job = buildJob(
      wfe(),
      'workflows',
      undefined,
      settings({ ttlSecondsAfterFinished: undefined }),
    );
    expect(job.spec).not.toHaveProperty('ttlSecondsAfterFinished');
  });

  it('builds the restricted default Job', () => {
    expect(buildJob(wfe(), 'workflows', undefined, settings())).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'wfe-c00449355dfb987a',
        namespace: 'workflows',
        labels: {
          'roundhouse.dev/workflow-execution': 'restart-api',
          'roundhouse.dev/workflow-id': 'restart-pod',
          'roundhouse.dev/target-resource': 'default__deployment__my-app',
          'roundhouse.dev/source-namespace': 'team-a',
          'roundhouse.dev/execution-engine': 'job',
        },
        annotations: {
          'roundhouse.dev/target-resource': 'default/deployment/my-app',
          'roundhouse.dev/workflow-execution-uid': 'uid-team-a-restart-api',
        },
      },
      spec: {
        backoffLimit: 0,
        ttlSecondsAfterFinished: 600,
        template: {
          metadata: {
            labels: {
              'roundhouse.dev/workflow-execution': 'restart-api',
              'roundhouse.dev/execution-engine': 'job',
            },
            annotations: { 'roundhouse.dev/workflow-execution-uid': 'uid-team-a-restart-api' },
          },
          spec: {
            enableServiceLinks: false,
            restartPolicy: 'Never',
            serviceAccountName: 'runner',
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'workflow',
                image: 'quay.io/acme/restart:1',
                env: [
                  { name: 'TARGET_RESOURCE', value: 'default/deployment/my-app' },
                  { name: 'MODE', value: 'fast' },
                  { name: 'REPLICAS', value: '3' },
                  { name: 'HOME', value: '/tmp' },
                  { name: 'TMPDIR', value: '/tmp' },
                ],
                securityContext: {
                  runAsNonRoot: true,
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ['ALL'] },
                  readOnlyRootFilesystem: true,
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    });
  });

  it("reproduces kubernaut's labels and mount paths with the kubernaut preset", () => {
    const job = buildJob(
      withoutUid(wfe()),
      'kubernaut-workflows',
      { secrets: [{ name: 'db' }], configMaps: [{ name: 'settings' }] },
      settings({ conventions: kubernautConventions, securityProfile: 'none' }),
    );
    expect(job.metadata?.labels).toEqual({
      'kubernaut.ai/workflow-execution': 'restart-api',
      'kubernaut.ai/workflow-id': 'restart-pod',
      'kubernaut.ai/target-resource': 'default__deployment__my-app',
      'kubernaut.ai/source-namespace': 'team-a',
      'kubernaut.ai/execution-engine': 'job',
    });
    expect(job.metadata?.annotations).toEqual({
      'kubernaut.ai/target-resource': 'default/deployment/my-app',
    });
    const pod = job.spec?.template.spec;
    expect(pod?.securityContext).toBeUndefined();
    expect(pod?.volumes).toEqual([
      { name: 'secret-db', secret: { secretName: 'db' } },
      { name: 'configmap-settings', configMap: { name: 'settings' } },
    ]);
    expect(pod?.containers[0]?.volumeMounts).toEqual([
      { name: 'secret-db', mountPath: '/run/kubernaut/secrets/db', readOnly: true },
      {
        name: 'configmap-settings',
        mountPath: '/run/kubernaut/configmaps/settings',
        readOnly: true,
      },
    ]);
    expect(pod?.containers[0]?.env?.map((e) => e.name)).toEqual([
      'TARGET_RESOURCE',
      'MODE',
      'REPLICAS',
    ]);
  });

  it("runs the bundle of kubernaut's job test executions, pinned to a short fake digest, as it is", () => {
    const fixture = wfe({
      workflowRef: {
        workflowId: 'test-workflow',
        version: 'v1',
        executionBundle: 'ghcr.io/kubernaut/workflows/test@sha256:abc123',
      },
    });
    const job = buildJob(
      fixture,
      'workflows',
      undefined,
      settings({ conventions: kubernautConventions }),
    );
    expect(job.spec?.template.spec?.containers[0]?.image).toBe(
      'ghcr.io/kubernaut/workflows/test@sha256:abc123',
    );
  });

  it("turns service links off under the restricted profile; the kubernaut preset's Job leaves them to Kubernetes", () => {
    const restricted = buildJob(wfe(), 'ns', undefined, settings()).spec?.template.spec;
    expect(restricted?.enableServiceLinks).toBe(false);
    // kubernaut's Job sets no enableServiceLinks: the field stays out, not true.
    const kubernaut = buildJob(
      withoutUid(wfe()),
      'kubernaut-workflows',
      undefined,
      settings({ conventions: kubernautConventions, securityProfile: 'none' }),
    ).spec?.template.spec;
    expect(kubernaut).not.toHaveProperty('enableServiceLinks');
  });

  it('gives service links back to an operator who sets them in the pod settings', () => {
    const pod = buildJob(wfe(), 'ns', undefined, settings({ pod: { enableServiceLinks: true } }))
      .spec?.template.spec;
    expect(pod?.enableServiceLinks).toBe(true);
    expect(pod?.securityContext).toEqual({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  it("honours the execution's timeout and service account", () => {
    const job = buildJob(
      wfe({ executionConfig: { timeout: '1h30m', serviceAccountName: 'custom-sa' } }),
      'ns',
      undefined,
      settings({ defaultTimeout: '10m' }),
    );
    expect(job.spec?.activeDeadlineSeconds).toBe(5400);
    expect(job.spec?.template.spec?.serviceAccountName).toBe('custom-sa');
  });

  it('falls back to the executor default timeout, rounding up to whole seconds', () => {
    expect(
      buildJob(wfe(), 'ns', undefined, settings({ defaultTimeout: '1500ms' })).spec
        ?.activeDeadlineSeconds,
    ).toBe(2);
    expect(buildJob(wfe(), 'ns', undefined, settings()).spec).not.toHaveProperty(
      'activeDeadlineSeconds',
    );
  });

  it.each(['0s', '-5m'])('rejects the timeout %s naming the field', (timeout) => {
    expect(() =>
      buildJob(wfe({ executionConfig: { timeout } }), 'ns', undefined, settings()),
    ).toThrow(/spec\.executionConfig\.timeout: .* is not a positive Go duration/);
  });

  it('pins the image by digest', () => {
    const job = buildJob(
      wfe({
        workflowRef: {
          workflowId: 'w',
          version: '1',
          executionBundle: 'quay.io/acme/restart:1',
          executionBundleDigest:
            'sha256:0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd',
        },
      }),
      'ns',
      undefined,
      settings(),
    );
    expect(job.spec?.template.spec?.containers[0]?.image).toBe(
      'quay.io/acme/restart:1@sha256:0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd',
    );
  });

  it('lets overrides refine the security context and add pod settings', () => {
    const job = buildJob(
      wfe(),
      'ns',
      undefined,
      settings({
        containerSecurityContext: { readOnlyRootFilesystem: false, runAsUser: 1000 },
        pod: {
          nodeSelector: { pool: 'batch' },
          priorityClassName: 'low',
          automountServiceAccountToken: false,
        },
        resources: { limits: { memory: '256Mi' } },
        podAnnotations: { 'example.com/a': 'b' },
      }),
    );
    const pod = job.spec?.template.spec;
    expect(pod?.containers[0]?.securityContext).toMatchObject({
      readOnlyRootFilesystem: false,
      runAsUser: 1000,
      allowPrivilegeEscalation: false,
    });
    // Without a read-only root there is no need for the /tmp volume, HOME or TMPDIR.
    expect(pod?.volumes).toBeUndefined();
    expect(pod?.containers[0]?.env?.map((e) => e.name)).not.toContain('HOME');
    expect(pod?.containers[0]?.env?.map((e) => e.name)).not.toContain('TMPDIR');
    expect(pod?.nodeSelector).toEqual({ pool: 'batch' });
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(pod?.containers[0]?.resources).toEqual({ limits: { memory: '256Mi' } });
    expect(job.spec?.template.metadata?.annotations).toEqual({
      'example.com/a': 'b',
      'roundhouse.dev/workflow-execution-uid': 'uid-team-a-restart-api',
    });
  });

  it('UT-WE-054-JOB-015: points HOME and TMPDIR at the writable /tmp volume under a read-only root', () => {
    const job = buildJob(
      withoutUid(wfe()),
      'kubernaut-workflows',
      undefined,
      settings({ conventions: kubernautConventions }),
    );
    const pod = job.spec?.template.spec;
    expect(pod?.volumes).toContainEqual({ name: 'tmp', emptyDir: {} });
    expect(pod?.containers[0]?.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    const env = pod?.containers[0]?.env ?? [];
    expect(env).toContainEqual({ name: 'HOME', value: '/tmp' });
    expect(env).toContainEqual({ name: 'TMPDIR', value: '/tmp' });
  });

  it('keeps a TMPDIR parameter instead of overriding it', () => {
    const env = buildJob(wfe({ parameters: { TMPDIR: '/work/tmp' } }), 'ns', undefined, settings())
      .spec?.template.spec?.containers[0]?.env;
    expect(env?.filter((e) => e.name === 'HOME')).toEqual([{ name: 'HOME', value: '/tmp' }]);
    expect(env?.filter((e) => e.name === 'TMPDIR')).toEqual([
      { name: 'TMPDIR', value: '/work/tmp' },
    ]);
  });

  it('refuses a Job too large to store, which doubling every "$" can make of an execution that fit', () => {
    // 1.28 MB of parameters: an execution the API server stores, a Job of 2.6 MB it would not.
    const parameters = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`P${i}`, '$'.repeat(32_000)]),
    );
    expect(() => buildJob(wfe({ parameters }), 'ns', undefined, settings())).toThrowError(
      /^spec\.parameters: make a Job of 25\d{5} bytes as stored \(its managedFields and status included\), more than the 1572864 the API server can store: .*use smaller parameter values$/,
    );
  });

  it("names the embedding controller's containerCommand when its arguments, each one the kernel passes, make the Job too large to store", () => {
    // Sixteen arguments of 100 KB, each under the kernel's limit for one: 1.6 MB, more than the
    // API server stores.
    const args = Array.from({ length: 16 }, () => 'x'.repeat(100_000));
    const embedded = settings({ containerCommand: () => ({ args }) });
    expect(() => buildJob(wfe(), 'ns', undefined, embedded)).toThrowError(
      /^spec\.parameters: make a Job of 1\d{6} bytes as stored .*: .*use smaller parameter values, or have the embedding controller's containerCommand pass fewer or shorter arguments$/,
    );
  });

  it('refuses a Job whose JSON fits but whose managedFields, one entry per variable, take it past what etcd stores', () => {
    // 256 parameters of 200-character names: the API server's managedFields name each variable
    // in a key of its own, some 65 KB on top of the Job's JSON.
    const names = Array.from({ length: 256 }, (_, i) => `P${String(i).padStart(199, '0')}`);
    const value = 'x'.repeat(5_850);
    const parameters = Object.fromEntries(names.map((name) => [name, value]));
    const small = Object.fromEntries(names.map((name) => [name, '']));
    const json = JSON.stringify(buildJob(wfe({ parameters: small }), 'ns', undefined, settings()));
    // The same Job's JSON alone is under the limit.
    expect(json.length + names.length * value.length).toBeLessThan(1_572_864);
    expect(() => buildJob(wfe({ parameters }), 'ns', undefined, settings())).toThrowError(
      /^spec\.parameters: make a Job of 1\d{6} bytes as stored \(its managedFields and status included\), more than the 1572864 the API server can store: .*use smaller parameter values$/,
    );
  });

  it('escapes "$" in env values so the kubelet passes the parameters on unexpanded', () => {
    const env = buildJob(
      wfe({
        targetResource: 'ns/deployment/$app',
        parameters: { PASSWORD: 'pa$$word', ECHO: '$(TARGET_RESOURCE)' },
      }),
      'ns',
      undefined,
      settings(),
    ).spec?.template.spec?.containers[0]?.env;
    expect(env).toEqual([
      { name: 'TARGET_RESOURCE', value: 'ns/deployment/$$app' },
      { name: 'ECHO', value: '$$(TARGET_RESOURCE)' },
      { name: 'PASSWORD', value: 'pa$$$$word' },
      { name: 'HOME', value: '/tmp' },
      { name: 'TMPDIR', value: '/tmp' },
    ]);
  });

  it("runs the image's entrypoint unless the embedding controller names a command", () => {
    const plain = buildJob(wfe(), 'w', undefined, settings()).spec?.template.spec?.containers[0];
    expect(plain?.command).toBeUndefined();
    expect(plain?.args).toBeUndefined();
    const decided = settings({
      containerCommand: (execution) => ({
        command: ['python', '-m', 'task'],
        args: ['--target', execution.spec.targetResource, '$(HOME)'],
      }),
    });
    const container = buildJob(wfe(), 'w', undefined, decided).spec?.template.spec?.containers[0];
    expect(container?.command).toEqual(['python', '-m', 'task']);
    expect(container?.args).toEqual(['--target', 'default/deployment/my-app', '$$(HOME)']);
  });

  it('rejects bad parameters and dependencies before anything is built', () => {
    expect(() =>
      buildJob(wfe({ parameters: { TARGET_RESOURCE: 'x' } }), 'ns', undefined, settings()),
    ).toThrow(ConfigurationError);
    expect(() => buildJob(wfe(), 'ns', { secrets: [{ name: 'Not Valid' }] }, settings())).toThrow(
      /dependencies\.secrets\[0\]\.name/,
    );
  });

  it('is deterministic', () => {
    const deps = { secrets: [{ name: 'a' }] };
    expect(buildJob(wfe(), 'ns', deps, settings())).toEqual(
      buildJob(wfe(), 'ns', deps, settings()),
    );
  });
});

describe("buildJob: kubernaut's catalog-snapshot fields", () => {
  const snapshot = (fields: Partial<WorkflowExecution['spec']['workflowRef']>) =>
    wfe({ workflowRef: { ...sampleExecution().spec.workflowRef, ...fields } });

  it("runs as workflowRef.serviceAccountName and gives the container workflowRef.resources over the engine's", () => {
    const job = buildJob(
      snapshot({
        serviceAccountName: 'restarter',
        resources: { requests: { cpu: '250m' }, limits: { memory: '128Mi' } },
      }),
      'ns',
      undefined,
      settings({ resources: { requests: { cpu: '100m', memory: '64Mi' } } }),
    );
    const pod = job.spec?.template.spec;
    expect(pod?.serviceAccountName).toBe('restarter');
    expect(pod?.containers[0]?.resources).toEqual({
      requests: { cpu: '250m', memory: '64Mi' },
      limits: { memory: '128Mi' },
    });
  });

  it("refuses resources past the engine's limit before anything is built", () => {
    expect(() =>
      buildJob(
        snapshot({ resources: { limits: { memory: '8Gi' } } }),
        'ns',
        undefined,
        settings({ resources: { limits: { memory: '1Gi' } } }),
      ),
    ).toThrow(/8Gi of memory is more than the 1Gi this engine allows/);
  });

  it('refuses a resource the operator set no limit for, once it limits any, naming the field', () => {
    const build = () =>
      buildJob(
        snapshot({ resources: { limits: { memory: '512Mi', 'nvidia.com/gpu': '8' } } }),
        'ns',
        undefined,
        settings({ resources: { limits: { cpu: '2', memory: '1Gi' } } }),
      );
    expect(build).toThrow(ExecutionForbiddenError);
    expect(build).toThrow(
      /^spec\.workflowRef\.resources\.limits\.nvidia\.com\/gpu: this engine sets no limit for nvidia\.com\/gpu/,
    );
  });
});

describe('buildJob: identity', () => {
  it('runs as the default runner when the execution names an empty service account', () => {
    const job = buildJob(
      wfe({ executionConfig: { serviceAccountName: '' } }),
      'ns',
      undefined,
      settings(),
    );
    expect(job.spec?.template.spec?.serviceAccountName).toBe('runner');
  });

  it('refuses a repository URL as the image, naming the field', () => {
    expect(() =>
      buildJob(
        wfe({
          workflowRef: {
            workflowId: 'w',
            version: '1',
            executionBundle: 'https://github.com/acme/playbooks.git',
          },
        }),
        'ns',
        undefined,
        settings(),
      ),
    ).toThrow(
      expect.objectContaining({
        reason: 'ConfigurationError',
        issues: [expect.objectContaining({ path: 'spec.workflowRef.executionBundle' })],
      }),
    );
  });
});

describe('jobPodsSelector', () => {
  it.each([
    [
      'roundhouse',
      roundhouseConventions,
      'roundhouse.dev/workflow-execution,roundhouse.dev/execution-engine=job',
    ],
    [
      'kubernaut',
      kubernautConventions,
      'kubernaut.ai/workflow-execution,kubernaut.ai/execution-engine=job',
    ],
  ] as const)(
    'selects the pods of every Job built under the %s conventions',
    (_, conventions, selector) => {
      expect(jobPodsSelector(conventions)).toBe(selector);
      // An operator's pod labels cannot take the owner labels away from the pods.
      const podLabels = { [`${conventions.labelPrefix}execution-engine`]: 'other', team: 'a' };
      const job = buildJob(wfe(), 'workflows', undefined, settings({ conventions, podLabels }));
      const labels: Record<string, string> = job.spec?.template.metadata?.labels ?? {};
      for (const term of selector.split(',')) {
        const [key = '', value] = term.split('=');
        if (value === undefined) expect(labels[key]).toBeDefined();
        else expect(labels[key]).toBe(value);
      }
    },
  );
});
