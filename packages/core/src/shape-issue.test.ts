import { describe, expect, it } from 'vitest';
import { configurationIssuesOf } from './testing/configuration-issues.js';
import { parseWorkflowExecution } from './workflow-execution.js';

const valid = () => ({
  metadata: { name: 'restart-1', namespace: 'team-a' },
  spec: {
    workflowRef: {
      workflowId: 'restart-pod',
      version: '1.0.0',
      executionBundle: 'quay.io/acme/restart:1',
    } as Record<string, unknown>,
    targetResource: 'prod/deployment/api',
    parameters: {},
  },
});

/** A record of `count` entries that counts how often any of its values is read. */
function watchedRecord(count: number, value: unknown) {
  const reads = { count: 0 };
  const record = {};
  for (let i = 0; i < count; i += 1) {
    Object.defineProperty(record, `P${i}`, {
      enumerable: true,
      get() {
        reads.count += 1;
        return value;
      },
    });
  }
  return { record, reads };
}

/** An array of `count` entries that counts how often any of them is read. */
function watchedList(count: number, value: unknown) {
  const reads = { count: 0 };
  const list: unknown[] = new Array(count);
  for (let i = 0; i < count; i += 1) {
    Object.defineProperty(list, i, {
      enumerable: true,
      get() {
        reads.count += 1;
        return value;
      },
    });
  }
  return { list, reads };
}

describe('findShapeIssue', () => {
  it('refuses 100,000 parameters before reading one: the schema would validate each first', () => {
    const { record, reads } = watchedRecord(100_000, 'x');
    const input = valid();
    input.spec.parameters = record;
    expect(configurationIssuesOf(() => parseWorkflowExecution(input))).toEqual([
      { path: 'spec.parameters', message: 'has 100000 parameters; at most 256 are allowed' },
    ]);
    expect(reads.count).toBe(0);
  });

  it('refuses 100,000 declared parameter names before reading one', () => {
    const { record, reads } = watchedRecord(100_000, true);
    const input = valid();
    input.spec.workflowRef.declaredParameterNames = record;
    expect(configurationIssuesOf(() => parseWorkflowExecution(input))).toEqual([
      { path: 'spec.workflowRef.declaredParameterNames', message: 'at most 256 names' },
    ]);
    expect(reads.count).toBe(0);
  });

  it.each([
    [
      'spec.dependencies.secrets',
      (input: ReturnType<typeof valid>, list: unknown[]) => {
        (input.spec as Record<string, unknown>).dependencies = { secrets: list };
      },
    ],
    [
      'spec.workflowRef.dependencies.configMaps',
      (input: ReturnType<typeof valid>, list: unknown[]) => {
        input.spec.workflowRef.dependencies = { configMaps: list };
      },
    ],
  ])('refuses 60,000 entries in %s before reading one', (path, place) => {
    const { list, reads } = watchedList(60_000, { name: 'creds' });
    const input = valid();
    place(input, list);
    expect(configurationIssuesOf(() => parseWorkflowExecution(input))).toEqual([
      {
        path,
        message:
          'has 60000 entries; at most 64 are allowed (each is read before the execution starts)',
      },
    ]);
    expect(reads.count).toBe(0);
  });

  it('says the same of 65 entries, where the schema finds it', () => {
    const input = valid();
    (input.spec as Record<string, unknown>).dependencies = {
      configMaps: Array.from({ length: 65 }, (_, i) => ({ name: `map-${i}` })),
    };
    expect(configurationIssuesOf(() => parseWorkflowExecution(input))).toEqual([
      {
        path: 'spec.dependencies.configMaps',
        message:
          'has 65 entries; at most 64 are allowed (each is read before the execution starts)',
      },
    ]);
  });

  it('takes 64 Secrets', () => {
    const input = valid();
    (input.spec as Record<string, unknown>).dependencies = {
      secrets: Array.from({ length: 64 }, (_, i) => ({ name: `creds-${i}` })),
    };
    expect(configurationIssuesOf(() => parseWorkflowExecution(input))).toEqual([]);
  });

  it('takes 256 parameters', () => {
    const input = valid();
    input.spec.parameters = watchedRecord(256, 'x').record;
    expect(configurationIssuesOf(() => parseWorkflowExecution(input))).toEqual([]);
  });
});
