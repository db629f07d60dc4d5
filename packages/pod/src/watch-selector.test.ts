import { KubeConfig } from '@kubernetes/client-node';
import {
  type Conventions,
  conventionKeys,
  executionMetadata,
  kubernautConventions,
  roundhouseConventions,
} from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { KubeClient } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { PodExecutor } from './pod-executor.js';
import { buildPod } from './pod-spec.js';
import { podWatchSelector } from './watch-selector.js';

const steps = [{ name: 'run', image: 'registry.example.com/run:1', script: 'true' }];
const wfe = () => {
  const sample = sampleExecution({ spec: { executionEngine: 'pod' } });
  const workflowRef = { ...sample.spec.workflowRef, engineConfig: { steps } };
  return { ...sample, spec: { ...sample.spec, workflowRef } };
};

/** Whether `labels` carry every `key=value` term of `selector`, as the API server selects. */
const selects = (selector: string, labels: Readonly<Record<string, string>> | undefined) =>
  selector.split(',').every((term) => {
    const [key = '', value] = term.split('=');
    return value === undefined ? labels?.[key] !== undefined : labels?.[key] === value;
  });

/** The labels a Tekton task Pod carries: its PipelineRun's, which Tekton copies, and its own. */
const tektonTaskPodLabels = (conventions: Conventions) => ({
  ...executionMetadata(wfe(), 'tekton', conventions, {
    engineLabel: conventions.engineLabelOnPipelineRuns,
  }).labels,
  'tekton.dev/pipelineRun': 'rh-run',
  'tekton.dev/pipelineTask': 'deploy',
});

describe.each([
  ['roundhouse', roundhouseConventions],
  ['kubernaut', kubernautConventions],
])('the pod engine watch under the %s conventions', (_name, conventions) => {
  const executor = new PodExecutor(new KubeClient(new KubeConfig()), { conventions });
  const [watch] = executor.watches;
  const owned = conventionKeys(conventions).workflowExecutionLabel;

  it('is narrowed to the engine label that every Pod it builds carries', () => {
    expect(watch?.labelSelector).toBe(podWatchSelector(conventions));
    const pod = buildPod(wfe(), 'workflows', undefined, {
      conventions,
      serviceAccountName: 'runner',
      securityProfile: 'restricted',
      allowedImages: ['registry.example.com/*'],
      ownerReference: false,
    });
    expect(selects(podWatchSelector(conventions), pod.metadata?.labels)).toBe(true);
  });

  it("leaves out a Tekton task Pod, which carries its PipelineRun's owner labels", () => {
    const labels = tektonTaskPodLabels(conventions);
    expect(selects(owned, labels)).toBe(true);
    expect(selects(podWatchSelector(conventions), labels)).toBe(false);
  });
});
