import {
  crdSchemaOf,
  type JsonSchema,
  namespacedCrd,
  type PrinterColumn,
} from '@roundhouse/controller';
import type { ResourceType } from '@roundhouse/core';
import {
  TaskRunSpecSchema,
  TaskRunStatusSchema,
  TaskSpecSchema,
  taskRuns,
  tasks,
} from '@roundhouse/pod';
import type { z } from 'zod';

/** A list whose items the API server keeps unique by name, so a duplicate is refused at the door. */
function listByName(schema: JsonSchema): JsonSchema {
  return { ...schema, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] };
}

function withListsByName(schema: JsonSchema, lists: readonly string[]): JsonSchema {
  const properties = { ...(schema.properties as Record<string, JsonSchema>) };
  for (const list of lists) {
    const child = properties[list];
    if (child) properties[list] = listByName(child);
  }
  return { ...schema, properties };
}

function crd(
  type: ResourceType,
  shortName: string,
  spec: z.ZodType,
  columns: readonly PrinterColumn[],
  options: { status?: z.ZodType; immutableSpec?: boolean },
) {
  const specSchema = withListsByName(crdSchemaOf(spec), ['steps', 'params']);
  return namespacedCrd({
    type,
    shortNames: [shortName],
    printerColumns: [
      ...columns,
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
    spec: options.immutableSpec
      ? {
          ...specSchema,
          'x-kubernetes-validations': [
            { rule: 'self == oldSelf', message: 'spec is immutable after creation' },
          ],
        }
      : specSchema,
    ...(options.status ? { status: crdSchemaOf(options.status) } : {}),
  });
}

/** The Task CRD, from the zod schema the controller validates Tasks with. */
export function taskCrd() {
  return crd(
    tasks,
    'tsk',
    TaskSpecSchema,
    [{ name: 'Parallel', type: 'boolean', jsonPath: '.spec.parallel' }],
    {},
  );
}

/**
 * The TaskRun CRD. The spec is immutable: a run is the record of one execution, and a changed
 * spec would no longer describe what ran.
 */
export function taskRunCrd() {
  return crd(
    taskRuns,
    'tr',
    TaskRunSpecSchema,
    [
      { name: 'Task', type: 'string', jsonPath: '.spec.taskRef.name' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      { name: 'Reason', type: 'string', jsonPath: '.status.reason' },
      {
        name: 'Step',
        type: 'string',
        jsonPath: ".status.stepStatuses[?(@.state=='Running')].name",
      },
      { name: 'Pod', type: 'string', jsonPath: '.status.podName', priority: 1 },
      { name: 'Message', type: 'string', jsonPath: '.status.message', priority: 1 },
    ],
    { status: TaskRunStatusSchema, immutableSpec: true },
  );
}
