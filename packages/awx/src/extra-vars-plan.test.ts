import {
  ConfigurationError,
  kubernautConventions,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { executionIdentity } from './execution-identity.js';
import { serializeExtraVars } from './extra-vars.js';
import { configMapVariable, launchExtraVars } from './extra-vars-plan.js';

function execution(spec: Partial<WorkflowExecution['spec']> = {}): WorkflowExecution {
  return {
    metadata: { name: 'restart-api', namespace: 'team-a', uid: 'u-1' },
    spec: {
      workflowRef: {
        workflowId: 'restart',
        version: '1',
        executionBundle: 'img',
        engineConfig: { jobTemplateName: 'remediate' },
      },
      targetResource: 'team-a/deployment/api',
      executionEngine: 'ansible',
      ...spec,
    },
  };
}

function issuesOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigurationError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('launchExtraVars', () => {
  it('types parameters as kubernaut does and adds identity and request variables', () => {
    const wfe = execution({
      parameters: { REPLICAS: '3', RATIO: '0.5', DRY_RUN: 'false', ID: '9223372036854775807' },
      remediationRequestRef: { name: 'rr-1', namespace: 'kubernaut' },
    });
    const vars = launchExtraVars(wfe, executionIdentity(wfe), [], kubernautConventions);
    expect(vars).toEqual({
      REPLICAS: 3,
      RATIO: 0.5,
      DRY_RUN: false,
      ID: 9223372036854775807n,
      WFE_NAME: 'restart-api',
      WFE_NAMESPACE: 'team-a',
      RR_NAME: 'rr-1',
      RR_NAMESPACE: 'kubernaut',
      KUBERNAUT_EXECUTION_ID: 'team-a/restart-api/u-1',
    });
    expect(serializeExtraVars(vars)).toContain('"ID":9223372036854775807,');
  });

  it('sets empty request variables without a remediation request', () => {
    const wfe = execution();
    const vars = launchExtraVars(wfe, executionIdentity(wfe), [], roundhouseConventions);
    expect(vars).toMatchObject({ RR_NAME: '', RR_NAMESPACE: '' });
  });

  it('passes ConfigMap keys as raw strings under upper-case names', () => {
    const wfe = execution();
    const vars = launchExtraVars(
      wfe,
      executionIdentity(wfe),
      [{ name: 'app-settings', data: { 'log-level': 'debug', replicas: '3' } }],
      kubernautConventions,
    );
    expect(vars).toMatchObject({
      KUBERNAUT_CONFIGMAP_APP_SETTINGS_LOG_LEVEL: 'debug',
      KUBERNAUT_CONFIGMAP_APP_SETTINGS_REPLICAS: '3',
    });
    expect(configMapVariable(roundhouseConventions, 'a.b-c', 'k.e-y')).toBe(
      'ROUNDHOUSE_CONFIGMAP_A.B_C_K.E_Y',
    );
  });

  it('refuses parameters the engine sets, and names that are not identifiers', () => {
    const wfe = execution({ parameters: { WFE_NAME: 'x', 'bad-name': 'y', OK: 'z' } });
    expect(
      issuesOf(() => launchExtraVars(wfe, executionIdentity(wfe), [], roundhouseConventions)),
    ).toEqual([
      {
        path: 'spec.parameters.WFE_NAME',
        message: 'WFE_NAME is reserved: the ansible engine sets it',
      },
      {
        path: 'spec.parameters.bad-name',
        message: expect.stringMatching(/not a valid parameter name/),
      },
    ]);
  });

  it('refuses ansible_* parameters, which would override the connection and privilege settings', () => {
    const wfe = execution({
      parameters: {
        ansible_ssh_common_args: "-o ProxyCommand='sh -c id'",
        ansible_become_user: 'root',
        ANSIBLE_HOST: 'kept',
        my_ansible_host: 'kept',
      },
    });
    const issues = issuesOf(() =>
      launchExtraVars(wfe, executionIdentity(wfe), [], roundhouseConventions),
    );
    expect(issues.map((i) => i.path)).toEqual([
      'spec.parameters.ansible_ssh_common_args',
      'spec.parameters.ansible_become_user',
    ]);
    expect(issues[0]?.message).toMatch(/connection and privilege settings.*e\.g\. SSH_COMMON_ARGS/);
    expect(JSON.stringify(issues)).not.toContain('ProxyCommand');
  });

  it('refuses two sources for one variable instead of letting one win', () => {
    const wfe = execution({ parameters: { ROUNDHOUSE_CONFIGMAP_A_B_C: '1' } });
    const issues = issuesOf(() =>
      launchExtraVars(
        wfe,
        executionIdentity(wfe),
        [
          { name: 'a-b', data: { c: 'x' } },
          { name: 'a', data: { 'b-c': 'y' } },
        ],
        roundhouseConventions,
      ),
    );
    expect(issues.map((i) => i.path)).toEqual([
      'dependencies.configMaps[0].name',
      'dependencies.configMaps[1].name',
    ]);
    expect(issues[0]?.message).toMatch(/spec\.parameters\.ROUNDHOUSE_CONFIGMAP_A_B_C already sets/);
    expect(issues[1]?.message).toMatch(/ConfigMap a-b already sets/);
  });

  it('refuses non-finite numbers, as the core coercion does', () => {
    const wfe = execution({ parameters: { LIMIT: 'Infinity' } });
    expect(
      issuesOf(() => launchExtraVars(wfe, executionIdentity(wfe), [], roundhouseConventions)),
    ).toEqual([{ path: 'spec.parameters.LIMIT', message: expect.any(String) }]);
  });
});
