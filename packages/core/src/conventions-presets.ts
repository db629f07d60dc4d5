import { z } from 'zod';
import { type Conventions, kubernautConventions, roundhouseConventions } from './conventions.js';
import { ConfigurationError } from './errors.js';
import { toFieldIssues } from './field-issues.js';

/**
 * The conventions presets by the name a flag or config field gives each (`--conventions
 * kubernaut`). The one list: a controller, the CLI and the mismatch check all read it, so a
 * preset added here is one every caller knows, and a caller keyed by the names fails to
 * type-check until it handles the new one.
 */
export const conventionsPresets = Object.freeze({
  roundhouse: roundhouseConventions,
  kubernaut: kubernautConventions,
}) satisfies Readonly<Record<string, Conventions>>;

export type ConventionsPresetName = keyof typeof conventionsPresets;

const presetNames = Object.keys(conventionsPresets) as [
  ConventionsPresetName,
  ...ConventionsPresetName[],
];

/** A preset's name as a flag or field gives it; an unknown one is told with the known names. */
export const ConventionsPresetNameSchema = z.enum(presetNames, {
  error: (issue) =>
    `must be one of ${presetNames.join(', ')}${typeof issue.input === 'string' ? `, not "${issue.input}"` : ''}`,
});

/**
 * The preset `name` names; an unknown name is a ConfigurationError at `field` (the flag or
 * config field it came from, e.g. `--conventions`) that lists the known names.
 */
export function conventionsPreset(name: string, field: string): Conventions {
  const result = ConventionsPresetNameSchema.safeParse(name);
  if (!result.success) throw new ConfigurationError(toFieldIssues(result.error, field, name));
  return conventionsPresets[result.data];
}
