/**
 * Past 350 lines: the cases of one builder, buildPod, over one Task each case edits.
 */
import {
  ConfigurationError,
  type Dependencies,
  ExecutionForbiddenError,
  kubernautConventions,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { configurationIssuesOf, sampleExecution } from '@roundhouse/core/testing';
import { describe, expect, it } from 'vitest';
import { buildPod, type PodEngineSettings } from './pod-spec.js';

const steps = [
  { name: 'fetch', image: 'registry.example.com/git:2', script: 'git clone "$REPO" src' },
  {
    name: 'build',
    image: 'registry.example.com/make:4',
    script: 'make -C src',
    env: [{ name: 'MODE', value: 'release' }],
    workingDir: '/tmp',
  },
  { name: 'report', image: 'registry.example.com/curl:8', script: 'curl -fsS "$HOOK"' },
];

const wfe = (
  engineConfig: unknown = { steps },
  spec: Partial<WorkflowExecution['spec']> = {},
): WorkflowExecution => {
  const sample = sampleExecution({ spec: { executionEngine: 'pod', ...spec } });
  return {
    ...sample,
    metadata: { ...sample.metadata, uid: 'uid-1' },
    spec: { ...sample.spec, workflowRef: { ...sample.spec.workflowRef, engineConfig } as never },
  };
};

const settings = (overrides: Partial<PodEngineSettings> = {}): PodEngineSettings => ({
  conventions: roundhouseConventions,
  serviceAccountName: 'runner',
  securityProfile: 'restricted',
  allowedImages: ['registry.example.com/*'],
  ownerReference: false,
  ...overrides,
});

const restrictedContainer = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  readOnlyRootFilesystem: true,
  seccompProfile: { type: 'RuntimeDefault' },
};

describe('buildPod', () => {
  it('runs sequential steps as init containers, the last step as the main container', () => {
    const pod = buildPod(wfe(), 'workflows', undefined, settings());
    const baseEnv = [
      { name: 'TARGET_RESOURCE', value: 'default/deployment/my-app' },
      { name: 'MODE', value: 'fast' },
      { name: 'REPLICAS', value: '3' },
    ];
    const container = (name: string, image: string, script: string) => ({
      name,
      image,
      command: ['/bin/sh', '-e', '-c', script],
      env: [...baseEnv, { name: 'HOME', value: '/tmp' }, { name: 'TMPDIR', value: '/tmp' }],
      securityContext: restrictedContainer,
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    });
    expect(pod).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'wfe-c00449355dfb987a',
        namespace: 'workflows',
        labels: {
          'roundhouse.dev/workflow-execution': 'restart-api',
          'roundhouse.dev/workflow-id': 'restart-pod',
          'roundhouse.dev/target-resource': 'default__deployment__my-app',
          'roundhouse.dev/source-namespace': 'team-a',
          'roundhouse.dev/execution-engine': 'pod',
        },
        annotations: {
          'roundhouse.dev/target-resource': 'default/deployment/my-app',
          'roundhouse.dev/workflow-execution-uid': 'uid-1',
        },
        finalizers: ['roundhouse.dev/pod-result'],
      },
      spec: {
        enableServiceLinks: false,
        automountServiceAccountToken: false,
        restartPolicy: 'Never',
        serviceAccountName: 'runner',
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        initContainers: [
          // Every "$" doubled: the kubelet hands the script to the shell as written.
          container('fetch', 'registry.example.com/git:2', 'git clone "$$REPO" src'),
          {
            ...container('build', 'registry.example.com/make:4', 'make -C src'),
            workingDir: '/tmp',
            // The step's MODE replaces the parameter's in place.
            env: [
              baseEnv[0],
              { name: 'MODE', value: 'release' },
              baseEnv[2],
              { name: 'HOME', value: '/tmp' },
              { name: 'TMPDIR', value: '/tmp' },
            ],
          },
        ],
        containers: [container('report', 'registry.example.com/curl:8', 'curl -fsS "$$HOOK"')],
        volumes: [{ name: 'tmp', emptyDir: {} }],
      },
    });
  });

  it('escapes "$" in scripts and env values so the kubelet expands nothing', () => {
    const pod = buildPod(
      wfe(
        {
          steps: [
            {
              name: 'say',
              image: 'registry.example.com/sh:1',
              script: 'echo "$(MODE) $$ $(date)"',
              env: [{ name: 'GREETING', value: 'hi $(MODE)' }],
            },
          ],
        },
        { parameters: { MODE: 'pa$$word' } },
      ),
      'workflows',
      undefined,
      settings({ securityProfile: 'none' }),
    );
    const [container] = pod.spec?.containers ?? [];
    expect(container?.command).toEqual(['/bin/sh', '-e', '-c', 'echo "$$(MODE) $$$$ $$(date)"']);
    expect(container?.env).toEqual([
      { name: 'TARGET_RESOURCE', value: 'default/deployment/my-app' },
      { name: 'MODE', value: 'pa$$$$word' },
      { name: 'GREETING', value: 'hi $$(MODE)' },
    ]);
  });

  it("mounts no ServiceAccount token into the author's scripts unless the operator says so", () => {
    const token = (execution: WorkflowExecution, overrides: Partial<PodEngineSettings> = {}) =>
      buildPod(execution, 'w', undefined, settings(overrides)).spec?.automountServiceAccountToken;
    expect(token(wfe())).toBe(false);
    // A ServiceAccount the execution names runs the Pod, without its token: the policy let the
    // execution run as it, not its author hold its token.
    const named = wfe(undefined, { executionConfig: { serviceAccountName: 'deployer' } });
    expect(buildPod(named, 'w', undefined, settings()).spec).toMatchObject({
      serviceAccountName: 'deployer',
      automountServiceAccountToken: false,
    });
    // The operator's choice wins either way.
    expect(token(named, { pod: { automountServiceAccountToken: true } })).toBe(true);
    expect(token(wfe(), { pod: { automountServiceAccountToken: true } })).toBe(true);
  });

  it('refuses any Secret or ConfigMap unless mountDependencies, naming where it was listed', () => {
    const refusal = (execution: WorkflowExecution, dependencies: Dependencies) => {
      try {
        buildPod(execution, 'w', dependencies, settings());
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigurationError);
        return (error as ConfigurationError).issues;
      }
      throw new Error('built a Pod');
    };
    const secret = { secrets: [{ name: 'db' }] };
    const both = { secrets: [{ name: 'db' }], configMaps: [{ name: 'endpoints' }] };
    expect(refusal(wfe(undefined, { dependencies: both }), both)).toEqual([
      {
        path: 'spec.dependencies',
        message: expect.stringMatching(
          /^the pod engine runs the steps of the execution, its author's own scripts.*mountDependencies.*, or remove Secret db, ConfigMap endpoints$/,
        ),
      },
    ]);
    const inRef = wfe(undefined);
    const underRef = {
      ...inRef,
      spec: { ...inRef.spec, workflowRef: { ...inRef.spec.workflowRef, dependencies: secret } },
    };
    expect(refusal(underRef, secret)[0]?.path).toBe('spec.workflowRef.dependencies');
    // The spec lists none: the controller's catalog named them.
    expect(refusal(wfe(), secret)).toEqual([
      {
        path: '',
        message: expect.stringMatching(
          /^the controller's dependency catalog \(resolveDependencies\) named Secret db for workflow "[^"]+": the pod engine runs/,
        ),
      },
    ]);
    // Empty lists mount nothing and refuse nothing.
    expect(buildPod(wfe(), 'w', { secrets: [] }, settings()).spec?.volumes).toEqual([
      { name: 'tmp', emptyDir: {} },
    ]);
  });

  it("gives the steps no variables naming the namespace's Services under the restricted profile", () => {
    const links = (overrides: Partial<PodEngineSettings> = {}) =>
      buildPod(wfe(), 'w', undefined, settings(overrides)).spec;
    expect(links()?.enableServiceLinks).toBe(false);
    // No profile, as under the kubernaut preset: the field stays out and Kubernetes decides.
    expect(
      links({ conventions: kubernautConventions, securityProfile: 'none' }),
    ).not.toHaveProperty('enableServiceLinks');
    // The operator's choice wins.
    expect(links({ pod: { enableServiceLinks: true } })?.enableServiceLinks).toBe(true);
  });

  it('runs every step as a main container with parallel: true', () => {
    const pod = buildPod(wfe({ steps, parallel: true }), 'workflows', undefined, settings());
    expect(pod.spec?.initContainers).toBeUndefined();
    expect(pod.spec?.containers.map((c) => c.name)).toEqual(['fetch', 'build', 'report']);
  });

  it('has no init containers for a single step', () => {
    const pod = buildPod(wfe({ steps: [steps[0]] }), 'workflows', undefined, settings());
    expect(pod.spec?.initContainers).toBeUndefined();
    expect(pod.spec?.containers.map((c) => c.name)).toEqual(['fetch']);
  });

  it('sets activeDeadlineSeconds from the timeout, else the default', () => {
    const timed = wfe(undefined, { executionConfig: { timeout: '1m30s' } });
    expect(buildPod(timed, 'w', undefined, settings()).spec?.activeDeadlineSeconds).toBe(90);
    const fallback = buildPod(wfe(), 'w', undefined, settings({ defaultTimeout: '10m' }));
    expect(fallback.spec?.activeDeadlineSeconds).toBe(600);
    expect(buildPod(wfe(), 'w', undefined, settings()).spec?.activeDeadlineSeconds).toBeUndefined();
  });

  it('refuses a timeout longer than a pod deadline can be, naming the field', () => {
    const long = wfe(undefined, { executionConfig: { timeout: '600000h' } });
    expect(() => buildPod(long, 'w', undefined, settings())).toThrow(
      /spec\.executionConfig\.timeout: must be at most 2147483647s/,
    );
    const atLimit = wfe(undefined, { executionConfig: { timeout: '2147483647s' } });
    expect(buildPod(atLimit, 'w', undefined, settings()).spec?.activeDeadlineSeconds).toBe(
      2_147_483_647,
    );
  });

  it('mounts dependencies in every step with mountDependencies, with the kubernaut preset and no profile', () => {
    const pod = buildPod(
      wfe(),
      'kubernaut-workflows',
      { secrets: [{ name: 'db' }] },
      settings({
        conventions: kubernautConventions,
        securityProfile: 'none',
        mountDependencies: true,
      }),
    );
    expect(pod.metadata?.labels).toMatchObject({
      'kubernaut.ai/workflow-execution': 'restart-api',
      'kubernaut.ai/execution-engine': 'pod',
    });
    expect(pod.spec?.securityContext).toBeUndefined();
    expect(pod.spec?.volumes).toEqual([{ name: 'secret-db', secret: { secretName: 'db' } }]);
    for (const container of [
      ...(pod.spec?.initContainers ?? []),
      ...(pod.spec?.containers ?? []),
    ]) {
      expect(container.securityContext).toBeUndefined();
      expect(container.volumeMounts).toEqual([
        { name: 'secret-db', mountPath: '/run/kubernaut/secrets/db', readOnly: true },
      ]);
      expect(container.env?.some((e) => e.name === 'HOME' || e.name === 'TMPDIR')).toBe(false);
    }
  });

  it('lets operator labels and annotations through, but never over the owner labels', () => {
    const pod = buildPod(
      wfe(),
      'w',
      undefined,
      settings({
        podLabels: { team: 'a', 'roundhouse.dev/workflow-execution': 'someone-else' },
        podAnnotations: { note: 'x' },
      }),
    );
    expect(pod.metadata?.labels).toMatchObject({
      team: 'a',
      'roundhouse.dev/workflow-execution': 'restart-api',
    });
    expect(pod.metadata?.annotations).toMatchObject({ note: 'x' });
  });

  it('owns the Pod by the execution object when asked, in its own namespace only', () => {
    const owned = settings({ ownerReference: true });
    expect(buildPod(wfe(), 'team-a', undefined, owned).metadata?.ownerReferences).toEqual([
      {
        apiVersion: 'roundhouse.dev/v1alpha1',
        kind: 'WorkflowExecution',
        name: 'restart-api',
        uid: 'uid-1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(() => buildPod(wfe(), 'elsewhere', undefined, owned)).toThrow(ConfigurationError);
    const noUid = { ...wfe(), metadata: { name: 'x', namespace: 'team-a' } };
    expect(() => buildPod(noUid, 'team-a', undefined, owned)).toThrow(/metadata.uid/);
  });

  it('refuses an image the settings do not allow, naming the step', () => {
    const config = { steps: [steps[0], { ...steps[1], image: 'docker.io/library/busybox' }] };
    const refuse = () => buildPod(wfe(config), 'w', undefined, settings());
    expect(refuse).toThrow(ExecutionForbiddenError);
    expect(refuse).toThrow(/^spec\.workflowRef\.engineConfig\.steps\.1\.image: image/);
    expect(() => buildPod(wfe(), 'w', undefined, settings({ allowedImages: [] }))).toThrow(
      /allows none until configured/,
    );
    expect(buildPod(wfe(config), 'w', undefined, settings({ allowedImages: ['*'] })).kind).toBe(
      'Pod',
    );
  });

  it('refuses a step image not pinned to a digest when digests are required', () => {
    const pinned = settings({ requireDigest: true });
    const refuse = () => buildPod(wfe(), 'w', undefined, pinned);
    expect(refuse).toThrow(ExecutionForbiddenError);
    expect(refuse).toThrow(
      /^spec\.workflowRef\.engineConfig\.steps\.0\.image: this engine runs only step images pinned to a digest; use "registry\.example\.com\/git:2@sha256:\.\.\."$/,
    );
    const digest = `sha256:${'a'.repeat(64)}`;
    const all = steps.map((step) => ({ ...step, image: `${step.image}@${digest}` }));
    const pod = buildPod(wfe({ steps: all }), 'w', undefined, pinned);
    expect(pod.spec?.containers[0]?.image).toBe(`registry.example.com/curl:8@${digest}`);
    // Off by default: a tag runs as written.
    expect(buildPod(wfe(), 'w', undefined, settings()).kind).toBe('Pod');
  });

  it('throws ConfigurationError for bad steps before building anything', () => {
    expect(() => buildPod(wfe({ steps: [] }), 'w', undefined, settings())).toThrow(
      ConfigurationError,
    );
    const noSteps = sampleExecution({ spec: { executionEngine: 'pod' } });
    expect(() => buildPod(noSteps, 'w', undefined, settings())).toThrow(
      /engineConfig: is required/,
    );
  });
});

describe('buildPod: the size of the Pod', () => {
  // Every step carries the execution's parameters, so the Pod grows with steps × parameters:
  // past etcd's request limit the API server answers 500 InternalError, which looks passing
  // and would be retried for ever.
  const many = (count: number) =>
    Array.from({ length: count }, (_, i) => ({
      name: `step-${i}`,
      image: 'registry.example.com/tool:1',
      script: 'true',
    }));
  // Four values of 25 000 characters: each within what a WorkflowExecution allows.
  const big = {
    parameters: Object.fromEntries(['A', 'B', 'C', 'D'].map((k) => [k, 'x'.repeat(25_000)])),
  };

  it('refuses a Pod etcd could not store, naming the steps and the fix', () => {
    const refused = (() => {
      try {
        buildPod(wfe({ steps: many(20) }, big), 'w', undefined, settings());
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(ConfigurationError);
    expect((refused as ConfigurationError).issues).toEqual([
      {
        path: 'spec.workflowRef.engineConfig.steps',
        message: expect.stringMatching(
          /^make a Pod with its kubelet's status of 20\d{5} bytes, more than the 1572864 the API server can store: every one of the 20 steps carries the parameters and its script; use fewer steps or smaller parameter values and scripts$/,
        ),
      },
    ]);
  });

  it('refuses a Pod that fits only without the status its kubelet writes for every step', () => {
    // 100 scripts of 15 000 characters: about 1.52 MB of Pod, which the API server stores; the
    // kubelet's status for 100 containers would not fit beside it, and every write of it would be
    // refused, so no step would ever be seen to start or end.
    const scripts = many(100).map((step) => ({ ...step, script: 'x'.repeat(15_000) }));
    expect(() => buildPod(wfe({ steps: scripts }), 'w', undefined, settings())).toThrow(
      /^spec\.workflowRef\.engineConfig\.steps: make a Pod with its kubelet's status of 1\d{6} bytes, more than the 1572864/,
    );
    const fewer = buildPod(wfe({ steps: scripts.slice(0, 90) }), 'w', undefined, settings());
    expect(fewer.spec?.initContainers).toHaveLength(89);
  });

  it('refuses a script, a variable or a working directory the kernel would not start a step with, naming each', () => {
    // The API server stores these; the runtime's execve (E2BIG) or chdir (ENAMETOOLONG) then
    // fails the container, so the Pod would exist and never run its steps.
    const max = 131_071;
    const refused = [
      { ...steps[0], script: 'x'.repeat(max + 1) },
      { ...steps[1], env: [{ name: 'A', value: 'é'.repeat(65_535) }] },
      { ...steps[2], workingDir: `/tmp/${'d'.repeat(256)}` },
    ];
    const error = (() => {
      try {
        buildPod(wfe({ steps: refused }), 'w', undefined, settings());
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues.map((i) => i.path)).toEqual([
      'spec.workflowRef.engineConfig.steps.0.script',
      'spec.workflowRef.engineConfig.steps.1.env.0.value',
      'spec.workflowRef.engineConfig.steps.2.workingDir',
    ]);
    expect((error as ConfigurationError).issues[0]?.message).toBe(
      'is 131072 bytes; the kernel passes at most 131071 bytes as one argument, and the step runs as `sh -c <script>`: put the rest in the image, or have the script fetch it',
    );
    // Counted as the kernel counts them, in bytes: A=<65 535 two-byte characters> is 131 072.
    expect((error as ConfigurationError).issues[1]?.message).toMatch(
      /^makes A=<value> 131072 bytes/,
    );
    expect(() =>
      buildPod(
        wfe({ steps: [{ ...steps[0], workingDir: `/${'d/'.repeat(2048)}` }] }),
        'w',
        undefined,
        settings(),
      ),
    ).toThrow(/steps\.0\.workingDir: is longer than a directory the kernel can enter/);
    // Just within every limit, the Pod is built; "$" doubled for the kubelet is not counted.
    const fits = [
      { ...steps[0], script: '$'.repeat(max) },
      { ...steps[1], env: [{ name: 'A', value: 'x'.repeat(max - 2) }] },
      { ...steps[2], workingDir: `${`/${'d'.repeat(255)}`.repeat(15)}/${'e'.repeat(254)}` },
    ];
    const pod = buildPod(wfe({ steps: fits }), 'w', undefined, settings());
    expect(pod.spec?.containers[0]?.workingDir).toHaveLength(4095);
  });

  it('builds a large Pod that fits', () => {
    const pod = buildPod(wfe({ steps: many(12) }, big), 'w', undefined, settings());
    expect(pod.spec?.initContainers).toHaveLength(11);
  });
});

describe('buildPod: workflowRef.resources', () => {
  const asking = (
    resources: NonNullable<WorkflowExecution['spec']['workflowRef']['resources']>,
  ) => {
    const base = wfe();
    return {
      ...base,
      spec: { ...base.spec, workflowRef: { ...base.spec.workflowRef, resources } },
    };
  };

  it("gives every step the execution's resources over the engine's", () => {
    const pod = buildPod(
      asking({ requests: { cpu: '200m' } }),
      'workflows',
      undefined,
      settings({ resources: { requests: { cpu: '50m', memory: '32Mi' } } }),
    );
    const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
    expect(all).toHaveLength(steps.length);
    for (const container of all) {
      expect(container.resources).toEqual({ requests: { cpu: '200m', memory: '32Mi' } });
    }
  });

  it("bounds the whole Pod by the engine's limits: parallel steps share them", () => {
    const limited = settings({ resources: { limits: { cpu: '3', memory: '3Gi' } } });
    const sizes = (pod: ReturnType<typeof buildPod>) =>
      [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map(
        (c) => c.resources,
      );
    // In order, one step runs at a time: each may use all of it.
    expect(sizes(buildPod(wfe(), 'w', undefined, limited))).toEqual(
      Array(3).fill({ limits: { cpu: '3', memory: '3Gi' } }),
    );
    const parallel = wfe({ steps, parallel: true });
    expect(sizes(buildPod(parallel, 'w', undefined, limited))).toEqual(
      Array(3).fill({ limits: { cpu: '1000m', memory: '1Gi' } }),
    );
    // What the execution asks for, within the limits, is the Pod's too.
    const asked = {
      ...parallel,
      spec: {
        ...parallel.spec,
        workflowRef: { ...parallel.spec.workflowRef, resources: { limits: { memory: '30Mi' } } },
      },
    };
    expect(() => buildPod(asked, 'w', undefined, limited)).toThrow(
      /^spec\.workflowRef\.resources\.limits\.memory: parallel steps share the Pod's 30Mi of memory: 3 steps leave each 10Mi, less than the 12Mi/,
    );
  });

  it('refuses a limit a step cannot start with, in order as in parallel', () => {
    const issues = (run: () => unknown) =>
      configurationIssuesOf(run).map(({ path, message }) => `${path}: ${message}`);
    // In order, each step gets the whole 8Mi: less than runc needs to start a container.
    expect(
      issues(() =>
        buildPod(asking({ limits: { memory: '8Mi' } }), 'workflows', undefined, settings()),
      ),
    ).toEqual([
      "spec.workflowRef.resources.limits.memory: each step gets the Pod's 8Mi of memory, less than the 12Mi a container can run with; give the Pod more memory",
    ]);
    const small = settings({ resources: { limits: { cpu: '5m' } } });
    expect(issues(() => buildPod(wfe(), 'workflows', undefined, small))).toEqual([
      "resources.limits.cpu: each step gets the Pod's 5m of cpu, less than the 10m a container can run with; give the Pod more cpu",
    ]);
    // The least itself starts; a limit of 0 is none at all to the kubelet.
    const runnable: Record<string, string>[] = [{ memory: '12Mi', cpu: '10m' }, { memory: '0' }];
    for (const limits of runnable) {
      const pod = buildPod(asking({ limits }), 'workflows', undefined, settings());
      expect(pod.spec?.containers[0]?.resources).toEqual({ limits });
    }
  });

  it('refuses a resource no container may ask for, which the execution parsed with', () => {
    const pod = () =>
      buildPod(asking({ requests: { foo: '1' } }), 'workflows', undefined, settings());
    expect(pod).toThrow(ConfigurationError);
    expect(pod).toThrow(
      /^spec\.workflowRef\.resources\.requests\.foo: foo is not a resource a container can ask for/,
    );
  });

  it("leaves a limit or cpu and memory that a namespace's LimitRange may supply to the API server", () => {
    const resources = (pod: ReturnType<typeof buildPod>) =>
      pod.spec?.initContainers?.[0]?.resources;
    expect(
      resources(
        buildPod(asking({ requests: { 'example.com/gpu': '1' } }), 'w', undefined, settings()),
      ),
    ).toEqual({ requests: { 'example.com/gpu': '1' } });
    expect(
      resources(
        buildPod(asking({ limits: { 'hugepages-2Mi': '2Mi' } }), 'w', undefined, settings()),
      ),
    ).toEqual({ limits: { 'hugepages-2Mi': '2Mi' } });
  });

  it("refuses resources past the engine's limit", () => {
    expect(() =>
      buildPod(
        asking({ requests: { memory: '2Gi' } }),
        'workflows',
        undefined,
        settings({ resources: { limits: { memory: '1Gi' } } }),
      ),
    ).toThrow(ExecutionForbiddenError);
  });
});
