import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ProcessSupervisor } from '../src/index.js';
import { removeAllTasks } from './in-process-agent.js';
import { useSupervisor } from './supervisor.test-support.js';
import { patience } from './support.js';

describe('the process supervisor', () => {
  const agent = useSupervisor('supervisor-output');

  it('reads back a bounded tail of a long output', async () => {
    await agent.supervisor.create({
      name: 'long-output',
      process: {
        command: ['/bin/sh', '-c', 'i=0; while [ $i -lt 2000 ]; do echo line$i; i=$((i+1)); done'],
      },
    });
    await agent.settled('long-output');
    const tail = await agent.supervisor.logs('long-output', 'stdout', 16);
    expect(tail).toMatchObject({ content: 'ne1998\nline1999\n', truncated: true });
    expect(tail?.size).toBeGreaterThan(16_000);
  });

  it('keeps the newest output of a task that prints without end, within twice the kept size', async () => {
    const kept = 64 * 1024;
    const own = await ProcessSupervisor.open({
      dataDir: join(agent.dir.path, 'bounded'),
      reconcileIntervalMs: 50,
      retainedLogBytes: kept,
    });
    try {
      const printed = 4 * 1024 * 1024;
      await own.create({
        name: 'chatty',
        process: {
          // The last line comes a second after the flood: a task that outpaces a rotation's
          // copying (here 4 MiB at once against 64 KiB kept) loses what follows its last copy
          // (task-log.ts), and this checks what is kept, not that.
          command: [
            '/bin/sh',
            '-c',
            `yes 'a line of output' | head -c ${printed}; sleep 1; echo last`,
          ],
        },
      });
      await vi.waitFor(() => expect(own.get('chatty')?.state).toBe('Succeeded'), patience);
      const files = ['stdout.log', 'stdout.log.1'].map((f) =>
        join(agent.dir.path, 'bounded', 'chatty', f),
      );
      await vi.waitFor(() => {
        const onDisk = files.reduce((sum, f) => sum + (existsSync(f) ? statSync(f).size : 0), 0);
        expect(onDisk).toBeLessThanOrEqual(2 * kept);
      }, patience);
      const tail = await own.logs('chatty', 'stdout', 1024);
      expect(tail?.truncated).toBe(true);
      // The stream's size counts what rotations kept and emptied; what the task wrote between a
      // rotation's last read of the live file and its truncate, or past its last copy when the
      // task outpaced the copying, is lost uncounted (task-log.ts).
      expect(tail?.size).toBeGreaterThan(2 * kept);
      expect(tail?.size).toBeLessThanOrEqual(printed + 5);
      expect(tail?.content).toMatch(/a line of output\n.*last\n$/s);
    } finally {
      await removeAllTasks(own);
      await own.close();
    }
  });
});
