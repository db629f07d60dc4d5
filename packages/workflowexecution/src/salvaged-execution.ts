import {
  ConfigurationError,
  parseWorkflowExecution,
  type WorkflowExecution,
} from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { statusView } from './resource.js';

/*
 * Stands in for what cleanup never reads, so the stand-in parses whatever the stored
 * workflowRef holds: engines find an execution's resource by its target's lock name, its
 * identity (metadata) and its status, never by the workflow it ran.
 */
const placeholderWorkflow = {
  workflowId: 'unreadable',
  version: '',
  executionBundle: 'unreadable',
};

/**
 * What an engine's cleanup needs of an execution whose spec no longer parses (stored by an
 * older version, with a field this one refuses): its metadata, its status, and its engine and
 * target as written, the workflow replaced by a placeholder. Undefined when the engine or the
 * target do not parse either: then nothing can name the resource to remove.
 */
export function salvagedExecution(object: KubeObject): WorkflowExecution | undefined {
  const spec = isRecord(object.spec) ? object.spec : {};
  const ref = isRecord(spec.workflowRef) ? spec.workflowRef : {};
  const { metadata, status } = statusView(object);
  try {
    return parseWorkflowExecution({
      metadata,
      ...(status ? { status } : {}),
      spec: {
        targetResource: spec.targetResource,
        ...(spec.executionEngine !== undefined ? { executionEngine: spec.executionEngine } : {}),
        workflowRef: {
          ...placeholderWorkflow,
          ...(ref.executionEngine !== undefined ? { executionEngine: ref.executionEngine } : {}),
        },
      },
    });
  } catch (error) {
    if (error instanceof ConfigurationError) return undefined;
    throw error;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
