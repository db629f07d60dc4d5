import { roundhouseConventions } from '@roundhouse/core';
import type { KubeClient } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { executorFactory } from './executors.js';
import type { Session } from './session.js';

const session = { client: {} as KubeClient, conventions: roundhouseConventions } as Session;
const build = executorFactory(session, { awxApiPrefix: '/api/v2/' });

describe('executorFactory', () => {
  it('builds the pod engine an executor that reads logs, as it does the job and tekton engines', async () => {
    for (const engine of ['job', 'pod', 'tekton']) {
      const { executor } = await build(engine);
      expect(executor.engine).toBe(engine);
      expect(executor.logs).toBeTypeOf('function');
    }
  });

  it('refuses an engine it cannot build, naming it', async () => {
    await expect(build('process')).rejects.toThrow(
      'the CLI cannot build an executor for the "process" engine',
    );
  });
});
