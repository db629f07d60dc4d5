import { describe, expect, it } from 'vitest';
import { signalFields, taskActionSignalPolicy } from './signal-policy.js';

describe('taskActionSignalPolicy', () => {
  const [policy, binding] = taskActionSignalPolicy({
    controllerUsers: ['system:serviceaccount:roundhouse-tasks:taskaction-controller'],
  });
  const spec = policy?.spec as {
    matchConstraints: { resourceRules: { operations: string[]; resources: string[] }[] };
    matchConditions: { expression: string }[];
    validations: { expression: string; reason: string }[];
  };

  it("judges every status update but the controller's", () => {
    expect(spec.matchConstraints.resourceRules).toEqual([
      expect.objectContaining({ operations: ['UPDATE'], resources: ['taskactions/status'] }),
    ]);
    expect(spec.matchConditions[0]?.expression).toBe(
      '!(request.userInfo.username in ["system:serviceaccount:roundhouse-tasks:taskaction-controller"])',
    );
    expect(binding?.spec).toEqual({
      policyName: 'roundhouse-taskaction-signallers',
      validationActions: ['Deny'],
    });
  });

  it('keeps every status field the CRD stores as it was, but the signal', () => {
    const [validation] = spec.validations;
    expect(validation?.reason).toBe('Forbidden');
    for (const field of ['conditions', 'phaseHistory', 'errorState', 'attempts', 'cacheStatus']) {
      expect(validation?.expression).toContain(
        `object.status.${field} == oldObject.status.${field}`,
      );
    }
    for (const field of signalFields) expect(validation?.expression).not.toContain(field);
  });

  it('refuses to be built without the controller, whose own writes it would refuse', () => {
    expect(() => taskActionSignalPolicy({ controllerUsers: [] })).toThrow(/controllerUsers/);
  });
});
