import { ConfigurationError, type WorkflowExecution } from '@roundhouse/core';
import { configurationIssuesOf } from '@roundhouse/core/testing';
import { describe, expect, it } from 'vitest';
import { parseEngineConfig, parseJobTemplateName } from './engine-config.js';

function execution(engineConfig: unknown): WorkflowExecution {
  return {
    metadata: { name: 'w', namespace: 'n' },
    spec: {
      workflowRef: {
        workflowId: 'restart',
        version: '1',
        executionBundle: 'img',
        ...(engineConfig === undefined ? {} : { engineConfig: engineConfig as never }),
      },
      targetResource: 'n/deployment/a',
      executionEngine: 'ansible',
    },
  };
}

const issuesOf = (engineConfig: unknown) =>
  configurationIssuesOf(() => parseEngineConfig(execution(engineConfig)));

describe('parseEngineConfig', () => {
  it('reads kubernaut-shaped configs and ignores keys it does not know', () => {
    expect(
      parseEngineConfig(
        execution({
          jobTemplateName: 'remediate',
          playbookPath: 'playbooks/restart.yml',
          inventoryName: 'prod',
          catalogRevision: 7,
        }),
      ),
    ).toEqual({
      jobTemplateName: 'remediate',
      playbookPath: 'playbooks/restart.yml',
      inventoryName: 'prod',
    });
  });

  it('names the missing config and every bad field', () => {
    expect(issuesOf(undefined)).toEqual([
      {
        path: 'spec.workflowRef.engineConfig',
        message: expect.stringMatching(/jobTemplateName.*playbookPath/),
      },
    ]);
    expect(issuesOf({ playbookPath: '' }).map((i) => i.path)).toEqual([
      'spec.workflowRef.engineConfig.jobTemplateName',
      'spec.workflowRef.engineConfig.playbookPath',
    ]);
    expect(issuesOf('remediate')).toEqual([
      { path: 'spec.workflowRef.engineConfig', message: expect.any(String) },
    ]);
  });

  it("refuses a config without playbookPath, as kubernaut's ParseEngineConfig does, saying how to fix it", () => {
    expect(issuesOf({ jobTemplateName: 'remediate' })).toEqual([
      {
        path: 'spec.workflowRef.engineConfig.playbookPath',
        message: expect.stringContaining('playbookPath: playbooks/restart.yml'),
      },
    ]);
    expect(issuesOf({ jobTemplateName: 'remediate' })[0]?.message).toMatch(/^is required/);
    expect(issuesOf({ jobTemplateName: 'remediate', playbookPath: 7 })).toEqual([
      {
        path: 'spec.workflowRef.engineConfig.playbookPath',
        message: 'must be a string, not a number',
      },
    ]);
  });

  it('reads the job template alone for finding an execution created before playbookPath was required', () => {
    expect(parseJobTemplateName(execution({ jobTemplateName: 'remediate' }))).toBe('remediate');
    expect(() => parseJobTemplateName(execution({ playbookPath: 'p.yml' }))).toThrow(
      ConfigurationError,
    );
  });
});
