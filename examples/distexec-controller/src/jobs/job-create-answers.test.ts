import { type KubeObject, resources } from '@roundhouse/kube';
import { MemoryKubeClient } from '@roundhouse/kube/testing';
import { describe, expect, it } from 'vitest';
import { JobCreateAnswers } from './job-create-answers.js';

describe('JobCreateAnswers', () => {
  it("hands out once the resourceVersion a Job's create was answered with; the client works as before", async () => {
    const client = new MemoryKubeClient();
    const answers = new JobCreateAnswers();
    const recording = answers.recording(client);
    const { object } = await recording.create<KubeObject>(resources.jobs, 'exec', {
      metadata: { name: 'node-job' },
    });
    await recording.create<KubeObject>(resources.configMaps, 'exec', {
      metadata: { name: 'settings' },
    });
    expect(object.metadata?.resourceVersion).toMatch(/^\d+$/);
    expect(answers.take('node-job')).toBe(object.metadata?.resourceVersion);
    expect(answers.take('node-job')).toBeUndefined();
    expect(answers.take('settings')).toBeUndefined();
    // Reads and writes other than creates reach the client itself, private state and all.
    expect((await recording.get<KubeObject>(resources.jobs, 'exec', 'node-job'))?.metadata).toEqual(
      object.metadata,
    );
    await recording.delete(resources.jobs, 'exec', 'node-job');
    expect(await client.get(resources.jobs, 'exec', 'node-job')).toBeNull();
    expect(recording.fieldManager).toBe(client.fieldManager);
  });

  it('keeps nothing of a create the API server refused', async () => {
    const client = new MemoryKubeClient();
    const answers = new JobCreateAnswers();
    const recording = answers.recording(client);
    const job = { metadata: { name: 'node-job' } };
    await recording.create<KubeObject>(resources.jobs, 'exec', job);
    answers.take('node-job');
    await expect(recording.create(resources.jobs, 'exec', job)).rejects.toMatchObject({
      reason: 'AlreadyExists',
    });
    expect(answers.take('node-job')).toBeUndefined();
  });
});
