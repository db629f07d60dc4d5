import type { KubeObject } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { beforeAll, expect, it, vi } from 'vitest';
import { execStringMaxBytes } from '../src/exec-strings.js';
import { ensureTaskActionCrd } from '../src/install.js';
import { apply, jobsOf, patience, taskAction, useController, waitForPhase } from './harness.js';

/** `bytes` bytes of UTF-8 in two-byte characters, an ASCII one last when `bytes` is odd. */
const twoByteText = (bytes: number) => 'é'.repeat(Math.floor(bytes / 2)) + 'a'.repeat(bytes % 2);

/** The longest argument and the longest `MODE=value` the kernel passes, in two-byte characters. */
const longestArg = twoByteText(execStringMaxBytes - 1);
const longestMode = twoByteText(execStringMaxBytes - 1 - 'MODE='.length);

type Container = { args?: string[]; env?: { name: string; value?: string }[] };

describeWithControlPlane('TaskAction controller: the kernel limit on one exec string', () => {
  const fixture = useController('ta-exec');
  const { env, start } = fixture;
  const admin = fixture.client;

  beforeAll(async () => {
    await ensureTaskActionCrd(admin());
  });

  it('refuses at create an argument or a variable longer than it in characters', async () => {
    const template = { image: 'registry.invalid/task:1' };
    const over = 'a'.repeat(execStringMaxBytes);
    for (const [spec, field] of [
      [{ taskTemplate: { ...template, command: [over] } }, 'taskTemplate.command[0]'],
      [{ taskTemplate: { ...template, args: ['-c', over] } }, 'taskTemplate.args[1]'],
      [{ taskTemplate: { ...template, env: { MODE: over } } }, 'taskTemplate.env.MODE'],
      [{ taskTemplate: template, envVars: { RUN: over } }, 'envVars.RUN'],
    ] as const) {
      const refusal = await apply(admin(), env.namespace, taskAction(spec)).catch(
        (error: unknown) => error,
      );
      expect(refusal).toMatchObject({ reason: 'Invalid' });
      expect(String((refusal as Error).message)).toContain(
        `spec.${field}: Too long: may not be more than 131071`,
      );
    }
  });

  it('fails as USER, creating no Job, what is over it only in bytes: multi-byte characters, or NAME=value', async () => {
    const template = { image: 'registry.invalid/task:1' };
    // 65,536 characters, 131,072 bytes; a value the API server takes, its NAME= one byte too many.
    const manifests = [
      taskAction({ taskTemplate: { ...template, command: ['é'.repeat(65_536)] } }),
      taskAction({ taskTemplate: { ...template, env: { MODE: `${longestMode}b` } } }),
    ];
    for (const manifest of manifests) await apply(admin(), env.namespace, manifest);
    await start();
    const messages = [];
    for (const { metadata } of manifests) {
      const failed = await waitForPhase(admin(), env.namespace, metadata.name, 'InvalidSpec');
      expect(failed.status.errorState).toMatchObject({ code: 'InvalidSpec', kind: 'USER' });
      expect(failed.metadata.finalizers ?? []).toEqual([]);
      expect(await jobsOf(admin(), fixture.executionNamespace, `${metadata.name}-0`)).toEqual([]);
      messages.push(failed.status.errorState?.message);
    }
    expect(messages).toEqual([
      expect.stringMatching(
        /^spec\.taskTemplate\.command\.0: is 131072 bytes in UTF-8; the kernel passes at most 131071 bytes as one argument: /,
      ),
      expect.stringMatching(
        /^spec\.taskTemplate\.env\.MODE: makes MODE=<value> 131072 bytes in UTF-8; the kernel passes at most 131071 bytes as one variable: /,
      ),
    ]);
  });

  it("admits the longest of each, and runs it: the attempt's Job carries them whole", async () => {
    const manifest = taskAction({
      taskTemplate: {
        image: 'registry.invalid/task:1',
        args: [longestArg],
        env: { MODE: longestMode },
      },
    });
    await apply(admin(), env.namespace, manifest);
    await start();
    const job = await vi.waitFor(async () => {
      const [found] = await jobsOf(
        admin(),
        fixture.executionNamespace,
        `${manifest.metadata.name}-0`,
      );
      expect(found).toBeDefined();
      return found as KubeObject;
    }, patience);
    const [container] = (job.spec as { template: { spec: { containers: Container[] } } }).template
      .spec.containers;
    expect(container?.args).toEqual([longestArg]);
    expect(container?.env).toContainEqual({ name: 'MODE', value: longestMode });
    expect(Buffer.byteLength(`MODE=${longestMode}`)).toBe(execStringMaxBytes - 1);
  });
});
