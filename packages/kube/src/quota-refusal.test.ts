import { describe, expect, it } from 'vitest';
import { withoutQuotaUsage } from './quota-refusal.js';

describe('withoutQuotaUsage', () => {
  it('names the quota and the resources it ran out of, none of its figures', () => {
    expect(
      withoutQuotaUsage(
        'pods "wfe-1" is forbidden: exceeded quota: shared, requested: limits.memory=1Gi,requests.cpu=500m, used: limits.memory=63Gi,requests.cpu=31500m, limited: limits.memory=64Gi,requests.cpu=32',
      ),
    ).toBe(
      'pods "wfe-1" is forbidden: exceeded quota: shared, resources: limits.memory,requests.cpu',
    );
  });

  it('keeps what a caller put before the refusal, and resource names with a slash or a dot', () => {
    expect(
      withoutQuotaUsage(
        'create Job jobs/x: jobs.batch "x" is forbidden: exceeded quota: team.jobs-1, requested: count/jobs.batch=1, used: count/jobs.batch=40, limited: count/jobs.batch=40',
      ),
    ).toBe(
      'create Job jobs/x: jobs.batch "x" is forbidden: exceeded quota: team.jobs-1, resources: count/jobs.batch',
    );
  });

  it('cuts a refusal worded otherwise right after the quota name', () => {
    expect(withoutQuotaUsage('pods "wfe-1" is forbidden: exceeded quota: shared; 63 of 64')).toBe(
      'pods "wfe-1" is forbidden: exceeded quota: shared',
    );
    expect(
      withoutQuotaUsage(
        'pods "wfe-1" is forbidden: exceeded quota: shared, requested: pods=1, in use: pods=9',
      ),
    ).toBe('pods "wfe-1" is forbidden: exceeded quota: shared');
  });

  it('leaves a text that names no exceeded quota as it is', () => {
    for (const message of [
      'pods "wfe-1" is forbidden: status unknown for quota: compute, resources: pods',
      'pods "wfe-1" is forbidden: failed quota: compute: must specify limits.cpu for: workflow',
      'pods "wfe-1" is forbidden: exceeded quota',
    ]) {
      expect(withoutQuotaUsage(message)).toBe(message);
    }
  });
});
