import {
  ConventionsMismatchError,
  conventionsPresets,
  defineConventions,
  executionMetadata,
  kubernautConventions,
} from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { describe, expect, it } from 'vitest';
import { conventionsMismatch } from './conventions-mismatch.js';

describe('conventionsMismatch', () => {
  const wfe = { ...sampleExecution(), metadata: { ...sampleExecution().metadata, uid: 'u-1' } };
  const presets = Object.entries(conventionsPresets);
  // Every ordered pair of core's presets: one added there is checked here without a new case.
  const pairs = presets.flatMap(([made, before]) =>
    presets
      .filter(([, after]) => after.labelPrefix !== before.labelPrefix)
      .map(([running, after]) => [made, running, before, after] as const),
  );

  it('checks every pair of the presets --conventions takes', () => {
    expect(pairs.map(([made, running]) => `${made}>${running}`)).toEqual([
      'roundhouse>kubernaut',
      'kubernaut>roundhouse',
    ]);
  });

  it.each(pairs)(
    'names a resource made under %s and read under %s by both preset names',
    (made, running, before, after) => {
      const metadata = executionMetadata(wfe, 'job', before);
      const error = conventionsMismatch('Job ns/wfe-x', metadata, wfe, after);
      expect(error).toBeInstanceOf(ConventionsMismatchError);
      expect(error).toMatchObject({ madeUnder: made, runningUnder: running });
    },
  );

  it('names conventions built on a preset by that preset, and others by their label prefix', () => {
    const metadata = executionMetadata(wfe, 'job', conventionsPresets.roundhouse);
    const onKubernaut = defineConventions({ ownerNoun: 'TaskRun' }, kubernautConventions);
    expect(conventionsMismatch('Job ns/wfe-x', metadata, wfe, onKubernaut)).toMatchObject({
      runningUnder: 'kubernaut',
    });
    const own = defineConventions({ labelPrefix: 'example.com/' });
    expect(conventionsMismatch('Job ns/wfe-x', metadata, wfe, own)).toMatchObject({
      madeUnder: 'roundhouse',
      runningUnder: 'example.com/',
    });
  });

  it('is undefined for a resource no preset made for this execution', () => {
    const other = { ...wfe, metadata: { ...wfe.metadata, uid: 'u-2' } };
    const metadata = executionMetadata(other, 'job', conventionsPresets.roundhouse);
    expect(
      conventionsMismatch('Job ns/wfe-x', metadata, wfe, conventionsPresets.kubernaut),
    ).toBeUndefined();
  });
});
