import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { Informer, InformerCache } from '@roundhouse/controller';
import {
  parseWorkflowExecution,
  Registry,
  roundhouseConventions,
  WorkflowExecutionSchema,
  type WorkflowExecutionSpec,
} from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { TektonExecutor } from '@roundhouse/tekton';
import {
  type ControlPlane,
  ensureBinaries,
  ensureTekton,
  podControls,
  pushTektonBundle,
  simulatedWorkflow,
  startControlPlane,
} from '@roundhouse/testenv';
import {
  createWorkflowExecutionController,
  ensureWorkflowExecutionCrd,
  workflowExecutions,
} from '@roundhouse/workflowexecution';
import { type AnsibleDemo, startAnsibleDemo } from './demo-ansible.js';

/**
 * `npm run demo`: the WorkflowExecution controller end to end. Without a kubeconfig it starts
 * the embedded test control plane (Jobs really run through the controller-manager, scheduler and
 * KWOK) and the AWX simulator; with one, it uses that cluster. It applies sample executions,
 * prints every phase transition as it happens, and ends with a table of results.
 */

const demoNamespace = 'roundhouse-demo';
const executionNamespace = 'roundhouse-workflows';
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
const say = (line: string) => console.log(`[${elapsed()}] ${line}`);

interface Sample {
  readonly name: string;
  readonly engine: string;
  readonly target: string;
  readonly expect: 'Completed' | 'Failed';
  readonly engineConfig?: unknown;
  readonly parameters?: Record<string, string> | undefined;
  readonly note: string;
  /** Applied once the previous sample on the same target runs, to show the lock. */
  readonly after?: string | undefined;
  /** Default: a bundle in registry.example.com, which only the Job sample's fake node needs. */
  readonly bundle?: string | undefined;
}

function workflowExecution(sample: Sample): KubeObject & { spec: WorkflowExecutionSpec } {
  return {
    apiVersion: 'roundhouse.dev/v1alpha1',
    kind: 'WorkflowExecution',
    metadata: { name: sample.name, namespace: demoNamespace },
    spec: {
      workflowRef: {
        workflowId: sample.name,
        version: '1',
        executionBundle: sample.bundle ?? 'registry.example.com/workflows/remediate:1',
        ...(sample.engineConfig ? { engineConfig: sample.engineConfig as never } : {}),
      },
      targetResource: sample.target,
      executionEngine: sample.engine,
      parameters: { REPLICAS: '3', ...sample.parameters },
    },
  };
}

/**
 * The cluster of `--kubeconfig`, else of `KUBECONFIG` (a list of files, merged as kubectl merges
 * them), else an embedded control plane.
 */
async function connect(
  flag: string | undefined,
  variable: string | undefined,
): Promise<{ kubeConfig: KubeConfig; plane?: ControlPlane | undefined }> {
  if (flag || variable) {
    const kubeConfig = new KubeConfig();
    if (flag) kubeConfig.loadFromFile(flag);
    else kubeConfig.loadFromDefault();
    say(`using the cluster in ${flag ?? variable} (context ${kubeConfig.getCurrentContext()})`);
    return { kubeConfig };
  }
  say(
    'no kubeconfig given: starting the embedded control plane (etcd, kube-apiserver, controller-manager, scheduler, KWOK, Tekton Pipelines and a local OCI registry)',
  );
  say(
    'the first run builds it from Go modules (about 10 minutes on 2 cores, and a few for Tekton); later runs reuse ~/.cache/roundhouse',
  );
  const binaries = await ensureBinaries(true, { log: (line) => say(`  ${line}`) });
  const tekton = await ensureTekton({ log: (line) => say(`  ${line}`) });
  const plane = await startControlPlane({
    workloads: true,
    binaries: binaries.paths,
    tekton: tekton.install,
  });
  say(`control plane ready in ${(plane.startupMs / 1000).toFixed(1)}s at ${plane.server}`);
  return { kubeConfig: plane.kubeConfig, plane };
}

/**
 * The Tekton sample's bundle, pushed to the embedded plane's registry as a user pushes theirs:
 * a Pipeline `workflow` whose tasks run on the fake node (a check, then a two-step rollout).
 */
async function pushTektonSample(plane: ControlPlane, client: KubeClient): Promise<string> {
  const registry = plane.endpoint.tekton?.registry as string;
  const repository = 'workflows/rollout';
  const reference = `${registry}/${repository}:1`;
  const pushed = await pushTektonBundle(
    registry,
    repository,
    '1',
    simulatedWorkflow(reference, {
      params: ['TARGET_RESOURCE', 'REPLICAS'],
      tasks: [
        { name: 'check', steps: [{ name: 'health', runSeconds: 1 }] },
        {
          name: 'rollout',
          runAfter: ['check'],
          steps: [
            { name: 'apply', runSeconds: 1 },
            { name: 'verify', runSeconds: 1 },
          ],
        },
      ],
    }),
  );
  say(`pushed the Tekton bundle ${pushed.reference} (${pushed.digest.slice(0, 19)}...)`);
  // Tekton creates TaskRun pods only for a ServiceAccount that exists.
  await client
    .create(resources.serviceAccounts, executionNamespace, {
      metadata: { name: roundhouseConventions.defaultServiceAccountName },
    })
    .catch((error: { reason?: string | undefined }) => {
      if (error.reason !== 'AlreadyExists') throw error;
    });
  return pushed.reference;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { kubeconfig: { type: 'string' } } });
  const { kubeConfig, plane } = await connect(values.kubeconfig, process.env.KUBECONFIG);
  const client = new KubeClient(kubeConfig);
  let ansible: AnsibleDemo | undefined;
  const abort = new AbortController();
  let running: Promise<void> | undefined;
  try {
    await ensureWorkflowExecutionCrd(client);
    for (const name of [demoNamespace, executionNamespace]) {
      await client
        .create(resources.namespaces, undefined, { metadata: { name } })
        .catch((error: { reason?: string | undefined }) => {
          if (error.reason !== 'AlreadyExists') throw error;
        });
    }

    const tektonBundle = plane?.endpoint.tekton ? await pushTektonSample(plane, client) : undefined;

    // Embedded pods finish after two seconds; on a real cluster the image decides.
    // Executors read status through the controller's cache, so a status check costs no request.
    const cache = new InformerCache(kubeConfig, { client });
    const jobs = new JobExecutor(client, {
      reader: cache,
      ...(plane ? { podAnnotations: { [podControls.runSeconds]: '2' } } : {}),
    });
    const registry = new Registry()
      .register(jobs)
      .register(new TektonExecutor(client, { reader: cache }));
    ansible = await startAnsibleDemo(client, say);
    registry.register(ansible.executor);
    const availability = await registry.availability();
    say(`engines available: ${availability.available.join(', ')}`);
    for (const { engine, reason } of availability.unavailable)
      say(`engine ${engine} unavailable: ${reason}`);

    const { controller } = await createWorkflowExecutionController({
      kubeConfig,
      registry,
      cache,
      executionNamespace,
      watchNamespace: demoNamespace,
      cooldownMs: 3_000,
      pollIntervalMs: { initial: 500, max: 2_000 },
      // The samples' bundles come from one registry; a real controller lists the ones it trusts.
      policy: {
        bundles: ['registry.example.com/workflows/*', ...(tektonBundle ? [tektonBundle] : [])],
      },
    });
    running = controller.start(abort.signal);

    const samples: Sample[] = [
      {
        name: 'restart-api',
        engine: 'job',
        target: 'prod/deployment/api',
        expect: 'Completed',
        note: 'a Job runs the workflow image',
      },
      {
        name: 'restart-api-again',
        engine: 'job',
        target: 'prod/deployment/api',
        expect: 'Failed',
        note: 'same target while the first runs: locked',
        after: 'restart-api',
      },
      {
        name: 'patch-config',
        engine: 'ansible',
        target: 'prod/configmap/settings',
        expect: 'Completed',
        engineConfig: { jobTemplateName: ansible.templates.succeeds, playbookPath: 'restart.yml' },
        note: 'an AWX job template with typed extra_vars',
      },
      {
        name: 'drain-node',
        engine: 'ansible',
        target: 'node/worker-3',
        expect: 'Failed',
        engineConfig: { jobTemplateName: ansible.templates.fails, playbookPath: 'restart.yml' },
        note: 'the AWX job fails; stdout tail in the message',
      },
      {
        name: 'scale-batch',
        engine: 'argo',
        target: 'batch/cronjob/report',
        expect: 'Failed',
        note: 'no such engine registered',
      },
    ];
    // A served PipelineRun API is not enough: something must run the PipelineRuns. The embedded
    // plane runs Tekton beside it; a cluster of yours runs its Deployment.
    const tektonRuns =
      tektonBundle !== undefined ||
      (availability.available.includes('tekton') &&
        (await client.get(
          resources.deployments,
          'tekton-pipelines',
          'tekton-pipelines-controller',
        )) !== null);
    if (availability.available.includes('tekton') && !tektonRuns) {
      say(
        'the PipelineRun API is served but no Tekton controller runs here: skipping the tekton sample',
      );
    }
    if (tektonRuns) {
      samples.push({
        name: 'rollout-web',
        engine: 'tekton',
        target: 'prod/deployment/web',
        expect: 'Completed',
        note: 'a Tekton PipelineRun from the bundle, run by Tekton Pipelines',
        ...(tektonBundle ? { bundle: tektonBundle } : {}),
      });
    }

    const phases = new Map<string, string>();
    const done = new Promise<void>((resolve) => {
      const watcher = new Informer<KubeObject>(kubeConfig, workflowExecutions, {
        namespace: demoNamespace,
      });
      const report = (object: KubeObject) => {
        const parsed = WorkflowExecutionSchema.safeParse(object);
        if (!parsed.success) return;
        const wfe = parsed.data;
        const name = wfe.metadata.name;
        const phase = wfe.status?.phase ?? 'New';
        const previous = phases.get(name) ?? 'New';
        if (!samples.some((s) => s.name === name)) return;
        phases.set(name, phase);
        if (previous === phase) return;
        const detail = wfe.status?.failureDetails
          ? ` (${wfe.status.failureDetails.reason}: ${wfe.status.failureDetails.message.split('\n')[0]})`
          : wfe.status?.executionRef
            ? ` (${wfe.spec.executionEngine} ${wfe.status.executionRef.name})`
            : '';
        say(`${name.padEnd(18)} ${previous} -> ${phase}${detail}`);
        const next = samples.find((s) => s.after === name);
        if (next && phase === 'Running' && !phases.has(next.name)) {
          phases.set(next.name, 'New');
          void client.create(workflowExecutions, demoNamespace, workflowExecution(next));
        }
        if (samples.every((s) => ['Completed', 'Failed'].includes(phases.get(s.name) ?? ''))) {
          void watcher.stop().then(resolve);
        }
      };
      watcher.on('add', report).on('update', report);
      void watcher.start();
    });

    for (const sample of samples.filter((s) => !s.after)) {
      say(`applying ${sample.name} (${sample.engine}): ${sample.note}`);
      await client.create(workflowExecutions, demoNamespace, workflowExecution(sample));
    }
    const timeout = new Promise<'timeout'>((resolve) =>
      setTimeout(resolve, 120_000, 'timeout').unref(),
    );
    if ((await Promise.race([done, timeout])) === 'timeout')
      say('timed out waiting for every execution to finish');

    console.log('\nResults');
    const rows = await Promise.all(
      samples.map(async (s) => {
        const object = await client.get(workflowExecutions, demoNamespace, s.name);
        return { sample: s, status: object ? parseWorkflowExecution(object).status : undefined };
      }),
    );
    console.log(
      `  ${'execution'.padEnd(18)} ${'engine'.padEnd(8)} ${'phase'.padEnd(10)} ${'reason'.padEnd(18)} ${'duration'.padEnd(9)} expected`,
    );
    let ok = true;
    for (const { sample, status } of rows) {
      const phase = status?.phase ?? '-';
      const matches = phase === sample.expect;
      ok &&= matches;
      const reason = status?.failureDetails?.reason ?? (phase === 'Completed' ? 'Complete' : '-');
      console.log(
        `  ${sample.name.padEnd(18)} ${sample.engine.padEnd(8)} ${phase.padEnd(10)} ${reason.padEnd(18)} ${(status?.duration ?? '-').padEnd(9)} ${matches ? 'yes' : `NO (${sample.expect})`}`,
      );
    }
    console.log(
      `\n${ok ? 'Every execution ended as expected.' : 'Some executions did not end as expected.'}`,
    );
    return ok ? 0 : 1;
  } finally {
    abort.abort();
    await running?.catch(() => undefined);
    await ansible?.stop();
    await plane?.stop();
  }
}

process.exitCode = await main().catch((error: Error) => {
  console.error(`demo failed: ${error.message}`);
  return 1;
});
