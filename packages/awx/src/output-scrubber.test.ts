import { ConfigurationError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import type { SecretValues } from './credential-plan.js';
import type { LaunchRecord } from './launch-record.js';
import { scrubbedMarker, scrubbedTail } from './output-scrub.js';
import { OutputScrubber } from './output-scrubber.js';

const record = (injected?: LaunchRecord['injected']): LaunchRecord => ({
  credentials: [7],
  finished: false,
  ...(injected ? { injected } : {}),
});
const given = { secrets: [{ name: 'db', resourceVersion: '5' }], kubernetesToken: false };

function scrubber(secrets: SecretValues[] | Error) {
  const reads: string[][] = [];
  const dependencies = {
    async secrets(_namespace: string, names: readonly string[]) {
      reads.push([...names]);
      if (secrets instanceof Error) throw secrets;
      return secrets;
    },
  };
  return { reads, scrubber: new OutputScrubber(dependencies) };
}

describe('OutputScrubber', () => {
  it('reads the Secrets the job was given again and scrubs their values', async () => {
    const { reads, scrubber: s } = scrubber([
      { name: 'db', data: { password: 'hunter2-db' }, resourceVersion: '5' },
    ]);
    const scrub = await s.of(record(given), 'workflows', undefined);
    expect(reads).toEqual([['db']]);
    expect('forms' in scrub && scrubbedTail('login hunter2-db failed', scrub, 1024)).toBe(
      `login ${scrubbedMarker} failed`,
    );
  });

  it('withholds the output when a Secret changed since, is gone, or no record says', async () => {
    const changed = scrubber([{ name: 'db', data: { password: 'new' }, resourceVersion: '6' }]);
    expect(await changed.scrubber.of(record(given), 'workflows', undefined)).toEqual({
      withheld: 'Secret db changed since its job was given it',
    });
    const gone = scrubber(
      new ConfigurationError({ path: 'x', message: 'Secret db does not exist' }),
    );
    expect(await gone.scrubber.of(record(given), 'workflows', undefined)).toEqual({
      withheld: 'a Secret its job was given (db) is gone or unreadable',
    });
    const unknown = scrubber([]);
    for (const without of [record(), undefined]) {
      expect(await unknown.scrubber.of(without, 'workflows', undefined)).toEqual({
        withheld: 'no launch record of this execution says which Secrets its job was given',
      });
    }
  });
});
