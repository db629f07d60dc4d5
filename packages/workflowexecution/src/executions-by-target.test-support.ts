import type { KubeObject } from '@roundhouse/kube';
import { ExecutionsByTarget } from './executions-by-target.js';

/** Shared by the tests of ExecutionsByTarget: executions as the informer hands them out. */
export const target = 'prod/deployment/app';

export const execution = (
  name: string,
  phase: string | undefined,
  extra: {
    completionTime?: string;
    deletionTimestamp?: string;
    ran?: boolean;
    released?: boolean;
    engine?: string;
    target?: string;
  } = {},
): KubeObject => ({
  metadata: {
    name,
    namespace: 'team-a',
    uid: name,
    ...(extra.deletionTimestamp ? { deletionTimestamp: extra.deletionTimestamp } : {}),
  },
  spec: {
    targetResource: extra.target ?? target,
    ...(extra.engine ? { executionEngine: extra.engine } : {}),
  },
  ...(phase
    ? {
        status: {
          phase,
          ...(extra.completionTime ? { completionTime: extra.completionTime } : {}),
          ...(extra.ran === false ? {} : { executionRef: { name: 'wfe-0123456789abcdef' } }),
          ...(extra.released
            ? { conditions: [{ type: 'LockReleased', status: 'True', reason: 'CooldownExpired' }] }
            : {}),
        },
      }
    : {}),
});

export const following = (objects: KubeObject[]): ExecutionsByTarget => {
  const targets = new ExecutionsByTarget();
  for (const object of objects) targets.upsert(object);
  return targets;
};

/** A promise the test lets go of when it chooses: `opened` settles once `open()` is called. */
export function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}
