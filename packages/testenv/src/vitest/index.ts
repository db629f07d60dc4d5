import { basename } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject } from 'vitest';
import {
  type ControlPlaneClient,
  type ControlPlaneEndpoint,
  connectControlPlane,
  type TektonEndpoint,
} from '../connection.js';
import { tektonCrdFiles } from '../crds.js';
import { ControlPlaneUnavailableError } from '../errors.js';
import { kubeConfigFromYaml, withNamespace } from '../kubeconfig.js';
import { type PushedBundle, pushTektonBundle, type TektonObject } from '../oci/bundle.js';
import { type ContainerOutcome, containerOutcomes, podControls } from '../stages.js';
import {
  type SimulatedStep,
  type SimulatedTask,
  type SimulatedWorkflow,
  simulatedWorkflow,
} from '../tekton/workflow.js';
import { contextKey, type TestEnvContext } from './context.js';

export type {
  ContainerOutcome,
  PushedBundle,
  SimulatedStep,
  SimulatedTask,
  SimulatedWorkflow,
  TektonObject,
  TestEnvContext,
};
export { containerOutcomes, podControls, simulatedWorkflow, tektonCrdFiles };

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

/**
 * Whether real Tekton Pipelines (controller and bundles resolver) and a local registry run beside
 * the shared control plane. Always true on CI; false on a developer machine without Go or with
 * ROUNDHOUSE_TESTENV_TEKTON=off, where the global setup printed why.
 */
export function tektonAvailable(): boolean {
  const context = testEnvContext();
  return context?.status === 'ready' && context.endpoint.tekton !== undefined;
}

/** `describe` that skips its tests, visibly, when the run has no real Tekton. */
export function describeWithTekton(name: string, fn: () => void): void {
  describe.skipIf(!tektonAvailable())(name, fn);
}

/**
 * `describe` for the quick fallback that plays Tekton over the test-only CRDs: it runs only when
 * the run has a control plane but no real Tekton, whose controller would overwrite what the
 * tests write.
 */
export function describeWithoutTekton(name: string, fn: () => void): void {
  describe.skipIf(!controlPlaneAvailable() || tektonAvailable())(name, fn);
}

/** Real Tekton as a test sees it: its version and the registry it pulls bundles from. */
export interface TektonHandle extends TektonEndpoint {
  /** Pushes `objects` as a Tekton bundle `<registry>/<repository>:<tag>`. */
  pushBundle(
    repository: string,
    tag: string,
    objects: readonly TektonObject[],
  ): Promise<PushedBundle>;
  /** Pushes a simulated workflow (see simulatedWorkflow) as `<registry>/<repository>:<tag>`. */
  pushWorkflow(repository: string, tag: string, workflow: SimulatedWorkflow): Promise<PushedBundle>;
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
  /**
   * Makes `tekton.dev/v1` PipelineRuns and TaskRuns served: nothing to do when real Tekton runs
   * (its own CRDs are installed), else the test-only CRDs.
   */
  installTektonCrds(): Promise<void>;
  /** Real Tekton beside the plane; throws when the run has none (see describeWithTekton). */
  readonly tekton: TektonHandle;
}

export interface UseTestNamespaceOptions {
  /** Namespace name prefix; default: the test file's name. */
  prefix?: string | undefined;
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
    installTektonCrds: async () => {
      if (current().client.endpoint.tekton) return;
      await current().client.installCrds([tektonCrdFiles.pipelineRun, tektonCrdFiles.taskRun]);
    },
    get tekton(): TektonHandle {
      const endpoint = current().client.endpoint.tekton;
      if (!endpoint) {
        const context = testEnvContext();
        throw new ControlPlaneUnavailableError(
          (context?.status === 'ready' && context.tektonUnavailable) ||
            'no real Tekton beside this control plane',
        );
      }
      return {
        ...endpoint,
        pushBundle: (repository, tag, objects) =>
          pushTektonBundle(endpoint.registry, repository, tag, objects),
        pushWorkflow: (repository, tag, workflow) =>
          pushTektonBundle(
            endpoint.registry,
            repository,
            tag,
            simulatedWorkflow(`${endpoint.registry}/${repository}:${tag}`, workflow),
          ),
      };
    },
  };
}
