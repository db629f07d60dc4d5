import { describe, expect, it } from 'vitest';
import { ConfigurationError } from './errors.js';
import { parseWorkflowExecution } from './workflow-execution.js';

const valid = () => ({
  apiVersion: 'roundhouse.dev/v1alpha1',
  kind: 'WorkflowExecution',
  metadata: { name: 'restart-1', namespace: 'team-a', uid: 'u-1', generation: 1 },
  spec: {
    workflowRef: {
      workflowId: 'restart-pod',
      version: '1.0.0',
      executionBundle: 'quay.io/acme/restart:1',
      executionBundleDigest: 'sha256:abc123',
      engineConfig: { jobTemplateName: 'restart', nested: [1, { a: null }] },
    },
    targetResource: 'prod/deployment/api',
    parameters: { REPLICAS: '3' },
    executionEngine: 'job',
    executionConfig: { timeout: '1h30m', serviceAccountName: 'runner' },
    remediationRequestRef: { name: 'rr-1', namespace: 'team-a' },
  },
});

// Tests break the input on purpose, so it is typed loosely.
// biome-ignore lint/suspicious/noExplicitAny: deliberately malformed input
type Loose = Record<string, any>;

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseWorkflowExecution(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return [...(error as ConfigurationError).issues];
  }
  throw new Error('expected a ConfigurationError');
}

describe('parseWorkflowExecution', () => {
  it('accepts a complete kubernaut-compatible execution', () => {
    const wfe = parseWorkflowExecution(valid());
    expect(wfe.spec.executionConfig?.timeout).toBe('1h30m');
    expect(wfe.spec.workflowRef.engineConfig).toEqual({
      jobTemplateName: 'restart',
      nested: [1, { a: null }],
    });
  });

  it('accepts a minimal execution and a kind/name target', () => {
    const input = valid();
    input.spec = {
      workflowRef: { workflowId: 'w', version: '1', executionBundle: 'img' },
      targetResource: 'node/worker-1',
      executionEngine: 'tekton',
    } as typeof input.spec;
    expect(parseWorkflowExecution(input).spec.targetResource).toBe('node/worker-1');
  });

  it('names every bad field and what is expected', () => {
    const input = valid() as unknown as Loose;
    input.spec.targetResource = 'prod//api';
    input.spec.workflowRef.executionBundle = '';
    input.spec.executionConfig.timeout = '30 minutes';
    input.spec.parameters.COUNT = 3;
    delete input.spec.executionEngine;
    const issues = issuesOf(input);
    expect(issues.map((i) => i.path).sort()).toEqual([
      'spec.executionConfig.timeout',
      'spec.executionEngine',
      'spec.parameters.COUNT',
      'spec.targetResource',
      'spec.workflowRef.executionBundle',
    ]);
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    expect(byPath['spec.targetResource']).toMatch(/namespace\/kind\/name/);
    expect(byPath['spec.executionConfig.timeout']).toMatch(/Go duration/);
    expect(byPath['spec.executionEngine']).toMatch(/required/);
  });

  it.each(['a', 'a/', '/b', 'a/b/c/d', 'a/ b/c', 'a//c'])('rejects the target %j', (target) => {
    const input = valid();
    input.spec.targetResource = target;
    expect(issuesOf(input).map((i) => i.path)).toEqual(['spec.targetResource']);
  });

  it('builds one message listing every issue', () => {
    const input = valid() as unknown as Loose;
    input.spec.executionEngine = '';
    input.metadata.name = '';
    let message = '';
    try {
      parseWorkflowExecution(input);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('metadata.name:');
    expect(message).toContain('spec.executionEngine:');
  });

  it('rejects a non-object with a readable error', () => {
    expect(issuesOf(null)[0]?.path).toBe('');
    expect(issuesOf({})[0]?.message).toMatch(/required/);
  });
});
