import { ConfigurationError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { admissionPolicyManifest } from './admission-policy.js';
import { type Config, parseCommandLine } from './config.js';

function configOf(argv: string[]): Config {
  const line = parseCommandLine(argv, {});
  if (line.help) throw new Error('asked for help');
  return line.config;
}

describe('--print-admission-policy', () => {
  it('prints the policy and binding for the execution namespace, with the listed cluster-scoped kinds', () => {
    const config = configOf([
      '--print-admission-policy',
      '--execution-namespace=team-runs',
      '--cluster-scoped-kinds=GatewayClass,gatewayclasses',
    ]);
    expect(config.printAdmissionPolicy).toBe(true);
    const list = JSON.parse(admissionPolicyManifest(config));
    expect(list).toMatchObject({
      apiVersion: 'v1',
      kind: 'List',
      items: [{ kind: 'ValidatingAdmissionPolicy' }, { kind: 'ValidatingAdmissionPolicyBinding' }],
    });
    const variables: { name: string; expression: string }[] = list.items[0].spec.variables;
    expect(variables).toContainEqual({ name: 'executionNamespace', expression: "'team-runs'" });
    const clusterKind = variables.find((v) => v.name === 'targetHasClusterKind')?.expression;
    expect(clusterKind).toContain('"gatewayclass","gatewayclasses"');
  });

  it("matches kubernaut's group under --conventions kubernaut", () => {
    const list = JSON.parse(admissionPolicyManifest(configOf(['--conventions=kubernaut'])));
    expect(list.items[0].spec.matchConstraints.resourceRules[0].apiGroups).toEqual([
      'kubernaut.ai',
    ]);
  });

  it('refuses a kind that is not one, naming the flag', () => {
    const config = configOf(['--cluster-scoped-kinds=GatewayClass,gateway class']);
    expect(() => admissionPolicyManifest(config)).toThrow(ConfigurationError);
    expect(() => admissionPolicyManifest(config)).toThrow(/^--cluster-scoped-kinds \(entry 2\): /);
  });
});
