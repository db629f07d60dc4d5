import { ConfigurationError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import {
  admissionPolicyNamedChecks,
  defaultAdmissionPolicyName,
  workflowExecutionAdmissionPolicy,
} from './admission-policy.js';

describe('workflowExecutionAdmissionPolicy', () => {
  const { policy, binding } = workflowExecutionAdmissionPolicy({
    executionNamespace: 'roundhouse-workflows',
  });
  const { validations } = policy.spec;
  const expressions = validations.map((v) => v.expression);

  it('is a GA ValidatingAdmissionPolicy bound with Deny, under the default name', () => {
    expect(policy).toMatchObject({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: defaultAdmissionPolicyName },
      spec: { failurePolicy: 'Fail' },
    });
    expect(binding).toEqual({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: defaultAdmissionPolicyName, labels: policy.metadata.labels },
      spec: { policyName: defaultAdmissionPolicyName, validationActions: ['Deny'] },
    });
  });

  it('matches the CREATE of a WorkflowExecution only, never the controller’s updates', () => {
    expect(policy.spec.matchConstraints).toEqual({
      resourceRules: [
        {
          apiGroups: ['roundhouse.dev'],
          apiVersions: ['*'],
          operations: ['CREATE'],
          resources: ['workflowexecutions'],
        },
      ],
    });
  });

  it("reads the names it checks from both of kubernaut's spec shapes, the namespace from its configuration", () => {
    expect(policy.spec.variables).toEqual([
      { name: 'executionNamespace', expression: "'roundhouse-workflows'" },
      {
        name: 'specSecretCount',
        expression: 'size(object.spec.?dependencies.?secrets.orValue([]))',
      },
      {
        name: 'secretNames',
        expression:
          'object.spec.?dependencies.?secrets.orValue([]).map(d, d.name) + ' +
          'object.spec.?workflowRef.?dependencies.?secrets.orValue([]).map(d, d.name)',
      },
      {
        name: 'specConfigMapCount',
        expression: 'size(object.spec.?dependencies.?configMaps.orValue([]))',
      },
      {
        name: 'configMapNames',
        expression:
          'object.spec.?dependencies.?configMaps.orValue([]).map(d, d.name) + ' +
          'object.spec.?workflowRef.?dependencies.?configMaps.orValue([]).map(d, d.name)',
      },
      { name: 'targetParts', expression: "object.spec.?targetResource.orValue('').split('/')" },
      {
        name: 'targetHasClusterKind',
        expression: expect.stringMatching(
          /^size\(variables\.targetParts\) == 3 && \(variables\.targetParts\[1\]\.lowerAscii\(\) in \["componentstatus","componentstatuses","cs","namespace",/,
        ),
      },
      {
        name: 'serviceAccountName',
        expression: "object.spec.?executionConfig.?serviceAccountName.orValue('')",
      },
      {
        name: 'refServiceAccountName',
        expression: "object.spec.?workflowRef.?serviceAccountName.orValue('')",
      },
    ]);
  });

  it('asks the authorizer whether the author may get each dependency Secret by name', () => {
    expect(expressions).toContain(
      "size(variables.secretNames) <= 0 || authorizer.group('').resource('secrets')" +
        ".namespace(variables.executionNamespace).name(variables.secretNames[0]).check('get').allowed()",
    );
    const last = admissionPolicyNamedChecks - 1;
    expect(expressions).toContain(
      `size(variables.secretNames) <= ${last} || authorizer.group('').resource('secrets')` +
        `.namespace(variables.executionNamespace).name(variables.secretNames[${last}]).check('get').allowed()`,
    );
  });

  it('asks the same of each dependency ConfigMap', () => {
    expect(expressions).toContain(
      "size(variables.configMapNames) <= 0 || authorizer.group('').resource('configmaps')" +
        ".namespace(variables.executionNamespace).name(variables.configMapNames[0]).check('get').allowed()",
    );
  });

  it('checks a named ServiceAccount with create on serviceaccounts/token, and not an empty one', () => {
    expect(expressions).toContain(
      "variables.serviceAccountName == '' || authorizer.group('').resource('serviceaccounts')" +
        ".subresource('token').namespace(variables.executionNamespace)" +
        ".name(variables.serviceAccountName).check('create').allowed()",
    );
  });

  it('keeps every expression within two authorizer checks (the CEL per-call cost limit)', () => {
    for (const v of validations) {
      expect(v.expression.split('.check(').length - 1).toBeLessThanOrEqual(2);
      // messageExpressions are evaluated without an authorizer.
      expect(v.messageExpression).not.toContain('authorizer');
    }
    // 10 Secret slots + overflow, 10 ConfigMap slots + overflow, the two ServiceAccount
    // fields, the target (one of its two checks runs): at 350,000 per check this stays within
    // the 10,000,000 budget of one request.
    expect(expressions.filter((e) => e.includes('.check(')).length).toBe(
      2 * admissionPolicyNamedChecks + 5,
    );
    expect((2 * admissionPolicyNamedChecks + 5) * 350_000).toBeLessThan(10_000_000);
  });

  it('lets a target in another namespace through only for an author who may create WorkflowExecutions there', () => {
    expect(expressions).toContain(
      'size(variables.targetParts) == 3 && !variables.targetHasClusterKind ? ' +
        '(variables.targetParts[0] == request.namespace || ' +
        "authorizer.group('roundhouse.dev').resource('workflowexecutions')" +
        ".namespace(variables.targetParts[0]).check('create').allowed()) : " +
        'size(variables.targetParts) == 2 || variables.targetHasClusterKind ? ' +
        "authorizer.group('roundhouse.dev')" +
        ".resource('workflowexecutions').check('create').allowed() : true",
    );
  });

  it('admits more than the named slots only for an author who may get every object', () => {
    expect(expressions).toContain(
      `size(variables.secretNames) <= ${admissionPolicyNamedChecks} || authorizer.group('')` +
        ".resource('secrets').namespace(variables.executionNamespace).check('get').allowed()",
    );
    expect(expressions).toContain(
      `size(variables.configMapNames) <= ${admissionPolicyNamedChecks} || authorizer.group('')` +
        ".resource('configmaps').namespace(variables.executionNamespace).check('get').allowed()",
    );
  });

  it('answers Forbidden with a message naming the object, the namespace and the permission', () => {
    for (const v of validations) {
      expect(v.reason).toBe('Forbidden');
      expect(v.message).not.toBe('');
    }
    const secret = validations.find((v) => v.expression.includes('variables.secretNames[0]'))!;
    expect(secret.messageExpression).toBe(
      "size(variables.secretNames) <= 0 ? '' : (0 < variables.specSecretCount ? " +
        "'spec.dependencies.secrets[0]' : 'spec.workflowRef.dependencies.secrets[' + " +
        "string(0 - variables.specSecretCount) + ']') + ': ' + " +
        "request.userInfo.username + ' may not get Secret \"' + variables.secretNames[0] + " +
        "'\" in namespace ' + variables.executionNamespace + ' (missing permission: get secrets \"' + " +
        "variables.secretNames[0] + '\" in namespace ' + variables.executionNamespace + " +
        "'), so a WorkflowExecution of theirs may not use it'",
    );
    const sa = validations.find((v) => v.expression.includes('serviceaccounts'))!;
    expect(sa.messageExpression).toContain('missing permission: create serviceaccounts/token');
    expect(sa.messageExpression).toContain('variables.serviceAccountName');
  });

  /** The kinds the policy's list names, and whether its `Cluster<Something>` rule is there. */
  const clusterKindsOf = (p: typeof policy) => {
    const variable = p.spec.variables.find((v) => v.name === 'targetHasClusterKind')!;
    const list = /in (\[[^\]]*\]) \|\|/.exec(variable.expression)?.[1];
    return {
      kinds: JSON.parse(list ?? '[]') as string[],
      prefixRule: variable.expression.includes(
        "(variables.targetParts[1].lowerAscii().startsWith('cluster') && " +
          "!(variables.targetParts[1].lowerAscii() in ['cluster', 'clusters']))",
      ),
    };
  };

  it("treats every cluster-scoped kind of Kubernetes 1.36's API as cluster-scoped, by kind, plural or short name", () => {
    const { kinds, prefixRule } = clusterKindsOf(policy);
    for (const kind of [
      ...['flowschemas', 'prioritylevelconfiguration', 'ipaddress', 'servicecidrs'],
      ...['deviceclass', 'resourceslices', 'volumeattributesclass', 'vac', 'clustertrustbundle'],
      ...['mutatingadmissionpolicy', 'mutatingadmissionpolicybindings'],
      ...['validatingadmissionpolicy', 'validatingadmissionpolicybinding', 'node', 'pv', 'crd'],
    ]) {
      expect(kinds).toContain(kind);
    }
    for (const namespaced of ['deployment', 'pod', 'secret', 'lease', 'resourceclaim']) {
      expect(kinds).not.toContain(namespaced);
    }
    // ClusterIssuer, Kyverno's ClusterPolicy, Tekton's ClusterTask: no list could know them all.
    expect(prefixRule).toBe(true);
  });

  it('adds the cluster-scoped custom kinds an operator lists, in lower case', () => {
    const extended = workflowExecutionAdmissionPolicy({
      executionNamespace: 'roundhouse-workflows',
      clusterScopedKinds: ['GatewayClass', 'gatewayclasses', 'Composition'],
    });
    const { kinds } = clusterKindsOf(extended.policy);
    expect(kinds).toEqual(
      expect.arrayContaining(['gatewayclass', 'gatewayclasses', 'composition']),
    );
    expect(clusterKindsOf(policy).kinds).not.toContain('gatewayclass');
  });

  it('refuses a listed kind that could break out of a CEL string, naming it', () => {
    const attempt = () =>
      workflowExecutionAdmissionPolicy({
        executionNamespace: 'roundhouse-workflows',
        clusterScopedKinds: ['GatewayClass', "x'] || true || ['"],
      });
    expect(attempt).toThrow(ConfigurationError);
    try {
      attempt();
    } catch (error) {
      expect((error as ConfigurationError).issues.map((i) => i.path)).toEqual([
        'clusterScopedKinds[1]',
      ]);
    }
  });

  it('takes another execution namespace and name', () => {
    const other = workflowExecutionAdmissionPolicy({
      executionNamespace: 'team-b-runs',
      name: 'team-b.roundhouse.dev',
    });
    expect(other.policy.metadata.name).toBe('team-b.roundhouse.dev');
    expect(other.binding.spec.policyName).toBe('team-b.roundhouse.dev');
    expect(other.policy.spec.variables[0]).toEqual({
      name: 'executionNamespace',
      expression: "'team-b-runs'",
    });
  });

  it('refuses a namespace or name that could not be one (nor break out of a CEL string)', () => {
    const attempt = () =>
      workflowExecutionAdmissionPolicy({ executionNamespace: "x' || true || '", name: 'A_B' });
    expect(attempt).toThrow(ConfigurationError);
    try {
      attempt();
    } catch (error) {
      expect((error as ConfigurationError).issues.map((i) => i.path)).toEqual([
        'executionNamespace',
        'name',
      ]);
    }
  });

  it('is deterministic', () => {
    expect(
      workflowExecutionAdmissionPolicy({ executionNamespace: 'roundhouse-workflows' }),
    ).toEqual({ policy, binding });
  });
});
