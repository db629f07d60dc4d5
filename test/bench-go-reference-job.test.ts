import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  type KubeObject,
  kubernetesErrorFromResponse,
  queryString,
  resourcePath,
  resources,
} from '@roundhouse/kube';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildGoReference, goReferenceJobs } from '../bench/scale/go-reference.js';
import { executionBody, jobShape, roundhouseJob } from '../bench/scale/workload.js';
import { isCi } from '../packages/testenv/src/vitest/context.js';

// `npm run bench -- --scale` compares its scenarios only while the Go reference creates the Job
// the job engine creates (`jobShape`); when the engine changed its Job and the reference did
// not, the bench refused to compare for a whole session while every test passed. This test
// makes that drift fail `npm test`: each execution's Job from the reference's `--print-job` and
// from `roundhouseJob` (the floor's, built as the example controller's engine builds it) must
// come back from the API server with the same shape, as they must in the bench.

const sourceNamespace = 'team-a';

const coldBuildTimeoutMs = 20 * 60_000;

/** The bench's execution spec, which each case below changes in one respect. */
const benchSpec = executionBody(0).spec as Record<string, unknown>;

/** An execution as the API server returns it: the bench's, with `spec` changed by `change`. */
function stored(name: string, uid: string, change: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'roundhouse.dev/v1alpha1',
    kind: 'WorkflowExecution',
    metadata: { name, namespace: sourceNamespace, uid, generation: 1 },
    spec: { ...benchSpec, ...change },
  };
}

const workflowRef = (workflowId: string) => ({
  ...(benchSpec.workflowRef as Record<string, unknown>),
  workflowId,
});

const executions: readonly { readonly what: string; readonly execution: KubeObject }[] = [
  { what: "the bench's own", execution: stored('wfe-0', '0b8f2c4e-1111-4a6b-9c1d-2e3f4a5b6c7d') },
  {
    what: 'parameters, sorted by code point, "$" doubled, and TMPDIR keeping its own value',
    execution: stored('with-parameters', '1c9e3d5f-2222-4b7c-8d9e-0f1a2b3c4d5e', {
      parameters: {
        REPLICAS: '3',
        MESSAGE: 'costs $5, not $(PRICE)',
        lower_case: 'x',
        _LEADING: 'y',
        TMPDIR: '/scratch',
      },
    }),
  },
  {
    what: 'a name longer than a label value, and a workflow id that is none',
    execution: stored(
      `restart.payments-api.${'x'.repeat(70)}`,
      '2d0f4e6a-3333-4c8d-9eaf-1a2b3c4d5e6f',
      { workflowRef: workflowRef('Restart payments (v2)') },
    ),
  },
  {
    what: 'a cluster-scoped target with dots',
    execution: stored('cluster-scoped', '3e1a5f7b-4444-4d9e-afb0-2b3c4d5e6f70', {
      targetResource: 'node/worker-1.example.com',
    }),
  },
  {
    what: 'a target with ":" (no label character)',
    execution: stored('rbac-target', '4f2b6a8c-5555-4eaf-b0c1-3c4d5e6f7081', {
      targetResource: 'kube-system/clusterrole/system:aggregate-to-edit',
    }),
  },
  {
    what: 'a target cut at 63 characters into a valid label value',
    execution: stored('long-target', '5a3c7b9d-6666-4fb0-81d2-4d5e6f708192', {
      targetResource: `payments/deployment/${'a'.repeat(80)}`,
    }),
  },
  {
    what: 'a target whose 63-character cut ends in "_"',
    execution: stored('cut-target', '6b4d8cae-7777-40c1-92e3-5e6f708192a3', {
      targetResource: `${'n'.repeat(61)}/deployment/app`,
    }),
  },
];

/**
 * The Job as the API server would store it (`dryRun=All`: defaulted and validated, nothing
 * stored), as the bench's watch sees each scenario's Job. KubeClient has no dry-run option.
 */
async function dryRunCreate(kubeConfig: KubeConfig, agent: Agent, job: KubeObject) {
  const tls: { headers?: Record<string, string> } = {};
  await kubeConfig.applyToHTTPSOptions(tls);
  const server = kubeConfig.getCurrentCluster()?.server as string;
  const path =
    resourcePath(resources.jobs, { namespace: job.metadata?.namespace }) +
    queryString({ dryRun: 'All' });
  const response = await fetch(`${server}${path}`, {
    method: 'POST',
    headers: { ...tls.headers, accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify(job),
    dispatcher: agent,
  });
  const text = await response.text();
  if (!response.ok) {
    throw kubernetesErrorFromResponse(response.status, text, `dry-run create Job ${path}`);
  }
  return JSON.parse(text) as KubeObject;
}

describeWithControlPlane('the Go reference builds the job engine’s Job', () => {
  const env = useTestNamespace();
  let agent: Agent;
  let logDir: string;
  // The reference's Jobs by execution name, or why this machine cannot build it.
  let printed: ReadonlyMap<string, KubeObject> | undefined;
  let skipped: string | undefined;

  // A machine whose Go caches are cold (a CI runner that never ran the bench) downloads the
  // reference's modules and compiles controller-runtime: 8-10 minutes on 2 shared cores, far
  // past the project's hook timeout; later runs hit the build cache keyed by its sources.
  beforeAll(async () => {
    const tls: Record<string, unknown> = {};
    await env.kubeConfig.applyToHTTPSOptions(tls);
    agent = new Agent({ connect: { ca: tls.ca, cert: tls.cert, key: tls.key } as never });
    logDir = await mkdtemp(join(tmpdir(), 'bench-go-reference-job-'));
    const build = await buildGoReference(join(logDir, 'build.log'));
    if ('skipped' in build) {
      // testenv's rule for a missing Go toolchain: on CI it fails, elsewhere it skips loudly.
      if (isCi(process.env)) {
        throw new Error(
          `the Go reference must build on CI (CI is set: a missing Go toolchain fails the run, as for the control plane): ${build.skipped}`,
        );
      }
      console.warn(
        `\n*** bench-go-reference-job: SKIPPING: ${build.skipped}; install Go >= 1.26 to hold the bench's Go reference to the job engine's Job ***\n`,
      );
      skipped = build.skipped;
      return;
    }
    const jobs = await goReferenceJobs(
      build.binary,
      executions.map(({ execution }) => execution),
      env.namespace,
    );
    printed = new Map(
      jobs.map((job, i) => [executions[i]?.execution.metadata?.name as string, job]),
    );
  }, coldBuildTimeoutMs);

  afterAll(async () => {
    await agent?.close();
    // The build log stays where a skip or a failure pointed to it.
    if (logDir && printed) await rm(logDir, { recursive: true, force: true });
  });

  it.for(executions)('for an execution with $what', async ({ execution }, { skip }) => {
    if (skipped !== undefined) return skip(skipped);
    const reference = printed?.get(execution.metadata?.name as string);
    expect(reference, 'the reference printed no Job for this execution').toBeDefined();
    const [ours, theirs] = await Promise.all([
      dryRunCreate(env.kubeConfig, agent, roundhouseJob(execution, env.namespace)),
      dryRunCreate(env.kubeConfig, agent, reference as KubeObject),
    ]);
    // The name is the target's lock: the bench follows each execution's Job by it.
    expect(theirs.metadata?.name).toBe(ours.metadata?.name);
    const namespaces = [env.namespace, sourceNamespace];
    // Parsed back only for a readable diff; the strings are what the bench compares.
    expect(JSON.parse(jobShape(theirs, namespaces))).toEqual(
      JSON.parse(jobShape(ours, namespaces)),
    );
    expect(jobShape(theirs, namespaces)).toBe(jobShape(ours, namespaces));
  });
});
