import { executionImage } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { describe, expect, it } from 'vitest';
import {
  allowsNamespace,
  ExecutionPolicySchema,
  enforceExecutionPolicy,
} from './execution-policy.js';

const now = new Date('2026-12-02T10:00:00Z');

const policy = (input: Parameters<typeof ExecutionPolicySchema.parse>[0] = {}) =>
  ExecutionPolicySchema.parse(input);

const refusal = (fn: () => void) => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
};

/** quay.io/acme/restart:1, pinned to `digest`. */
const pinnedTo = (digest: string) =>
  sampleExecution({
    spec: {
      workflowRef: {
        workflowId: 'w',
        version: '1',
        executionBundle: 'quay.io/acme/restart:1',
        executionBundleDigest: digest,
      },
    },
  });

describe('enforceExecutionPolicy', () => {
  it('refuses every bundle by default, naming the field', () => {
    expect(refusal(() => enforceExecutionPolicy(sampleExecution(), policy(), now))).toMatchObject({
      reason: 'Forbidden',
      path: 'spec.workflowRef.executionBundle',
    });
  });

  it('allows bundles by exact reference, by prefix, or any with *', () => {
    const wfe = sampleExecution(); // quay.io/acme/restart:1
    for (const bundles of [['quay.io/acme/restart:1'], ['quay.io/acme/*'], ['*']]) {
      expect(refusal(() => enforceExecutionPolicy(wfe, policy({ bundles }), now))).toBeUndefined();
    }
    expect(
      refusal(() => enforceExecutionPolicy(wfe, policy({ bundles: ['quay.io/acme-evil/*'] }), now)),
    ).toMatchObject({ reason: 'Forbidden' });
  });

  it('refuses a timeout over the ceiling, naming the field and the ceiling', () => {
    const withTimeout = (timeout: string) =>
      sampleExecution({ spec: { ...sampleExecution().spec, executionConfig: { timeout } } });
    const bundles = ['*'];
    expect(
      refusal(() => enforceExecutionPolicy(withTimeout('24h'), policy({ bundles }), now)),
    ).toBeUndefined();
    expect(
      refusal(() => enforceExecutionPolicy(withTimeout('2562047h'), policy({ bundles }), now)),
    ).toMatchObject({
      reason: 'Forbidden',
      path: 'spec.executionConfig.timeout',
      message: expect.stringContaining('longer than the 24h this controller allows'),
    });
    expect(
      refusal(() =>
        enforceExecutionPolicy(
          withTimeout('90m'),
          policy({ bundles, maxTimeoutMs: 3_600_000 }),
          now,
        ),
      ),
    ).toMatchObject({ reason: 'Forbidden', path: 'spec.executionConfig.timeout' });
  });

  it('lets an execution run only as the default runner or an allowed ServiceAccount', () => {
    const asAdmin = sampleExecution({
      spec: { executionConfig: { serviceAccountName: 'cluster-admin-sa' } },
    });
    expect(
      refusal(() => enforceExecutionPolicy(asAdmin, policy({ bundles: ['*'] }), now)),
    ).toMatchObject({ reason: 'Forbidden', path: 'spec.executionConfig.serviceAccountName' });
    const allowed = policy({ bundles: ['*'], serviceAccounts: ['cluster-admin-sa'] });
    expect(refusal(() => enforceExecutionPolicy(asAdmin, allowed, now))).toBeUndefined();
    const asDefault = sampleExecution({ spec: { executionConfig: { serviceAccountName: '' } } });
    expect(
      refusal(() => enforceExecutionPolicy(asDefault, policy({ bundles: ['*'] }), now)),
    ).toBeUndefined();
  });

  it('refuses a timesOutAt past the ceiling, counted from now, naming it', () => {
    const until = (timesOutAt: string) =>
      sampleExecution({ spec: { ...sampleExecution().spec, timesOutAt } });
    const bundles = ['*'];
    expect(
      refusal(() =>
        enforceExecutionPolicy(until('2026-12-03T09:59:00Z'), policy({ bundles }), now),
      ),
    ).toBeUndefined();
    expect(
      refusal(() =>
        enforceExecutionPolicy(until('2026-12-03T10:01:00Z'), policy({ bundles }), now),
      ),
    ).toMatchObject({
      reason: 'Forbidden',
      path: 'spec.timesOutAt',
      message: expect.stringContaining('more than the 24h'),
    });
  });

  it("names the field kubernaut's catalog snapshot put the ServiceAccount in", () => {
    const fromRef = sampleExecution({
      spec: {
        workflowRef: {
          ...sampleExecution().spec.workflowRef,
          serviceAccountName: 'cluster-admin-sa',
        },
      },
    });
    expect(
      refusal(() => enforceExecutionPolicy(fromRef, policy({ bundles: ['*'] }), now)),
    ).toMatchObject({ reason: 'Forbidden', path: 'spec.workflowRef.serviceAccountName' });
  });

  it('refuses a digest that would run another image of a repository whose one tag is allowed', () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    const pinned = pinnedTo(digest);
    expect(
      refusal(() =>
        enforceExecutionPolicy(pinned, policy({ bundles: ['quay.io/acme/restart:1'] }), now),
      ),
    ).toMatchObject({
      reason: 'Forbidden',
      path: 'spec.workflowRef.executionBundleDigest',
      message: expect.stringContaining(`quay.io/acme/restart:1@${digest}`),
    });
    for (const bundles of [
      [`quay.io/acme/restart:1@${digest}`],
      ['quay.io/acme/restart:*'],
      ['quay.io/acme/*'],
    ]) {
      expect(
        refusal(() => enforceExecutionPolicy(pinned, policy({ bundles }), now)),
      ).toBeUndefined();
    }
  });

  it('checks a bundle pinned inline to a digest the kubelet cannot pull by as the digest field repins it', () => {
    // kubernaut's test executions pin bundles to short fake digests, which the spec admits; the
    // job and tekton engines replace that digest with executionBundleDigest, so an allowed
    // `repo:1@sha256:abc123` must not let another image of the repository through.
    const other = `sha256:${'b'.repeat(64)}`;
    const wfe = sampleExecution({
      spec: {
        workflowRef: {
          workflowId: 'w',
          version: '1',
          executionBundle: 'quay.io/acme/restart:1@sha256:abc123',
          executionBundleDigest: other,
        },
      },
    });
    expect(executionImage(wfe)).toBe(`quay.io/acme/restart:1@${other}`);
    expect(
      refusal(() =>
        enforceExecutionPolicy(
          wfe,
          policy({ bundles: ['quay.io/acme/restart:1@sha256:abc123'] }),
          now,
        ),
      ),
    ).toMatchObject({
      reason: 'Forbidden',
      path: 'spec.workflowRef.executionBundleDigest',
      message: expect.stringContaining(`quay.io/acme/restart:1@${other}`),
    });
  });

  it('checks a bundle that is no image as written: its engine ignores the digest', () => {
    const path = sampleExecution({
      spec: {
        workflowRef: {
          workflowId: 'w',
          version: '1',
          executionBundle: '/opt/workflows/restart.sh',
          executionBundleDigest: `sha256:${'c'.repeat(64)}`,
        },
      },
    });
    expect(
      refusal(() =>
        enforceExecutionPolicy(path, policy({ bundles: ['/opt/workflows/restart.sh'] }), now),
      ),
    ).toBeUndefined();
  });

  it('requires a digest when configured to', () => {
    const strict = policy({ bundles: ['*'], requireDigest: true });
    expect(refusal(() => enforceExecutionPolicy(sampleExecution(), strict, now))).toMatchObject({
      path: 'spec.workflowRef.executionBundleDigest',
    });
    const pinned = pinnedTo(`sha256:${'a'.repeat(64)}`);
    expect(refusal(() => enforceExecutionPolicy(pinned, strict, now))).toBeUndefined();
  });

  it("does not take a URL's user for a digest: ssh://git@host/repo is not pinned", () => {
    const strict = policy({ bundles: ['*'], requireDigest: true });
    const withBundle = (executionBundle: string) => {
      const wfe = sampleExecution();
      return {
        ...wfe,
        spec: { ...wfe.spec, workflowRef: { ...wfe.spec.workflowRef, executionBundle } },
      };
    };
    expect(
      refusal(() =>
        enforceExecutionPolicy(withBundle('ssh://git@git.example.com/acme/playbooks'), strict, now),
      ),
    ).toMatchObject({ path: 'spec.workflowRef.executionBundleDigest' });
    expect(
      refusal(() =>
        enforceExecutionPolicy(
          withBundle(`quay.io/acme/restart@sha256:${'b'.repeat(64)}`),
          strict,
          now,
        ),
      ),
    ).toBeUndefined();
  });
});

describe('allowsNamespace', () => {
  const key = 'roundhouse.dev/allowed-namespaces';

  it('reads a comma-separated list of namespaces, or * for any', () => {
    expect(allowsNamespace({ [key]: 'team-a, team-b' }, key, 'team-b')).toBe(true);
    expect(allowsNamespace({ [key]: '*' }, key, 'anyone')).toBe(true);
    expect(allowsNamespace({ [key]: 'team-a' }, key, 'team-ab')).toBe(false);
    expect(allowsNamespace(undefined, key, 'team-a')).toBe(false);
  });
});
