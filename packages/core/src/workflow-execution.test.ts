/**
 * Past 350 lines: the cases of parseWorkflowExecution and its re-parse, field by field, over one
 * valid execution each case edits.
 */
import { describe, expect, it } from 'vitest';
import { configurationIssuesOf } from './testing/configuration-issues.js';
import { parseWorkflowExecution, reparseWorkflowExecution } from './workflow-execution.js';

const valid = () => ({
  apiVersion: 'roundhouse.dev/v1alpha1',
  kind: 'WorkflowExecution',
  metadata: { name: 'restart-1', namespace: 'team-a', uid: 'u-1', generation: 1 },
  spec: {
    workflowRef: {
      workflowId: 'restart-pod',
      version: '1.0.0',
      executionBundle: 'quay.io/acme/restart:1',
      executionBundleDigest: `sha256:${'ab'.repeat(32)}`,
      engineConfig: { jobTemplateName: 'restart', nested: [1, { a: null }] },
    },
    targetResource: 'prod/deployment/api',
    parameters: { REPLICAS: '3' },
    executionEngine: 'job',
    executionConfig: { timeout: '1h30m', serviceAccountName: 'runner' },
    remediationRequestRef: { name: 'rr-1', namespace: 'team-a' },
  },
});

// Tests break the input on purpose, so it is typed loosely.
// biome-ignore lint/suspicious/noExplicitAny: deliberately malformed input
type Loose = Record<string, any>;

const issuesOf = (input: unknown) => configurationIssuesOf(() => parseWorkflowExecution(input));

describe('parseWorkflowExecution', () => {
  it('accepts a complete kubernaut-compatible execution', () => {
    const wfe = parseWorkflowExecution(valid());
    expect(wfe.spec.executionConfig?.timeout).toBe('1h30m');
    expect(wfe.spec.workflowRef.engineConfig).toEqual({
      jobTemplateName: 'restart',
      nested: [1, { a: null }],
    });
  });

  it('reads the statuses kubernaut writes: no wasExecutionFailure when false, the phase as the AWX summary status', () => {
    const input = {
      ...valid(),
      status: {
        phase: 'Failed',
        failureDetails: { reason: 'Unknown', message: 'deleted', failedAt: '2026-01-01T00:00:00Z' },
        executionStatus: { status: 'Failed', reason: 'failed', message: 'playbook failed' },
      },
    };
    const wfe = parseWorkflowExecution(input);
    expect(wfe.status?.failureDetails?.wasExecutionFailure).toBe(false);
    expect(wfe.status?.executionStatus?.status).toBe('Failed');
  });

  it('refuses a parameter value with a NUL character and a parameter name past 253 characters', () => {
    const input = valid() as unknown as Loose;
    input.spec.parameters = { NUL: 'a\u0000b', [`N${'A'.repeat(253)}`]: 'v' };
    const issues = issuesOf(input);
    expect(issues).toContainEqual({
      path: 'spec.parameters.NUL',
      message: 'must not contain a NUL character: no process environment can hold one',
    });
    expect(issues.some((issue) => issue.path.startsWith('spec.parameters.NAAA'))).toBe(true);
  });

  it("accepts what kubernaut's CRD accepts: an empty remediationRequestRef and an empty version", () => {
    const input = valid() as unknown as Loose;
    input.spec.remediationRequestRef = {};
    input.spec.workflowRef.version = '';
    const wfe = parseWorkflowExecution(input);
    expect(wfe.spec.remediationRequestRef).toEqual({});
    expect(wfe.spec.workflowRef.version).toBe('');
  });

  it('accepts a minimal execution and a kind/name target', () => {
    const input = valid();
    input.spec = {
      workflowRef: { workflowId: 'w', version: '1', executionBundle: 'img' },
      targetResource: 'node/worker-1',
      executionEngine: 'tekton',
    } as typeof input.spec;
    expect(parseWorkflowExecution(input).spec.targetResource).toBe('node/worker-1');
  });

  it('names every bad field and what is expected', () => {
    const input = valid() as unknown as Loose;
    input.spec.targetResource = 'prod//api';
    input.spec.workflowRef.executionBundle = '';
    input.spec.executionConfig.timeout = '30 minutes';
    input.spec.parameters.COUNT = 3;
    input.spec.executionConfig.timout = '1h';
    const issues = issuesOf(input);
    expect(issues.map((i) => i.path).sort()).toEqual([
      'spec.executionConfig',
      'spec.executionConfig.timeout',
      'spec.parameters.COUNT',
      'spec.targetResource',
      'spec.workflowRef.executionBundle',
    ]);
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    expect(byPath['spec.targetResource']).toBe('targetResource has empty part at position 1');
    expect(byPath['spec.workflowRef.executionBundle']).toBe(
      'workflowRef.executionBundle is required',
    );
    expect(byPath['spec.executionConfig.timeout']).toMatch(/Go duration/);
    expect(byPath['spec.executionConfig']).toBe('unknown field(s) timout');
  });

  it.each([
    'a',
    'a/',
    '/b',
    'a/b/c/d',
    'a/ b/c',
    'a//c',
    'ns/deployment/..',
    '../../passwd',
    'ns/deployment/a..b',
    'ns/deployment/.hidden',
    'ns/deployment/app\u0000',
    'ns/deployment/app\n',
    'ns/deployment/\u202Eppa',
    'ns/deployment/app\u200B',
    'NS/deployment/app',
    'ns/deploy-ment/app',
    `ns/deployment/${'a'.repeat(400)}`,
  ])('rejects the target %j', (target) => {
    const input = valid();
    input.spec.targetResource = target;
    expect(issuesOf(input).map((i) => i.path)).toEqual(['spec.targetResource']);
  });

  // kubernaut's ValidateSpec sentences (its validation_test.go and controller_test.go match
  // substrings of them); what only the stricter grammar refuses still names the format.
  it.each([
    ['', 'targetResource is required'],
    [
      'production',
      'targetResource must be in format {namespace}/{kind}/{name} (namespaced) or {kind}/{name} (cluster-scoped), got 1 parts',
    ],
    [
      'default/apps/deployment/test-app',
      'targetResource must be in format {namespace}/{kind}/{name} (namespaced) or {kind}/{name} (cluster-scoped), got 4 parts',
    ],
    ['default/deployment/', 'targetResource has empty part at position 2'],
    ['/deployment', 'targetResource has empty part at position 0'],
  ])("refuses the target %j in kubernaut's words", (target, message) => {
    const input = valid();
    input.spec.targetResource = target;
    expect(issuesOf(input)).toEqual([{ path: 'spec.targetResource', message }]);
  });

  it('names the format and what each part must be for a target only the grammar refuses', () => {
    const input = valid();
    input.spec.targetResource = 'ns/deploy-ment/app';
    const [issue] = issuesOf(input);
    expect(issue?.path).toBe('spec.targetResource');
    expect(issue?.message).toMatch(/^targetResource must be in format \{namespace\}/);
    expect(issue?.message).toContain('a kind of letters and digits');
  });

  it("refuses an empty execution bundle in kubernaut's words, a malformed one by the grammar", () => {
    const input = valid();
    input.spec.workflowRef.executionBundle = '';
    expect(issuesOf(input)).toEqual([
      {
        path: 'spec.workflowRef.executionBundle',
        message: 'workflowRef.executionBundle is required',
      },
    ]);
    input.spec.workflowRef.executionBundle = 'NOT A VALID IMAGE!!';
    expect(issuesOf(input)[0]?.message).toMatch(/^must be an OCI reference/);
  });

  it.each([
    'default/deployment/my-app',
    'node/worker-1',
    'clusterrole/system:aggregate-to-edit',
    'kube-system/Deployment/core.dns_v2',
  ])('accepts the target %j', (target) => {
    const input = valid();
    input.spec.targetResource = target;
    expect(parseWorkflowExecution(input).spec.targetResource).toBe(target);
  });

  it.each([
    'NOT A VALID IMAGE!!',
    ' registry.invalid/x:1',
    'registry.invalid/x:1 ',
    'Registry.example.com/UPPER/path:1',
    'repo/app:1\n',
    'repo/app@',
    '',
  ])('rejects the execution bundle %j', (bundle) => {
    const input = valid();
    input.spec.workflowRef.executionBundle = bundle;
    expect(issuesOf(input).map((i) => i.path)).toEqual(['spec.workflowRef.executionBundle']);
  });

  it('takes any OCI digest, as kubernaut does: its own test executions pin to sha256:abc123', () => {
    const fixture = valid();
    fixture.spec.workflowRef.executionBundle = 'ghcr.io/kubernaut/workflows/test@sha256:abc123';
    fixture.spec.workflowRef.executionBundleDigest = 'sha256:abc123';
    expect(parseWorkflowExecution(fixture).spec.workflowRef).toMatchObject({
      executionBundle: 'ghcr.io/kubernaut/workflows/test@sha256:abc123',
      executionBundleDigest: 'sha256:abc123',
    });
  });

  it('refuses what is no OCI digest at all, in the bundle or beside it, saying why', () => {
    const pinned = valid();
    pinned.spec.workflowRef.executionBundle = 'quay.io/acme/restart:1@SHA256:x';
    expect(issuesOf(pinned)).toEqual([
      {
        path: 'spec.workflowRef.executionBundle',
        message:
          'its digest: the kubelet pulls by sha256, sha384 or sha512 digests, not "SHA256"; pin the image by one of those',
      },
    ]);
    const beside = valid();
    beside.spec.workflowRef.executionBundleDigest = 'abc123';
    expect(issuesOf(beside)).toEqual([
      {
        path: 'spec.workflowRef.executionBundleDigest',
        message:
          '"abc123" is not a digest: write algorithm:hex, such as sha256:<64 lowercase hex digits>',
      },
    ]);
  });

  it.each([
    'quay.io/acme/restart:1',
    'localhost:5000/a/b_c__d-e.f:v1.2-rc',
    'restart',
    `registry.example.com/team/app@sha256:${'a'.repeat(64)}`,
    'https://github.com/acme/playbooks.git',
  ])('accepts the execution bundle %j', (bundle) => {
    const input = valid();
    input.spec.workflowRef.executionBundle = bundle;
    expect(parseWorkflowExecution(input).spec.workflowRef.executionBundle).toBe(bundle);
  });

  it("applies kubernaut's defaults: tekton for an empty engine, the default runner for an empty service account, the execution's namespace for the request", () => {
    const input = valid() as unknown as Loose;
    input.spec.executionEngine = '';
    input.spec.executionConfig.serviceAccountName = '';
    input.spec.remediationRequestRef = { name: 'rr-1' };
    const spec = parseWorkflowExecution(input).spec;
    expect(spec.executionEngine).toBe('tekton');
    delete input.spec.executionEngine;
    expect(parseWorkflowExecution(input).spec.executionEngine).toBe('tekton');
    expect(spec.executionConfig?.serviceAccountName).toBe('');
  });

  it("keeps kubernaut's confidence and rationale", () => {
    const input = valid() as unknown as Loose;
    input.spec.confidence = 0.92;
    input.spec.rationale = 'memory leak';
    expect(parseWorkflowExecution(input).spec).toMatchObject({
      confidence: 0.92,
      rationale: 'memory leak',
    });
  });

  it('builds one message listing every issue', () => {
    const input = valid() as unknown as Loose;
    input.spec.executionEngine = 7;
    input.metadata.name = '';
    let message = '';
    try {
      parseWorkflowExecution(input);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('metadata.name:');
    expect(message).toContain('spec.executionEngine:');
  });

  it.each([
    [
      'spec.parameters',
      (input: Loose) => (input.spec.parameters = JSON.parse('{"__proto__":"x"}')),
    ],
    [
      'spec.workflowRef.engineConfig',
      (input: Loose) =>
        (input.spec.workflowRef.engineConfig = JSON.parse('{"__proto__":{"polluted":true}}')),
    ],
    [
      'metadata.labels',
      (input: Loose) => (input.metadata.labels = JSON.parse('{"__proto__":"x"}')),
    ],
  ])('refuses a __proto__ key in %s instead of dropping it', (path, poison) => {
    const input = valid() as unknown as Loose;
    poison(input);
    expect(issuesOf(input)).toEqual([expect.objectContaining({ path: `${path}.__proto__` })]);
  });

  it('refuses more parameters than an execution may pass, in one short issue', () => {
    const input = valid() as unknown as Loose;
    input.spec.parameters = Object.fromEntries(
      Array.from({ length: 10_000 }, (_, i) => [String(i), 'x']),
    );
    const issues = issuesOf(input);
    expect(issues).toEqual([
      { path: 'spec.parameters', message: 'has 10000 parameters; at most 256 are allowed' },
    ]);
  });

  it.each([
    ['spec.executionEngine', (input: Loose) => (input.spec.executionEngine = 'x'.repeat(64))],
    ['spec.executionEngine', (input: Loose) => (input.spec.executionEngine = 'Job')],
    ['spec.executionEngine', (input: Loose) => (input.spec.executionEngine = 'job\n')],
    [
      'spec.executionConfig.timeout',
      (input: Loose) => (input.spec.executionConfig.timeout = `-${'1h'.repeat(1_000)}`),
    ],
    [
      'spec.parameters.REPLICAS',
      (input: Loose) => (input.spec.parameters.REPLICAS = 'x'.repeat(32_769)),
    ],
    [
      'spec.workflowRef.workflowId',
      (input: Loose) => (input.spec.workflowRef.workflowId = 'w'.repeat(254)),
    ],
    ['spec.rationale', (input: Loose) => (input.spec.rationale = 'r'.repeat(32_769))],
    [
      'spec.dependencies.secrets.0.name',
      (input: Loose) => (input.spec.dependencies = { secrets: [{ name: '..' }] }),
    ],
    [
      'spec.dependencies.configMaps.0.name',
      (input: Loose) => (input.spec.dependencies = { configMaps: [{ name: '.' }] }),
    ],
    [
      'spec.dependencies.secrets',
      (input: Loose) =>
        (input.spec.dependencies = {
          secrets: Array.from({ length: 65 }, (_, i) => ({ name: `s-${i}` })),
        }),
    ],
  ])('bounds %s', (path, change) => {
    const input = valid() as unknown as Loose;
    change(input);
    expect(issuesOf(input).map((i) => i.path)).toEqual([path]);
  });

  it.each(['job', 'tekton', 'ansible', 'pod', 'process', 'configmap', 'my-engine-2'])(
    'accepts the engine %j',
    (engine) => {
      const input = valid();
      input.spec.executionEngine = engine;
      expect(parseWorkflowExecution(input).spec.executionEngine).toBe(engine);
    },
  );

  const nested = (depth: number) => {
    const root: Loose = {};
    let at = root;
    for (let i = 1; i < depth; i += 1) {
      at.a = {};
      at = at.a;
    }
    return root;
  };

  it('accepts engineConfig nested 64 levels deep', () => {
    const input = valid() as unknown as Loose;
    input.spec.workflowRef.engineConfig = nested(64);
    expect(parseWorkflowExecution(input).spec.workflowRef.engineConfig).toEqual(nested(64));
  });

  it.each([65, 1_300, 100_000])(
    'refuses engineConfig nested %i levels deep instead of overflowing the stack',
    (depth) => {
      const input = valid() as unknown as Loose;
      input.spec.workflowRef.engineConfig = nested(depth);
      expect(issuesOf(input)).toEqual([
        {
          path: 'spec.workflowRef.engineConfig',
          message: expect.stringContaining('nested more than 64 levels deep'),
        },
      ]);
    },
  );

  it('finds a __proto__ key however deep it is, without overflowing the stack', () => {
    const input = valid() as unknown as Loose;
    // As deep as the API server lets an object nest.
    const depth = 10_000;
    (input.metadata as Record<string, unknown>).extra = JSON.parse(
      `${'{"a":'.repeat(depth)}{"__proto__":"x"}${'}'.repeat(depth)}`,
    );
    const [issue] = issuesOf(input);
    expect(issue?.path).toBe(`metadata.extra${'.a'.repeat(depth)}.__proto__`);
  });

  it('names a __proto__ key of the labels or annotations, which hold strings only', () => {
    for (const field of ['labels', 'annotations'] as const) {
      const input = valid() as unknown as Loose;
      input.metadata[field] = JSON.parse('{"app":"x","__proto__":"y"}');
      expect(issuesOf(input)).toEqual([
        { path: `metadata.${field}.__proto__`, message: expect.stringContaining('"__proto__"') },
      ]);
    }
  });

  it('refuses labels, annotations or finalizers that are not strings, naming the field', () => {
    const labels = valid() as unknown as Loose;
    labels.metadata.labels = { app: { nested: 'x' } } as never;
    expect(issuesOf(labels)).toEqual([
      { path: 'metadata.labels', message: 'expected a map of strings to strings' },
    ]);
    const finalizers = valid() as unknown as Loose;
    (finalizers.metadata as Record<string, unknown>).finalizers = ['a', 1];
    expect(issuesOf(finalizers)).toEqual([
      { path: 'metadata.finalizers', message: 'expected a list of strings' },
    ]);
  });

  it('reports anything else that goes wrong reading the object as a ConfigurationError', () => {
    const input = valid() as unknown as Loose;
    Object.defineProperty(input.spec, 'targetResource', {
      enumerable: true,
      get() {
        throw new RangeError('Maximum call stack size exceeded');
      },
    });
    expect(issuesOf(input)).toEqual([
      {
        path: 'spec',
        message: expect.stringContaining(
          'could not be validated (Maximum call stack size exceeded)',
        ),
      },
    ]);
  });

  it('rejects a non-object with a readable error', () => {
    expect(issuesOf(null)[0]?.path).toBe('');
    expect(issuesOf({})[0]?.message).toMatch(/required/);
  });
});

describe('reparseWorkflowExecution', () => {
  const known = () => parseWorkflowExecution(valid());
  const newer = (patch: Loose = {}): Loose => ({
    ...valid(),
    metadata: { ...valid().metadata, resourceVersion: '2' },
    status: { phase: 'Running', startTime: '2026-01-01T00:00:00Z' },
    ...patch,
  });
  const refusal = (input: unknown) =>
    configurationIssuesOf(() => reparseWorkflowExecution(input, known()));

  it('gives what a whole parse gives for a new version of the same spec', () => {
    const input = newer();
    expect(reparseWorkflowExecution(input, known())).toEqual(parseWorkflowExecution(input));
  });

  it('still refuses a bad status or metadata of the new version, naming the field', () => {
    expect(refusal(newer({ status: { phase: 'Sideways' } }))[0]?.path).toBe('status.phase');
    expect(refusal(newer({ metadata: { ...newer().metadata, name: '' } }))[0]?.path).toBe(
      'metadata.name',
    );
    const hostile = JSON.parse('{"phase":"Running","__proto__":{"polluted":true}}');
    expect(refusal(newer({ status: hostile }))[0]?.message).toContain('__proto__');
  });

  it('validates the whole object again when its spec may have changed: another generation or uid', () => {
    const badSpec = { ...valid().spec, targetResource: '' };
    const nextGeneration = newer({
      metadata: { ...newer().metadata, generation: 2 },
      spec: badSpec,
    });
    expect(refusal(nextGeneration)[0]?.path).toBe('spec.targetResource');
    const recreated = newer({ metadata: { ...newer().metadata, uid: 'u-2' }, spec: badSpec });
    expect(refusal(recreated)[0]?.path).toBe('spec.targetResource');
    const noGeneration = newer({
      metadata: { name: 'restart-1', namespace: 'team-a', uid: 'u-1' },
      spec: badSpec,
    });
    expect(refusal(noGeneration)[0]?.path).toBe('spec.targetResource');
  });
});

/** A WorkflowExecution as kubernaut writes it since its #1661 (d5a4a87). */
const catalogSnapshot = (): Loose => ({
  apiVersion: 'kubernaut.ai/v1alpha1',
  kind: 'WorkflowExecution',
  metadata: { name: 'we-rr-1', namespace: 'kubernaut-system' },
  spec: {
    remediationRequestRef: { name: 'rr-1', namespace: 'kubernaut-system' },
    workflowRef: {
      workflowId: '6f1c2d3e-uuid',
      workflowName: 'restart-pod',
      actionType: 'RestartPod',
      version: '1.0.0',
      executionBundle: `quay.io/acme/restart@sha256:${'c'.repeat(64)}`,
      executionEngine: 'job',
      serviceAccountName: 'runner',
      dependencies: { secrets: [{ name: 'db' }] },
      resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } },
      declaredParameterNames: { REPLICAS: true },
    },
    targetResource: 'prod/deployment/api',
    clusterID: '',
    parameters: { REPLICAS: '3' },
    timesOutAt: '2026-12-02T10:30:00Z',
  },
});

describe("kubernaut's catalog-snapshot shape (#1661)", () => {
  it('is read whole: the engine comes from workflowRef, every other field is kept', () => {
    const wfe = parseWorkflowExecution(catalogSnapshot());
    expect(wfe.spec.executionEngine).toBe('job');
    expect(wfe.spec.workflowRef).toMatchObject({
      workflowName: 'restart-pod',
      serviceAccountName: 'runner',
      dependencies: { secrets: [{ name: 'db' }] },
      resources: { limits: { memory: '128Mi' } },
      declaredParameterNames: { REPLICAS: true },
    });
    expect(wfe.spec.timesOutAt).toBe('2026-12-02T10:30:00Z');
  });

  it('keeps null declaredParameterNames (no schema) apart from an empty one (none declared)', () => {
    const none = catalogSnapshot();
    none.spec.workflowRef.declaredParameterNames = null;
    expect(parseWorkflowExecution(none).spec.workflowRef.declaredParameterNames).toBeNull();
    const empty = catalogSnapshot();
    empty.spec.workflowRef.declaredParameterNames = {};
    expect(parseWorkflowExecution(empty).spec.workflowRef.declaredParameterNames).toEqual({});
  });

  it('refuses a setting given differently in both shapes, naming the snapshot field', () => {
    const both = catalogSnapshot();
    both.spec.executionEngine = 'tekton';
    both.spec.executionConfig = { serviceAccountName: 'admin' };
    both.spec.dependencies = { configMaps: [{ name: 'settings' }] };
    expect(issuesOf(both)).toEqual([
      {
        path: 'spec.workflowRef.executionEngine',
        message: expect.stringContaining('spec.executionEngine names "tekton"'),
      },
      {
        path: 'spec.workflowRef.serviceAccountName',
        message: expect.stringContaining('names "admin"'),
      },
      { path: 'spec.workflowRef.dependencies', message: expect.stringContaining('one place') },
    ]);
    const alike = catalogSnapshot();
    alike.spec.executionEngine = 'job';
    alike.spec.executionConfig = { serviceAccountName: 'runner', timeout: '10m' };
    expect(parseWorkflowExecution(alike).spec.executionEngine).toBe('job');
  });

  it('refuses a remote cluster instead of running the execution here', () => {
    const remote = catalogSnapshot();
    remote.spec.clusterID = 'spoke-1';
    expect(issuesOf(remote)).toEqual([
      {
        path: 'spec.clusterID',
        message: expect.stringMatching(/^the "job" engine runs .*their own cluster only/),
      },
    ]);
  });

  it('refuses a timesOutAt that is not an RFC 3339 time, and resources it cannot read', () => {
    const bad = catalogSnapshot();
    bad.spec.timesOutAt = 'tomorrow';
    bad.spec.workflowRef.resources = {
      limits: { memory: 0.5 },
      requests: { 'cpu!': '1' },
      claims: [{ name: 'gpu' }],
    };
    const paths = issuesOf(bad).map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'spec.timesOutAt',
        'spec.workflowRef.resources.limits.memory',
        'spec.workflowRef.resources.requests.cpu!',
        'spec.workflowRef.resources',
      ]),
    );
  });

  it('reads a whole-number quantity as a manifest writes it (cpu: 2), as its string', () => {
    const input = catalogSnapshot();
    input.spec.workflowRef.resources = { limits: { cpu: 2, memory: '1Gi' }, requests: { cpu: 0 } };
    expect(parseWorkflowExecution(input).spec.workflowRef.resources).toEqual({
      limits: { cpu: '2', memory: '1Gi' },
      requests: { cpu: '0' },
    });
  });

  it('means tekton when neither shape names an engine, as kubernaut does', () => {
    const input = catalogSnapshot();
    delete input.spec.workflowRef.executionEngine;
    expect(parseWorkflowExecution(input).spec.executionEngine).toBe('tekton');
  });
});
