/*
 * The type-level cases are checked by the compiler (`tsc -p tsconfig.json`, which CI runs): an
 * `@ts-expect-error` over a line that compiles is itself an error, so each refusal below fails
 * the type check the day it stops being refused.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { apiVersionOf, type ResourceType } from './resource-type.js';

interface Job {
  readonly spec: { readonly parallelism: number };
}
interface Pod {
  readonly spec: { readonly containers: readonly { readonly name: string }[] };
}
interface PodView {
  readonly spec?: { readonly containers?: readonly unknown[] };
}

const jobs: ResourceType<Job> = Object.freeze({
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  plural: 'jobs',
  namespaced: true,
});
const pods: ResourceType<Pod> = Object.freeze({
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  namespaced: true,
});
const untyped: ResourceType = pods;

describe('ResourceType', () => {
  it('is still only where its objects live: a typed resource builds the same apiVersion', () => {
    expect(apiVersionOf(jobs)).toBe('batch/v1');
    expect(apiVersionOf(pods)).toBe('v1');
    expect(Object.keys(jobs).sort()).toEqual(['group', 'kind', 'namespaced', 'plural', 'version']);
  });

  it('passes a typed resource where an untyped one is taken, and an untyped one where a typed one is', () => {
    expectTypeOf(jobs).toExtend<ResourceType>();
    expectTypeOf(untyped).toExtend<ResourceType<Job>>();
    expectTypeOf<ResourceType<unknown>>().toEqualTypeOf<ResourceType>();
  });

  it('passes a resource where one of a wider or narrower object type is taken', () => {
    expectTypeOf(pods).toExtend<ResourceType<PodView>>();
    expectTypeOf<ResourceType<PodView>>().toExtend<ResourceType<Pod>>();
  });

  it('refuses a resource where one of an unrelated object type is taken', () => {
    expectTypeOf(jobs).not.toExtend<ResourceType<Pod>>();
    // @ts-expect-error: a resource of Jobs is not one of Pods
    const asPods: ResourceType<Pod> = jobs;
    // @ts-expect-error: nor the other way round
    const asJobs: ResourceType<Job> = pods;
    expect([asPods, asJobs]).toEqual([jobs, pods]);
  });
});
