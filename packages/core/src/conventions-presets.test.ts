import { describe, expect, it } from 'vitest';
import { kubernautConventions, roundhouseConventions } from './conventions.js';
import {
  ConventionsPresetNameSchema,
  conventionsPreset,
  conventionsPresets,
} from './conventions-presets.js';
import { ConfigurationError } from './errors.js';

describe('conventionsPreset', () => {
  it.each([
    ['roundhouse', roundhouseConventions],
    ['kubernaut', kubernautConventions],
  ])('gives the %s preset by its name', (name, conventions) => {
    expect(conventionsPreset(name, '--conventions')).toBe(conventions);
  });

  it('refuses an unknown name with a ConfigurationError at the field, listing the known names', () => {
    const error = (() => {
      try {
        return conventionsPreset('kubernetes', '--conventions');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({
      reason: 'ConfigurationError',
      issues: [
        {
          path: '--conventions',
          message: 'must be one of roundhouse, kubernaut, not "kubernetes"',
        },
      ],
    });
  });

  it('takes no name from the object prototype for a preset', () => {
    for (const name of ['toString', 'constructor', '__proto__', '']) {
      expect(() => conventionsPreset(name, 'spec.conventions')).toThrow(ConfigurationError);
    }
  });

  it('lists the presets frozen, so no caller adds or swaps one at run time', () => {
    expect(Object.isFrozen(conventionsPresets)).toBe(true);
    expect(() => {
      (conventionsPresets as Record<string, unknown>).other = roundhouseConventions;
    }).toThrow(TypeError);
  });

  it('parses a flag value to exactly the names of the presets', () => {
    expect(ConventionsPresetNameSchema.options).toEqual(Object.keys(conventionsPresets));
    expect(ConventionsPresetNameSchema.safeParse('kubernaut').success).toBe(true);
    expect(ConventionsPresetNameSchema.safeParse('Kubernaut').success).toBe(false);
  });
});
