import { describe, expect, it } from 'vitest';
import { withDeclaredParameters } from './declared-parameters.js';
import { UnsupportedEngineError } from './errors.js';
import { executionResourceName } from './naming.js';
import { Registry } from './registry.js';
import { MemoryExecutor } from './testing/memory-executor.js';
import { parseWorkflowExecution, type WorkflowExecution } from './workflow-execution.js';

/*
 * kubernaut's Registry and ExecutionResourceName cases (test/unit/workflowexecution/
 * executor_test.go at 05af3c6, the same at d5a4a87).
 */
describe("kubernaut's executor registry and naming cases", () => {
  it('UT-WE-014-001: an unregistered engine is an error saying so', () => {
    expect(() => new Registry().get('unknown')).toThrow(UnsupportedEngineError);
    expect(() => new Registry().get('unknown')).toThrow(
      'unsupported execution engine: "unknown" (registered: [])',
    );
  });

  it('UT-WE-014-002 / UT-WE-014-003: registered executors are found by engine, and listed', () => {
    const registry = new Registry()
      .register(new MemoryExecutor('tekton'))
      .register(new MemoryExecutor('job'));
    expect(registry.get('tekton').engine).toBe('tekton');
    expect(registry.get('job').engine).toBe('job');
    expect(registry.engines()).toHaveLength(2);
    expect(registry.engines()).toEqual(expect.arrayContaining(['tekton', 'job']));
  });

  it("UT-WE-014-010 / UT-WE-014-011 / UT-WE-014-012 / UT-WE-014-013: a target's name is deterministic, wfe- and 16 hex characters, and differs between targets", () => {
    const name = executionResourceName('default/deployment/my-app');
    expect(executionResourceName('default/deployment/my-app')).toBe(name);
    // kubernaut's own example (sha256sum): its design doc's wfe-bd773c9f25ac4e1b is wrong.
    expect(name).toBe('wfe-c00449355dfb987a');
    const long = executionResourceName(
      'very-long-namespace/deployment/very-long-deployment-name-exceeds',
    );
    expect(long).toMatch(/^wfe-[0-9a-f]{16}$/);
    expect(executionResourceName('ns1/deployment/app1')).not.toBe(
      executionResourceName('ns2/deployment/app2'),
    );
  });
});

/*
 * kubernaut's FilterDeclaredParameters cases (pkg/workflowexecution/filter_test.go and
 * executor/filter_test.go at d5a4a87). Its declared set is a map to true; here the names.
 */
describe("kubernaut's declared-parameter filter cases", () => {
  const execution = (parameters?: Record<string, string>): WorkflowExecution =>
    parseWorkflowExecution({
      metadata: { name: 'test-wfe', namespace: 'kubernaut-workflows' },
      spec: {
        workflowRef: { workflowId: 'wf-001', version: 'v1.0.0', executionBundle: 'quay.io/t:v1' },
        targetResource: 'default/deployment/nginx',
        executionEngine: 'job',
        ...(parameters ? { parameters } : {}),
      },
    });
  const filtered = (parameters: Record<string, string> | undefined, declared?: string[]) =>
    withDeclaredParameters(execution(parameters), declared).wfe.spec.parameters;
  const both = { NAMESPACE: 'default', REPLICAS: '3' };

  it('UT-WE-243-001: passes every parameter when all are declared', () => {
    expect(filtered(both, ['NAMESPACE', 'REPLICAS'])).toEqual(both);
  });

  it('UT-WE-243-002 / UT-WE-054-FILTER-002: drops undeclared parameters and keeps the declared', () => {
    expect(
      filtered({ ...both, HALLUCINATED: 'should-not-pass', INJECTED_KEY: 'malicious-value' }, [
        'NAMESPACE',
        'REPLICAS',
      ]),
    ).toEqual(both);
    expect(
      filtered({ TIMEOUT: '30s', SECRET_KEY: 'leaked', MODE: 'fast' }, ['TIMEOUT', 'MODE']),
    ).toEqual({ TIMEOUT: '30s', MODE: 'fast' });
  });

  it('UT-WE-243-003 / UT-WE-054-FILTER-001: passes every parameter when no schema is known', () => {
    expect(filtered(both)).toEqual(both);
    expect(filtered({ A: '1', B: '2' })).toEqual({ A: '1', B: '2' });
  });

  it('UT-WE-243-004 / UT-WE-054-FILTER-003: drops every parameter when the schema declares none', () => {
    expect(filtered(both, [])).toEqual({});
    expect(filtered({ A: '1', B: '2' }, [])).toEqual({});
  });

  it('UT-WE-243-005 / UT-WE-243-006: no parameters stay none, whatever is declared', () => {
    expect(filtered({}, ['NAMESPACE'])).toEqual({});
    expect(filtered({}, [])).toEqual({});
  });

  it('UT-WE-243-007: an execution without parameters and no schema is left without them', () => {
    expect(filtered(undefined)).toBeUndefined();
  });
});

/*
 * kubernaut's per-workflow ServiceAccount cases (pkg/workflowexecution/executor_sa_test.go at
 * d5a4a87): the account is read from the spec's workflowRef snapshot, as it is.
 */
describe("kubernaut's per-workflow ServiceAccount cases", () => {
  /** kubernaut's buildWFE(saName), with its target and short fake digest. */
  const buildWFE = (serviceAccountName: string, timesOutAt?: string) =>
    parseWorkflowExecution({
      metadata: { name: 'test-wfe', namespace: 'kubernaut-workflows' },
      spec: {
        workflowRef: {
          workflowId: 'wf-123',
          // kubernaut's buildWFE sets none: its JSON carries the required field empty.
          version: '',
          executionBundle: 'quay.io/test:v1@sha256:abc123',
          serviceAccountName,
        },
        targetResource: 'default/Deployment/nginx',
        ...(timesOutAt ? { timesOutAt } : {}),
      },
    });

  it('UT-WE-501-001: reads the account from spec.workflowRef.serviceAccountName', () => {
    expect(buildWFE('custom-sa').spec.workflowRef.serviceAccountName).toBe('custom-sa');
  });

  it('UT-WE-501-002: keeps an empty account empty (the engine then runs the default runner)', () => {
    expect(buildWFE('').spec.workflowRef.serviceAccountName).toBe('');
  });

  it('UT-WE-501-003: reads the account whatever spec.timesOutAt says', () => {
    const wfe = buildWFE('top-level-sa', '2026-03-01T12:30:00Z');
    expect(wfe.spec.workflowRef.serviceAccountName).toBe('top-level-sa');
    expect(wfe.spec.timesOutAt).toBe('2026-03-01T12:30:00Z');
  });
});
