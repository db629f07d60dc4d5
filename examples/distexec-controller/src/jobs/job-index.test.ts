import { roundhouseConventions } from '@roundhouse/core';
import { buildJob } from '@roundhouse/job';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { distExecView } from '../spec.js';
import { namespaceOfJobInFlight, ownerOfJob, ownerOfJobInFlight } from './job-index.js';
import { buildNodeJob, nodeExecution } from './node-job.js';

/** The node Job of DistExec ops/hello on worker-1, with `status`. */
function nodeJob(status: Record<string, unknown>): KubeObject {
  const view = distExecView({
    metadata: { name: 'hello', namespace: 'ops', uid: 'u-1', generation: 1 },
    spec: { command: 'true' },
  });
  const spec = view.spec.valid ? view.spec.value : { command: '' };
  const job = buildNodeJob(nodeExecution(view, spec, 'worker-1', 1, 'busybox:1.37'), 'jobs', {
    conventions: roundhouseConventions,
    serviceAccountName: 'runner',
    securityProfile: 'restricted',
  });
  return { ...job, status } as KubeObject;
}

describe("a node Job's place under --max-jobs-per-namespace", () => {
  const indexOf = namespaceOfJobInFlight(roundhouseConventions);

  it("counts against its DistExec's namespace until it finishes, whichever way", () => {
    expect(indexOf(nodeJob({ active: 1 }))).toEqual(['ops']);
    expect(
      indexOf(nodeJob({ conditions: [{ type: 'Complete', status: 'True' }], succeeded: 1 })),
    ).toEqual([]);
    expect(
      indexOf(
        nodeJob({ conditions: [{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded' }] }),
      ),
    ).toEqual([]);
  });

  it('counts as a slot its DistExec holds until it finishes', () => {
    const ownerOf = ownerOfJobInFlight(roundhouseConventions);
    expect(ownerOf(nodeJob({ active: 1 }))).toEqual(['ops/hello']);
    expect(
      ownerOf(nodeJob({ conditions: [{ type: 'Complete', status: 'True' }], succeeded: 1 })),
    ).toEqual([]);
  });
});

describe("another Roundhouse controller's Job in the execution namespace", () => {
  // TaskAction ops/hello's first attempt, as that controller's job engine labels it: the same
  // owner labels as DistExec ops/hello-0's node Jobs would carry, another target.
  const attempt = buildJob(
    {
      metadata: { name: 'hello-0', namespace: 'ops', uid: 'u-2' },
      spec: {
        workflowRef: { workflowId: 'p.d.run.hello', version: '1', executionBundle: 'x:1' },
        targetResource: 'ops/taskaction/hello-0',
        executionEngine: 'job',
      },
    },
    'jobs',
    undefined,
    {
      conventions: roundhouseConventions,
      serviceAccountName: 'runner',
      securityProfile: 'restricted',
    },
  ) as KubeObject;

  it('belongs to no DistExec: nothing wakes for it, deletes it as a predecessor, or counts it', () => {
    expect(ownerOfJob(roundhouseConventions)(attempt)).toEqual([]);
    expect(
      ownerOfJobInFlight(roundhouseConventions)({ ...attempt, status: { active: 1 } }),
    ).toEqual([]);
    expect(
      namespaceOfJobInFlight(roundhouseConventions)({ ...attempt, status: { active: 1 } }),
    ).toEqual([]);
    // A node Job of the DistExec of that name still is its own.
    expect(ownerOfJob(roundhouseConventions)(nodeJob({ active: 1 }))).toEqual(['ops/hello']);
  });
});
