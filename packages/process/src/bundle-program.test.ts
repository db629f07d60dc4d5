import { WorkflowExecutionSchema } from '@roundhouse/core';
import { configurationIssuesOf, sampleExecution } from '@roundhouse/core/testing';
import { describe, expect, it } from 'vitest';
import { TaskExecutorClient } from './agent-client.js';
import { AgentExecutor } from './agent-executor.js';
import { bundleProgram, bundleRootProblem } from './bundle-program.js';

/** Whether a WorkflowExecution can carry `bundle` through the API (the CRD's grammar). */
function carried(bundle: string): boolean {
  const wfe = sampleExecution();
  wfe.spec.workflowRef.executionBundle = bundle;
  return WorkflowExecutionSchema.safeParse(wfe).success;
}

describe('the program a bundle names', () => {
  it.each([
    ['restart.sh', '/opt/workflows/restart.sh'],
    ['team/restart', '/opt/workflows/team/restart'],
    ['team/restart:1.2', '/opt/workflows/team/restart:1.2'],
    ['registry.example.com/team/restart', '/opt/workflows/registry.example.com/team/restart'],
  ])('is %s under the bundle directory, as %s', (bundle, program) => {
    expect(carried(bundle)).toBe(true);
    expect(bundleProgram(bundle, '/opt/workflows')).toBe(program);
  });

  it('is a bare name on PATH without a bundle directory', () => {
    expect(carried('restart.sh')).toBe(true);
    expect(bundleProgram('restart.sh', undefined)).toBe('restart.sh');
  });

  it('refuses a relative path without a bundle directory, naming the field and the fix', () => {
    expect(carried('team/restart')).toBe(true);
    expect(configurationIssuesOf(() => bundleProgram('team/restart', undefined))).toEqual([
      {
        path: 'spec.workflowRef.executionBundle',
        message: expect.stringMatching(
          /relative path.*bundleRoot.*\/opt\/workflows\/team\/restart.*program name on PATH/,
        ),
      },
    ]);
  });

  it.each([
    [undefined, 'https://git.example.com/team/restart.git'],
    ['/opt/workflows', 'git://git.example.com/team/restart'],
  ])('refuses a URL (bundle directory %s)', (root, bundle) => {
    expect(carried(bundle)).toBe(true);
    expect(configurationIssuesOf(() => bundleProgram(bundle, root))[0]?.message).toMatch(
      /is a URL/,
    );
  });

  it.each(['/etc/passwd', 'team/../../etc/passwd', 'team//restart', './restart'])(
    'refuses %s, which would leave or blur the bundle directory',
    (bundle) => {
      expect(configurationIssuesOf(() => bundleProgram(bundle, '/opt/workflows'))[0]?.path).toBe(
        'spec.workflowRef.executionBundle',
      );
    },
  );

  it('runs an absolute path, which only a WorkflowExecution built in code carries, as it is', () => {
    expect(carried('/opt/workflows/restart.sh')).toBe(false);
    expect(bundleProgram('/opt/workflows/restart.sh', undefined)).toBe('/opt/workflows/restart.sh');
  });

  it('takes only an absolute directory as the bundle directory, refused when an engine is made', () => {
    expect(bundleRootProblem('/opt/workflows')).toBeUndefined();
    expect(bundleRootProblem('workflows')).toBe('must be an absolute path');
    const client = new TaskExecutorClient({ baseUrl: 'http://127.0.0.1:9' });
    expect(
      configurationIssuesOf(() => new AgentExecutor(client, { bundleRoot: 'workflows' })),
    ).toEqual([{ path: 'bundleRoot', message: 'must be an absolute path' }]);
  });
});
