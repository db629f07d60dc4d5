import {
  ConfigurationError,
  type Conventions,
  type ConventionsPresetName,
  conventionsPreset,
  conventionsPresets,
} from '@roundhouse/core';
import {
  type ClusterConfig,
  KubeClient,
  KubernetesApiError,
  type LoadedKubeConfig,
  type ResourceType,
} from '@roundhouse/kube';
import { taskRuns, tasks } from '@roundhouse/pod';
import { workflowExecutionApi } from '@roundhouse/workflowexecution';
import { guardedClusterConfig } from './credentials.js';
import {
  AccessDeniedError,
  ClusterUnreachableError,
  type CrdInfo,
  CrdNotInstalledError,
  InputError,
  NotFoundError,
  workflowExecutionCrdInfo,
} from './errors.js';
import { kubeconfigSource, loadCliKubeConfig } from './kubeconfig.js';
import { checkNamespace } from './names.js';
import { refusalOf } from './refusal.js';
import { checkServerAddress, shownServer } from './server-address.js';
import { ApiServerError, serverErrorFix } from './server-errors.js';
import { checkTlsMaterial } from './tls-material.js';

/**
 * The kinds whose 404 the CLI explains: a missing CRD, else a missing object, with the command
 * that lists what exists.
 */
const knownKinds = new Map<ResourceType, { crd?: CrdInfo | undefined; list: string }>([
  [tasks, { crd: taskCrdInfo(tasks), list: 'kubectl roundhouse task list' }],
  [taskRuns, { crd: taskCrdInfo(taskRuns), list: 'kubectl roundhouse taskrun list' }],
]);

function taskCrdInfo(type: ResourceType): CrdInfo {
  return {
    kind: type.kind,
    name: `${type.plural}.${type.group}`,
    fix: 'install the Task and TaskRun CRDs and run the TaskRun controller (examples/taskrun-controller: ensureTaskRunCrds)',
  };
}

/** The options every command takes, as kubectl spells them. */
export interface GlobalOptions {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
  readonly namespace?: string | undefined;
  readonly executionNamespace: string;
  readonly conventions: ConventionsPresetName;
  /** The group WorkflowExecutions are served under; unset, the conventions' group. */
  readonly apiGroup?: string | undefined;
}

/**
 * The group each conventions preset's controller serves by default, as the example
 * controller's presets do: a CLI told kubernaut's conventions talks to kubernaut's CRD. Keyed
 * by core's preset names, so a preset added there fails to type-check here until it has one.
 */
const defaultApiGroup = {
  roundhouse: 'roundhouse.dev',
  kubernaut: 'kubernaut.ai',
} as const satisfies Record<ConventionsPresetName, string>;

/**
 * The conventions `--conventions` names. A caller that skips the CLI's parsing (a program that
 * opens a Session itself) and names no preset gets an InputError naming the flag and the known
 * names, not Roundhouse's conventions in silence.
 */
export function conventionsOf(options: Pick<GlobalOptions, 'conventions'>): Conventions {
  try {
    return conventionsPreset(options.conventions, '--conventions');
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    throw new InputError(
      error.issues,
      `pass one of: ${Object.keys(conventionsPresets)
        .map((name) => `--conventions ${name}`)
        .join(', ')}`,
    );
  }
}

/** WorkflowExecutions as the options say they are served; a bad --api-group names the flag. */
export function workflowExecutionsOf(options: Pick<GlobalOptions, 'conventions' | 'apiGroup'>) {
  try {
    return workflowExecutionApi(options.apiGroup ?? defaultApiGroup[options.conventions]).resource;
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    throw new InputError(
      error.issues.map((issue) => ({ ...issue, path: '--api-group' })),
      'pass the group of the installed WorkflowExecution CRD: --api-group roundhouse.dev or --api-group kubernaut.ai',
    );
  }
}

/** What a Kubernetes call was meant to do, to say what was refused. */
export interface Access {
  readonly verb: string;
  readonly resource: ResourceType;
  readonly namespace: string | undefined;
  /** The object, for a WorkflowExecution that turns out not to exist. */
  readonly name?: string | undefined;
}

/** A connection to the cluster of the kubeconfig's current (or chosen) context. */
export class Session {
  readonly kubeConfig: LoadedKubeConfig;
  /** The kubeconfig as clients and informers use it: credentials that fail quote nothing. */
  readonly clusterConfig: ClusterConfig;
  readonly client: KubeClient;
  /** `-n`, else the context's namespace, else `default`: kubectl's rule. */
  readonly namespace: string;
  /** Whether `-n` was given, as opposed to taken from the context. */
  readonly namespaceExplicit: boolean;
  readonly executionNamespace: string;
  readonly conventions: Conventions;
  /** WorkflowExecutions under the group of --api-group (or of --conventions). */
  readonly workflowExecutions: ResourceType;
  /** Where the kubeconfig came from, for messages. */
  readonly source: string;

  /**
   * Opens a session on the kubeconfig the options and environment name; what makes it unusable
   * is an InputError naming the flag or file and the fix, before any request is sent.
   */
  static async open(
    options: GlobalOptions,
    env: Readonly<Record<string, string | undefined>>,
  ): Promise<Session> {
    return new Session(
      options,
      await loadCliKubeConfig(options, env),
      kubeconfigSource(options, env),
    );
  }

  private constructor(options: GlobalOptions, kubeConfig: LoadedKubeConfig, source: string) {
    this.source = source;
    this.kubeConfig = kubeConfig;
    checkServerAddress(kubeConfig, source);
    checkTlsMaterial(kubeConfig, source);
    this.namespaceExplicit = options.namespace !== undefined;
    const context = kubeConfig.getCurrentContext();
    const contextNamespace = kubeConfig.getContextObject(context)?.namespace;
    this.namespace = checkNamespace(
      options.namespace ?? contextNamespace ?? 'default',
      this.namespaceExplicit ? '-n' : `the namespace of context ${context}`,
    );
    this.executionNamespace = checkNamespace(options.executionNamespace, '--execution-namespace');
    this.conventions = conventionsOf(options);
    this.workflowExecutions = workflowExecutionsOf(options);
    this.clusterConfig = guardedClusterConfig(kubeConfig, source);
    this.client = new KubeClient(this.clusterConfig, { userAgent: 'kubectl-roundhouse' });
  }

  /** The API server's address, without a user, password or query it may carry. */
  get server(): string {
    const server = this.kubeConfig.getCurrentCluster()?.server;
    return server === undefined ? '(no cluster)' : shownServer(server);
  }

  /** Runs a Kubernetes call; a failure becomes an error that says how to fix it. */
  async call<T>(access: Access, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw await this.explain(error, access);
    }
  }

  /** The error a user can act on for what a call to the API server threw. */
  async explain(error: unknown, access: Access): Promise<unknown> {
    if (!(error instanceof KubernetesApiError)) return error;
    const { resource } = access;
    if (error.reason === 'Forbidden' || error.reason === 'Unauthorized') {
      const name = resource.group ? `${resource.plural}.${resource.group}` : resource.plural;
      // What the server says it refused, over what the command meant to do: a command makes
      // several calls, and a user lacking the second must not be sent to ask for the first.
      return new AccessDeniedError(
        refusalOf(error.message) ?? {
          verb: access.verb,
          resource: name,
          namespace: access.namespace,
        },
        error.message,
        error.reason === 'Unauthorized',
      );
    }
    if (error.statusCode === undefined) {
      return new ClusterUnreachableError(`${this.server}: ${error.message}`, this.source);
    }
    const known =
      resource === this.workflowExecutions
        ? { crd: workflowExecutionCrdInfo(resource), list: 'kubectl roundhouse get' }
        : knownKinds.get(resource);
    if (error.reason === 'NotFound' && known) {
      const served = await this.client.isServed(resource).catch(() => true);
      if (!served) return new CrdNotInstalledError(this.server, known.crd);
      if (access.name && access.verb !== 'create') {
        return new NotFoundError(
          `${resource.kind} "${access.name}"`,
          access.namespace ?? '',
          known.list,
        );
      }
    }
    const fix = serverErrorFix(error, { ...access, kind: resource.kind });
    return fix ? new ApiServerError(error, fix) : error;
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
