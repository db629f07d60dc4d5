import { crdSchemaOf } from '@roundhouse/controller';
import { group, kind, plural, version } from './resource.js';
import { TaskActionSchema } from './spec.js';

const progressing = ".status.conditions[?(@.type=='Progressing')]";

/**
 * The TaskAction CRD, its schema derived from the zod schemas the controller validates with.
 * Spec fields are optional to the API server, so an incomplete action is accepted and then
 * failed with InvalidSpec naming every missing field; types and bounds are still enforced at
 * the door. The spec is immutable: an action is the record of one task run.
 */
export function taskActionCrd() {
  const { spec, status } = TaskActionSchema.shape;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: {
        kind,
        listKind: `${kind}List`,
        plural,
        singular: 'taskaction',
        shortNames: ['ta'],
      },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Run', type: 'string', jsonPath: '.spec.runName' },
            { name: 'Action', type: 'string', jsonPath: '.spec.actionName' },
            { name: 'TaskType', type: 'string', jsonPath: '.spec.taskType' },
            { name: 'Status', type: 'string', jsonPath: `${progressing}.reason` },
            { name: 'Attempt', type: 'integer', jsonPath: '.status.attempt' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
            {
              name: 'Progressing',
              type: 'string',
              jsonPath: `${progressing}.status`,
              priority: 1,
            },
            {
              name: 'Error',
              type: 'string',
              jsonPath: '.status.errorState.code',
              priority: 1,
            },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: {
                  ...crdSchemaOf(spec, { optionalFields: true }),
                  'x-kubernetes-validations': [
                    { rule: 'self == oldSelf', message: 'spec is immutable after creation' },
                  ],
                },
                status: crdSchemaOf(status),
              },
            },
          },
        },
      ],
    },
  };
}
