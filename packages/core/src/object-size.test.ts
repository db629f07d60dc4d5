import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from './errors.js';
import {
  checkObjectSize,
  checkStoredObjectSize,
  maxFieldSetRatio,
  maxObjectBytes,
  storedJsonBytes,
  storedObjectBytes,
} from './object-size.js';

/** An object whose JSON.stringify form is exactly `bytes` long, ending in `tail`. */
function objectOf(bytes: number, tail: string) {
  const overhead = JSON.stringify({ script: '' }).length + Buffer.byteLength(tail);
  return { script: 'x'.repeat(bytes - overhead) + tail };
}

const check = (object: unknown) => () =>
  checkObjectSize(object, 'Job', 'spec.parameters', 'pass fewer parameters');

describe('checkObjectSize', () => {
  it('accepts an object of the limit, and refuses one a byte over it', () => {
    expect(check(objectOf(maxObjectBytes, ''))).not.toThrow();
    expect(check(objectOf(maxObjectBytes + 1, ''))).toThrow(
      `make a Job of ${maxObjectBytes + 1} bytes, more than the ${maxObjectBytes} the API server can store: pass fewer parameters`,
    );
  });

  it('counts <, >, & and the line and paragraph separators as the API server writes them, 6 bytes each', () => {
    // Each of these is under the limit as JSON.stringify writes it, over it as Go does.
    for (const [tail, goBytes] of [
      ['&&', 2 * 6],
      ['<', 6],
      ['>', 6],
      ['\u2028', 6],
      ['\u2029', 6],
    ] as const) {
      const object = objectOf(maxObjectBytes - 1, tail);
      expect(Buffer.byteLength(JSON.stringify(object))).toBe(maxObjectBytes - 1);
      const bytes = maxObjectBytes - 1 - Buffer.byteLength(tail) + goBytes;
      let error: unknown;
      try {
        check(object)();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error).toMatchObject({ message: expect.stringContaining(`a Job of ${bytes} bytes`) });
    }
  });
});

describe('checkStoredObjectSize', () => {
  it('refuses an object whose JSON fits but not with its managedFields and a status write', () => {
    // 256 variables of long names: their managedFields keys take tens of KB.
    const env = Array.from({ length: 256 }, (_, i) => ({
      name: `PARAMETER_${String(i).padStart(3, '0')}_${'N'.repeat(200)}`,
      value: 'v',
    }));
    const base = { metadata: { name: 'job' }, spec: { env } };
    const filler = maxObjectBytes - JSON.stringify(base).length - 64;
    const job = { ...base, data: 'x'.repeat(filler) };
    expect(() => checkObjectSize(job, 'Job', 'spec.parameters', 'shrink it')).not.toThrow();
    expect(() => checkStoredObjectSize(job, 'Job', 'spec.parameters', 'shrink it')).toThrow(
      /^spec.parameters: make a Job of \d+ bytes as stored \(its managedFields and status included\), more than the 1572864 the API server can store: shrink it$/,
    );
    expect(() => checkStoredObjectSize(base, 'Job', 'spec.parameters', 'shrink it')).not.toThrow();
  });
});

describe('storedObjectBytes', () => {
  const items = Array.from({ length: 64 }, (_, i) => ({ name: `param-${i}`, value: 'v' }));
  /** What the API server records of its creator's fields for `items`: a keyed line each. */
  const managedFields = [
    {
      manager: 'kubectl-create',
      operation: 'Update',
      apiVersion: 'example.dev/v1',
      time: '2026-03-01T09:58:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:spec': {
          '.': {},
          'f:params': Object.fromEntries(
            items.map((p) => [`k:{"name":"${p.name}"}`, { '.': {}, 'f:name': {}, 'f:value': {} }]),
          ),
        },
      },
    },
  ];

  it("counts an object's managedFields as they are", () => {
    const object = { metadata: { name: 'a', managedFields }, spec: { params: items } };
    expect(storedObjectBytes(object)).toBe(Buffer.byteLength(JSON.stringify(object)));
  });

  it("estimates them, at least as large, on a cache's copy that has none", () => {
    const stored = { metadata: { name: 'a', managedFields }, spec: { params: items } };
    const cached = { metadata: { name: 'a' }, spec: { params: items } };
    expect(storedObjectBytes(cached)).toBeGreaterThanOrEqual(storedObjectBytes(stored));
  });
});

describe('storedJsonBytes of a string', () => {
  /** What the API server writes for `text`: JSON.stringify's escapes plus Go's, in UTF-8. */
  const written = (text: string) => {
    const json = JSON.stringify(text).replace(
      /[<>&\u2028\u2029]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    return Buffer.byteLength(json);
  };

  it('counts every character as the API server writes it, without writing the JSON', () => {
    const tricky = [
      '',
      'plain-key_1.x',
      'a"b\\c',
      '\b\t\n\f\r\u0000\u001f\u007f',
      '<&>\u2028\u2029',
      'é中\u{1f600}',
      '\ud800',
      '\udc00x',
      '\ud800\ud800\udc00',
    ];
    for (const text of tricky)
      expect(storedJsonBytes(text), JSON.stringify(text)).toBe(written(text));
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => storedJsonBytes(text) === written(text)),
      { numRuns: 2000 },
    );
  });
});

describe('the managedFields estimate', () => {
  it('never counts more than maxFieldSetRatio bytes for each byte of JSON, so checkStoredObjectSize may skip it for a small object', () => {
    const bound = (object: { metadata: object }) =>
      storedObjectBytes(object) - storedJsonBytes(object) - 1024 <=
      maxFieldSetRatio * storedJsonBytes(object);
    // The worst case: a list of empty objects, each 3 bytes of JSON and 43 of estimate.
    const empties = { metadata: {}, items: Array.from({ length: 1000 }, () => ({})) };
    expect(bound(empties)).toBe(true);
    // An item whose name is no string, nested: counted once, not again as its key.
    const named = (depth: number): unknown[] =>
      depth === 0
        ? Array.from({ length: 300 }, () => ({}))
        : [{ name: named(depth - 1), type: named(depth - 1) }];
    expect(bound({ metadata: {}, items: named(3) } as { metadata: object })).toBe(true);
    expect(storedObjectBytes(empties) - storedJsonBytes(empties) - 1024).toBeGreaterThan(
      (maxFieldSetRatio - 1) * storedJsonBytes(empties),
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) =>
        bound({ metadata: {}, value } as { metadata: object }),
      ),
      { numRuns: 2000 },
    );
  });
});
