/**
 * Just past 350 lines: the cases of one builder, buildPipelineRun, under both presets, over one
 * execution each case edits.
 */
import {
  ConfigurationError,
  kubernautConventions,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { describe, expect, it } from 'vitest';
import {
  buildPipelineRun,
  type PipelineRunSettings,
  pipelineTimeout,
} from './pipeline-run-spec.js';

const wfe = (spec: Partial<WorkflowExecution['spec']> = {}): WorkflowExecution =>
  sampleExecution({
    spec: {
      workflowRef: {
        workflowId: 'restart-pod',
        version: '1',
        executionBundle: 'quay.io/acme/restart-bundle:1',
      },
      executionEngine: 'tekton',
      ...spec,
    },
  });

/** The execution with no uid, whose annotation kubernaut's own controller never writes. */
const withoutUid = ({ metadata: { uid: _, ...metadata }, ...rest }: WorkflowExecution) => ({
  ...rest,
  metadata,
});

const settings = (overrides: Partial<PipelineRunSettings> = {}): PipelineRunSettings => ({
  conventions: roundhouseConventions,
  serviceAccountName: 'runner',
  pipelineName: 'workflow',
  ...overrides,
});

/** kubernaut's restricted pod context (BR-WE-018, executor/security.go), the engine's default. */
const restrictedPodTemplate = {
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
};

/** "$" as text: a shell's `${X}`, which neither Tekton nor the kubelet expands, among others. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: the text is the point
const dollars = 'costs $5 (or ${X}, $$, $ (x))';

/** What both presets build alike from wfe(): its bundle's Pipeline, and its parameters. */
const sampleSpec = {
  pipelineRef: {
    resolver: 'bundles',
    params: [
      { name: 'bundle', value: 'quay.io/acme/restart-bundle:1' },
      { name: 'name', value: 'workflow' },
      { name: 'kind', value: 'pipeline' },
    ],
  },
  params: [
    { name: 'MODE', value: 'fast' },
    { name: 'REPLICAS', value: '3' },
    { name: 'TARGET_RESOURCE', value: 'default/deployment/my-app' },
  ],
};

describe('buildPipelineRun', () => {
  it('builds the default PipelineRun', () => {
    expect(buildPipelineRun(wfe(), 'workflows', undefined, settings())).toEqual({
      apiVersion: 'tekton.dev/v1',
      kind: 'PipelineRun',
      metadata: {
        name: 'wfe-c00449355dfb987a',
        namespace: 'workflows',
        labels: {
          'roundhouse.dev/workflow-execution': 'restart-api',
          'roundhouse.dev/workflow-id': 'restart-pod',
          'roundhouse.dev/target-resource': 'default__deployment__my-app',
          'roundhouse.dev/source-namespace': 'team-a',
          'roundhouse.dev/execution-engine': 'tekton',
        },
        annotations: {
          'roundhouse.dev/target-resource': 'default/deployment/my-app',
          'roundhouse.dev/workflow-execution-uid': 'uid-team-a-restart-api',
        },
      },
      spec: {
        ...sampleSpec,
        taskRunTemplate: { serviceAccountName: 'runner', podTemplate: restrictedPodTemplate },
      },
    });
  });

  it("equals kubernaut's PipelineRun with the kubernaut preset", () => {
    const run = buildPipelineRun(
      withoutUid(wfe()),
      'kubernaut-workflows',
      { secrets: [{ name: 'db' }], configMaps: [{ name: 'settings' }, { name: 'extra' }] },
      settings({
        conventions: kubernautConventions,
        serviceAccountName: kubernautConventions.defaultServiceAccountName,
      }),
    );
    // kubernaut's TektonExecutor (pkg/workflowexecution/executor/tekton.go) writes exactly this,
    // except that its parameter order is random; TARGET_RESOURCE comes last in both.
    expect(run).toEqual({
      apiVersion: 'tekton.dev/v1',
      kind: 'PipelineRun',
      metadata: {
        name: 'wfe-c00449355dfb987a',
        namespace: 'kubernaut-workflows',
        labels: {
          'kubernaut.ai/workflow-execution': 'restart-api',
          'kubernaut.ai/workflow-id': 'restart-pod',
          'kubernaut.ai/target-resource': 'default__deployment__my-app',
          'kubernaut.ai/source-namespace': 'team-a',
        },
        annotations: { 'kubernaut.ai/target-resource': 'default/deployment/my-app' },
      },
      spec: {
        ...sampleSpec,
        workspaces: [
          { name: 'secret-db', secret: { secretName: 'db' } },
          { name: 'configmap-settings', configMap: { name: 'settings' } },
          { name: 'configmap-extra', configMap: { name: 'extra' } },
        ],
        taskRunTemplate: {
          serviceAccountName: 'kubernaut-workflow-runner',
          podTemplate: restrictedPodTemplate,
        },
      },
    });
  });

  it("resolves the bundle of kubernaut's tekton test executions, pinned to a short fake digest, as it is", () => {
    const fixture = wfe({
      workflowRef: {
        workflowId: 'test-workflow',
        version: 'v1',
        executionBundle: 'ghcr.io/kubernaut/workflows/test@sha256:abc123',
      },
    });
    const run = buildPipelineRun(
      fixture,
      'kubernaut-workflows',
      undefined,
      settings({ conventions: kubernautConventions }),
    );
    expect(run.spec.pipelineRef.params).toContainEqual({
      name: 'bundle',
      value: 'ghcr.io/kubernaut/workflows/test@sha256:abc123',
    });
  });

  it('passes TARGET_RESOURCE alone when there are no parameters', () => {
    const { parameters: _, ...spec } = wfe().spec;
    const run = buildPipelineRun({ ...wfe(), spec }, 'ns', undefined, settings());
    expect(run.spec.params).toEqual([
      { name: 'TARGET_RESOURCE', value: 'default/deployment/my-app' },
    ]);
  });

  it('sorts parameters by code point', () => {
    const run = buildPipelineRun(
      wfe({ parameters: { b: '1', C: '2', _x: '3', A_1: '4' } }),
      'ns',
      undefined,
      settings(),
    );
    expect(run.spec.params.map((p) => p.name)).toEqual(['A_1', 'C', '_x', 'b', 'TARGET_RESOURCE']);
  });

  it('refuses parameters Tekton takes for one another, letter case aside, before sending anything', () => {
    const build = () =>
      buildPipelineRun(
        wfe({ parameters: { mode: 'a', MODE: 'b', Mode: 'c', target_resource: 'x', OK: '1' } }),
        'ns',
        undefined,
        settings(),
      );
    expect(build).toThrow(ConfigurationError);
    const issues = (() => {
      try {
        build();
      } catch (e) {
        return (e as ConfigurationError).issues;
      }
    })();
    expect(issues?.map((i) => i.path)).toEqual([
      'spec.parameters.Mode',
      'spec.parameters.mode',
      'spec.parameters.target_resource',
    ]);
    expect(issues?.[0]?.message).toMatch(/differs from parameter MODE only in letter case/);
    expect(issues?.[2]?.message).toMatch(
      /differs from TARGET_RESOURCE, which the engine always sets/,
    );
  });

  it('rejects a TARGET_RESOURCE parameter naming the field', () => {
    const build = () =>
      buildPipelineRun(wfe({ parameters: { TARGET_RESOURCE: 'x' } }), 'ns', undefined, settings());
    expect(build).toThrow(ConfigurationError);
    expect(build).toThrow(/spec\.parameters\.TARGET_RESOURCE: TARGET_RESOURCE is reserved/);
  });

  it('refuses every parameter value Tekton or the kubelet would expand, naming each, never its value', () => {
    const build = () =>
      buildPipelineRun(
        wfe({
          parameters: {
            MESSAGE: 'token: $(tasks.fetch.results.token)',
            NOTE: '$(DB_PASSWORD)',
            PLAIN: dollars,
          },
        }),
        'ns',
        undefined,
        settings(),
      );
    const error = (() => {
      try {
        build();
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues.map((i) => i.path)).toEqual([
      'spec.parameters.MESSAGE',
      'spec.parameters.NOTE',
    ]);
    expect((error as Error).message).toContain('pass the value without "$("');
    expect((error as Error).message).not.toMatch(/tasks\.fetch|DB_PASSWORD/);
  });

  it('passes a value with "$" but no "$(" as it is', () => {
    const run = buildPipelineRun(
      wfe({ parameters: { PLAIN: dollars } }),
      'ns',
      undefined,
      settings(),
    );
    expect(run.spec.params[0]).toEqual({ name: 'PLAIN', value: dollars });
  });

  it('rejects a bad dependency naming the field', () => {
    expect(() =>
      buildPipelineRun(wfe(), 'ns', { configMaps: [{ name: 'Bad Name' }] }, settings()),
    ).toThrow(/dependencies\.configMaps\[0\]\.name/);
  });

  it('pins the bundle by digest and resolves the configured pipeline', () => {
    const run = buildPipelineRun(
      wfe({
        workflowRef: {
          workflowId: 'w',
          version: '1',
          executionBundle: 'quay.io/acme/restart-bundle:1',
          executionBundleDigest:
            'sha256:0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd',
        },
      }),
      'ns',
      undefined,
      settings({ pipelineName: 'restart' }),
    );
    expect(run.spec.pipelineRef.params).toEqual([
      {
        name: 'bundle',
        value:
          'quay.io/acme/restart-bundle:1@sha256:0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd0123abcd',
      },
      { name: 'name', value: 'restart' },
      { name: 'kind', value: 'pipeline' },
    ]);
  });

  it.each([
    ['executionBundleDigest', 'quay.io/acme/restart-bundle:1', `sha512:${'a'.repeat(128)}`],
    ['executionBundle', `quay.io/acme/restart-bundle@sha384:${'b'.repeat(96)}`, undefined],
  ])(
    "refuses a digest Tekton's bundles resolver cannot pull by, naming %s",
    (field, executionBundle, executionBundleDigest) => {
      const build = () =>
        buildPipelineRun(
          wfe({
            workflowRef: {
              workflowId: 'w',
              version: '1',
              executionBundle,
              ...(executionBundleDigest ? { executionBundleDigest } : {}),
            },
          }),
          'ns',
          undefined,
          settings(),
        );
      expect(build).toThrow(ConfigurationError);
      expect(build).toThrow(`spec.workflowRef.${field}: Tekton's bundles resolver pulls by sha256`);
    },
  );

  it.each([
    'registry.example.com/team/$(params.REPLICAS)',
    'alpine:$(params.REPLICAS)',
    'registry.example.com/team/restart:$(context.pipelineRun.namespace)',
  ])(
    'refuses a bundle reference Tekton would expand, which an allow-list checked before: %s',
    (executionBundle) => {
      // Tekton substitutes the PipelineRun's params and context into pipelineRef.params
      // (pipelineref.go, v1.15): `alpine:*` allowed, `alpine:$(params.X)` with X `5000/evil/w`
      // would pull from the host alpine:5000.
      const build = () =>
        buildPipelineRun(
          wfe({
            workflowRef: { workflowId: 'w', version: '1', executionBundle },
            parameters: { REPLICAS: '5000/evil/w' },
          }),
          'ns',
          undefined,
          settings(),
        );
      expect(build).toThrow(ConfigurationError);
      expect(build).toThrow(/^spec\.workflowRef\.executionBundle: /);
    },
  );

  it("uses the execution's service account and timeout", () => {
    const run = buildPipelineRun(
      wfe({ executionConfig: { timeout: '1h30m', serviceAccountName: 'custom-sa' } }),
      'ns',
      undefined,
      settings(),
    );
    expect(run.spec.taskRunTemplate.serviceAccountName).toBe('custom-sa');
    expect(run.spec.timeouts).toEqual({ pipeline: '1h30m', tasks: '1h30m' });
  });

  it("gives every task the run's timeout, which Tekton takes from timeouts.tasks alone", () => {
    // Without it Tekton ends each task at its default TaskRun timeout (60 minutes), so a task
    // of a 3h execution would fail with TaskRunTimeout after one hour.
    const run = buildPipelineRun(
      wfe({ executionConfig: { timeout: '3h' } }),
      'ns',
      undefined,
      settings(),
    );
    expect(run.spec.timeouts?.tasks).toBe('3h');
  });

  it('leaves the timeout to Tekton when the execution sets none', () => {
    expect(buildPipelineRun(wfe(), 'ns', undefined, settings()).spec).not.toHaveProperty(
      'timeouts',
    );
  });

  it("gives a run without a timeout the engine's default, in Tekton's field", () => {
    const run = buildPipelineRun(wfe(), 'ns', undefined, settings({ defaultTimeout: '1h' }));
    expect(run.spec.timeouts).toEqual({ pipeline: '1h', tasks: '1h' });
  });

  it("prefers the execution's timeout to the engine's default", () => {
    const run = buildPipelineRun(
      wfe({ executionConfig: { timeout: '5m' } }),
      'ns',
      undefined,
      settings({ defaultTimeout: '1h' }),
    );
    expect(run.spec.timeouts).toEqual({ pipeline: '5m', tasks: '5m' });
  });

  it('rejects a default timeout Tekton would read as none, naming the option', () => {
    expect(() =>
      buildPipelineRun(wfe(), 'ns', undefined, settings({ defaultTimeout: '0s' })),
    ).toThrow(/^defaultTimeout: "0s" is not a positive Go duration/);
  });

  it.each(['0s', '0', '-5m', '10 minutes'])(
    'rejects the timeout %s naming the field',
    (timeout) => {
      expect(() =>
        buildPipelineRun(wfe({ executionConfig: { timeout } }), 'ns', undefined, settings()),
      ).toThrow(/spec\.executionConfig\.timeout: .* is not a positive Go duration/);
    },
  );

  it('refines the restricted pod context with podSecurityContext, a field at a time', () => {
    const run = buildPipelineRun(
      wfe(),
      'ns',
      undefined,
      settings({
        podSecurityContext: {
          runAsUser: 1000,
          seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' },
        },
      }),
    );
    expect(run.spec.taskRunTemplate).toEqual({
      serviceAccountName: 'runner',
      podTemplate: {
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 1000,
          seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' },
        },
      },
    });
  });

  it('gives the same restricted context when securityProfile says restricted as when unset', () => {
    expect(
      buildPipelineRun(wfe(), 'ns', undefined, settings({ securityProfile: 'restricted' })),
    ).toEqual(buildPipelineRun(wfe(), 'ns', undefined, settings()));
  });

  it('writes no pod template under securityProfile none, and only podSecurityContext with it', () => {
    expect(
      buildPipelineRun(wfe(), 'ns', undefined, settings({ securityProfile: 'none' })).spec
        .taskRunTemplate,
    ).toEqual({ serviceAccountName: 'runner' });
    expect(
      buildPipelineRun(
        wfe(),
        'ns',
        undefined,
        settings({ securityProfile: 'none', podSecurityContext: { runAsUser: 0 } }),
      ).spec.taskRunTemplate,
    ).toEqual({ serviceAccountName: 'runner', podTemplate: { securityContext: { runAsUser: 0 } } });
  });

  it('shares no object between PipelineRuns: a caller changing one changes no other', () => {
    const first = buildPipelineRun(wfe(), 'ns', undefined, settings());
    const context = first.spec.taskRunTemplate.podTemplate?.securityContext;
    if (context?.seccompProfile) context.seccompProfile.type = 'Unconfined';
    expect(
      buildPipelineRun(wfe(), 'ns', undefined, settings()).spec.taskRunTemplate.podTemplate,
    ).toEqual(restrictedPodTemplate);
  });

  it('is deterministic', () => {
    const deps = { secrets: [{ name: 'a' }] };
    expect(buildPipelineRun(wfe(), 'ns', deps, settings())).toEqual(
      buildPipelineRun(wfe(), 'ns', deps, settings()),
    );
  });

  it('refuses a PipelineRun too large to store, naming the parameters', () => {
    const parameters = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`P${i}`, 'a'.repeat(32_000)]),
    );
    expect(() => buildPipelineRun(wfe({ parameters }), 'ns', undefined, settings())).toThrowError(
      /^spec\.parameters: make a PipelineRun of at least 3\d{6} bytes once Tekton writes its status/,
    );
  });

  it('refuses a run whose parameters fit once but not again in the status Tekton writes', () => {
    // Tekton v1.15.1 ran 650 KB passed to a task to Completed, and never recorded 900 KB.
    const build = (bytes: number) =>
      buildPipelineRun(
        wfe({ parameters: { BIG: 'x'.repeat(bytes) } }),
        'ns',
        undefined,
        settings(),
      );
    expect(build(650_000).spec.params[0]?.value).toHaveLength(650_000);
    expect(() => build(900_000)).toThrowError(
      /^spec\.parameters: make a PipelineRun of at least 18\d{5} bytes once Tekton writes its status \(which repeats every parameter the Pipeline uses\), more than the 1572864/,
    );
  });
});

describe('pipelineTimeout', () => {
  it('passes a positive Go duration through verbatim', () => {
    expect(pipelineTimeout('90s')).toBe('90s');
    expect(pipelineTimeout('1.5h')).toBe('1.5h');
    expect(pipelineTimeout(undefined)).toBeUndefined();
  });
});
