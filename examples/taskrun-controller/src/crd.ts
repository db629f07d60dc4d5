import { crdSchemaOf, type JsonSchema } from '@roundhouse/controller';
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

type PrinterColumn = { name: string; type: string; jsonPath: string; priority?: number };

function crd(
  type: ResourceType,
  shortName: string,
  spec: z.ZodType,
  columns: readonly PrinterColumn[],
  options: { status?: z.ZodType; immutableSpec?: boolean },
) {
  const specSchema = withListsByName(crdSchemaOf(spec), ['steps', 'params']);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${type.plural}.${type.group}` },
    spec: {
      group: type.group,
      scope: 'Namespaced',
      names: {
        kind: type.kind,
        listKind: `${type.kind}List`,
        plural: type.plural,
        singular: type.kind.toLowerCase(),
        shortNames: [shortName],
      },
      versions: [
        {
          name: type.version,
          served: true,
          storage: true,
          ...(options.status ? { subresources: { status: {} } } : {}),
          additionalPrinterColumns: [
            ...columns,
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: options.immutableSpec
                  ? {
                      ...specSchema,
                      'x-kubernetes-validations': [
                        { rule: 'self == oldSelf', message: 'spec is immutable after creation' },
                      ],
                    }
                  : specSchema,
                ...(options.status ? { status: crdSchemaOf(options.status) } : {}),
              },
            },
          },
        },
      ],
    },
  };
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
