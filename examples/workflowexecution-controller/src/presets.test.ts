import { conventionsPresets } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { presets } from './presets.js';

describe('presets', () => {
  it("has one preset for each of core's, in core's order", () => {
    expect(Object.keys(presets)).toEqual(Object.keys(conventionsPresets));
  });

  it.each(Object.entries(presets))(
    "stamps the %s preset's conventions as core lists them",
    (name, preset) => {
      expect(preset.conventions).toBe(conventionsPresets[name as keyof typeof conventionsPresets]);
    },
  );
});
