import { describe, expect, it } from 'vitest';
import { slimNode, unknownNodes } from './nodes.js';
import { jobsFinalizer, nodeFinalizer } from './resource.js';
import { distExecView } from './spec.js';

const long = `node-${'x'.repeat(70)}.example.internal`;

function view(results: Record<string, unknown>) {
  return distExecView({
    metadata: { name: 'ls', namespace: 'ops', generation: 1 },
    spec: { command: 'ls' },
    status: { results },
  });
}
const entry = { phase: 'Running', attempts: 1, observedGeneration: 1 };

describe('node finalizers', () => {
  it("carry the node's name, or a hashed form of a name too long for one", () => {
    expect(nodeFinalizer('ip-10-0-0-1.ec2.internal')).toBe(
      'distexec.roundhouse.dev/ip-10-0-0-1.ec2.internal',
    );
    const hashed = nodeFinalizer(long);
    expect(hashed.length - 'distexec.roundhouse.dev/'.length).toBeLessThanOrEqual(63);
    expect(hashed).toBe(nodeFinalizer(long));
    expect(hashed).not.toBe(nodeFinalizer(`${long}2`));
  });
});

describe('unknownNodes', () => {
  it('names entries and node finalizers of nodes the cache does not know', () => {
    const finalizers = [nodeFinalizer('a'), nodeFinalizer('gone-1'), jobsFinalizer, 'other.io/x'];
    expect(unknownNodes(view({ a: entry, 'gone-2': entry }), finalizers, new Set(['a']))).toEqual([
      'gone-1',
      'gone-2',
    ]);
    expect(unknownNodes(view({ a: entry }), [nodeFinalizer('a')], new Set(['a']))).toEqual([]);
  });

  it('maps a hashed finalizer back to its node through the entries or the known nodes', () => {
    const finalizers = [nodeFinalizer(long)];
    expect(unknownNodes(view({ [long]: entry }), finalizers, new Set())).toEqual([long]);
    expect(unknownNodes(view({}), finalizers, new Set([long]))).toEqual([]);
  });
});

describe('slimNode', () => {
  it('keeps identity, labels and what decides whether a pod may go there; drops the rest', () => {
    const node = {
      metadata: {
        name: 'n',
        uid: 'u',
        resourceVersion: '7',
        labels: { a: '1' },
        annotations: { b: '2' },
      },
      spec: {
        podCIDR: '10.0.0.0/24',
        unschedulable: true,
        taints: [{ key: 'gpu', effect: 'NoSchedule', timeAdded: '2026-01-01T00:00:00Z' }],
      },
      status: {
        images: [{ names: ['big'] }],
        conditions: [
          { type: 'MemoryPressure', status: 'False' },
          { type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-01T00:00:00Z' },
        ],
      },
    };
    expect(slimNode(node)).toEqual({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n', uid: 'u', resourceVersion: '7', labels: { a: '1' } },
      spec: { unschedulable: true, taints: [{ key: 'gpu', effect: 'NoSchedule' }] },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
    expect(slimNode({ metadata: { name: 'bare' } })).toEqual({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'bare' },
      spec: {},
      status: {},
    });
  });
});
