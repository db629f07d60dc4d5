/**
 * Past 350 lines: the CRD's bounds and enums as the real API server applies them, on one control
 * plane with the CRD installed once.
 */
import { parseWorkflowExecution } from '@roundhouse/core';
import { KubeClient, type KubeObject } from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { ensureWorkflowExecutionCrd, workflowExecutions } from '@roundhouse/workflowexecution';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';

const spec = (overrides: Record<string, unknown> = {}) => ({
  workflowRef: {
    workflowId: 'restart',
    version: '1',
    executionBundle: 'registry.invalid/restart:1',
    engineConfig: { jobTemplateName: 'restart', nested: { any: ['json', 1, true, null] } },
  },
  targetResource: 'prod/deployment/api',
  executionEngine: 'job',
  parameters: { REPLICAS: '3' },
  executionConfig: { timeout: '30m' },
  ...overrides,
});

describeWithControlPlane('the WorkflowExecution CRD on a real API server', () => {
  const env = useTestNamespace();
  const client = () => new KubeClient(env.kubeConfig);

  beforeAll(async () => ensureWorkflowExecutionCrd(client()));

  let agent: Agent | undefined;
  afterAll(async () => agent?.close());

  /** The executions as `kubectl get wfe -o wide` asks for them: the server's Table. */
  async function printed(): Promise<Record<string, unknown>[]> {
    const tls: Record<string, unknown> & { headers?: Record<string, string> } = {};
    await env.kubeConfig.applyToHTTPSOptions(tls);
    agent ??= new Agent({ connect: { ca: tls.ca, cert: tls.cert, key: tls.key } as never });
    const server = env.kubeConfig.getCurrentCluster()?.server as string;
    const response = await fetch(
      `${server}/apis/roundhouse.dev/v1alpha1/namespaces/${env.namespace}/workflowexecutions`,
      {
        headers: { ...tls.headers, accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
        dispatcher: agent,
      },
    );
    expect(response.status).toBe(200);
    const table = (await response.json()) as {
      columnDefinitions: { name: string }[];
      rows: { cells: unknown[]; object: { metadata: { name: string } } }[];
    };
    return table.rows.map((row) =>
      Object.fromEntries(table.columnDefinitions.map((column, i) => [column.name, row.cells[i]])),
    );
  }

  it("accepts a valid execution, keeping free-form engineConfig and the printer columns' fields", async () => {
    const { object } = await client().create<KubeObject & { spec?: ReturnType<typeof spec> }>(
      workflowExecutions,
      env.namespace,
      { metadata: { name: 'valid' }, spec: spec() },
    );
    expect(object.spec?.workflowRef.engineConfig).toEqual({
      jobTemplateName: 'restart',
      nested: { any: ['json', 1, true, null] },
    });
  });

  it("admits kubernaut's own test executions, pinned to a short fake digest", async () => {
    const { object } = await client().create<KubeObject & { spec?: ReturnType<typeof spec> }>(
      workflowExecutions,
      env.namespace,
      {
        metadata: { name: 'kubernaut-fixture' },
        spec: spec({
          workflowRef: {
            workflowId: 'restart',
            version: 'v1',
            executionBundle: 'ghcr.io/kubernaut/workflows/test@sha256:abc123',
            executionBundleDigest: 'sha256:abc123',
          },
        }),
      },
    );
    expect(object.spec?.workflowRef.executionBundle).toBe(
      'ghcr.io/kubernaut/workflows/test@sha256:abc123',
    );
  });

  it.each([
    ['a target with an empty part', { targetResource: 'prod//api' }, 'spec.targetResource'],
    [
      'a non-Go timeout',
      { executionConfig: { timeout: '30 minutes' } },
      'spec.executionConfig.timeout',
    ],
    ['a traversal target', { targetResource: '../../passwd' }, 'spec.targetResource'],
    ['a target with a NUL', { targetResource: 'prod/deployment/api\u0000' }, 'spec.targetResource'],
    [
      'a target with a right-to-left override',
      { targetResource: 'prod/deployment/\u202Eipa' },
      'spec.targetResource',
    ],
    [
      'a bundle that is not an OCI reference',
      {
        workflowRef: {
          workflowId: 'restart',
          version: '1',
          executionBundle: ' registry.invalid/restart:1',
        },
      },
      'spec.workflowRef.executionBundle',
    ],
    [
      'a bundle pinned to what is no OCI digest',
      {
        workflowRef: {
          workflowId: 'restart',
          version: '1',
          executionBundle: 'registry.invalid/restart:1@SHA256:x',
        },
      },
      'spec.workflowRef.executionBundle',
    ],
    [
      'a digest without its algorithm',
      {
        workflowRef: {
          workflowId: 'restart',
          version: '1',
          executionBundle: 'registry.invalid/restart:1',
          executionBundleDigest: 'abc123',
        },
      },
      'spec.workflowRef.executionBundleDigest',
    ],
    ['a numeric parameter', { parameters: { N: 3 } }, 'spec.parameters.N'],
    [
      'more than 256 parameters',
      {
        parameters: Object.fromEntries(Array.from({ length: 3_000 }, (_, i) => [String(i), 'x'])),
      },
      'spec.parameters',
    ],
    [
      'an engine name of 64 characters',
      { executionEngine: 'e'.repeat(64) },
      'spec.executionEngine',
    ],
    ['an engine name with spaces', { executionEngine: 'my engine' }, 'spec.executionEngine'],
    [
      'a timeout of thousands of characters',
      { executionConfig: { timeout: `-${'1h'.repeat(5_000)}` } },
      'spec.executionConfig.timeout',
    ],
    [
      'a dependency named ".."',
      { dependencies: { secrets: [{ name: '..' }] } },
      'spec.dependencies.secrets[0].name',
    ],
  ])('rejects %s, naming the field', async (_case, overrides, field) => {
    const error = await client()
      .create(workflowExecutions, env.namespace, {
        metadata: { name: 'invalid' },
        spec: spec(overrides),
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'Invalid' });
    expect((error as Error).message).toContain(field);
  });

  it('accepts a spec at its bounds: 256 parameters, a 63-character engine', async () => {
    const parameters = Object.fromEntries(
      Array.from({ length: 256 }, (_, i) => [`P_${i}`, 'v'.repeat(1_000)]),
    );
    const { object } = await client().create<KubeObject & { spec?: ReturnType<typeof spec> }>(
      workflowExecutions,
      env.namespace,
      {
        metadata: { name: 'at-bounds' },
        spec: spec({ parameters, executionEngine: `my-${'e'.repeat(60)}` }),
      },
    );
    expect(Object.keys(object.spec?.parameters ?? {})).toHaveLength(256);
  });

  it("takes a whole-number quantity as YAML writes it (cpu: 2), int-or-string as kubernaut's CRD, and refuses a negative one", async () => {
    const withResources = (limits: Record<string, unknown>) =>
      spec({
        workflowRef: {
          ...spec().workflowRef,
          resources: { limits, requests: { memory: '64Mi' } },
        },
      });
    const { object } = await client().create(workflowExecutions, env.namespace, {
      metadata: { name: 'whole-cpu' },
      spec: withResources({ cpu: 2, memory: '1Gi' }),
    });
    expect(parseWorkflowExecution(object).spec.workflowRef.resources?.limits).toEqual({
      cpu: '2',
      memory: '1Gi',
    });
    const refused = await client()
      .create(workflowExecutions, env.namespace, {
        metadata: { name: 'negative-cpu' },
        spec: withResources({ cpu: '-1' }),
      })
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ statusCode: 422 });
  });

  it("stores an absent engine absent, read as tekton, and keeps the engine kubernaut's catalog snapshot names", async () => {
    // No CRD default: one would put tekton beside a catalog snapshot's own engine.
    const { object: plain } = await client().create(workflowExecutions, env.namespace, {
      metadata: { name: 'no-engine' },
      spec: spec({ executionEngine: undefined }),
    });
    expect(plain.spec).not.toHaveProperty('executionEngine');
    expect(parseWorkflowExecution(plain).spec.executionEngine).toBe('tekton');
    const { object: snapshot } = await client().create(workflowExecutions, env.namespace, {
      metadata: { name: 'snapshot-engine' },
      spec: spec({
        executionEngine: undefined,
        workflowRef: {
          workflowId: 'restart',
          version: '1',
          executionBundle: 'registry.invalid/restart:1',
          executionEngine: 'job',
          declaredParameterNames: null,
        },
        timesOutAt: '2026-12-02T10:30:00Z',
      }),
    });
    const parsed = parseWorkflowExecution(snapshot);
    expect(parsed.spec.executionEngine).toBe('job');
    expect(parsed.spec.workflowRef.declaredParameterNames).toBeNull();
    expect(parsed.spec.timesOutAt).toBe('2026-12-02T10:30:00Z');
  });

  it("selects executions by spec.remediationRequestRef.name, kubernaut's selectable field", async () => {
    for (const [name, rr] of [
      ['for-rr-1', 'rr-1'],
      ['for-rr-2', 'rr-2'],
    ])
      await client().create(workflowExecutions, env.namespace, {
        metadata: { name },
        spec: spec({ remediationRequestRef: { name: rr } }),
      });
    const { items } = await client().list(workflowExecutions, env.namespace, {
      fieldSelector: 'spec.remediationRequestRef.name=rr-1',
    });
    expect(items.map((item) => item.metadata?.name)).toEqual(['for-rr-1']);
  });

  it('makes the spec immutable', async () => {
    await client().create(workflowExecutions, env.namespace, {
      metadata: { name: 'frozen' },
      spec: spec(),
    });
    const error = await client()
      .patch(workflowExecutions, env.namespace, 'frozen', {
        spec: { targetResource: 'prod/deployment/other' },
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'Invalid' });
    expect((error as Error).message).toContain('spec is immutable');
  });

  it('validates status writes against the phase and failure-reason enums', async () => {
    await client().create(workflowExecutions, env.namespace, {
      metadata: { name: 'status' },
      spec: spec(),
    });
    const error = await client()
      .patch(
        workflowExecutions,
        env.namespace,
        'status',
        { status: { phase: 'Exploded' } },
        { subresource: 'status' },
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'Invalid' });
    const written = await client().patch<KubeObject & { status?: { phase: string } }>(
      workflowExecutions,
      env.namespace,
      'status',
      {
        status: {
          phase: 'Failed',
          failureDetails: {
            reason: 'OOMKilled',
            message: 'm',
            failedAt: new Date().toISOString(),
            wasExecutionFailure: true,
          },
        },
      },
      { subresource: 'status' },
    );
    expect(written.status?.phase).toBe('Failed');
  });

  it("refuses a failure reason outside the enum, such as kubernaut's RaceConditionError", async () => {
    await client().create(workflowExecutions, env.namespace, {
      metadata: { name: 'race' },
      spec: spec(),
    });
    const failed = (reason: string) =>
      client().patch(
        workflowExecutions,
        env.namespace,
        'race',
        {
          status: {
            phase: 'Failed',
            failureDetails: {
              reason,
              message: 'm',
              failedAt: new Date().toISOString(),
              wasExecutionFailure: false,
            },
          },
        },
        { subresource: 'status' },
      );
    expect(await failed('RaceConditionError').catch((e: unknown) => e)).toMatchObject({
      reason: 'Invalid',
    });
    const written = await failed('ExecutionResourceDeleted');
    expect(written.status).toMatchObject({
      failureDetails: { reason: 'ExecutionResourceDeleted' },
    });
  });

  it("keeps every failureDetails field of kubernaut's CRD a status writer sets", async () => {
    await client().create(workflowExecutions, env.namespace, {
      metadata: { name: 'details' },
      spec: spec(),
    });
    const failureDetails = {
      failedTaskIndex: 1,
      failedTaskName: 'apply-memory-increase',
      failedStepName: 'kubectl-apply',
      reason: 'OOMKilled',
      message: 'Container exceeded memory limits',
      exitCode: 137,
      failedAt: '2026-12-02T10:00:00Z',
      executionTimeBeforeFailure: '2m30s',
      naturalLanguageSummary: "Task 'apply-memory-increase' failed with OOMKilled after 2m30s",
      wasExecutionFailure: true,
    };
    const blockClearance = {
      clearedAt: '2026-12-02T10:05:00Z',
      clearedBy: 'alice',
      clearReason: 'fixed the limits',
      clearMethod: 'Annotation',
    };
    await client().patch(
      workflowExecutions,
      env.namespace,
      'details',
      { status: { phase: 'Failed', failureReason: 'OOMKilled', failureDetails, blockClearance } },
      { subresource: 'status' },
    );
    const read = await client().get<KubeObject & { status?: Record<string, unknown> }>(
      workflowExecutions,
      env.namespace,
      'details',
    );
    expect(read?.status).toMatchObject({
      failureReason: 'OOMKilled',
      failureDetails,
      blockClearance,
    });
  });

  it("shows the engine of either of kubernaut's shapes, and the catalog's workflow name", async () => {
    const snapshotRef = (executionEngine?: string) => ({
      workflowId: 'restart',
      version: '1',
      executionBundle: 'registry.invalid/restart:1',
      workflowName: 'restart-deployment',
      ...(executionEngine ? { executionEngine } : {}),
    });
    const executions: [string, Record<string, unknown>][] = [
      ['column-spec-engine', spec({ executionEngine: 'ansible' })],
      [
        'column-snapshot-engine',
        spec({
          executionEngine: undefined,
          workflowRef: snapshotRef('job'),
          // A parameter of the same name is not the engine.
          parameters: { executionEngine: 'not-an-engine' },
        }),
      ],
      [
        'column-no-engine',
        spec({
          executionEngine: undefined,
          workflowRef: snapshotRef(),
          parameters: { executionEngine: 'not-an-engine' },
        }),
      ],
    ];
    for (const [name, body] of executions)
      await client().create(workflowExecutions, env.namespace, { metadata: { name }, spec: body });
    const rows = new Map((await printed()).map((row) => [row.Name, row]));
    expect(rows.get('column-spec-engine')).toMatchObject({ Engine: 'ansible' });
    expect(rows.get('column-snapshot-engine')).toMatchObject({
      Engine: 'job',
      Workflow: 'restart-deployment',
    });
    expect(rows.get('column-no-engine')?.Engine).toBeFalsy();
  });
});
