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
import { maxParams, maxParamValueChars, timeoutMaxLength } from './run-size.js';

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

/**
 * The TaskRun spec's size bounds (see run-size.ts), which its zod schema, shared with the CLI,
 * leaves out: at most `maxParams` params whose values hold `maxParamValueChars` characters
 * together, and a timeout no longer than a Go duration can be.
 */
function withSizeBounds(spec: JsonSchema): JsonSchema {
  const properties = spec.properties as Record<string, JsonSchema>;
  const params = properties.params as JsonSchema & { items: JsonSchema };
  const item = params.items.properties as Record<string, JsonSchema>;
  return {
    ...spec,
    properties: {
      ...properties,
      params: {
        ...params,
        maxItems: maxParams,
        items: {
          ...params.items,
          properties: { ...item, value: { ...item.value, maxLength: maxParamValueChars } },
        },
        'x-kubernetes-validations': [
          {
            rule: `self.map(p, size(p.value)).sum() <= ${maxParamValueChars}`,
            message: `the values of the params hold at most ${maxParamValueChars} characters together, so the run still has room for its status; pass large data some other way than params`,
          },
        ],
      },
      timeout: { ...properties.timeout, maxLength: timeoutMaxLength },
    },
  };
}

function crd(
  type: ResourceType,
  shortName: string,
  spec: z.ZodType,
  columns: readonly PrinterColumn[],
  options: {
    status?: z.ZodType | undefined;
    immutableSpec?: boolean | undefined;
    bound?: ((spec: JsonSchema) => JsonSchema) | undefined;
  },
) {
  const listed = withListsByName(crdSchemaOf(spec), ['steps', 'params']);
  const specSchema = options.bound ? options.bound(listed) : listed;
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
 * spec would no longer describe what ran. Its size is bounded, so a run always has room for
 * the status that ends it.
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
    { status: TaskRunStatusSchema, immutableSpec: true, bound: withSizeBounds },
  );
}
