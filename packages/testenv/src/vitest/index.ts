import { basename } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject } from 'vitest';
import {
  type ControlPlaneClient,
  type ControlPlaneEndpoint,
  connectControlPlane,
} from '../connection.js';
import { tektonCrdFiles } from '../crds.js';
import { ControlPlaneUnavailableError } from '../errors.js';
import { kubeConfigFromYaml, withNamespace } from '../kubeconfig.js';
import { podControls } from '../stages.js';
import { contextKey, type TestEnvContext } from './context.js';

export type { TestEnvContext };
export { podControls, tektonCrdFiles };

/** The shared control plane's state as the global setup left it; undefined outside that setup. */
export function testEnvContext(): TestEnvContext | undefined {
  return inject(contextKey);
}

/** False when the run has no control plane (no Go on a developer machine); never false on CI. */
export function controlPlaneAvailable(): boolean {
  return testEnvContext()?.status === 'ready';
}

/** The shared control plane's endpoint; throws with the reason when the run has none. */
export function controlPlaneEndpoint(): ControlPlaneEndpoint {
  const context = testEnvContext();
  if (context?.status === 'ready') return context.endpoint;
  throw new ControlPlaneUnavailableError(
    context?.reason ??
      'no control plane: run the test through the Vitest project whose globalSetup is ' +
        '@roundhouse/testenv (see docs/testing.md)',
  );
}

/** `describe` that skips its tests, visibly, when the run has no control plane. */
export function describeWithControlPlane(name: string, fn: () => void): void {
  describe.skipIf(!controlPlaneAvailable())(name, fn);
}

export interface TestNamespace {
  /** The namespace created for this test file (or describe block). */
  readonly namespace: string;
  /** Admin access whose context defaults to `namespace`. */
  readonly kubeConfig: KubeConfig;
  /** The control plane itself: more namespaces, admin operations. */
  readonly controlPlane: ControlPlaneClient;
  /** Whether Jobs run (controller-manager, scheduler and KWOK); true for the shared plane. */
  readonly workloads: boolean;
  /** A non-admin identity (CN=name, O=groups) whose context defaults to `namespace`. */
  userKubeConfig(name: string, groups?: readonly string[]): Promise<KubeConfig>;
  installCrds(files: readonly string[]): Promise<void>;
  /** Installs the test-only tekton.dev/v1 PipelineRun and TaskRun CRDs. */
  installTektonCrds(): Promise<void>;
}

export interface UseTestNamespaceOptions {
  /** Namespace name prefix; default: the test file's name. */
  prefix?: string;
}

/**
 * Gives the enclosing test file (or describe block) its own namespace on the shared control
 * plane: created in a beforeAll hook, deleted in an afterAll hook. Read its fields inside tests
 * or hooks, not while the file is being collected.
 */
export function useTestNamespace(options: UseTestNamespaceOptions = {}): TestNamespace {
  let state: { namespace: string; kubeConfig: KubeConfig; client: ControlPlaneClient } | undefined;
  const current = () => {
    if (!state) {
      throw new ControlPlaneUnavailableError(
        'useTestNamespace() fields are only available in tests and hooks, after its beforeAll ran',
      );
    }
    return state;
  };

  beforeAll(async () => {
    const endpoint = controlPlaneEndpoint();
    const client = connectControlPlane(endpoint);
    const prefix = options.prefix ?? basename(expect.getState().testPath ?? 'test').split('.')[0];
    const namespace = await client.createNamespace(prefix);
    const kubeConfig = kubeConfigFromYaml(withNamespace(endpoint.adminKubeConfig, namespace));
    state = { namespace, kubeConfig, client };
  });

  afterAll(async () => {
    if (state) await state.client.deleteNamespace(state.namespace);
  });

  return {
    get namespace() {
      return current().namespace;
    },
    get kubeConfig() {
      return current().kubeConfig;
    },
    get controlPlane() {
      return current().client;
    },
    get workloads() {
      return current().client.endpoint.workloads;
    },
    userKubeConfig: (name, groups = []) =>
      current().client.userKubeConfig(name, groups, { namespace: current().namespace }),
    installCrds: (files) => current().client.installCrds(files),
    installTektonCrds: () =>
      current().client.installCrds([tektonCrdFiles.pipelineRun, tektonCrdFiles.taskRun]),
  };
}
