import { crdSchemaOf, namespacedCrd } from '@roundhouse/controller';
import { group, kind, plural, version } from './resource.js';
import { DistExecStatusSchema, distExecSpecFields } from './spec.js';

/**
 * The DistExec CRD, its schema derived from the zod schemas the agents validate with. The
 * rule that exactly one of command, argv and shell is set is CEL, which zod cannot emit.
 */
export function distExecCrd() {
  return namespacedCrd({
    type: { group, version, kind, plural },
    shortNames: ['dx'],
    printerColumns: [
      { name: 'Nodes', type: 'integer', jsonPath: '.status.summary.nodes' },
      { name: 'Succeeded', type: 'integer', jsonPath: '.status.summary.succeeded' },
      { name: 'Failed', type: 'integer', jsonPath: '.status.summary.failed' },
      { name: 'Pending', type: 'integer', jsonPath: '.status.summary.pending' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      { name: 'Command', type: 'string', jsonPath: '.spec.command', priority: 1 },
      { name: 'Shell', type: 'string', jsonPath: '.spec.shell', priority: 1 },
    ],
    spec: {
      ...crdSchemaOf(distExecSpecFields),
      'x-kubernetes-validations': [
        {
          rule: '[has(self.command), has(self.argv), has(self.shell)].exists_one(x, x)',
          message: 'set exactly one of command, argv and shell',
        },
      ],
    },
    status: crdSchemaOf(DistExecStatusSchema),
  });
}
