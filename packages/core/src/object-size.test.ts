import { describe, expect, it } from 'vitest';
import { ConfigurationError } from './errors.js';
import { checkObjectSize, maxObjectBytes } from './object-size.js';

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
