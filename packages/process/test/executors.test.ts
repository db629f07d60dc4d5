import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConfigurationError,
  formatKubeTime,
  type LogOptions,
  PreviousExecutionNotCleanedError,
  ResourceLockedError,
  type WorkflowExecution,
  WorkflowExecutionSchema,
} from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AgentExecutor, ProcessExecutor, TaskExecutorClient } from '../src/index.js';
import { type InProcessAgent, startInProcessAgent } from './in-process-agent.js';
import { patience, temporaryDirectory, writeBundle } from './support.js';

let target = 0;
/** The engines' bundle directory: a bundle is named relative to it, as the CRD lets one be. */
const bundles = temporaryDirectory('engine-bundles');
mkdirSync(join(bundles.path, 'team'));

/**
 * A WorkflowExecution on a fresh target whose bundle, `team/bundle-<n>` in the bundle
 * directory, is a shell script running `script`.
 */
function execution(script: string, fields: { name?: string; uid?: string; timeout?: string } = {}) {
  target += 1;
  const executionBundle = `team/bundle-${target}`;
  writeBundle(join(bundles.path, executionBundle), script);
  const wfe = sampleExecution({
    name: fields.name ?? `wfe-${target}`,
    spec: {
      workflowRef: {
        workflowId: 'shell',
        version: '1',
        executionBundle,
      },
      targetResource: `team-a/deployment/app-${target}`,
      executionEngine: 'process',
      parameters: { GREETING: 'hello' },
      ...(fields.timeout ? { executionConfig: { timeout: fields.timeout } } : {}),
    },
  });
  if (fields.uid) wfe.metadata.uid = fields.uid;
  // Only what the API server would take: the CRD carries the same grammar.
  WorkflowExecutionSchema.parse(wfe);
  return wfe;
}

describe('the process and agent engines', () => {
  let agent: InProcessAgent;

  beforeAll(async () => {
    agent = await startInProcessAgent({ gracePeriodMs: 1000 });
  });

  afterAll(async () => {
    await agent.stop();
    bundles.remove();
  });

  const engines = (options: { allowCommandOverride?: boolean; bundleRoot?: string } = {}) => {
    const settings = { bundleRoot: bundles.path, ...options };
    return [
      ['process', new ProcessExecutor(agent.supervisor, settings)],
      ['agent', new AgentExecutor(agent.client, settings)],
    ] as const;
  };

  const settle = (executor: ProcessExecutor | AgentExecutor, wfe: WorkflowExecution) =>
    vi.waitFor(async () => {
      const status = await executor.getStatus(wfe, 'ns');
      expect(status?.phase).toMatch(/^(Completed|Failed)$/);
      return status!;
    }, patience);

  it('runs the parameters in the environment and classifies a non-zero exit as TaskFailed', async () => {
    for (const [engine, executor] of engines()) {
      const wfe = execution('echo "$TARGET_RESOURCE $GREETING" >&2; exit 7');
      await executor.create(wfe, 'ns');
      const status = await settle(executor, wfe);
      expect(status, engine).toMatchObject({
        phase: 'Failed',
        reason: 'ProcessFailed',
        exitCode: 7,
        failureReason: 'TaskFailed',
        summary: { status: 'False' },
      });
      expect(status.message).toContain(`stderr: ${wfe.spec.targetResource} hello`);
      await executor.cleanup(wfe, 'ns');
    }
  });

  it('says the command started, and gives the end the time the task recorded', async () => {
    for (const [engine, executor] of engines()) {
      const wfe = execution('exit 0');
      const { resourceName } = await executor.create(wfe, 'ns');
      const status = await settle(executor, wfe);
      const finishedAt = agent.supervisor.get(resourceName)?.finishedAt as string;
      expect(status, engine).toMatchObject({
        phase: 'Completed',
        started: true,
        completionTime: formatKubeTime(new Date(finishedAt)),
      });
      await executor.cleanup(wfe, 'ns');
    }
  });

  it('says a command that could not be started never started', async () => {
    // A working directory is the operator's to allow: it is an override, as a command is.
    for (const [engine, executor] of engines({ allowCommandOverride: true })) {
      const wfe = execution('true');
      wfe.spec.workflowRef.engineConfig = { workingDir: '/nonexistent/roundhouse-test' };
      await executor.create(wfe, 'ns');
      expect(await settle(executor, wfe), engine).toMatchObject({
        phase: 'Failed',
        reason: 'StartFailed',
        failureReason: 'Unknown',
        started: false,
        completionTime: expect.any(String),
      });
      await executor.cleanup(wfe, 'ns');
    }
  });

  it('passes only the parameters the workflow declares, warning of the rest', async () => {
    for (const [engine, executor] of engines()) {
      const wfe = execution('echo "[$GREETING][$TOKEN]" >&2; exit 3');
      wfe.spec.parameters = { GREETING: 'hello', TOKEN: 'invented' };
      const { warnings } = await executor.create(wfe, 'ns', {
        declaredParameterNames: ['GREETING'],
      });
      expect(warnings, engine).toEqual([
        'parameters the workflow does not declare were not passed to it: TOKEN',
      ]);
      expect((await settle(executor, wfe)).message, engine).toContain('stderr: [hello][]');
      await executor.cleanup(wfe, 'ns');
    }
  });

  it('classifies a timeout as DeadlineExceeded', async () => {
    for (const [engine, executor] of engines()) {
      const wfe = execution('sleep 300', { timeout: '1s' });
      await executor.create(wfe, 'ns');
      expect(await settle(executor, wfe), engine).toMatchObject({
        phase: 'Failed',
        reason: 'Timeout',
        exitCode: 137,
        failureReason: 'DeadlineExceeded',
      });
      await executor.cleanup(wfe, 'ns');
    }
  });

  it('refuses a second execution on a busy target, and on a finished one until it is cleaned up', async () => {
    for (const [engine, executor] of engines()) {
      const busy = execution('sleep 300');
      await executor.create(busy, 'ns');
      const rival = { ...busy, metadata: { ...busy.metadata, name: `${busy.metadata.name}-2` } };
      const locked = await executor.create(rival, 'ns').catch((e: unknown) => e);
      expect(locked, engine).toBeInstanceOf(ResourceLockedError);
      expect(locked).toMatchObject({ owner: { name: busy.metadata.name, namespace: 'team-a' } });
      await executor.cleanup(busy, 'ns');

      const finished = execution('true');
      await executor.create(finished, 'ns');
      await settle(executor, finished);
      const next = {
        ...finished,
        metadata: { ...finished.metadata, name: `${finished.metadata.name}-2` },
      };
      const stale = await executor.create(next, 'ns').catch((e: unknown) => e);
      expect(stale, engine).toBeInstanceOf(PreviousExecutionNotCleanedError);
      await executor.cleanup(finished, 'ns');
      await vi.waitFor(
        async () => expect(await executor.getStatus(finished, 'ns')).toBeNull(),
        patience,
      );
      await executor.create(next, 'ns');
      expect((await settle(executor, next)).phase).toBe('Completed');
      await executor.cleanup(next, 'ns');
    }
  });

  it('reads a task its deletion is stopping as gone, as a deleted Pod reads', async () => {
    for (const [engine, executor] of engines()) {
      const ready = join(bundles.path, `ready-${engine}`);
      // Deaf to SIGTERM, so the stop lasts the whole grace period.
      const wfe = execution(`trap '' TERM; : > ${ready}; sleep 300`);
      const { resourceName } = await executor.create(wfe, 'ns');
      await vi.waitFor(() => expect(existsSync(ready)).toBe(true), patience);
      await executor.cleanup(wfe, 'ns');
      expect(agent.supervisor.get(resourceName)?.deletionTimestamp, engine).toBeDefined();
      expect(await executor.getStatus(wfe, 'ns'), engine).toBeNull();
      await vi.waitFor(() => expect(agent.supervisor.get(resourceName)).toBeUndefined(), patience);
    }
  });

  it('says its own task a repeated create met adopted, created when the task records', async () => {
    for (const [engine, executor] of engines()) {
      const wfe = execution('sleep 300');
      const first = await executor.create(wfe, 'ns');
      const createdAt = agent.supervisor.get(first.resourceName)?.createdAt as string;
      const again = await executor.create(wfe, 'ns');
      expect(again, engine).toMatchObject({
        resourceName: first.resourceName,
        adoptedKind: 'Task',
        createdAt: formatKubeTime(new Date(createdAt)),
      });
      await executor.cleanup(wfe, 'ns');
    }
  });

  it('never adopts the task of an earlier WorkflowExecution with the same name', async () => {
    for (const [engine, executor] of engines()) {
      const before = execution('sleep 300', { uid: 'uid-before' });
      await executor.create(before, 'ns');
      const after = { ...before, metadata: { ...before.metadata, uid: 'uid-after' } };
      await expect(executor.create(after, 'ns'), engine).rejects.toBeInstanceOf(
        ResourceLockedError,
      );
      expect(await executor.getStatus(after, 'ns')).toBeNull();
      await executor.cleanup(after, 'ns');
      expect(await executor.getStatus(before, 'ns')).not.toBeNull();
      await executor.cleanup(before, 'ns');
    }
  });

  it('runs the lifecycle hooks of engineConfig, postStop before the outcome is reported', async () => {
    const dir = temporaryDirectory('engine-hooks');
    try {
      for (const [engine, executor] of engines({ allowCommandOverride: true })) {
        const marker = join(dir.path, `${engine}.log`);
        const hook = (word: string) => ({
          exec: { command: ['/bin/sh', '-c', `echo ${word} >> ${marker}`] },
        });
        const wfe = execution(`echo command >> ${marker}`);
        wfe.spec.workflowRef.engineConfig = {
          lifecycle: { preStart: hook('preStart'), postStop: hook('postStop') },
        };
        await executor.create(wfe, 'ns');
        expect((await settle(executor, wfe)).phase, engine).toBe('Completed');
        expect(readFileSync(marker, 'utf8'), engine).toBe('preStart\ncommand\npostStop\n');
        await executor.cleanup(wfe, 'ns');
        await vi.waitFor(
          async () => expect(await executor.getStatus(wfe, 'ns')).toBeNull(),
          patience,
        );
        // postStop ran once: the delete does not run it again.
        expect(readFileSync(marker, 'utf8'), engine).toBe('preStart\ncommand\npostStop\n');
      }
    } finally {
      dir.remove();
    }
  });

  it('refuses bad engine config before creating anything', async () => {
    for (const [engine, executor] of engines()) {
      const wfe = execution('true');
      wfe.spec.workflowRef.engineConfig = { comand: ['true'] };
      await expect(executor.create(wfe, 'ns'), engine).rejects.toBeInstanceOf(ConfigurationError);
      expect(await executor.getStatus(wfe, 'ns')).toBeNull();
    }
  });

  it('refuses a command, arguments or hooks other than the bundle unless the engine allows them', async () => {
    const dir = temporaryDirectory('engine-overrides');
    // An allowed bundle that is a shell: arguments would make it run anything.
    symlinkSync('/bin/sh', join(bundles.path, 'sh'));
    try {
      for (const [engine, executor] of engines()) {
        const marker = join(dir.path, `${engine}.log`);
        const write = { exec: { command: ['/bin/sh', '-c', `echo ran >> ${marker}`] } };
        const overrides: WorkflowExecution['spec']['workflowRef']['engineConfig'][] = [
          { command: write.exec.command },
          { args: write.exec.command.slice(1) },
          { lifecycle: { preStart: write } },
        ];
        for (const engineConfig of overrides) {
          const wfe = execution('true');
          wfe.spec.workflowRef.executionBundle = 'sh';
          wfe.spec.workflowRef.engineConfig = engineConfig;
          await expect(executor.create(wfe, 'ns'), engine).rejects.toBeInstanceOf(
            ConfigurationError,
          );
          expect(await executor.getStatus(wfe, 'ns'), engine).toBeNull();
        }
        expect(existsSync(marker), engine).toBe(false);
      }
    } finally {
      dir.remove();
    }
  });

  it('refuses a bundle with a "/" on an engine with no bundle directory, creating nothing', async () => {
    for (const [engine, executor] of engines({ bundleRoot: undefined })) {
      const wfe = execution('true');
      const refused = await executor.create(wfe, 'ns').catch((e: unknown) => e);
      expect(refused, engine).toBeInstanceOf(ConfigurationError);
      expect(refused).toMatchObject({
        issues: [{ path: 'spec.workflowRef.executionBundle' }],
      });
      expect(await executor.getStatus(wfe, 'ns'), engine).toBeNull();
    }
  });

  it("gives the task's output as its logs, stdout then stderr, and follows a running one", async () => {
    for (const [engine, executor] of engines()) {
      const done = execution('echo one; echo oops >&2; echo two');
      const { resourceName } = await executor.create(done, 'ns');
      await settle(executor, done);
      const lines = async (wfe: WorkflowExecution, options: LogOptions = {}) => {
        const seen: string[] = [];
        for await (const line of executor.logs(wfe, 'ns', options)) {
          seen.push(`${line.source} ${line.text}`);
        }
        return seen;
      };
      expect(await lines(done), engine).toEqual([
        `${resourceName}/stdout one`,
        `${resourceName}/stdout two`,
        `${resourceName}/stderr oops`,
      ]);
      expect(await lines(done, { tailLines: 1 }), engine).toEqual([
        `${resourceName}/stdout two`,
        `${resourceName}/stderr oops`,
      ]);
      await executor.cleanup(done, 'ns');

      const running = execution('for i in 1 2 3; do echo "tick $i"; sleep 0.5; done; printf end');
      const task = await executor.create(running, 'ns');
      const followed = await lines(running, { follow: true });
      expect(
        followed.map((line) => line.replace(/^\S+ /, '')),
        engine,
      ).toEqual(['tick 1', 'tick 2', 'tick 3', 'end']);
      expect((await executor.getStatus(running, 'ns'))?.phase).toBe('Completed');
      await executor.cleanup(running, 'ns');
      await vi.waitFor(
        () => expect(agent.supervisor.get(task.resourceName)).toBeUndefined(),
        patience,
      );
      expect(await lines(running), engine).toEqual([]);
    }
  });

  it('reports an agent that cannot be reached as unavailable', async () => {
    expect(await new AgentExecutor(agent.client).availability()).toEqual({ available: true });
    const nowhere = new AgentExecutor(
      new TaskExecutorClient({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 2000 }),
    );
    const availability = await nowhere.availability();
    expect(availability.available).toBe(false);
    expect(availability).toMatchObject({ reason: expect.stringContaining('ECONNREFUSED') });
  });
});
