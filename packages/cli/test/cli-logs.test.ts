import type { Executor } from '@roundhouse/core';
import { KubeClient, type KubeObject, type PodLogOptions, resources } from '@roundhouse/kube';
import { PodExecutor } from '@roundhouse/pod';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest';
import {
  apply,
  jobRegistry,
  manifest,
  type RunningController,
  startController,
  waitForPhase,
} from '../../../test/workflowexecution/harness.js';
import {
  allowedImages,
  podInitializing,
  running,
  terminated,
  threeSteps,
  writeStepStatuses,
} from '../../pod/test/drive.js';
import { cli, inProcess, kubeconfigFile } from './support.js';

describeWithControlPlane('kubectl roundhouse logs', () => {
  const env = useTestNamespace({ prefix: 'cli-logs' });
  let executionNamespace: string;
  let kubeconfig: string;
  let controller: RunningController;
  const globals = () => ['--kubeconfig', kubeconfig, '--execution-namespace', executionNamespace];
  const create = (name: string, engine = 'job', ...flags: string[]) =>
    cli(
      [
        ...globals(),
        'run',
        '--engine',
        engine,
        '--target',
        `prod/deployment/${name}`,
        '--bundle',
        'registry.invalid/restart:1',
        '--name',
        name,
        ...flags,
      ],
      { kubeconfig },
    );

  beforeAll(async () => {
    executionNamespace = await env.controlPlane.createNamespace('cli-logs-exec');
    kubeconfig = await kubeconfigFile(env.kubeConfig);
    controller = await startController({
      kubeConfig: env.kubeConfig,
      registry: (reader) =>
        jobRegistry(env.kubeConfig, { runSeconds: 3 })(reader).register(
          new PodExecutor(new KubeClient(env.kubeConfig), { allowedImages, reader }),
        ),
      watchNamespace: env.namespace,
      executionNamespace,
      cooldownMs: 600_000,
    });
  });

  afterAll(async () => {
    await controller?.stop();
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("-f waits for the execution to start, then follows its Job pod's workflow container to the end", async () => {
    const reads: { pod: string; options: PodLogOptions }[] = [];
    vi.spyOn(KubeClient.prototype, 'logs').mockImplementation(async function* (
      _ns,
      pod,
      options = {},
    ) {
      reads.push({ pod, options });
      yield `restarting ${pod}`;
      yield 'done';
    });
    expect((await create('follow-1')).code).toBe(0);
    const result = await inProcess([...globals(), '-n', env.namespace, 'logs', '-f', 'follow-1']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [read] = reads;
    expect(reads).toHaveLength(1);
    expect(read?.pod).toMatch(/^wfe-[0-9a-f]{16}-[a-z0-9]{5}$/);
    expect(read?.options).toMatchObject({ container: 'workflow', follow: true });
    expect(result.stdout).toBe(
      `[${read?.pod}/workflow] restarting ${read?.pod}\n[${read?.pod}/workflow] done\n`,
    );
    // It followed until the Job finished: the Job has succeeded by the time the stream ended.
    const jobName = read?.pod.replace(/-[a-z0-9]{5}$/, '') as string;
    const job = await new KubeClient(env.kubeConfig).get<
      KubeObject & { status?: { succeeded?: number } }
    >(resources.jobs, executionNamespace, jobName);
    expect(job?.status?.succeeded).toBe(1);
    await waitForPhase(new KubeClient(env.kubeConfig), env.namespace, 'follow-1', 'Completed');
    const plain = await inProcess([
      ...globals(),
      '-n',
      env.namespace,
      'logs',
      'follow-1',
      '--tail',
      '5',
      '--no-prefix',
    ]);
    expect(plain.stdout).toBe(`restarting ${read?.pod}\ndone\n`);
    expect(reads[1]?.options).toMatchObject({ container: 'workflow', tailLines: 5 });
    expect(reads[1]?.options.follow).toBeFalsy();
  });

  it("reads a pod-engine execution's steps in step order, its init containers included", async () => {
    const client = new KubeClient(env.kubeConfig);
    await apply(
      client,
      env.namespace,
      manifest({ name: 'pod-1', engine: 'pod', engineConfig: threeSteps }),
    );
    const { status } = await waitForPhase(client, env.namespace, 'pod-1', 'Running');
    const pod = status?.executionRef?.name as string;
    // A sequential Pod runs fetch and build as init containers; report waits for them.
    await writeStepStatuses(client, executionNamespace, pod, {
      initContainerStatuses: {
        fetch: terminated(0, '2026-01-01T00:00:01Z', '2026-01-01T00:00:02Z'),
        build: running('2026-01-01T00:00:02Z'),
      },
      containerStatuses: { report: podInitializing },
    });
    vi.spyOn(KubeClient.prototype, 'logs').mockImplementation(async function* (
      _ns,
      _pod,
      options = {},
    ) {
      yield `${options.container} output`;
    });
    const result = await inProcess([...globals(), '-n', env.namespace, 'logs', 'pod-1']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(`[${pod}/fetch] fetch output\n[${pod}/build] build output\n`);
    // The Pod is the execution resource, and the target's lock.
    const described = await cli([...globals(), '-n', env.namespace, 'describe', 'pod-1'], {
      kubeconfig,
    });
    expect(described.stdout).toMatch(
      new RegExp(`\\nExecution: +Pod ${executionNamespace}/${pod} \\(present\\)\\n`),
    );
    const locks = await cli([...globals(), 'locks'], { kubeconfig });
    expect(locks.stdout).toMatch(
      new RegExp(`^${pod} +Pod +prod/deployment/app-\\d+ +${env.namespace}/pod-1 +`, 'm'),
    );
  });

  it('says so when the engine offers no logs', async () => {
    await create('no-logs-1');
    const withoutLogs: Executor = {
      engine: 'job',
      create: async () => ({ resourceName: 'x', warnings: [] }),
      getStatus: async () => null,
      cleanup: async () => {},
    };
    const result = await inProcess(
      [...globals(), '-n', env.namespace, 'logs', 'no-logs-1'],
      () => async () => ({ executor: withoutLogs, close: async () => {} }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "error: the job engine's executor offers no logs\nfix: the engine's package has to implement Executor.logs; until then read the output where the engine keeps it (kubectl roundhouse describe no-logs-1 names the execution resource)\n",
    );
  });

  it('asks for the AWX settings to read an ansible execution', async () => {
    const created = await create(
      'ansible-1',
      'ansible',
      '--engine-config',
      'jobTemplateName=Restart service',
      '--engine-config',
      'playbookPath=restart.yml',
    );
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const shown = await cli([...globals(), 'get', 'ansible-1', '-o', 'json'], { kubeconfig });
    expect(JSON.parse(shown.stdout).spec.workflowRef.engineConfig).toEqual({
      jobTemplateName: 'Restart service',
      playbookPath: 'restart.yml',
    });
    const result = await cli([...globals(), 'logs', 'ansible-1'], { kubeconfig });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: --awx-url: is required for the ansible engine; --awx-token-secret: is required for the ansible engine\n' +
        'fix: the ansible engine reads output from AWX: pass --awx-url https://awx.example.com and --awx-token-secret NAMESPACE/NAME[:key], as the controller is configured\n',
    );
  });
});
