import { crdSchemaOf, namespacedCrd } from '@roundhouse/controller';
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
  return namespacedCrd({
    type: { group, version, kind, plural },
    shortNames: ['ta'],
    printerColumns: [
      { name: 'Run', type: 'string', jsonPath: '.spec.runName' },
      { name: 'Action', type: 'string', jsonPath: '.spec.actionName' },
      { name: 'TaskType', type: 'string', jsonPath: '.spec.taskType' },
      { name: 'Status', type: 'string', jsonPath: `${progressing}.reason` },
      { name: 'Attempt', type: 'integer', jsonPath: '.status.attempts' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      { name: 'Progressing', type: 'string', jsonPath: `${progressing}.status`, priority: 1 },
      { name: 'Error', type: 'string', jsonPath: '.status.errorState.code', priority: 1 },
    ],
    spec: {
      ...crdSchemaOf(spec, { optionalFields: true }),
      'x-kubernetes-validations': [
        { rule: 'self == oldSelf', message: 'spec is immutable after creation' },
      ],
    },
    status: crdSchemaOf(status),
  });
}
