import { type Conventions, kubernautConventions, roundhouseConventions } from '@roundhouse/core';
import type { ConformanceHarness } from '@roundhouse/core/testing/conformance';
import type { KubeClient, ResourceType } from '@roundhouse/kube';
import { describe, expect, it } from 'vitest';
import { cleanUp } from '../../packages/core/src/testing/conformance-steps.js';

/** The convention presets Roundhouse ships, by the name a test title shows. */
export const presets = {
  roundhouse: roundhouseConventions,
  kubernaut: kubernautConventions,
} as const satisfies Record<string, Conventions>;

export type Preset = keyof typeof presets;

/** Registers `suite` once per preset, each in a describe block named for it. */
export function describeEachPreset(
  suite: (conventions: Conventions, preset: Preset) => void,
): void {
  for (const [preset, conventions] of Object.entries(presets) as [Preset, Conventions][]) {
    describe(`with the ${preset} conventions`, () => suite(conventions, preset));
  }
}

/**
 * Checks that the execution resource carries the owner labels of `conventions` and none of
 * another preset's, so a suite run with a preset really ran with it: an executor that ignored its
 * conventions would still pass every conformance check.
 */
export function itLabelsItsResourceWith(
  conventions: Conventions,
  type: ResourceType,
  harness: () => ConformanceHarness & { readonly client: KubeClient },
): void {
  it(`labels its ${type.kind} with the ${conventions.labelPrefix} owner labels`, async () => {
    const h = harness();
    const wfe = h.makeExecution();
    const { resourceName } = await h.executor.create(wfe, h.namespace);
    const labels = (await h.client.get(type, h.namespace, resourceName))?.metadata?.labels ?? {};
    expect(labels).toMatchObject({
      [`${conventions.labelPrefix}workflow-execution`]: wfe.metadata.name,
      [`${conventions.labelPrefix}source-namespace`]: wfe.metadata.namespace,
    });
    // The engine may add its own labels (Tekton does); none may come from another preset.
    const others = Object.values(presets).filter((p) => p.labelPrefix !== conventions.labelPrefix);
    const foreign = Object.keys(labels).filter((key) =>
      others.some((p) => key.startsWith(p.labelPrefix)),
    );
    expect(foreign).toEqual([]);
    // Right after the create an engine may still be writing its resource (Tekton starting the
    // run), and cleanup meets a Conflict: retried as a controller and the conformance checks do.
    await cleanUp(h, wfe);
  });
}
