import { createHash } from 'node:crypto';
import { buildExtraVars, serializeExtraVars } from '@roundhouse/awx';
import {
  executionResourceName,
  parseWorkflowExecution,
  roundhouseConventions,
  targetLabelValue,
} from '@roundhouse/core';
import { buildJob } from '@roundhouse/job';
import type { BenchGroup } from './harness.js';

const targets = Array.from({ length: 100 }, (_, i) => `team-${i % 7}/deployment/app-${i}`);
const parameters = Object.fromEntries(
  Array.from({ length: 50 }, (_, i) => [
    `P_${i}`,
    [String(i), `${i}.5`, 'true', `value-${i}`, `[${i},2]`, '9223372036854775807'][i % 6] as string,
  ]),
);
const object = {
  apiVersion: 'roundhouse.dev/v1alpha1',
  kind: 'WorkflowExecution',
  metadata: { name: 'bench', namespace: 'team-a', uid: 'u' },
  spec: {
    workflowRef: {
      workflowId: 'restart',
      version: '1',
      executionBundle: 'registry.invalid/restart:1',
    },
    targetResource: 'team-a/deployment/app',
    executionEngine: 'job',
    parameters,
    executionConfig: { timeout: '30m' },
  },
};
const json = JSON.stringify(object);
const wfe = parseWorkflowExecution(object);
const vars = buildExtraVars(parameters);
const plain = JSON.parse(serializeExtraVars(vars));
const settings = {
  conventions: roundhouseConventions,
  serviceAccountName: 'runner',
  ttlSecondsAfterFinished: 600,
  securityProfile: 'restricted' as const,
};
const built = buildJob(wfe, 'ns', { secrets: [{ name: 's' }] }, settings);

export const coreGroups: BenchGroup[] = [
  {
    title: 'Lock names for 100 targets',
    baseline: {
      name: 'raw sha256 hex',
      fn: () => targets.map((t) => createHash('sha256').update(t).digest('hex')),
    },
    cases: [
      { name: 'executionResourceName', fn: () => targets.map((t) => executionResourceName(t)) },
      { name: 'targetLabelValue', fn: () => targets.map((t) => targetLabelValue(t)) },
    ],
  },
  {
    title: 'WorkflowExecution validation (50 parameters)',
    baseline: { name: 'JSON.parse', fn: () => JSON.parse(json) },
    cases: [
      {
        name: 'JSON.parse + parseWorkflowExecution',
        fn: () => parseWorkflowExecution(JSON.parse(json)),
      },
    ],
  },
  {
    title: 'AWX extra_vars (50 parameters)',
    baseline: { name: 'JSON.stringify of the same values', fn: () => JSON.stringify(plain) },
    cases: [
      { name: 'serializeExtraVars (exact int64, sorted keys)', fn: () => serializeExtraVars(vars) },
      {
        name: 'buildExtraVars + serializeExtraVars',
        fn: () => serializeExtraVars(buildExtraVars(parameters)),
      },
    ],
  },
  {
    title: 'Job construction',
    baseline: { name: 'structuredClone of a built Job', fn: () => structuredClone(built) },
    cases: [
      { name: 'buildJob', fn: () => buildJob(wfe, 'ns', { secrets: [{ name: 's' }] }, settings) },
    ],
  },
];
