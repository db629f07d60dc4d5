import { ConfigurationError, Registry } from '@roundhouse/core';
import { KubeClient, resources } from '@roundhouse/kube';
import { TektonExecutor } from '@roundhouse/tekton';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeExecution } from './drive.js';
import { standInPipelineRunCrd } from './stand-in-crd.js';

/**
 * Removing the tekton.dev CRDs would break every other test file using them on the shared
 * control plane, so the flip runs against a stand-in PipelineRun CRD in a group of its own.
 */
const standInGroup = 'availability.tekton.roundhouse.test';
const standInCrd = standInPipelineRunCrd(standInGroup);

describeWithControlPlane('tekton engine availability', () => {
  const env = useTestNamespace();
  let client: KubeClient;

  beforeAll(() => {
    client = new KubeClient(env.kubeConfig);
  });

  afterAll(async () => {
    await client?.delete(resources.customResourceDefinitions, undefined, standInCrd.metadata.name);
  });

  const poll = { timeout: 60_000, interval: 200 };

  it('is available in the registry while the cluster serves tekton.dev PipelineRuns', async () => {
    await env.installTektonCrds();
    const registry = new Registry().register(new TektonExecutor(client));
    await expect
      .poll(() => registry.availability(), poll)
      .toEqual({
        available: ['tekton'],
        unavailable: [],
      });
  });

  it('flips to unavailable, with the reason, when the CRD is removed, and back when installed', async () => {
    const executor = new TektonExecutor(client, { apiGroup: standInGroup });
    const registry = new Registry().register(executor);
    const unavailable = {
      available: [],
      unavailable: [
        {
          engine: 'tekton',
          reason: `the ${standInGroup}/v1 PipelineRun API (pipelineruns.${standInGroup}) is not served by this cluster; install Tekton Pipelines`,
        },
      ],
    };
    expect(await registry.availability()).toEqual(unavailable);
    // A create while the API is missing says so and how to fix it, instead of a bare 404.
    const early = makeExecution();
    const refused = await executor.create(early, env.namespace).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigurationError);
    expect((refused as ConfigurationError).issues).toEqual([
      { path: 'spec.executionEngine', message: `tekton: ${unavailable.unavailable[0]?.reason}` },
    ]);

    await client.create(resources.customResourceDefinitions, undefined, standInCrd);
    await expect
      .poll(() => registry.availability(), poll)
      .toEqual({
        available: ['tekton'],
        unavailable: [],
      });
    // Available means usable: a PipelineRun goes to the served group.
    const wfe = makeExecution();
    await expect.poll(() => executor.create(wfe, env.namespace).then(() => true), poll).toBe(true);
    expect(await executor.getStatus(wfe, env.namespace)).toMatchObject({ reason: 'Pending' });

    await executor.cleanup(wfe, env.namespace);
    await client.delete(resources.customResourceDefinitions, undefined, standInCrd.metadata.name);
    await expect.poll(() => registry.availability(), poll).toEqual(unavailable);

    await expect
      .poll(
        () => client.get(resources.customResourceDefinitions, undefined, standInCrd.metadata.name),
        poll,
      )
      .toBeNull();
    await client.create(resources.customResourceDefinitions, undefined, standInCrd);
    await expect
      .poll(() => registry.availability(), poll)
      .toEqual({
        available: ['tekton'],
        unavailable: [],
      });
  });
});
