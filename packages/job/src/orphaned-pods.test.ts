import { kubernautConventions, roundhouseConventions } from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import type { KubeObject } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { buildJob, type JobSettings } from './job-spec.js';
import { executionPodsSelector, isOrphanedPodOf } from './orphaned-pods.js';

const settings = (conventions = roundhouseConventions): JobSettings => ({
  conventions,
  serviceAccountName: 'runner',
  securityProfile: 'restricted',
});

/** A pod as the Job controller makes it from `buildJob`'s template, owned by `owners`. */
function podOf(
  wfe = sampleExecution(),
  owners: Record<string, unknown>[] = [],
  conventions = roundhouseConventions,
): KubeObject {
  const job = buildJob(wfe, 'workflows', undefined, settings(conventions));
  const template = job.spec?.template.metadata;
  return {
    metadata: {
      name: `${job.metadata?.name}-abcde`,
      uid: 'pod-uid',
      labels: { ...template?.labels, 'batch.kubernetes.io/job-name': job.metadata?.name ?? '' },
      ...(template?.annotations ? { annotations: { ...template.annotations } } : {}),
      ownerReferences: owners,
    },
  };
}

const jobOwner = { apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'j', controller: true };

describe('isOrphanedPodOf', () => {
  it("takes the execution's pod that no controller owns any more", () => {
    expect(isOrphanedPodOf(podOf(), sampleExecution(), roundhouseConventions)).toBe(true);
  });

  it('leaves a pod its Job still owns to the garbage collector', () => {
    expect(
      isOrphanedPodOf(podOf(undefined, [jobOwner]), sampleExecution(), roundhouseConventions),
    ).toBe(false);
  });

  it("leaves a successor's pod of the same name alone: it records its own uid", () => {
    const successor = sampleExecution();
    const pod = podOf({ ...successor, metadata: { ...successor.metadata, uid: 'successor' } });
    expect(isOrphanedPodOf(pod, sampleExecution(), roundhouseConventions)).toBe(false);
  });

  it('leaves a pod that records no uid alone, under either preset', () => {
    const { uid: _, ...metadata } = sampleExecution().metadata;
    const noUid = { ...sampleExecution(), metadata };
    for (const conventions of [roundhouseConventions, kubernautConventions]) {
      const pod = podOf(noUid, [], conventions);
      expect(pod.metadata?.annotations).toBeUndefined();
      expect(isOrphanedPodOf(pod, sampleExecution(), conventions)).toBe(false);
      expect(isOrphanedPodOf(pod, noUid, conventions)).toBe(false);
    }
  });

  it("takes a kubernaut-preset pod by the uid under kubernaut's key", () => {
    expect(
      isOrphanedPodOf(
        podOf(undefined, [], kubernautConventions),
        sampleExecution(),
        kubernautConventions,
      ),
    ).toBe(true);
  });
});

describe('executionPodsSelector', () => {
  it('selects by the labels the pod template and the Job controller put on each pod', () => {
    const wfe = sampleExecution();
    const pod = podOf(wfe);
    const labels = pod.metadata?.labels ?? {};
    const selector = executionPodsSelector(
      wfe,
      pod.metadata?.labels?.['batch.kubernetes.io/job-name'] ?? '',
      roundhouseConventions,
    );
    for (const term of selector.split(',')) {
      const [key, value] = term.split('=');
      expect(labels[key as string]).toBe(value);
    }
  });
});
