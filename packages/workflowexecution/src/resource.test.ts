import { ConfigurationError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { workflowExecutionAdmissionPolicy } from './admission-policy.js';
import {
  alwaysWritten,
  crdStatusGaps,
  crdUnlistedFailureReasons,
  workflowExecutionCrd,
} from './crd.js';
import { cleanupFinalizer, workflowExecutionApi, workflowExecutions } from './resource.js';
import { markFailed } from './status.js';

describe('workflowExecutionApi', () => {
  it('serves roundhouse.dev by default, with its finalizer', () => {
    expect(workflowExecutionApi()).toEqual({
      resource: workflowExecutions,
      finalizer: cleanupFinalizer,
    });
    expect(workflowExecutions.group).toBe('roundhouse.dev');
    expect(cleanupFinalizer).toBe('roundhouse.dev/execution-cleanup');
  });

  it("serves kubernaut.ai with kubernaut's own finalizer (its controller's FinalizerName)", () => {
    const api = workflowExecutionApi('kubernaut.ai');
    expect(api.resource).toEqual({
      group: 'kubernaut.ai',
      version: 'v1alpha1',
      kind: 'WorkflowExecution',
      plural: 'workflowexecutions',
      namespaced: true,
    });
    expect(api.finalizer).toBe('workflowexecution.kubernaut.ai/workflowexecution-cleanup');
  });

  it('gives the same resource type for a group asked twice, the exported one for the default', () => {
    expect(workflowExecutionApi().resource).toBe(workflowExecutions);
    expect(workflowExecutionApi('kubernaut.ai')).toBe(workflowExecutionApi('kubernaut.ai'));
  });

  it('names the finalizer of any other group after it', () => {
    expect(workflowExecutionApi('ops.example.com').finalizer).toBe(
      'ops.example.com/execution-cleanup',
    );
  });

  it('refuses a group that is no DNS subdomain with a dot (it goes into CEL string literals)', () => {
    for (const bad of ['kubernaut', "x.dev')||true||('", 'Kubernaut.AI', '']) {
      expect(() => workflowExecutionApi(bad)).toThrow(ConfigurationError);
    }
  });
});

describe('the builders under another group', () => {
  it('name the CRD and its group after it, the schema unchanged', () => {
    const crd = workflowExecutionCrd({ apiGroup: 'kubernaut.ai' });
    expect(crd.metadata.name).toBe('workflowexecutions.kubernaut.ai');
    expect(crd.spec.group).toBe('kubernaut.ai');
    expect(crd.spec.versions).toEqual(workflowExecutionCrd().spec.versions);
  });

  it("match the admission policy to the group's CREATEs and ask the authorizer about its resource", () => {
    const { policy } = workflowExecutionAdmissionPolicy({
      executionNamespace: 'kubernaut-workflows',
      apiGroup: 'kubernaut.ai',
    });
    expect(policy.spec.matchConstraints.resourceRules).toEqual([
      {
        apiGroups: ['kubernaut.ai'],
        apiVersions: ['*'],
        operations: ['CREATE'],
        resources: ['workflowexecutions'],
      },
    ]);
    const target = policy.spec.validations.at(-1)!;
    expect(target.expression).toContain(
      "authorizer.group('kubernaut.ai').resource('workflowexecutions')",
    );
    expect(target.expression).not.toContain('roundhouse.dev');
    expect(target.messageExpression).toContain('create workflowexecutions.kubernaut.ai in');
  });

  it('refuse a group that could break out of a CEL string, naming it', () => {
    expect(() =>
      workflowExecutionAdmissionPolicy({ executionNamespace: 'ns', apiGroup: "a.b')||('" }),
    ).toThrow(/apiGroup/);
  });
});

/** This package's CRD with the failure reasons enumerated as kubernaut's CRD does. */
function withFailureReasons(reasons: readonly string[]) {
  const crd = structuredClone(workflowExecutionCrd({ apiGroup: 'kubernaut.ai' }));
  const schema = crd.spec.versions[0]!.schema.openAPIV3Schema as unknown as {
    properties: { status: { properties: { failureDetails: { properties: { reason: object } } } } };
  };
  schema.properties.status.properties.failureDetails.properties.reason = {
    type: 'string',
    enum: reasons,
  };
  return crd;
}

describe('crdStatusGaps', () => {
  it("finds nothing in this package's own CRD, under any group", () => {
    expect(crdStatusGaps(workflowExecutionCrd())).toEqual([]);
    expect(crdStatusGaps(workflowExecutionCrd({ apiGroup: 'kubernaut.ai' }))).toEqual([]);
  });

  const kubernauts = [
    'OOMKilled',
    'DeadlineExceeded',
    'Forbidden',
    'ResourceExhausted',
    'ConfigurationError',
    'ImagePullBackOff',
    'TaskFailed',
    'UnsupportedEngine',
    'Unknown',
    'Deduplicated',
  ];

  it("takes kubernaut's failure reasons: the one it lacks is written as Unknown, which it lists", () => {
    const installed = withFailureReasons(kubernauts);
    expect(crdStatusGaps(installed)).toEqual([]);
    // ResourceLocked only older versions wrote: a CRD may leave it out.
    expect(crdUnlistedFailureReasons(installed)).toEqual(['ExecutionResourceDeleted']);
    expect(crdUnlistedFailureReasons(workflowExecutionCrd({ apiGroup: 'kubernaut.ai' }))).toEqual(
      [],
    );
  });

  it('names a failure reason the controller writes that a CRD without Unknown does not enumerate', () => {
    const installed = withFailureReasons(kubernauts.filter((reason) => reason !== 'Unknown'));
    const gaps = crdStatusGaps(installed);
    expect(gaps.map((gap) => gap.path)).toEqual(['status.failureDetails.reason']);
    expect(gaps[0]?.message).toMatch(/does not enumerate ExecutionResourceDeleted, Unknown, which/);
    expect(crdUnlistedFailureReasons(installed)).toEqual([]);
  });

  /** This package's CRD with `required` set on the status objects at `paths`. */
  function requiring(fields: Record<string, readonly string[]>) {
    const crd = structuredClone(workflowExecutionCrd({ apiGroup: 'kubernaut.ai' }));
    const status = (
      crd.spec.versions[0]!.schema.openAPIV3Schema as unknown as {
        properties: { status: { properties: Record<string, { required?: readonly string[] }> } };
      }
    ).properties.status;
    for (const [name, required] of Object.entries(fields)) {
      const node = status.properties[name]!;
      node.required = [...(node.required ?? []), ...required];
    }
    return crd;
  }

  it('names a field the CRD requires in an object the controller writes, which it may leave out', () => {
    const gaps = crdStatusGaps(
      requiring({ failureDetails: ['exitCode'], executionStatus: ['totalTasks'] }),
    );
    expect(gaps.map((gap) => gap.path)).toEqual([
      'status.executionStatus',
      'status.failureDetails',
    ]);
    expect(gaps[0]?.message).toMatch(/requires totalTasks, which this controller may leave out/);
    expect(gaps[1]?.message).toMatch(/requires exitCode, which/);
  });

  it("takes what kubernaut's CRD requires of failureDetails and blockClearance (written always, or never)", () => {
    const gaps = crdStatusGaps(
      requiring({
        failureDetails: [
          'failedAt',
          'failedTaskIndex',
          'failedTaskName',
          'message',
          'naturalLanguageSummary',
          'reason',
        ],
        blockClearance: ['clearMethod', 'clearReason', 'clearedBy'],
      }),
    );
    expect(gaps).toEqual([]);
  });

  it('writes every field it counts as always written, in a failure before any task ran', () => {
    const status = markFailed(
      { metadata: { name: 'wfe-1', namespace: 'ns', generation: 1 } },
      { reason: 'ConfigurationError', message: 'bad spec', wasExecutionFailure: false },
      new Date('2026-01-01T00:00:00Z'),
    );
    for (const [path, fields] of Object.entries(alwaysWritten)) {
      const written = path
        .split('.')
        .slice(1)
        .reduce<unknown>((node, name) => (node as Record<string, unknown>)?.[name], status);
      expect(Object.keys(written as object), path).toEqual(expect.arrayContaining([...fields]));
    }
  });

  it('names the version a CRD that does not serve it', () => {
    const crd = structuredClone(workflowExecutionCrd({ apiGroup: 'kubernaut.ai' }));
    const renamed = {
      ...crd,
      spec: { ...crd.spec, versions: crd.spec.versions.map((v) => ({ ...v, name: 'v1beta1' })) },
    };
    const unserved = {
      ...crd,
      spec: { ...crd.spec, versions: crd.spec.versions.map((v) => ({ ...v, served: false })) },
    };
    for (const installed of [renamed, unserved]) {
      expect(crdStatusGaps(installed)).toEqual([
        {
          path: 'spec.versions',
          message:
            'the installed CRD does not serve v1alpha1, the version this controller reads and writes',
        },
      ]);
    }
  });
});
