import {
  kubernautConventions,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import {
  buildLaunchLock,
  claimed,
  claimState,
  isLockFinished,
  launchDeadline,
  launchRecordKey,
  readRecord,
  unclaimed,
  withRecord,
} from './launch-record.js';

const wfe: WorkflowExecution = {
  metadata: { name: 'restart-api', namespace: 'team-a', uid: 'u-1' },
  spec: {
    workflowRef: { workflowId: 'restart', version: '1', executionBundle: 'quay.io/acme/restart:1' },
    targetResource: 'default/deployment/my-app',
    executionEngine: 'ansible',
  },
};
const empty = { credentials: [], finished: false };

describe('the launch lock', () => {
  it('is named and labelled like every engine’s execution resource, holding the record', () => {
    const record = { ...empty, template: 3, credentials: [7] };
    const lock = buildLaunchLock(wfe, 'workflows', 'ansible', roundhouseConventions, record);
    expect(lock.metadata).toMatchObject({
      name: 'wfe-c00449355dfb987a',
      namespace: 'workflows',
      labels: {
        'roundhouse.dev/workflow-execution': 'restart-api',
        'roundhouse.dev/source-namespace': 'team-a',
        'roundhouse.dev/execution-engine': 'ansible',
      },
      annotations: {
        'roundhouse.dev/target-resource': 'default/deployment/my-app',
        'roundhouse.dev/workflow-execution-uid': 'u-1',
      },
    });
    expect(lock.spec).toEqual({ holderIdentity: 'team-a/restart-api' });
    expect(readRecord(lock, roundhouseConventions)).toEqual(record);
    expect(launchRecordKey(kubernautConventions)).toBe('kubernaut.ai/awx-launch');
  });

  it('replaces the record and keeps everything else, the version included', () => {
    const lock = buildLaunchLock(wfe, 'workflows', 'ansible', roundhouseConventions, empty);
    const versioned = { ...lock, metadata: { ...lock.metadata, resourceVersion: '12' } };
    const next = withRecord(
      versioned,
      { ...empty, job: 40, finished: true },
      roundhouseConventions,
    );
    expect(next.metadata?.resourceVersion).toBe('12');
    expect(next.metadata?.labels).toEqual(lock.metadata?.labels);
    expect(isLockFinished(next, roundhouseConventions)).toBe(true);
    expect(isLockFinished(lock, roundhouseConventions)).toBe(false);
  });

  it('reads a record it cannot parse as a launch that may have been sent when the lock was made', () => {
    const lock = buildLaunchLock(wfe, 'workflows', 'ansible', roundhouseConventions, empty);
    const key = launchRecordKey(roundhouseConventions);
    for (const text of ['not json', '{"credentials":"7"}']) {
      const edited = {
        ...lock,
        metadata: {
          ...lock.metadata,
          creationTimestamp: '2026-03-01T10:00:00Z',
          annotations: { ...lock.metadata?.annotations, [key]: text },
        },
      };
      expect(readRecord(edited, roundhouseConventions)).toEqual({
        credentials: [],
        launchedAt: '2026-03-01T10:00:00.000Z',
        finished: false,
      });
    }
  });

  it('honours a claim until it has been silent for the TTL', () => {
    const at = Date.parse('2026-03-01T10:00:00.000Z');
    const record = claimed(empty, 'a-1', at);
    expect(record.claim).toEqual({ attempt: 'a-1', at: '2026-03-01T10:00:00.000Z' });
    expect(claimState(empty, at, 1_000)).toBe('free');
    expect(claimState(record, at + 999, 1_000)).toBe('held');
    expect(claimState(record, at + 1_000, 1_000)).toBe('stale');
    expect(unclaimed(record)).toEqual(empty);
  });

  it('keeps a launch whose answer was lost open for the commit window', () => {
    expect(launchDeadline(empty, 60_000)).toBeUndefined();
    const sent = { ...empty, launchedAt: '2026-03-01T10:00:00.000Z' };
    expect(launchDeadline(sent, 60_000)).toBe(Date.parse('2026-03-01T10:01:00.000Z'));
  });
});
