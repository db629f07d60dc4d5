import { describe, expect, it } from 'vitest';
import { ResourceLockedError } from '../errors.js';
import { MemoryExecutor } from './memory-executor.js';
import { sampleExecution } from './sample-execution.js';

describe('MemoryExecutor', () => {
  it('names a running holder whose name is over 63 characters in full, not by its shortened label', async () => {
    const executor = new MemoryExecutor('job');
    const holder = `victim-${'x'.repeat(70)}`;
    await executor.create(sampleExecution({ name: holder }), 'workflows');
    const refused = await executor
      .create(sampleExecution({ name: 'other' }), 'workflows')
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ResourceLockedError);
    expect((refused as ResourceLockedError).owner).toMatchObject({
      name: holder,
      namespace: 'team-a',
    });
  });
});
