import { describe, expect, it } from 'vitest';
import { outputScrub, scrubbedMarker, scrubbedTail } from './output-scrub.js';

const scrubbed = (values: string[], text: string) =>
  scrubbedTail(text, outputScrub(values, false), 4096);

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
    expect(scrubbed(['top\n \nsecret'], 'a top secret')).toBe(
      `a ${scrubbedMarker} ${scrubbedMarker}`,
    );
  });
});
