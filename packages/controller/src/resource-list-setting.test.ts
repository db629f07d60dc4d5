import { describe, expect, it } from 'vitest';
import { ResourceListSettingSchema } from './resource-list-setting.js';

describe('ResourceListSettingSchema', () => {
  it('reads name=quantity pairs, spaces and empty entries allowed', () => {
    expect(ResourceListSettingSchema.parse('cpu=2, memory=1Gi,')).toEqual({
      cpu: '2',
      memory: '1Gi',
    });
  });

  it('refuses a quantity the API server would refuse, and a name without one', () => {
    expect(ResourceListSettingSchema.safeParse('memory=lots').success).toBe(false);
    expect(ResourceListSettingSchema.safeParse('memory').success).toBe(false);
  });
});
