import { AnsibleExecutor, AwxClient } from '@roundhouse/awx';
import { type AwxSimulator, startAwxSimulator } from '@roundhouse/awx-simulator';
import { Registry } from '@roundhouse/core';
import type { KubeClient } from '@roundhouse/kube';
import { afterAll, beforeAll } from 'vitest';
import type { ControllerSettings } from './controller-fixture.js';

/*
 * What the ansible engine's integration files share: an AWX simulator for the file, a client of
 * it, and the settings of a controller that runs executions there.
 */

export interface AwxFixture {
  readonly simulator: AwxSimulator;
  readonly awx: AwxClient;
}

/**
 * Starts an AWX simulator with no job templates before the file's tests and stops it after
 * them. Call it before useController, so that the controllers stop before the AWX they poll.
 */
export function useAwxSimulator(): AwxFixture {
  let state: AwxFixture | undefined;
  beforeAll(async () => {
    const simulator = await startAwxSimulator();
    const awx = new AwxClient({
      baseUrl: simulator.url,
      token: simulator.token,
      apiPrefix: simulator.apiPrefix,
    });
    state = { simulator, awx };
  });
  afterAll(async () => {
    await state?.awx.close();
    await state?.simulator.stop();
  });
  const current = () => {
    if (!state) throw new Error('useAwxSimulator() fields exist only in tests and hooks');
    return state;
  };
  return {
    get simulator() {
      return current().simulator;
    },
    get awx() {
      return current().awx;
    },
  };
}

/** A controller on `awx`, polling its jobs from every 200 ms, with a 1 s cooldown. */
export function onAwx(awx: AwxClient, client: KubeClient): ControllerSettings {
  return {
    registry: new Registry().register(new AnsibleExecutor(awx, client)),
    cooldownMs: 1_000,
    pollIntervalMs: { initial: 200, max: 1_000 },
  };
}
