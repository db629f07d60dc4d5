import { roundhouseConventions } from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { distExecView } from '../spec.js';
import { namespaceOfJobInFlight, ownerOfJobInFlight } from './job-index.js';
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
