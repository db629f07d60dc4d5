import { describe, expect, it } from 'vitest';
import { CleanupPendingError, ConfigurationError } from './errors.js';
import { validateParameters } from './parameters.js';

describe('ConfigurationError', () => {
  it('lists every issue that fits', () => {
    const error = new ConfigurationError([
      { path: 'spec.a', message: 'is wrong' },
      { path: '', message: 'the whole thing is wrong' },
    ]);
    expect(error.message).toBe('spec.a: is wrong; the whole thing is wrong');
    const seven = Array.from({ length: 7 }, (_, i) => ({
      path: `spec.f${i}`,
      message: 'is required',
    }));
    expect(new ConfigurationError(seven).message).toContain('spec.f6: is required');
  });

  it('names the first issues of thousands and counts the rest, keeping all of them in issues', () => {
    const parameters = Object.fromEntries(
      Array.from({ length: 10_000 }, (_, i) => [String(i), 'x']),
    );
    const error = (() => {
      try {
        validateParameters(parameters);
      } catch (e) {
        return e as ConfigurationError;
      }
      throw new Error('expected a ConfigurationError');
    })();
    expect(error.issues).toHaveLength(10_000);
    expect(error.message.length).toBeLessThanOrEqual(1024);
    expect(error.message).toMatch(/^spec\.parameters\.0: is not a valid parameter name/);
    const listed = error.message.match(/spec\.parameters\.\d+: /g)?.length ?? 0;
    expect(listed).toBeGreaterThan(3);
    expect(error.message).toMatch(new RegExp(`; … and ${10_000 - listed} more$`));
  });

  it('cuts a huge issue short, never in the middle of a character', () => {
    const error = new ConfigurationError([
      { path: `spec.parameters.${'😀'.repeat(5_000)}`, message: 'is not a valid name' },
      { path: 'spec.x', message: 'a' },
      { path: 'spec.y', message: 'b' },
      { path: 'spec.z', message: 'c' },
      { path: 'spec.w', message: 'd' },
      { path: 'spec.v', message: 'e' },
    ]);
    expect(error.message.length).toBeLessThanOrEqual(1024);
    expect(error.message).toMatch(/^spec\.parameters\.😀+…; … and 5 more$/u);
    expect(error.message).not.toMatch(/[\uD800-\uDFFF]/u);
  });

  it("writes an author's control and invisible characters as escapes: the message reaches a status, an Event and a terminal", () => {
    // A parameter name is free text to the CRD; the engine refuses it, quoting it in the path.
    const name = '\u001b]52;c;cm0gLXJmIC8K\u0007X\nspec.parameters.OK: accepted\u202eA\u200bB';
    const error = (() => {
      try {
        validateParameters({ [name]: 'v' });
      } catch (e) {
        return e as ConfigurationError;
      }
      throw new Error('expected a ConfigurationError');
    })();
    expect(error.message).toBe(
      'spec.parameters.\\x1b]52;c;cm0gLXJmIC8K\\x07X\\nspec.parameters.OK: accepted\\u202eA\\u200bB: is not a valid parameter name: use letters, digits and "_" and do not start with a digit (e.g. MAX_REPLICAS)',
    );
    expect(error.issues[0]?.path).toBe(`spec.parameters.${name}`);
  });

  it('writes a lone surrogate as an escape: no JSON encoder keeps one, so a status would not read back as written', () => {
    const error = new ConfigurationError({ path: 'spec.parameters.a\ud800b', message: 'is bad' });
    expect(error.message).toBe('spec.parameters.a\\ud800b: is bad');
  });
});

describe('CleanupPendingError', () => {
  it('asks to be looked at again after a whole number of seconds, from 1 to 300, whatever an engine passes', () => {
    const retryAfter = (seconds: number) =>
      new CleanupPendingError('waiting', seconds).retryAfterSeconds;
    expect([0, -3, 0.2, Number.NaN].map(retryAfter)).toEqual([1, 1, 1, 1]);
    // Nor so long that it is never looked at again.
    expect([Number.POSITIVE_INFINITY, 86_400].map(retryAfter)).toEqual([300, 300]);
    expect(retryAfter(2.1)).toBe(3);
    expect(retryAfter(30)).toBe(30);
  });
});
