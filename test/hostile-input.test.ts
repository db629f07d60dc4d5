/**
 * Past 350 lines: one property-based campaign, every builder against the same generators and the
 * same Kubernetes rules written out here; split, each part would carry a copy of those rules.
 */
import {
  buildExtraVars,
  type ConfigMapValues,
  executionIdentity,
  launchExtraVars,
  parseEngineConfig,
  serializeExtraVars,
} from '@roundhouse/awx';
import {
  ConfigurationError,
  type Conventions,
  ExecutionForbiddenError,
  executionBundlePattern,
  kubernautConventions,
  parseWorkflowExecution,
  preparedExecution,
  requestedDependencies,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { buildJob, type JobSettings } from '@roundhouse/job';
import { buildPod, type PodEngineSettings } from '@roundhouse/pod';
import { buildPipelineRun, type PipelineRunSettings } from '@roundhouse/tekton';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/**
 * Hostile input, property by property: arbitrary WorkflowExecution-shaped objects (unicode,
 * control characters, bidi overrides, lone surrogates, wrong types, missing and extra fields)
 * go through parseWorkflowExecution and then every builder. Each outcome must be a resource the
 * API server (or AWX) accepts as it is, or a ConfigurationError whose issues name a field path;
 * anything else thrown is a bug.
 */

const numRuns = 300;

// ---------------------------------------------------------------------------------------------
// What "valid" means, written from the Kubernetes rules, not from the code under test.

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const qualifiedName = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const cIdentifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
// An image is an OCI reference with any OCI digest, as kubernaut takes it (its test executions
// pin to sha256:abc123); the kubelet's narrower digests are its own check, reported as a pull
// failure. A repository URL, which the bundle grammar also admits, is never an image.
const bundleGrammar = new RegExp(executionBundlePattern);
const ociReference = { test: (s: string) => !s.includes('://') && bundleGrammar.test(s) };

const isDnsLabel = (s: unknown) => typeof s === 'string' && s.length <= 63 && dnsLabel.test(s);
const isDnsSubdomain = (s: unknown) =>
  typeof s === 'string' && s.length <= 253 && dnsSubdomain.test(s);

function expectLabelKey(key: string) {
  const [prefix, name, ...rest] = key.includes('/') ? key.split('/') : ['', key];
  expect(rest, key).toEqual([]);
  if (prefix) expect(isDnsSubdomain(prefix), key).toBe(true);
  expect(name!.length <= 63 && qualifiedName.test(name!), key).toBe(true);
}

function expectLabels(labels: Record<string, string> | undefined) {
  for (const [key, value] of Object.entries(labels ?? {})) {
    expectLabelKey(key);
    expect(value.length <= 63 && labelValue.test(value), `label ${key}=${value}`).toBe(true);
  }
}

function expectAnnotations(annotations: Record<string, string> | undefined) {
  for (const [key, value] of Object.entries(annotations ?? {})) {
    expectLabelKey(key);
    expect(typeof value).toBe('string');
  }
}

/** JSON carries it unchanged, and every number in it is an integer Kubernetes can read. */
function expectJsonResource(resource: unknown) {
  expect(JSON.parse(JSON.stringify(resource))).toEqual(resource);
  const pending: unknown[] = [resource];
  for (let value = pending.pop(); value !== undefined; value = pending.pop()) {
    if (typeof value === 'number') expect(Number.isSafeInteger(value), String(value)).toBe(true);
    if (typeof value === 'object' && value !== null) pending.push(...Object.values(value));
  }
}

/** Issues that each name a field a user can find: in the execution, its dependencies or the settings. */
function expectFieldIssues(error: unknown) {
  if (!(error instanceof ConfigurationError)) throw error;
  expect(error.issues.length).toBeGreaterThan(0);
  for (const issue of error.issues) {
    expect(issue.path).toMatch(
      /^(metadata|spec|status|apiVersion|kind|dependencies|defaultTimeout)(?![^.[])/,
    );
    expect(issue.message.trim()).not.toBe('');
  }
  // The message becomes a status and an Event that a terminal shows: the author's control and
  // invisible characters appear as escapes, never as themselves.
  expect(error.message).not.toMatch(unprintable);
}

const unprintable = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/**
 * As `outcome`, for an engine that also refuses what its operator does not allow: an
 * ExecutionForbiddenError naming the field (a step's image) is a valid outcome too.
 */
function podOutcome<T>(
  build: () => T,
): { value: T } | { error: ConfigurationError | ExecutionForbiddenError } {
  try {
    return { value: build() };
  } catch (error) {
    if (error instanceof ExecutionForbiddenError) {
      expect(error.path).toMatch(/^spec\.workflowRef\.(engineConfig\.steps\.\d+\.image|resources)/);
      expect(error.message).not.toMatch(unprintable);
      return { error };
    }
    expectFieldIssues(error);
    return { error: error as ConfigurationError };
  }
}

/** Runs `build`; a ConfigurationError is a valid outcome, anything else thrown fails. */
function outcome<T>(build: () => T): { value: T } | { error: ConfigurationError } {
  try {
    return { value: build() };
  } catch (error) {
    expectFieldIssues(error);
    return { error: error as ConfigurationError };
  }
}

// ---------------------------------------------------------------------------------------------
// Hostile strings and WorkflowExecution-shaped objects.

const nasty = fc.constantFrom(
  '\0',
  '\n',
  '\r',
  '\t',
  '\x7f',
  '\u202e', // right-to-left override
  '\u200b', // zero-width space
  '\ufeff',
  '\ud800', // lone high surrogate
  '\udfff', // lone low surrogate
  '😀',
  'é',
  '/',
  '.',
  '..',
  '-',
  '_',
  ':',
  ' ',
  '"',
  "'",
  '\\',
  '$(',
  '{{',
  '=',
  '%',
);
const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.string({ unit: nasty, maxLength: 10 }),
  fc.string({ unit: fc.oneof(nasty, fc.constantFrom('a', 'Z', '0', '9')), maxLength: 80 }),
);
/** A string that is sometimes valid for a field and sometimes almost. */
const mutated = (valid: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 12, arbitrary: valid },
    fc.tuple(valid, hostileString, fc.nat()).map(([s, insert, at]) => {
      const i = at % (s.length + 1);
      return s.slice(0, i) + insert + s.slice(i);
    }),
    fc.tuple(valid, fc.integer({ min: 0, max: 300 })).map(([s, n]) => s.repeat(n)),
  );
const wrongType = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.string(), { maxLength: 3 }),
);

const lower = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'),
  minLength: 1,
  maxLength: 12,
});
const validLabel = fc
  .array(lower, { minLength: 1, maxLength: 3 })
  .map((parts) => parts.join('-'))
  .filter((s) => s.length <= 63);
const validSubdomain = fc
  .array(validLabel, { minLength: 1, maxLength: 4 })
  .map((parts) => parts.join('.'))
  .filter((s) => s.length <= 253);
const objectNameSegment = fc.string({
  unit: fc.constantFrom(...'abcXYZ019-_:'),
  minLength: 1,
  maxLength: 20,
});
const validTarget = fc
  .tuple(
    fc.option(validLabel, { nil: undefined }),
    fc.constantFrom('deployment', 'Deployment', 'statefulset', 'node', 'ClusterRole'),
    fc.array(objectNameSegment, { minLength: 1, maxLength: 3 }),
  )
  .map(([ns, kind, segments]) => {
    const name = segments.map((s) => s.replace(/^[-_:]+|[-_:]+$/g, '') || 'x').join('.');
    return ns ? `${ns}/${kind}/${name}` : `${kind}/${name}`;
  });
const hex = (n: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
const validBundle = fc.oneof(
  fc.constantFrom(
    'quay.io/acme/restart:1',
    'registry.example.com:5000/team/workflow:1.2',
    'localhost/x',
    'ghcr.io/a/b/c@sha256:0000000000000000000000000000000000000000000000000000000000000000',
    'https://github.com/acme/playbooks.git', // a valid bundle, but not an image
    'git://example.com/repo',
  ),
  fc
    .tuple(validSubdomain, validLabel, fc.option(fc.stringMatching(/^[\w][\w.-]{0,20}$/)))
    .map(([host, path, tag]) => `${host}/${path}${tag ? `:${tag}` : ''}`),
);
const validDigest = hex(64).map((h) => `sha256:${h}`);

/**
 * Timeouts a user writes: Go durations within Go's range (at most 9999 of a unit), whole
 * nanoseconds or more; the fixed cases below add Go's limits (fractions of a nanosecond,
 * durations beyond Go's range), which the builders must refuse.
 */
const goUnits = ['ns', 'us', 'µs', 'μs', 'ms', 's', 'm', 'h'] as const;
const saneDuration = fc
  .tuple(
    fc.constantFrom('', '', '', '', '', '', '+', '-'),
    fc.array(
      fc.tuple(
        fc.integer({ min: 0, max: 9999 }),
        fc.option(fc.stringMatching(/^[0-9]{0,3}$/), { nil: undefined }),
        fc.constantFrom(...goUnits),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  )
  .map(
    ([sign, parts]) =>
      sign +
      parts
        .map(([whole, fraction, unit]) =>
          // Go truncates a fraction of a nanosecond to zero, which Tekton reads as no timeout.
          fraction === undefined || unit === 'ns'
            ? `${whole}${unit}`
            : `${whole}.${fraction}${unit}`,
        )
        .join(''),
  );
const timeout = fc.oneof(
  { weight: 12, arbitrary: saneDuration },
  fc.constantFrom(
    '0',
    '0s',
    '-5m',
    '30m',
    '1h30m',
    '1.5h',
    '.5s',
    '5.s',
    '1d',
    '1e3s',
    '',
    '0.5ns',
    '2600000h',
    '99999999999999999999h',
    '11111111111111111111ms0ns',
    `${'9'.repeat(400)}h`,
  ),
  hostileString,
);

const parameterName = fc.oneof(
  { weight: 12, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/) },
  fc.constantFrom(
    'TARGET_RESOURCE',
    'HOME',
    'PATH',
    'WFE_NAME',
    'WFE_NAMESPACE',
    'RR_NAME',
    'ROUNDHOUSE_EXECUTION_ID',
    'ROUNDHOUSE_CONFIGMAP_SETTINGS_MODE',
    'constructor',
    'toString',
    'hasOwnProperty',
    '__proto__',
    '1ABC',
    'a-b',
    'a.b',
    '',
  ),
  hostileString,
);
const parameterValue = fc.oneof(
  hostileString,
  fc.constantFrom(
    '1e400',
    '-1e400',
    'NaN',
    'nan',
    'Inf',
    '-Infinity',
    '0x1p-2',
    '0x1.8p1',
    '1_000',
    '9223372036854775807',
    '9223372036854775808',
    '-9223372036854775809',
    '-0',
    '0.1',
    't',
    'FALSE',
    '[1,2,{"a":null}]',
    '{"__proto__":{"polluted":true}}',
    '[1e400]',
    '{"a":"\\ud800"}',
    '['.repeat(50) + ']'.repeat(50),
    '{',
    '[]',
    '{}',
  ),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
);
const parameters = fc.dictionary(parameterName, parameterValue, { maxKeys: 5 });

const dependencyName = fc.oneof(
  { weight: 12, arbitrary: validSubdomain },
  fc.constantFrom('victim', 'a.b', 'a-b', 'x'.repeat(253), 'x'.repeat(254), 'UPPER', '-a', 'a..b'),
  hostileString,
);
const dependencyList = fc.array(
  fc.oneof({ weight: 20, arbitrary: fc.record({ name: dependencyName }) }, fc.constant({})),
  { maxLength: 4 },
);
const engineConfig = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      {
        jobTemplateName: fc.string({ minLength: 1, maxLength: 20 }),
        playbookPath: fc.string({ minLength: 1 }),
      },
      { requiredKeys: ['jobTemplateName'] },
    ),
  },
  fc.record(
    {
      jobTemplateName: fc.oneof(fc.string({ maxLength: 20 }), wrongType),
      playbookPath: fc.oneof(fc.string({ maxLength: 20 }), wrongType),
      inventoryName: fc.string({ maxLength: 10 }),
      extra: fc.jsonValue({ maxDepth: 2 }),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 3 }),
);

/**
 * An image every non-empty allow-list below names (`registry.invalid/x:` and a tag), most of
 * them pinned to a digest, which a setting that requires one takes.
 */
const allowedImage = fc
  .tuple(
    fc.stringMatching(/^[\w][\w.-]{0,20}$/),
    fc.option(validDigest, { nil: undefined, freq: 4 }),
  )
  .map(([tag, digest]) => `registry.invalid/x:${tag}${digest ? `@${digest}` : ''}`);

/** The pod engine's steps: mostly valid, some hostile in each field, sometimes no steps at all. */
const podStep = fc.record(
  {
    name: fc.oneof({ weight: 30, arbitrary: validLabel }, hostileString),
    image: fc.oneof(
      // Most steps run an image the settings allow, so most runs get past the allow-list to
      // the rules after it (the dependency refusal, the Pod's own checks).
      { weight: 600, arbitrary: allowedImage },
      { weight: 30, arbitrary: validBundle },
      mutated(validBundle),
      fc.constantFrom(
        'registry.invalid.evil.example/x:1',
        'REGISTRY.invalid/x:1',
        'registry.invalid:5000/x:1',
        'registry.invalid/../x:1',
        'registry.invalid//x:1',
        'busybox',
        `registry.invalid/x@sha256:${'a'.repeat(64)}`,
      ),
    ),
    script: fc.oneof({ weight: 30, arbitrary: fc.string({ minLength: 1 }) }, hostileString),
    env: fc.array(
      fc.record({
        name: fc.oneof(
          {
            weight: 10,
            arbitrary: fc.constantFrom('A', 'B_1', 'TARGET_RESOURCE', 'HOME', 'LD_PRELOAD'),
          },
          parameterName,
        ),
        value: parameterValue,
      }),
      { maxLength: 2 },
    ),
    workingDir: fc.oneof({ weight: 30, arbitrary: fc.constant('/work') }, hostileString),
  },
  { requiredKeys: ['name', 'image', 'script'] },
);
const podConfig = fc.oneof(
  {
    weight: 36,
    arbitrary: fc.record({ steps: fc.array(podStep, { minLength: 1, maxLength: 3 }) }),
  },
  fc.record({ steps: fc.array(podStep, { maxLength: 3 }), parallel: fc.boolean() }),
  fc.record({ steps: fc.oneof(wrongType, fc.constant([])), extra: fc.jsonValue({ maxDepth: 1 }) }),
  fc.dictionary(hostileString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }),
  wrongType,
);

/** Mostly absent: each field that can refuse a spec alone keeps most specs parseable. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });

/** Requests and limits: mostly quantities Kubernetes reads, some it does not, odd names. */
const resourceList = fc.dictionary(
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constantFrom('cpu', 'memory', 'ephemeral-storage', 'example.com/gpu'),
    },
    hostileString,
  ),
  fc.oneof(
    { weight: 20, arbitrary: fc.constantFrom('100m', '2', '1Gi', '512Mi', '1e3', '.5', '1E') },
    hostileString,
  ),
  { maxKeys: 3 },
);

/** RFC 3339 times from an hour ago to two days ahead. */
const nearTime = fc
  .integer({ min: -3_600_000, max: 48 * 3_600_000 })
  .map((offset) => new Date(Date.now() + offset).toISOString());

/** RFC 3339 times around now, and strings that are not times. */
const timesOutAt = fc.oneof(
  { weight: 4, arbitrary: nearTime },
  fc.constantFrom('2026-13-45T99:99:99Z', '9999-12-31T23:59:59Z', 'tomorrow', ''),
  hostileString,
);

/** Drops keys whose value is `undefined`, sometimes: missing and explicitly undefined differ. */
const record = <T extends Record<string, unknown>>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }) =>
  fc.record(model, { requiredKeys: [] });

/** Specs that parse more often than not, so the builders see hostile values that pass parsing. */
const plausibleSpec = fc.record(
  {
    workflowRef: fc.record(
      {
        workflowId: fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
        version: fc.string({ minLength: 1, maxLength: 10 }),
        executionBundle: mutated(validBundle),
        executionBundleDigest: fc.option(validDigest, { nil: undefined }),
        engineConfig: fc.option(engineConfig, { nil: undefined }),
        // kubernaut's catalog-snapshot fields (its #1661).
        workflowName: fc.string({ maxLength: 20 }),
        executionEngine: rarely(fc.constantFrom('job', 'tekton', 'ansible', '', 'Job!')),
        serviceAccountName: rarely(fc.oneof(fc.constant(''), validSubdomain, mutated(validLabel))),
        dependencies: rarely(record({ secrets: dependencyList, configMaps: dependencyList })),
        resources: rarely(record({ limits: resourceList, requests: resourceList })),
        declaredParameterNames: rarely(
          fc.oneof(fc.constant(null), fc.dictionary(parameterName, fc.boolean(), { maxKeys: 4 })),
        ),
      },
      { requiredKeys: ['workflowId', 'version', 'executionBundle'] },
    ),
    targetResource: mutated(validTarget),
    parameters,
    executionEngine: fc.constantFrom('job', 'tekton', 'ansible', ''),
    executionConfig: record({
      timeout,
      serviceAccountName: fc.oneof(fc.constant(''), validSubdomain, mutated(validLabel)),
    }),
    remediationRequestRef: fc.record(
      { name: fc.string({ minLength: 1 }), namespace: fc.string() },
      { requiredKeys: ['name'] },
    ),
    dependencies: record({ secrets: dependencyList, configMaps: dependencyList }),
    confidence: fc.double({ noNaN: true, noDefaultInfinity: true }),
    rationale: hostileString,
    timesOutAt: rarely(timesOutAt),
    clusterID: rarely(fc.constantFrom('', 'spoke-1')),
  },
  { requiredKeys: ['workflowRef', 'targetResource'] },
);

/** Anything at every field: wrong types, missing and unknown fields. */
const hostileSpec = fc
  .tuple(
    plausibleSpec,
    record({
      workflowRef: fc.oneof(wrongType, fc.dictionary(fc.string(), fc.jsonValue())),
      targetResource: fc.oneof(hostileString, wrongType),
      parameters: fc.oneof(
        wrongType,
        fc.dictionary(parameterName, fc.oneof({ weight: 6, arbitrary: fc.string() }, wrongType)),
      ),
      executionEngine: fc.oneof(hostileString, wrongType),
      executionConfig: fc.oneof(
        wrongType,
        record({ timeout: fc.oneof(hostileString, wrongType), timout: fc.string() }),
      ),
      dependencies: fc.oneof(
        wrongType,
        record({ secrets: fc.oneof(wrongType, fc.array(fc.anything())), secret: fc.anything() }),
      ),
      confidence: fc.oneof(fc.double(), fc.string()),
      paramters: fc.dictionary(fc.string(), fc.string()),
    }),
  )
  .map(([spec, overrides]) => ({ ...spec, ...overrides }));

const metadata = fc.record(
  {
    name: fc.oneof(validSubdomain, fc.string({ unit: 'binary', minLength: 1, maxLength: 40 })),
    namespace: fc.oneof(validLabel, fc.string({ unit: 'binary', minLength: 1, maxLength: 40 })),
    uid: fc.uuid(),
    labels: fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
    finalizers: fc.array(fc.string(), { maxLength: 2 }),
    generation: fc.integer(),
  },
  { requiredKeys: ['name', 'namespace'] },
);

const plausibleExecution = fc.record({
  apiVersion: fc.constant('roundhouse.dev/v1alpha1'),
  kind: fc.constant('WorkflowExecution'),
  metadata,
  spec: plausibleSpec,
});

/**
 * Executions that parse: every field valid (most generated ones fail parsing before a builder
 * sees them), so the builder's own rules decide. Dependencies in most of them, in either field
 * that lists them (never both: the schema refuses that).
 */
const validDependencies = fc.record(
  {
    secrets: fc.array(fc.record({ name: validSubdomain }), { maxLength: 2 }),
    configMaps: fc.array(fc.record({ name: validSubdomain }), { maxLength: 2 }),
  },
  { requiredKeys: [] },
);
const wellFormedExecution = fc
  .record({
    name: validSubdomain,
    uid: fc.uuid(),
    workflowId: validLabel,
    executionBundle: validBundle,
    targetResource: validTarget,
    parameters: fc.dictionary(fc.stringMatching(/^P_[A-Z0-9_]{0,10}$/), fc.string(), {
      maxKeys: 3,
    }),
    timeout: fc.option(
      saneDuration.filter((d) => !d.startsWith('-')),
      { nil: undefined },
    ),
    dependencies: fc.option(validDependencies, { nil: undefined }),
    inWorkflowRef: fc.boolean(),
    timesOutAt: fc.option(nearTime, { nil: undefined }),
  })
  .map(({ name, uid, workflowId, executionBundle, dependencies, inWorkflowRef, ...spec }) => ({
    apiVersion: 'roundhouse.dev/v1alpha1',
    kind: 'WorkflowExecution',
    metadata: { name, namespace: executionNamespace, uid },
    spec: {
      workflowRef: {
        workflowId,
        version: '1',
        executionBundle,
        ...(inWorkflowRef && dependencies ? { dependencies } : {}),
      },
      targetResource: spec.targetResource,
      parameters: spec.parameters,
      ...(spec.timeout ? { executionConfig: { timeout: spec.timeout } } : {}),
      ...(!inWorkflowRef && dependencies ? { dependencies } : {}),
      ...(spec.timesOutAt ? { timesOutAt: spec.timesOutAt } : {}),
    },
  }));

/** Four in five executions parse, so the builder's rules decide most runs; the fifth is hostile. */
const mostlyWellFormed = fc.oneof(
  { weight: 4, arbitrary: wellFormedExecution },
  plausibleExecution,
);

/** An ansible engine config: mostly one AWX launches, sometimes anything (wrong types, missing). */
const ansibleEngineConfig = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record(
      {
        jobTemplateName: fc.string({ minLength: 1, maxLength: 20 }),
        playbookPath: fc.string({ minLength: 1, maxLength: 20 }),
        inventoryName: fc.string({ minLength: 1, maxLength: 10 }),
      },
      { requiredKeys: ['jobTemplateName', 'playbookPath'] },
    ),
  },
  fc.constant(undefined),
  engineConfig,
);
const wellFormedAnsibleExecution = fc
  .tuple(wellFormedExecution, ansibleEngineConfig)
  .map(([wfe, config]) => ({
    ...wfe,
    spec: { ...wfe.spec, workflowRef: { ...wfe.spec.workflowRef, engineConfig: config } },
  }));

const hostileExecution = fc.record(
  {
    apiVersion: fc.oneof(fc.string(), wrongType),
    kind: fc.oneof(fc.string(), wrongType),
    metadata: fc.oneof(metadata, wrongType, fc.dictionary(fc.string(), fc.anything())),
    spec: fc.oneof({ weight: 4, arbitrary: hostileSpec }, wrongType),
    status: fc.oneof(fc.anything(), fc.record({ phase: fc.string() })),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);

// ---------------------------------------------------------------------------------------------
// The settings each builder takes from its operator (valid: they are validated elsewhere).

const conventions = fc.constantFrom<Conventions>(roundhouseConventions, kubernautConventions);
const jobSettings: fc.Arbitrary<JobSettings> = fc.record(
  {
    conventions,
    serviceAccountName: fc.constantFrom('roundhouse-workflow-runner', 'runner'),
    defaultTimeout: fc.oneof(fc.constant(undefined), saneDuration, fc.constantFrom('0', 'x')),
    ttlSecondsAfterFinished: fc.integer({ min: 0, max: 86_400 }),
    securityProfile: fc.constantFrom('restricted' as const, 'none' as const),
    containerSecurityContext: fc.constantFrom(undefined, { readOnlyRootFilesystem: false }),
    podLabels: fc.constantFrom(undefined, { team: 'a' }),
    podAnnotations: fc.constantFrom(undefined, { 'example.com/note': 'x' }),
  },
  {
    requiredKeys: [
      'conventions',
      'serviceAccountName',
      'ttlSecondsAfterFinished',
      'securityProfile',
    ],
  },
);
const pipelineRunSettings: fc.Arbitrary<PipelineRunSettings> = fc.record({
  conventions,
  serviceAccountName: fc.constantFrom('roundhouse-workflow-runner', 'runner'),
  pipelineName: fc.constantFrom('workflow', 'main'),
});

const podSettings: fc.Arbitrary<PodEngineSettings> = fc.record(
  {
    conventions,
    serviceAccountName: fc.constantFrom('roundhouse-workflow-runner', 'runner'),
    defaultTimeout: fc.oneof(fc.constant(undefined), saneDuration),
    securityProfile: fc.constantFrom('restricted' as const, 'none' as const),
    resources: fc.constantFrom(undefined, { limits: { cpu: '2', memory: '1Gi' } }),
    allowedImages: fc.oneof(
      { weight: 6, arbitrary: fc.constant(['*']) },
      fc.constantFrom(['registry.invalid/*'], ['registry.invalid/x:*'], []),
    ),
    requireDigest: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, fc.constant(true)),
    ownerReference: fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, fc.constant(true)),
    // Set, unset or absent: off unless true.
    mountDependencies: fc.boolean(),
  },
  {
    requiredKeys: [
      'conventions',
      'serviceAccountName',
      'securityProfile',
      'allowedImages',
      'ownerReference',
    ],
  },
);

/** Whether a pod engine's allow-list names `image`, read from the patterns' own rule. */
function podImageAllowed(allowed: readonly string[], image: string): boolean {
  return allowed.some(
    (pattern) =>
      pattern === '*' ||
      (pattern.endsWith('/*') && image.startsWith(pattern.slice(0, -1))) ||
      (pattern.endsWith(':*') &&
        image.startsWith(pattern.slice(0, -1)) &&
        !image.slice(pattern.length - 1).includes('/')),
  );
}

const configMapKey = fc.stringMatching(/^[-._a-zA-Z0-9]{1,20}$/);

// ---------------------------------------------------------------------------------------------
// Shared checks of the resources.

function expectExecutionMetadata(
  meta: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  },
  namespace: string,
) {
  expect(isDnsLabel(meta.name), meta.name).toBe(true);
  expect(meta.namespace).toBe(namespace);
  expectLabels(meta.labels);
  expectAnnotations(meta.annotations);
}

function expectParametersCarried(
  wfe: WorkflowExecution,
  carried: readonly { name: string; value: string }[],
) {
  expect(carried[0]).toEqual({ name: 'TARGET_RESOURCE', value: wfe.spec.targetResource });
  const names = carried.map((p) => p.name);
  expect(new Set(names).size).toBe(names.length);
  for (const [name, value] of Object.entries(wfe.spec.parameters ?? {})) {
    expect(carried).toContainEqual({ name, value });
  }
}

/** Counts how often each property reached each outcome, so none of them is vacuous. */
function tally(leastBuilt = numRuns / 20) {
  const counts = { built: 0, refused: 0 };
  return {
    counts,
    record(result: { value: unknown } | { error: unknown }) {
      if ('value' in result) counts.built += 1;
      else counts.refused += 1;
    },
    expectBoth() {
      expect(counts.built, 'runs that built a resource').toBeGreaterThan(leastBuilt);
      expect(counts.refused, 'runs refused with a ConfigurationError').toBeGreaterThan(0);
    },
  };
}

const executionNamespace = 'roundhouse-workflows';

describe('hostile WorkflowExecutions', () => {
  it('parseWorkflowExecution returns an execution or a ConfigurationError naming fields', () => {
    const seen = tally();
    fc.assert(
      fc.property(fc.oneof(hostileExecution, plausibleExecution), (input) => {
        const result = outcome(() => parseWorkflowExecution(input));
        seen.record(result);
        if ('value' in result) {
          const wfe = result.value;
          expect(wfe.spec.executionEngine).not.toBe('');
          expect(typeof wfe.spec.targetResource).toBe('string');
          for (const value of Object.values(wfe.spec.parameters ?? {})) {
            expect(typeof value).toBe('string');
          }
          // Every accepted parameter name that is an own key of the input survives.
          const given = (input as { spec?: { parameters?: object } }).spec?.parameters ?? {};
          expect(Object.keys(wfe.spec.parameters ?? {}).sort()).toEqual(Object.keys(given).sort());
        }
      }),
      { numRuns },
    );
    seen.expectBoth();
  });

  it('buildJob builds a valid Job or refuses with a ConfigurationError', () => {
    const seen = tally(numRuns / 2);
    let endsByTimesOutAt = 0;
    fc.assert(
      fc.property(mostlyWellFormed, jobSettings, (input, settings) => {
        const result = outcome(() => {
          // As an executor builds it: declared parameters applied, the timeout ending by
          // spec.timesOutAt.
          const { wfe } = preparedExecution(parseWorkflowExecution(input), {});
          const dependencies = requestedDependencies(wfe).dependencies;
          return { wfe, job: buildJob(wfe, executionNamespace, dependencies, settings) };
        });
        seen.record(result);
        if (!('value' in result)) return;
        const { wfe, job } = result.value;
        expectJsonResource(job);
        expectExecutionMetadata(job.metadata as never, executionNamespace);
        const pod = job.spec!.template;
        expectLabels(pod.metadata!.labels);
        expectAnnotations(pod.metadata!.annotations);
        const spec = pod.spec!;
        expect(isDnsSubdomain(spec.serviceAccountName), spec.serviceAccountName).toBe(true);
        const container = spec.containers[0]!;
        expect(spec.containers).toHaveLength(1);
        expect(isDnsLabel(container.name)).toBe(true);
        expect(ociReference.test(container.image!), container.image).toBe(true);
        const env = container.env ?? [];
        for (const e of env) expect(cIdentifier.test(e.name), e.name).toBe(true);
        expectParametersCarried(
          wfe,
          env
            .filter((e) => e.name !== 'HOME' || wfe.spec.parameters?.HOME !== undefined)
            // What the container receives: the kubelet reduces each escaped "$$" to "$".
            .map((e) => ({ name: e.name, value: e.value?.replaceAll('$$', '$') })) as never,
        );
        const volumes = spec.volumes ?? [];
        const volumeNames = volumes.map((v) => v.name);
        for (const name of volumeNames) expect(isDnsLabel(name), name).toBe(true);
        expect(new Set(volumeNames).size).toBe(volumeNames.length);
        const mounts = container.volumeMounts ?? [];
        for (const m of mounts) {
          expect(volumeNames).toContain(m.name);
          expect(m.mountPath.startsWith('/')).toBe(true);
        }
        expect(new Set(mounts.map((m) => m.mountPath)).size).toBe(mounts.length);
        for (const v of volumes) {
          const ref = v.secret?.secretName ?? v.configMap?.name;
          if (ref !== undefined) expect(isDnsSubdomain(ref), ref).toBe(true);
        }
        const deadline = job.spec!.activeDeadlineSeconds;
        if (deadline !== undefined) expect(deadline).toBeGreaterThan(0);
        const { timesOutAt } = wfe.spec;
        if (timesOutAt !== undefined) {
          expect(deadline).toBeDefined();
          expect(deadline!).toBeLessThanOrEqual(
            Math.max(1, Math.ceil((Date.parse(timesOutAt) - Date.now()) / 1000) + 1),
          );
          endsByTimesOutAt += 1;
        }
        for (const list of [container.resources?.limits, container.resources?.requests]) {
          for (const [name, quantity] of Object.entries(list ?? {})) {
            expect(quantity, name).toMatch(
              /^\+?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[KMGTPE]i|[numkMGTPE]|[eE][+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))?$/,
            );
          }
        }
      }),
      { numRuns },
    );
    seen.expectBoth();
    expect(endsByTimesOutAt, 'Jobs held to spec.timesOutAt').toBeGreaterThan(numRuns / 3);
  });

  it('buildPipelineRun builds a valid PipelineRun or refuses with a ConfigurationError', () => {
    const seen = tally(numRuns / 2);
    let withWorkspaces = 0;
    fc.assert(
      fc.property(mostlyWellFormed, pipelineRunSettings, (input, settings) => {
        const result = outcome(() => {
          // As the resource executor builds it: declared parameters applied, the timeout
          // ending by spec.timesOutAt, the dependencies from whichever field lists them.
          const { wfe } = preparedExecution(parseWorkflowExecution(input), {});
          const dependencies = requestedDependencies(wfe).dependencies;
          const run = buildPipelineRun(wfe, executionNamespace, dependencies, settings);
          return { wfe, run };
        });
        seen.record(result);
        if (!('value' in result)) return;
        const { wfe, run } = result.value;
        expectJsonResource(run);
        expectExecutionMetadata(run.metadata, executionNamespace);
        const bundle = run.spec.pipelineRef.params.find((p) => p.name === 'bundle');
        expect(ociReference.test(bundle!.value), bundle!.value).toBe(true);
        const params = run.spec.params;
        for (const p of params) expect(cIdentifier.test(p.name), p.name).toBe(true);
        expectParametersCarried(wfe, [params.at(-1)!, ...params.slice(0, -1)]);
        const workspaces = run.spec.workspaces ?? [];
        // kubernaut's names, the dependency's as written: Tekton puts no rule on a workspace's
        // name (its pod volumes get names of their own).
        for (const w of workspaces) {
          const dependency = w.secret?.secretName ?? w.configMap?.name ?? '';
          expect(isDnsSubdomain(dependency), dependency).toBe(true);
          expect(w.name).toBe(`${w.secret ? 'secret' : 'configmap'}-${dependency}`);
        }
        expect(new Set(workspaces.map((w) => w.name)).size).toBe(workspaces.length);
        if (workspaces.length > 0) withWorkspaces += 1;
        const sa = run.spec.taskRunTemplate.serviceAccountName;
        expect(isDnsSubdomain(sa), sa).toBe(true);
        if (run.spec.timeouts) {
          const ns = goParseDuration(run.spec.timeouts.pipeline);
          expect(ns !== undefined && ns > 0n, run.spec.timeouts.pipeline).toBe(true);
        }
        // The run ends by spec.timesOutAt, as kubernaut's PipelineRun timeout does.
        const { timesOutAt } = wfe.spec;
        if (timesOutAt !== undefined) {
          const ns = goParseDuration(run.spec.timeouts?.pipeline ?? '');
          expect(ns, run.spec.timeouts?.pipeline).toBeDefined();
          expect(Number(ns) / 1e9).toBeLessThanOrEqual(
            Math.max(1, Math.ceil((Date.parse(timesOutAt) - Date.now()) / 1000) + 1),
          );
        }
      }),
      { numRuns },
    );
    seen.expectBoth();
    expect(withWorkspaces, 'PipelineRuns with dependency workspaces').toBeGreaterThan(numRuns / 4);
  });

  it('buildPod builds a valid Pod of allowed images, refuses dependencies without the opt-in, or refuses naming the field', () => {
    const seen = tally(numRuns / 4);
    let refusedDependencies = 0;
    fc.assert(
      fc.property(
        fc.oneof({ weight: 4, arbitrary: wellFormedExecution }, plausibleExecution),
        podConfig,
        podSettings,
        (input, config, settings) => {
          const withSteps = {
            ...input,
            metadata: { ...input.metadata, namespace: executionNamespace },
            spec: {
              ...input.spec,
              workflowRef: { ...input.spec.workflowRef, engineConfig: config },
            },
          };
          const prepared = outcome(() => {
            const { wfe } = preparedExecution(parseWorkflowExecution(withSteps), {});
            return { wfe, dependencies: requestedDependencies(wfe).dependencies };
          });
          if (!('value' in prepared)) {
            seen.record(prepared);
            return;
          }
          const { wfe, dependencies } = prepared.value;
          const build = (mountDependencies: boolean) =>
            podOutcome(() =>
              buildPod(wfe, executionNamespace, dependencies, { ...settings, mountDependencies }),
            );
          const result = build(settings.mountDependencies === true);
          seen.record(result);
          const listed = [
            ...(dependencies?.secrets ?? []).map((s) => `Secret ${s.name}`),
            ...(dependencies?.configMaps ?? []).map((c) => `ConfigMap ${c.name}`),
          ];
          if (settings.mountDependencies !== true) {
            const optedIn = build(true);
            if (listed.length === 0) {
              // Without dependencies the opt-in changes nothing.
              expect(result).toEqual(optedIn);
            } else {
              // A step holds every Secret and ConfigMap mounted into it: none without the
              // operator's opt-in, and where the opt-in alone would build, the refusal says so.
              expect('value' in result, 'a Pod mounting dependencies without the opt-in').toBe(
                false,
              );
              if ('value' in optedIn) {
                expect(result).toEqual({ error: expect.any(ConfigurationError) });
                const { issues } = (result as { error: ConfigurationError }).error;
                const field =
                  wfe.spec.workflowRef.dependencies?.secrets?.length ||
                  wfe.spec.workflowRef.dependencies?.configMaps?.length
                    ? 'spec.workflowRef.dependencies'
                    : 'spec.dependencies';
                expect(issues).toEqual([
                  { path: field, message: expect.stringContaining('mountDependencies') },
                ]);
                for (const named of listed) expect(issues[0]!.message).toContain(named);
                refusedDependencies += 1;
              }
            }
          }
          if (!('value' in result)) return;
          const pod = result.value;
          expectJsonResource(pod);
          expectExecutionMetadata(pod.metadata as never, executionNamespace);
          const spec = pod.spec!;
          expect(isDnsSubdomain(spec.serviceAccountName), spec.serviceAccountName).toBe(true);
          // No token of the operator's runner in the author's scripts.
          if (
            !wfe.spec.workflowRef.serviceAccountName &&
            !wfe.spec.executionConfig?.serviceAccountName
          )
            expect(spec.automountServiceAccountToken).toBe(false);
          expect(spec.hostNetwork ?? false).toBe(false);
          expect(spec.hostPID ?? false).toBe(false);
          expect(spec.hostIPC ?? false).toBe(false);
          const containers = [...(spec.initContainers ?? []), ...spec.containers];
          const names = containers.map((c) => c.name);
          expect(new Set(names).size).toBe(names.length);
          const volumes = spec.volumes ?? [];
          const volumeNames = volumes.map((v) => v.name);
          expect(new Set(volumeNames).size).toBe(volumeNames.length);
          for (const v of volumes) {
            expect(isDnsLabel(v.name), v.name).toBe(true);
            expect(v.hostPath).toBeUndefined();
          }
          // With the opt-in, every listed Secret and ConfigMap is a volume of the Pod.
          for (const s of dependencies?.secrets ?? [])
            expect(
              volumes.some((v) => v.secret?.secretName === s.name),
              s.name,
            ).toBe(true);
          for (const c of dependencies?.configMaps ?? [])
            expect(
              volumes.some((v) => v.configMap?.name === c.name),
              c.name,
            ).toBe(true);
          for (const c of containers) {
            expect(isDnsLabel(c.name), c.name).toBe(true);
            expect(ociReference.test(c.image!), c.image).toBe(true);
            expect(podImageAllowed(settings.allowedImages, c.image!), c.image).toBe(true);
            if (settings.requireDigest) expect(c.image).toContain('@');
            const env = c.env ?? [];
            for (const e of env) expect(cIdentifier.test(e.name), e.name).toBe(true);
            expect(new Set(env.map((e) => e.name)).size).toBe(env.length);
            for (const text of [...(c.command ?? []), ...env.map((e) => e.value ?? '')]) {
              expect(text.includes('\0')).toBe(false);
            }
            if (c.workingDir !== undefined) expect(c.workingDir.startsWith('/')).toBe(true);
            expect(c.securityContext?.privileged ?? false).toBe(false);
            if (settings.securityProfile === 'restricted') {
              expect(c.securityContext).toMatchObject({
                allowPrivilegeEscalation: false,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              });
            }
            const mounts = c.volumeMounts ?? [];
            for (const m of mounts) expect(volumeNames).toContain(m.name);
            expect(new Set(mounts.map((m) => m.mountPath)).size).toBe(mounts.length);
          }
          const deadline = spec.activeDeadlineSeconds;
          if (deadline !== undefined) {
            expect(deadline).toBeGreaterThan(0);
            expect(deadline).toBeLessThanOrEqual(2_147_483_647);
          }
        },
      ),
      { numRuns },
    );
    seen.expectBoth();
    expect(refusedDependencies, 'runs refused for dependencies without the opt-in').toBeGreaterThan(
      numRuns / 10,
    );
  });

  it('the AWX launch: engine config, extra_vars and their JSON, or a ConfigurationError', () => {
    const seen = tally(numRuns / 2);
    let carriedConfigMaps = 0;
    fc.assert(
      fc.property(
        fc.oneof({ weight: 4, arbitrary: wellFormedAnsibleExecution }, plausibleExecution),
        conventions,
        fc.array(fc.dictionary(configMapKey, hostileString, { maxKeys: 4 }), { maxLength: 3 }),
        (input, conventions, data) => {
          const result = outcome(() => {
            const { wfe } = preparedExecution(parseWorkflowExecution(input), {});
            parseEngineConfig(wfe);
            // ConfigMaps as the controller reads them: the dependencies, from whichever field
            // lists them, that name valid objects.
            const requested = requestedDependencies(wfe).dependencies;
            const names = (requested?.configMaps ?? []).map((c) => c.name);
            const configMaps: ConfigMapValues[] = names
              .filter(isDnsSubdomain)
              .map((name, i) => ({ name, data: data[i] ?? {} }));
            const identity = executionIdentity(wfe);
            const vars = launchExtraVars(wfe, identity, configMaps, conventions);
            return { wfe, configMaps, vars, json: serializeExtraVars(vars) };
          });
          seen.record(result);
          if (!('value' in result)) return;
          const { wfe, configMaps, vars, json } = result.value;
          const parsed = JSON.parse(json) as Record<string, unknown>;
          expect(Object.keys(parsed).sort()).toEqual(Object.keys(vars).sort());
          for (const [name, value] of Object.entries(wfe.spec.parameters ?? {})) {
            expect(cIdentifier.test(name), name).toBe(true);
            expect(Object.hasOwn(parsed, name)).toBe(true);
            if (typeof parsed[name] === 'string') expect(parsed[name]).toBe(value);
          }
          expect(parsed.WFE_NAME).toBe(wfe.metadata.name);
          expect(parsed.WFE_NAMESPACE).toBe(wfe.metadata.namespace);
          const values = configMaps.flatMap((c) => Object.values(c.data));
          for (const value of values) expect(Object.values(parsed)).toContain(value);
          if (values.length > 0) carriedConfigMaps += 1;
        },
      ),
      { numRuns },
    );
    seen.expectBoth();
    expect(carriedConfigMaps, 'launches carrying ConfigMap values').toBeGreaterThan(numRuns / 15);
  });

  it('buildExtraVars and serializeExtraVars: JSON AWX reads, or a ConfigurationError', () => {
    const seen = tally();
    fc.assert(
      fc.property(fc.dictionary(fc.string(), parameterValue, { maxKeys: 8 }), (params) => {
        const result = outcome(() => serializeExtraVars(buildExtraVars(params)));
        seen.record(result);
        if (!('value' in result)) return;
        const parsed = JSON.parse(result.value) as Record<string, unknown>;
        expect(Object.keys(parsed).sort()).toEqual(Object.keys(params).sort());
        for (const [name, value] of Object.entries(params)) {
          const read = parsed[name];
          // A string stays itself; anything else is the parameter read as a number, a bool or
          // a JSON array or object.
          if (typeof read === 'string') expect(read).toBe(value);
          else if (typeof read === 'boolean')
            expect([
              '1',
              '0',
              't',
              'f',
              'T',
              'F',
              'TRUE',
              'FALSE',
              'true',
              'false',
              'True',
              'False',
            ]).toContain(value);
          else if (typeof read === 'number') expect(Number.isFinite(read)).toBe(true);
          else expect(value[0]).toMatch(/[[{]/);
        }
      }),
      { numRuns },
    );
    seen.expectBoth();
  });
});

/**
 * Go's time.ParseDuration, which Tekton (and kubernaut) apply to a timeout: nanoseconds as a
 * bigint, or undefined where Go returns an error (syntax, or beyond ±2^63-1 ns).
 */
function goParseDuration(text: string): bigint | undefined {
  const units: Record<string, bigint> = {
    ns: 1n,
    us: 1_000n,
    µs: 1_000n,
    μs: 1_000n,
    ms: 1_000_000n,
    s: 1_000_000_000n,
    m: 60_000_000_000n,
    h: 3_600_000_000_000n,
  };
  const limit = 1n << 63n;
  let s = text;
  let negative = false;
  if (s[0] === '-' || s[0] === '+') {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') return undefined;
  let total = 0n;
  const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) return undefined;
    let i = 0;
    let whole = 0n;
    for (; isDigit(s[i]); i++) {
      if (whole > limit / 10n) return undefined;
      whole = whole * 10n + BigInt(s.charCodeAt(i) - 48);
      if (whole > limit) return undefined;
    }
    const pre = i > 0;
    s = s.slice(i);
    let fraction = 0n;
    let scale = 1;
    let post = false;
    if (s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      for (; isDigit(s[j]); j++) {
        if (overflow) continue;
        if (fraction > (limit - 1n) / 10n) {
          overflow = true;
          continue;
        }
        const next = fraction * 10n + BigInt(s.charCodeAt(j) - 48);
        if (next > limit) {
          overflow = true;
          continue;
        }
        fraction = next;
        scale *= 10;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) return undefined;
    let k = 0;
    while (k < s.length && s[k] !== '.' && !isDigit(s[k])) k++;
    const unit = units[s.slice(0, k)];
    if (unit === undefined) return undefined;
    s = s.slice(k);
    if (whole > limit / unit) return undefined;
    let value = whole * unit;
    if (fraction > 0n) {
      value += BigInt(Math.trunc(Number(fraction) * (Number(unit) / scale)));
      if (value > limit) return undefined;
    }
    total += value;
    if (total > limit) return undefined;
  }
  if (negative) return -total;
  return total > limit - 1n ? undefined : total;
}

describe('goParseDuration, the oracle', () => {
  it('reads what Go reads', () => {
    expect(goParseDuration('1h30m')).toBe(5_400_000_000_000n);
    expect(goParseDuration('1.5h')).toBe(5_400_000_000_000n);
    expect(goParseDuration('.5s')).toBe(500_000_000n);
    expect(goParseDuration('5.s')).toBe(5_000_000_000n);
    expect(goParseDuration('+5m')).toBe(300_000_000_000n);
    expect(goParseDuration('-5m')).toBe(-300_000_000_000n);
    expect(goParseDuration('1µs')).toBe(1_000n);
    expect(goParseDuration('0')).toBe(0n);
    expect(goParseDuration('0.5ns')).toBe(0n);
    expect(goParseDuration('2562047h47m16.854775807s')).toBe((1n << 63n) - 1n);
    expect(goParseDuration('2562048h')).toBeUndefined();
    for (const bad of ['', '1', 'h', '.s', '1d', '1e3s', '--1s', '1s ']) {
      expect(goParseDuration(bad), bad).toBeUndefined();
    }
  });
});
