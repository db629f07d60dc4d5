import { describe, expect, it } from 'vitest';
import { trimmedForCache } from './cache-trim.js';

/** An object as the API server sends it, with the bulk a cache should not keep. */
const object = {
  apiVersion: 'v1',
  kind: 'Thing',
  metadata: {
    name: 'a',
    namespace: 'n',
    resourceVersion: '7',
    annotations: { note: 'kept' },
    managedFields: [{ manager: 'kubectl' }],
  },
  spec: { keep: 1, drop: 'x'.repeat(1000) },
  status: { phase: 'Running' },
};

describe('trimmedForCache', () => {
  it('keeps what each trim picks, all the metadata but managedFields, and drops a part with no trim', () => {
    expect(trimmedForCache(object, { spec: (spec) => ({ keep: spec.keep }) })).toEqual({
      apiVersion: 'v1',
      kind: 'Thing',
      metadata: { name: 'a', namespace: 'n', resourceVersion: '7', annotations: { note: 'kept' } },
      spec: { keep: 1 },
    });
    expect(
      trimmedForCache(object, {
        metadata: (metadata) => ({ name: metadata.name }),
        status: (status) => status,
      }),
    ).toEqual({ apiVersion: 'v1', kind: 'Thing', metadata: { name: 'a' }, status: object.status });
  });

  it('leaves a part the object has not absent', () => {
    const bare = { metadata: { name: 'a' } };
    const trim = { spec: () => ({ made: true }), status: () => ({ made: true }) };
    expect(trimmedForCache(bare, trim)).toEqual({ metadata: { name: 'a' } });
  });

  it('keeps an object it cannot read whole, for the engine to report as on a live read', () => {
    const keep = {
      spec: (part: Record<string, unknown>) => part,
      status: (part: Record<string, unknown>) => part,
    };
    for (const odd of [
      { metadata: 'a' },
      { metadata: { name: 'a' }, spec: [] },
      { metadata: { name: 'a' }, status: 'Running' },
      { metadata: { name: 'a' }, spec: null },
    ]) {
      expect(trimmedForCache(odd, keep)).toBe(odd);
    }
    // A part of a shape its trim cannot read.
    expect(trimmedForCache(object, { status: () => undefined })).toBe(object);
    // A part with no trim is dropped, whatever its shape.
    const oddStatus = { metadata: { name: 'a' }, status: 3 };
    expect(trimmedForCache(oddStatus, {})).toEqual({ metadata: { name: 'a' } });
  });
});
