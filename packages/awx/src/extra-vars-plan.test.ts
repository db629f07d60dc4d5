import {
  kubernautConventions,
  roundhouseConventions,
  type WorkflowExecution,
} from '@roundhouse/core';
import { configurationIssuesOf } from '@roundhouse/core/testing';
import { describe, expect, it } from 'vitest';
import { executionIdentity } from './execution-identity.js';
import { serializeExtraVars } from './extra-vars.js';
import { configMapVariable, launchExtraVars, type TemplateSurvey } from './extra-vars-plan.js';
import type { SurveyQuestion } from './schemas.js';
import { surveyOf } from './survey-answers.js';

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

/** What launchExtraVars refuses in an execution with `parameters`, without ConfigMaps or survey. */
function parameterIssues(parameters: Record<string, string>) {
  const wfe = execution({ parameters });
  return configurationIssuesOf(() =>
    launchExtraVars(wfe, executionIdentity(wfe), [], roundhouseConventions),
  );
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
    expect(parameterIssues({ WFE_NAME: 'x', 'bad-name': 'y', OK: 'z' })).toEqual([
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
    const issues = parameterIssues({
      ansible_ssh_common_args: "-o ProxyCommand='sh -c id'",
      ansible_become_user: 'root',
      ANSIBLE_HOST: 'kept',
      my_ansible_host: 'kept',
    });
    expect(issues.map((i) => i.path)).toEqual([
      'spec.parameters.ansible_ssh_common_args',
      'spec.parameters.ansible_become_user',
    ]);
    expect(issues[0]?.message).toMatch(/connection and privilege settings.*e\.g\. SSH_COMMON_ARGS/);
    expect(JSON.stringify(issues)).not.toContain('ProxyCommand');
  });

  it("refuses awx_* and tower_* parameters, AWX's launch context, case-sensitively as AWX names them", () => {
    const issues = parameterIssues({
      awx_job_id: '1',
      awx_workflow_job_id: '7',
      tower_schedule_name: 'nightly',
      AWX_JOB_ID: 'kept',
      TOWER_USER: 'kept',
      my_awx_job: 'kept',
      awx: 'kept',
    });
    expect(issues.map((i) => i.path)).toEqual([
      'spec.parameters.awx_job_id',
      'spec.parameters.awx_workflow_job_id',
      'spec.parameters.tower_schedule_name',
    ]);
    expect(issues[0]?.message).toMatch(/AWX passes its launch context as awx_\*.*e\.g\. JOB_ID/);
    expect(issues[2]?.message).toMatch(/tower_\*.*e\.g\. SCHEDULE_NAME/);
  });

  it('refuses two sources for one variable instead of letting one win', () => {
    const wfe = execution({ parameters: { ROUNDHOUSE_CONFIGMAP_A_B_C: '1' } });
    const issues = configurationIssuesOf(() =>
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
    expect(parameterIssues({ LIMIT: 'Infinity' })).toEqual([
      { path: 'spec.parameters.LIMIT', message: expect.any(String) },
    ]);
  });

  it('sends what an enabled survey asks for typed for its question, not as kubernaut coerces', () => {
    const wfe = execution({
      parameters: {
        PORT: '8080',
        ENABLED: 'true',
        VERSION: '1.10',
        REPLICAS: '3',
        RATIO: '0.5',
        ZONES: 'a\nb',
        LIMIT: 'Infinity',
        OTHER: '8080',
      },
    });
    const questions: SurveyQuestion[] = [
      { variable: 'PORT', type: 'text' },
      { variable: 'ENABLED', type: 'password' },
      { variable: 'VERSION', type: 'multiplechoice', choices: '1.9\n1.10' },
      { variable: 'REPLICAS', type: 'integer', min: 1 },
      { variable: 'RATIO', type: 'float' },
      { variable: 'ZONES', type: 'multiselect', choices: ['a', 'b', 'c'] },
      { variable: 'LIMIT', type: 'textarea' },
      { variable: 'WFE_NAME', type: 'integer' },
      { variable: 'KUBERNAUT_CONFIGMAP_APP_REPLICAS', type: 'integer' },
    ];
    const survey: TemplateSurvey = {
      template: { id: 3, name: 'remediate' },
      questions: surveyOf(questions),
    };
    const configMaps = [{ name: 'app', data: { replicas: '2', mode: '5' } }];
    const identity = executionIdentity(wfe);
    const vars = launchExtraVars(wfe, identity, configMaps, kubernautConventions, survey);
    expect(vars).toEqual({
      PORT: '8080',
      ENABLED: 'true',
      VERSION: '1.10',
      REPLICAS: 3,
      RATIO: 0.5,
      ZONES: ['a', 'b'],
      LIMIT: 'Infinity',
      // No question: kubernaut's coercion, and ConfigMap values raw.
      OTHER: 8080,
      KUBERNAUT_CONFIGMAP_APP_MODE: '5',
      KUBERNAUT_CONFIGMAP_APP_REPLICAS: 2,
      // The engine's own values go as they are; AWX checks them.
      WFE_NAME: 'restart-api',
      WFE_NAMESPACE: 'team-a',
      RR_NAME: '',
      RR_NAMESPACE: '',
      KUBERNAUT_EXECUTION_ID: 'team-a/restart-api/u-1',
    });
    // Without a survey, as before: kubernaut's coercion.
    const plain = execution({ parameters: { PORT: '8080', ENABLED: 'true', VERSION: '1.10' } });
    expect(launchExtraVars(plain, identity, [], kubernautConventions)).toMatchObject({
      PORT: 8080,
      ENABLED: true,
      VERSION: 1.1,
    });
  });

  it("names the parameter or ConfigMap key whose value a survey question's rules refuse", () => {
    const wfe = execution({ parameters: { REPLICAS: 'three', PORT: '80', MODE: 'slow' } });
    const survey: TemplateSurvey = {
      template: { id: 3, name: 'remediate' },
      questions: surveyOf([
        { variable: 'REPLICAS', type: 'integer' },
        { variable: 'PORT', type: 'integer', min: 1024 },
        { variable: 'MODE', type: 'multiplechoice', choices: 'fast\nsafe' },
        { variable: 'ROUNDHOUSE_CONFIGMAP_APP_RATIO', type: 'float' },
      ]),
    };
    const configMaps = [{ name: 'app', data: { ratio: 'half' } }];
    expect(
      configurationIssuesOf(() =>
        launchExtraVars(wfe, executionIdentity(wfe), configMaps, roundhouseConventions, survey),
      ),
    ).toEqual([
      {
        path: 'spec.parameters.REPLICAS',
        message:
          'must be an integer (decimal digits, optionally signed) for the integer survey question ' +
          'of AWX job template "remediate" (id 3) that asks for REPLICAS',
      },
      {
        path: 'spec.parameters.PORT',
        message: expect.stringMatching(/^must be at least 1024 for the integer survey question/),
      },
      {
        path: 'spec.parameters.MODE',
        message: expect.stringMatching(/^must be one of "fast", "safe" for the multiplechoice/),
      },
      {
        path: 'dependencies.configMaps[0].name',
        message:
          'key "ratio" of ConfigMap app (extra var ROUNDHOUSE_CONFIGMAP_APP_RATIO) must be a ' +
          'finite decimal number (e.g. 1.5 or 2) for the float survey question of AWX job ' +
          'template "remediate" (id 3) that asks for ROUNDHOUSE_CONFIGMAP_APP_RATIO',
      },
    ]);
  });

  it('refuses a survey that asks for the marker as a password, which AWX would show as $encrypted$', () => {
    const wfe = execution();
    const survey = (type: string): TemplateSurvey => ({
      template: { id: 3, name: 'remediate' },
      questions: surveyOf([
        { variable: 'ROUNDHOUSE_EXECUTION_ID', type },
        { variable: 'WFE_NAME', type: 'password' },
      ]),
    });
    const identity = executionIdentity(wfe);
    expect(
      configurationIssuesOf(() =>
        launchExtraVars(wfe, identity, [], roundhouseConventions, survey('password')),
      ),
    ).toEqual([
      {
        path: 'spec.workflowRef.engineConfig.jobTemplateName',
        message: expect.stringMatching(
          /^AWX job template "remediate" \(id 3\) asks for ROUNDHOUSE_EXECUTION_ID with a password survey question, so AWX shows it as \$encrypted\$/,
        ),
      },
    ]);
    // Another engine variable may be a password: the marker alone finds the job.
    expect(launchExtraVars(wfe, identity, [], roundhouseConventions, survey('text'))).toMatchObject(
      { ROUNDHOUSE_EXECUTION_ID: identity.id, WFE_NAME: 'restart-api' },
    );
  });
});
