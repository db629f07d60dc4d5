import { describe, expect, it } from 'vitest';
import { queueExplanation } from './queue-explanation.js';
import { awxJobResult } from './status.js';

describe('queueExplanation (task_manager.py:558, :644)', () => {
  it('says which job of the template AWX runs first', () => {
    expect(queueExplanation('waiting for job-41 to finish')).toBe(
      'AWX starts it once job 41 of the same job template ends (the template does not allow simultaneous jobs: allow_simultaneous is false)',
    );
    expect(queueExplanation('waiting for projectupdate-3 to finish')).toBe(
      'AWX starts it once its projectupdate 3 ends',
    );
  });

  it('says AWX lacks capacity', () => {
    expect(
      queueExplanation(
        'This job is not ready to start because there is not enough available capacity.',
      ),
    ).toBe('AWX has not enough capacity to start it yet');
  });

  it('shows no other text', () => {
    expect(queueExplanation('')).toBeUndefined();
    expect(queueExplanation('waiting for job-41 to finish; password=hunter2')).toBeUndefined();
  });

  it('goes into a pending job’s message, and only a pending job’s', () => {
    const held = { id: 42, status: 'pending', job_explanation: 'waiting for job-41 to finish' };
    const result = awxJobResult(held);
    expect(result).toMatchObject({ phase: 'Pending', reason: 'AWXJobPending' });
    expect(result.message).toBe(
      'AWX job is queued (AWX job 42); AWX starts it once job 41 of the same job template ends (the template does not allow simultaneous jobs: allow_simultaneous is false)',
    );
    expect(awxJobResult({ ...held, status: 'running' }).message).toBe(
      'AWX job is executing (AWX job 42)',
    );
  });
});
