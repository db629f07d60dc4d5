import { crdSchemaOf, type JsonSchema, namespacedCrd } from '@roundhouse/controller';
import { maxTaskChars, maxTaskStrings } from './action-size.js';
import { group, kind, plural, version } from './resource.js';
import { TaskActionResourceSpecSchema, TaskActionStoredStatusSchema } from './spec.js';

const progressing = ".status.conditions[?(@.type=='Progressing')]";
const succeeded = ".status.conditions[?(@.type=='Succeeded')]";
const failed = ".status.conditions[?(@.type=='Failed')]";

/** `self` is the status; `oldSelf` the status before the write (a transition rule). */
const signalStatusRules = [
  {
    rule:
      '!has(oldSelf.signalValue) || (has(self.signalValue) && self.signalValue == oldSelf.signalValue' +
      ' && has(self.signalledBy) == has(oldSelf.signalledBy)' +
      ' && (!has(self.signalledBy) || self.signalledBy == oldSelf.signalledBy)' +
      ' && has(self.signalledAt) == has(oldSelf.signalledAt)' +
      ' && (!has(self.signalledAt) || self.signalledAt == oldSelf.signalledAt))',
    message:
      'status.signalValue, signalledBy and signalledAt are immutable once signalValue is set: a condition takes one signal',
  },
  {
    // A condition action gets an errorState only when it ends (TimedOut, InvalidSpec); one that
    // ended Signaled has its signal, which the rule above keeps. The conditions list is not read:
    // iterating it would cost more than the API server allows a rule.
    rule: 'has(oldSelf.signalValue) || !has(self.signalValue) || !has(oldSelf.errorState)',
    message: 'the condition has ended and takes no signal',
  },
];

const signalTypeRule = [
  '!has(self.status) || !has(self.status.signalValue) ||',
  "(has(self.spec.actionType) && self.spec.actionType == 'condition' && has(self.spec.conditionSpec) && (",
  "self.spec.conditionSpec.type == 'string' ||",
  "(self.spec.conditionSpec.type == 'boolean' && self.status.signalValue in ['true', 'false']) ||",
  "(self.spec.conditionSpec.type == 'integer' && self.status.signalValue.matches('^-?[0-9]+$')) ||",
  "(self.spec.conditionSpec.type == 'float' && self.status.signalValue.matches('^-?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$'))))",
].join(' ');

type Schema = JsonSchema & { properties: Record<string, JsonSchema> };

const listChars = (path: string) => `(has(${path}) ? ${path}.map(s, size(s)).sum() : 0)`;
// A variable's name counts twice: the API server keeps it again in managedFields.
const mapChars = (path: string) =>
  `(has(${path}) ? ${path}.map(k, 2 * size(k) + size(${path}[k])).sum() : 0)`;

/**
 * The spec with its size bounds (see action-size.ts), which zod cannot say of a record: at most
 * `maxTaskStrings` arguments, and variables, in each list and map, and `maxTaskChars` characters
 * in all of them together. Each argument and value keeps zod's `maxLength`, the kernel's limit on
 * one string (exec-strings.ts) in characters: the API server counts a string in characters, and
 * a rule counting its bytes (`size(bytes(self))`) costs, over 256 strings of that length, more
 * than it allows a rule. A string of multi-byte characters within it but over it in bytes, or a
 * `NAME=value` over it, is the controller's to refuse (InvalidSpec), before anything is created.
 */
function withSizeBounds(spec: Schema): Schema {
  const template = spec.properties.taskTemplate as Schema;
  const list = (field: JsonSchema) => ({ ...field, maxItems: maxTaskStrings });
  const map = (field: JsonSchema) => ({ ...field, maxProperties: maxTaskStrings });
  const t = 'self.taskTemplate';
  const templateChars = [`${t}.command`, `${t}.args`].map(listChars).concat(mapChars(`${t}.env`));
  return {
    ...spec,
    properties: {
      ...spec.properties,
      taskTemplate: {
        ...template,
        properties: {
          ...template.properties,
          command: list(template.properties.command as JsonSchema),
          args: list(template.properties.args as JsonSchema),
          env: map(template.properties.env as JsonSchema),
        },
      },
      envVars: map(spec.properties.envVars as JsonSchema),
    },
    'x-kubernetes-validations': [
      ...((spec['x-kubernetes-validations'] as unknown[]) ?? []),
      {
        rule: `(has(${t}) ? ${templateChars.join(' + ')} : 0) + ${mapChars('self.envVars')} <= ${maxTaskChars}`,
        message: `taskTemplate.command, args, env and envVars hold at most ${maxTaskChars} characters together (a variable's name counted twice), so the action still has room for its status; pass large data through inputUri`,
      },
    ],
  };
}

/**
 * The TaskAction CRD, its schema derived from the zod schemas the controller validates with.
 * Spec fields are optional to the API server, so an incomplete action is accepted and then
 * failed with InvalidSpec naming every missing field; types and bounds are still enforced at
 * the door. The spec is immutable: an action is the record of one task run. The signal of a
 * condition action is checked here, where every writer passes: written once, only to a
 * condition that has not ended, and of the condition's declared type. What an author may make
 * large is bounded, so an action always has room for the status that ends it.
 */
export function taskActionCrd() {
  const crd = namespacedCrd({
    type: { group, version, kind, plural },
    shortNames: ['ta'],
    printerColumns: [
      { name: 'Run', type: 'string', jsonPath: '.spec.runName' },
      { name: 'Action', type: 'string', jsonPath: '.spec.actionName' },
      { name: 'TaskType', type: 'string', jsonPath: '.spec.taskType' },
      { name: 'Status', type: 'string', jsonPath: `${progressing}.reason` },
      { name: 'Attempt', type: 'integer', jsonPath: '.status.attempts' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      { name: 'Type', type: 'string', jsonPath: '.spec.actionType', priority: 1 },
      { name: 'Progressing', type: 'string', jsonPath: `${progressing}.status`, priority: 1 },
      { name: 'Succeeded', type: 'string', jsonPath: `${succeeded}.status`, priority: 1 },
      { name: 'Failed', type: 'string', jsonPath: `${failed}.status`, priority: 1 },
      { name: 'Error', type: 'string', jsonPath: '.status.errorState.code', priority: 1 },
    ],
    spec: withSizeBounds({
      ...(crdSchemaOf(TaskActionResourceSpecSchema, { optionalFields: true }) as Schema),
      'x-kubernetes-validations': [
        { rule: 'self == oldSelf', message: 'spec is immutable after creation' },
      ],
    }),
    status: {
      ...crdSchemaOf(TaskActionStoredStatusSchema),
      'x-kubernetes-validations': signalStatusRules,
    },
  });
  // The signal's type is in the spec and its value in the status: only a rule on the whole
  // object sees both.
  const [served] = crd.spec.versions;
  if (!served) throw new TypeError('namespacedCrd returned no version');
  const openAPIV3Schema = {
    ...served.schema.openAPIV3Schema,
    'x-kubernetes-validations': [
      {
        rule: signalTypeRule,
        message:
          'status.signalValue is only for a condition action, and must be of its conditionSpec.type (boolean: true or false; integer; float; string)',
        fieldPath: '.status.signalValue',
      },
    ],
  };
  return {
    ...crd,
    spec: { ...crd.spec, versions: [{ ...served, schema: { openAPIV3Schema } }] },
  };
}
