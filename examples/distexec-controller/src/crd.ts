import { crdSchemaOf, type JsonSchema, namespacedCrd } from '@roundhouse/controller';
import { group, kind, plural, version } from './resource.js';
import {
  DistExecStatusSchema,
  distExecSpecFields,
  labelKeyPattern,
  maxLabelPrefixChars,
  maxProgramChars,
  maxSelectorKeyChars,
  maxSelectorLabels,
} from './spec.js';

type Schema = JsonSchema & { properties: Record<string, JsonSchema> };

/**
 * The count of `nodeSelector`'s labels, and that each key is one a Node can carry (see
 * `isLabelKey`), which zod cannot say of a record's keys.
 */
function withSizeBounds(spec: Schema): Schema {
  const selector = spec.properties.nodeSelector as JsonSchema;
  return {
    ...spec,
    properties: {
      ...spec.properties,
      nodeSelector: {
        ...selector,
        maxProperties: maxSelectorLabels,
        'x-kubernetes-validations': [
          {
            // The pattern cannot bound the prefix's length; lastIndexOf is -1 for a key without one.
            rule: `self.all(k, size(k) <= ${maxSelectorKeyChars} && k.matches('${labelKeyPattern}') && k.lastIndexOf('/') <= ${maxLabelPrefixChars})`,
            message:
              'every key must be a label key, such as "kubernetes.io/os" or "example.com/pool": no node has any other, so the DistExec would run nowhere',
          },
        ],
      },
    },
  };
}

/**
 * The DistExec CRD, its schema derived from the zod schemas the agents validate with. The
 * rules that exactly one of command, argv and shell is set, and how much argv holds in all,
 * are CEL, which zod cannot emit.
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
    spec: withSizeBounds({
      ...(crdSchemaOf(distExecSpecFields) as Schema),
      'x-kubernetes-validations': [
        {
          rule: '[has(self.command), has(self.argv), has(self.shell)].exists_one(x, x)',
          message: 'set exactly one of command, argv and shell',
        },
        {
          rule: `!has(self.argv) || self.argv.map(a, size(a)).sum() <= ${maxProgramChars}`,
          message: `argv holds at most ${maxProgramChars} characters together, so every node's result still fits beside it; run a script from the image instead`,
          fieldPath: '.argv',
        },
      ],
    }),
    status: crdSchemaOf(DistExecStatusSchema),
  });
}
