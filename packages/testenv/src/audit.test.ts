import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiServerArgs } from './apiserver.js';
import {
  type AuditedRequest,
  auditArgs,
  countByVerbAndResource,
  parseAuditLine,
  readAuditLog,
} from './audit.js';

const line = (fields: Record<string, unknown>) =>
  JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: 'a1',
    stage: 'ResponseComplete',
    requestURI: '/apis/batch/v1/namespaces/x/jobs?fieldManager=m',
    verb: 'create',
    user: { username: 'controller', groups: ['system:masters'] },
    objectRef: { resource: 'jobs', namespace: 'x', apiGroup: 'batch', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 201 },
    requestReceivedTimestamp: '2026-11-30T12:00:01.250123Z',
    stageTimestamp: '2026-11-30T12:00:01.260000Z',
    ...fields,
  });

describe('audit log', () => {
  it('flags write JSON to the given path, blocking, without rotating', () => {
    expect(auditArgs('/w/policy.yaml', '/w/audit.log')).toEqual([
      '--audit-policy-file=/w/policy.yaml',
      '--audit-log-path=/w/audit.log',
      '--audit-log-format=json',
      '--audit-log-mode=blocking',
      '--audit-log-maxsize=100000',
    ]);
  });

  it('kube-apiserver writes the log only when asked', () => {
    const p = { certPath: '/p/c', keyPath: '/p/k' };
    const input = {
      etcdUrl: 'http://127.0.0.1:2379',
      port: 6443,
      pki: {
        ca: p,
        serving: p,
        admin: p,
        serviceAccount: { privateKeyPath: '/p/sa.key', publicKeyPath: '/p/sa.pub' },
      },
      certDir: '/w',
    };
    expect(apiServerArgs(input).some((a) => a.startsWith('--audit'))).toBe(false);
    const audit = { policyPath: '/w/policy.yaml', logPath: '/w/audit.log' };
    expect(apiServerArgs({ ...input, audit })).toEqual(
      expect.arrayContaining(auditArgs(audit.policyPath, audit.logPath)),
    );
  });

  it('reads verb, resource with subresource, user, receive time (microseconds dropped), time served and code', () => {
    expect(parseAuditLine(line({}))).toEqual({
      auditId: 'a1',
      user: 'controller',
      verb: 'create',
      resource: 'jobs',
      receivedAt: Date.UTC(2026, 10, 30, 12, 0, 1, 250),
      servedMs: 10,
      code: 201,
    });
    // A watch's first line is when its stream started, not when it was served.
    expect(parseAuditLine(line({ verb: 'watch', stage: 'ResponseStarted' }))?.servedMs).toBe(
      undefined,
    );
    const status = parseAuditLine(
      line({ verb: 'patch', objectRef: { resource: 'workflowexecutions', subresource: 'status' } }),
    );
    expect(status?.resource).toBe('workflowexecutions/status');
  });

  it('names a non-resource request by its path, and skips what is not an event', () => {
    const version = parseAuditLine(
      line({ verb: 'get', requestURI: '/version?timeout=32s', objectRef: undefined }),
    );
    expect(version?.resource).toBe('/version');
    expect(parseAuditLine('not json')).toBeUndefined();
    expect(parseAuditLine(JSON.stringify({ kind: 'Event' }))).toBeUndefined();
  });

  it("reads these users' requests once each: a watch's two stages are one request", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'audit-test-'));
    try {
      const path = join(dir, 'audit.log');
      const lines = [
        line({ auditID: 'w', verb: 'watch', stage: 'ResponseStarted' }),
        line({ auditID: 'o', user: { username: 'system:kube-controller-manager' } }),
        line({ auditID: 'c' }),
        line({ auditID: 'w', verb: 'watch', stage: 'ResponseComplete' }),
        // Another user whose name starts with ours is not ours.
        line({ auditID: 'x', user: { username: 'controller-2' } }),
        line({ auditID: 'f', verb: 'patch', user: { username: 'floor' } }),
      ];
      await writeFile(path, `${lines.join('\n')}\n`);
      const requests = await readAuditLog(path, ['controller', 'floor']);
      expect(requests.map((r) => [r.auditId, r.user, r.verb])).toEqual([
        ['w', 'controller', 'watch'],
        ['c', 'controller', 'create'],
        ['f', 'floor', 'patch'],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('counts by verb and resource, most first', () => {
    const request = (verb: string, resource: string, servedMs?: number): AuditedRequest => ({
      auditId: '',
      user: 'u',
      verb,
      resource,
      receivedAt: 0,
      servedMs,
      code: 200,
    });
    expect(
      countByVerbAndResource([
        request('patch', 'workflowexecutions/status', 4),
        request('create', 'jobs', 12),
        request('patch', 'workflowexecutions/status', 6),
        request('create', 'events'),
      ]),
    ).toEqual([
      { verb: 'patch', resource: 'workflowexecutions/status', count: 2, servedMs: [4, 6] },
      { verb: 'create', resource: 'events', count: 1, servedMs: [] },
      { verb: 'create', resource: 'jobs', count: 1, servedMs: [12] },
    ]);
  });
});
