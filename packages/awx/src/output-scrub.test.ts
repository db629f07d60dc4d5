import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type OutputScrub,
  outputScrub,
  scrubbedMarker,
  scrubbedTail,
  scrubbedText,
} from './output-scrub.js';
import { printedForms } from './printed-forms.js';

/** The scrub of `values`, which these tests expect to be built. */
function built(values: readonly string[], token: boolean): OutputScrub {
  const scrub = outputScrub(values, token);
  if ('withheld' in scrub) throw new Error(scrub.withheld);
  return scrub;
}

const scrubbed = (values: string[], text: string) => scrubbedTail(text, built(values, false), 4096);

describe('outputScrub', () => {
  it('scrubs a value read from a file without the line break the command module strips', () => {
    // `kubectl create secret --from-file` keeps the file's last newline.
    const output = '{"changed": true, "stdout": "hunter2", "stdout_lines": ["hunter2"]}';
    expect(scrubbed(['hunter2\n'], output)).toBe(
      `{"changed": true, "stdout": "${scrubbedMarker}", "stdout_lines": ["${scrubbedMarker}"]}`,
    );
  });

  it('scrubs each line of a value of several lines, as stdout_lines shows them', () => {
    const key = '-----BEGIN KEY-----\nMIIBOgIBAAJBAK\r\nQ29udGludWVk\n-----END KEY-----\n';
    const output = [
      `"stdout": "${JSON.stringify(key.trimEnd()).slice(1, -1)}",`,
      '"stdout_lines": ["-----BEGIN KEY-----", "MIIBOgIBAAJBAK", "Q29udGludWVk", "-----END KEY-----"]',
    ].join('\n');
    const result = scrubbed([key], output);
    // The whole value is one marker, not one per line.
    expect(result.split('\n')[0]).toBe(`"stdout": "${scrubbedMarker}",`);
    for (const line of ['BEGIN', 'MIIBOgIBAAJBAK', 'Q29udGludWVk', 'END']) {
      expect(result).not.toContain(line);
    }
  });

  it('leaves spaces alone when a line of a value is blank', () => {
    expect(scrubbed(['tops\n \nsecret'], 'a tops secret')).toBe(
      `a ${scrubbedMarker} ${scrubbedMarker}`,
    );
  });

  it('scrubs each line of a value wherever Python splits lines, as stdout_lines shows them', () => {
    const value = 'first-line\rsecond\u2028third\vfourth\x1cfifth\r\nlast-line';
    const lines = ['first-line', 'second', 'third', 'fourth', 'fifth', 'last-line'];
    expect(scrubbed([value], `"stdout_lines": ${JSON.stringify(lines)}`)).toBe(
      `"stdout_lines": [${lines.map(() => `"${scrubbedMarker}"`).join(',')}]`,
    );
  });

  it('scrubs no line of a value shorter than 4 characters, which would leave a text unreadable', () => {
    const config = '{\n  "password": "hunter2",\n  "a": 1\n}\n';
    const output = 'if (a) {\n  "a": 1\n  "password": "hunter2",\n}';
    expect(scrubbed([config], output)).toBe(`if (a) {\n${scrubbedMarker}\n${scrubbedMarker}\n}`);
    // A whole value is scrubbed however short it is.
    expect(scrubbed(['a'], 'a b')).toBe(`${scrubbedMarker} b`);
  });

  it('withholds overlapping and touching values as one stretch, none of either shown', () => {
    // The first value's match began first and hid where the second began.
    expect(scrubbed(['admin-12', '12345678secret'], 'login admin-12345678secret')).toBe(
      `login ${scrubbedMarker}`,
    );
    expect(scrubbed(['user-', 'pass'], 'auth user-pass ok')).toBe(`auth ${scrubbedMarker} ok`);
    // At the tail's cut too: the stretch the cut falls inside is one marker, cut as the tail is.
    const scrub = built(['admin-12', '12345678secret'], false);
    const cutInside = Buffer.byteLength('45678secret\nretry');
    expect(scrubbedTail('login admin-12345678secret\nretry', scrub, cutInside)).toBe(
      `${scrubbedMarker}\nretry`.slice(-cutInside),
    );
  });

  describe('scrubs a value as Python and JSON quote it, in the texts AWX keeps', () => {
    // The texts below are CPython's, for this value.
    const value = 'pä"ss\\word\'s';

    it("in ansible-runner's explanation quoting a stream line it could not parse", () => {
      // The event's stdout is Ansible's JSON (non-ASCII as is), the stream line json.dumps of
      // the event (non-ASCII as \uXXXX), quoted as read: as bytes, in their repr.
      const explanation =
        'Failed to JSON parse a line from worker stream. Error: Expecting value: line 1 column 1 (char 0) Line with invalid JSON data: b\'{"event": "runner_on_failed", "stdout": "fatal: [web-1]: FAILED! => {\\\\"msg\\\\": \\\\"login p\\\\u00e4\\\\\\\\\\\\"ss\\\\\\\\\\\\\\\\word\\\'s refused\\\\"}", "counter": 7}\\n\'';
      const shown = scrubbedText(explanation, built([value], false));
      expect(shown).toContain(`login ${scrubbedMarker} refused`);
      expect(shown).not.toContain('word');
    });

    it("in a traceback's last line, in either quote style of a repr", () => {
      const scrub = built([value, "it's a\\b"], false);
      const decrypt = "ValueError: cannot decrypt 'p\u00e4\"ss\\\\word\\'s' for input password";
      expect(scrubbedText(decrypt, scrub)).toBe(
        `ValueError: cannot decrypt '${scrubbedMarker}' for input password`,
      );
      expect(scrubbedText('KeyError: "it\'s a\\\\b"', scrub)).toBe(`KeyError: "${scrubbedMarker}"`);
    });

    it('with non-ASCII escaped: in the repr of bytes, of an unprintable character, in JSON', () => {
      const scrub = built(['pässwört\u200b', 'pässwört'], false);
      expect(scrubbedText("b'p\\xc3\\xa4ssw\\xc3\\xb6rt\\xe2\\x80\\x8b'", scrub)).toBe(
        `b'${scrubbedMarker}'`,
      );
      expect(scrubbedText("'p\u00e4ssw\u00f6rt\\u200b'", scrub)).toBe(`'${scrubbedMarker}'`);
      expect(scrubbedText('{"password": "p\\u00e4ssw\\u00f6rt"}', scrub)).toBe(
        `{"password": "${scrubbedMarker}"}`,
      );
    });
  });

  it('scrubs a JWT wherever its segment begins, in time linear in the text', () => {
    const token = built([], true);
    // The payload is JSON too (`eyJ…`), so a segment after the signature goes as well.
    expect(scrubbedText('K8S_AUTH_API_KEY=\\neyJhbGc.eyJzdWI.c2ln-x_1.more rest', token)).toBe(
      `K8S_AUTH_API_KEY=\\${scrubbedMarker} rest`,
    );
    expect(scrubbedText('a.b eyJhbGc.eyJzdWI.c2ln-x_1 c.d', token)).toBe(
      `a.b ${scrubbedMarker} c.d`,
    );
    // A segment before the token that happens to hold `eyJ` leaves none of the token shown.
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzYTpqb2IifQ.c2lnbmF0dXJlLXNlY3JldA';
    expect(scrubbedText(`vars.apiKeyJwt.${jwt} rest`, token)).toBe(`vars.${scrubbedMarker} rest`);
    // A JWT pattern tried at each `eyJ` of a run without a dot takes quadratic time: minutes
    // for a line `logs` gives.
    const run = 'eyJ'.repeat(100_000);
    expect(scrubbedText(run, token)).toBe(run);
  }, 2_000);

  it('builds a scrub of more forms than a call may take arguments', () => {
    const values = Array.from({ length: 150_000 }, (_, i) => `v${i.toString(36).padStart(5, '0')}`);
    const scrub = built(values, false);
    expect(scrubbedText('login v00a2c ok', scrub)).toBe(`login ${scrubbedMarker} ok`);
  });

  it('scrubs a value whose forms are more than one RegExp may hold (a CA bundle)', () => {
    const line = () => randomBytes(48).toString('base64');
    const bundle = `${Array.from({ length: 1200 }, line).join('\n')}\n`;
    const scrub = built([bundle], false);
    expect(scrubbedText(`ca: ${JSON.stringify(bundle)}`, scrub)).toBe(`ca: "${scrubbedMarker}"`);
  });

  it('withholds the texts rather than build a scrub of more than 1 MiB of values or 200k forms', () => {
    const tooLarge = { withheld: 'the injected values are too large to scrub' };
    expect(outputScrub(['x'.repeat(1 << 20)], false)).not.toEqual(tooLarge);
    expect(outputScrub(['x'.repeat(1 << 19), 'y'.repeat((1 << 19) + 1)], false)).toEqual(tooLarge);
    // Lines quoted in 30 ways each: 7,000 of them make about 420k forms, in 200 KiB.
    const lines = Array.from({ length: 7_000 }, (_, i) => `  "key-${i}": "välue's ${i}",`);
    const config = `{\n${lines.join('\n')}\n}\n`;
    expect(Buffer.byteLength(config)).toBeLessThan(1 << 18);
    expect(outputScrub([config], false)).toEqual(tooLarge);
    expect(outputScrub([config.slice(0, config.length / 4)], false)).not.toEqual(tooLarge);
  });

  it('withholds a value whose printed form is longer than 1 MiB, which the tail would read past', () => {
    // Each control character prints as `\\u0001` when escaped twice: 8 characters for one.
    expect(outputScrub(['\x01'.repeat(200_000)], false)).toEqual({
      withheld: 'the injected values are too large to scrub',
    });
  });

  it('stops building forms at the first one too long, so a crafted Secret costs no seconds of CPU', () => {
    // 1 MiB of control characters: each of its 30 forms is up to 8 MiB, which took the event
    // loop 5 to 15 seconds to build before the first was found too long.
    const value = '\x01'.repeat(1 << 20);
    expect(outputScrub([value], false)).toEqual({
      withheld: 'the injected values are too large to scrub',
    });
    // The forms come one at a time, the value first and its JSON escape (6 bytes a character)
    // next: the scrub has its answer from the second, before the 28 longer ones exist.
    const forms = printedForms(value);
    expect(forms.next().value).toBe(value);
    expect(Buffer.byteLength(forms.next().value ?? '')).toBeGreaterThan(1 << 20);
  });

  it('withholds a text whole when scanning it would compare more than its budget allows', () => {
    // One repeated character against output of it: every place begins like the value, and each
    // comparison runs most of its length, which would take seconds on the event loop.
    const scrub = built([`${'a'.repeat(300_000)}b`], false);
    expect(scrubbedText('a'.repeat(600_000), scrub)).toBe(scrubbedMarker);
    // A value of that size that does not repeat itself is found within the budget.
    const key = randomBytes(150_000).toString('hex');
    const scrubKey = built([key], false);
    expect(scrubbedText(`x ${key} y ${key.slice(0, 1_000)}`, scrubKey)).toBe(
      `x ${scrubbedMarker} y ${key.slice(0, 1_000)}`,
    );
  });

  it('scrubs the pieces of a log line of a value split at rarer breaks than a line break', () => {
    const scrub = built(['abc\vdef\vghi\nXXXXYYYY'], false);
    expect(scrubbedText('log: abc\vdef\vghi', scrub)).toBe(`log: ${scrubbedMarker}`);
  });
});
