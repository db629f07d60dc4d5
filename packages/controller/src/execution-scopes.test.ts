import { KubeConfig } from '@kubernetes/client-node';
import {
  conventionKeys,
  executionMetadata,
  kubernautConventions,
  roundhouseConventions,
} from '@roundhouse/core';
import { sampleExecution } from '@roundhouse/core/testing';
import { type KubeClient, resources } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import {
  executionReadScope,
  executionWatchScope,
  executionWatchSelector,
} from './execution-scopes.js';
import { InformerCache } from './informer-cache.js';
import { matchesLabels, parseLabelSelector } from './label-selector.js';

describe('execution informer scopes', () => {
  it('caches only the execution resources carrying the owner labels, in the execution namespace', () => {
    const scope = executionWatchScope(
      { resource: resources.jobs, conventions: roundhouseConventions },
      'runs',
    );
    expect(scope).toEqual({ namespace: 'runs', labelSelector: expect.any(String) });
    expect(scope.labelSelector).not.toBe('');
  });

  it("trims each watched resource with the engine's watch transform", () => {
    const scope = executionWatchScope(
      {
        resource: resources.jobs,
        conventions: roundhouseConventions,
        transform: ({ spec: _, ...job }: { spec?: unknown }) => job,
      },
      'runs',
    );
    expect(scope.transform?.({ metadata: { name: 'j' }, spec: { template: {} } })).toEqual({
      metadata: { name: 'j' },
    });
  });

  it('caches what an engine reads with its selectors and its transform', () => {
    const scope = executionReadScope(
      {
        resource: resources.pods,
        labelSelector: 'owned-by',
        fieldSelector: 'status.phase!=Running',
        transform: (pod) => ({ ...pod, spec: undefined }),
      },
      'runs',
    );
    expect(scope).toMatchObject({
      namespace: 'runs',
      labelSelector: 'owned-by',
      fieldSelector: 'status.phase!=Running',
    });
    expect(scope.transform?.({ metadata: { name: 'p' }, spec: { x: 1 } })).toEqual({
      metadata: { name: 'p' },
      spec: undefined,
    });
    const plain = executionReadScope({ resource: resources.pods, labelSelector: 'a' }, 'runs');
    expect(plain).toEqual({ namespace: 'runs', labelSelector: 'a' });
  });
  it("gives every scope of one engine's watch or read the same transform, so they share an informer", () => {
    // Two engines that watch a kind alike (two job engines under one conventions preset) share
    // the informer: a transform made anew for each scope would make the second conflict.
    const watch = {
      resource: resources.jobs,
      conventions: roundhouseConventions,
      transform: ({ spec: _, ...job }: { spec?: unknown }) => job,
    };
    const read = {
      resource: resources.pods,
      labelSelector: 'owned-by',
      transform: (pod: object) => ({ ...pod, spec: undefined }),
    };
    const cache = new InformerCache(new KubeConfig(), { client: {} as KubeClient });
    const jobs = cache.informerFor(resources.jobs, executionWatchScope(watch, 'runs'));
    expect(cache.informerFor(resources.jobs, executionWatchScope(watch, 'runs'))).toBe(jobs);
    const pods = cache.informerFor(resources.pods, executionReadScope(read, 'runs'));
    expect(cache.informerFor(resources.pods, executionReadScope(read, 'runs'))).toBe(pods);
  });
});

describe('executionWatchSelector', () => {
  const wfe = sampleExecution();
  const selects = (selector: string, labels: Readonly<Record<string, string>>) =>
    matchesLabels(parseLabelSelector(selector) ?? [], labels);

  it.each([
    ['roundhouse', roundhouseConventions],
    ['kubernaut', kubernautConventions],
  ])(
    "under the %s conventions selects a narrowed engine's own resources and not what Tekton copies its labels onto",
    (_name, conventions) => {
      const engineTerm = `${conventionKeys(conventions).executionEngineLabel}=pod`;
      const narrowed = executionWatchSelector({
        resource: resources.pods,
        conventions,
        labelSelector: engineTerm,
      });
      const tektonCopied = executionMetadata(wfe, 'tekton', conventions, {
        engineLabel: conventions.engineLabelOnPipelineRuns,
      }).labels;
      expect(selects(narrowed, executionMetadata(wfe, 'pod', conventions).labels)).toBe(true);
      expect(selects(narrowed, tektonCopied)).toBe(false);
      // Without the narrowing, the owner labels alone take the task Pod for the engine's.
      const unnarrowed = executionWatchSelector({ resource: resources.pods, conventions });
      expect(selects(unnarrowed, tektonCopied)).toBe(true);
    },
  );

  it("never selects a Job's pods, which carry no source namespace label", () => {
    const { podLabels } = executionMetadata(wfe, 'job', roundhouseConventions);
    const jobs = executionWatchSelector({
      resource: resources.jobs,
      conventions: roundhouseConventions,
    });
    expect(selects(jobs, podLabels)).toBe(false);
  });
});
