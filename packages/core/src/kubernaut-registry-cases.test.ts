import { describe, expect, it } from 'vitest';
import { UnsupportedEngineError } from './errors.js';
import { executionResourceName } from './naming.js';
import { Registry } from './registry.js';
import { MemoryExecutor } from './testing/memory-executor.js';

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

  it('UT-WE-014-002/003: registered executors are found by engine, and listed', () => {
    const registry = new Registry()
      .register(new MemoryExecutor('tekton'))
      .register(new MemoryExecutor('job'));
    expect(registry.get('tekton').engine).toBe('tekton');
    expect(registry.get('job').engine).toBe('job');
    expect(registry.engines()).toHaveLength(2);
    expect(registry.engines()).toEqual(expect.arrayContaining(['tekton', 'job']));
  });

  it("UT-WE-014-010..013: a target's name is deterministic, wfe- and 16 hex characters, and differs between targets", () => {
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
