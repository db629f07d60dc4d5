import { type Stats, statSync } from 'node:fs';
import { delimiter } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { type Conventions, kubernautConventions, roundhouseConventions } from '@roundhouse/core';
import {
  type ClusterConfig,
  KubeClient,
  KubernetesApiError,
  type ResourceType,
} from '@roundhouse/kube';
import { taskRuns, tasks } from '@roundhouse/pod';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { guardedClusterConfig } from './credentials.js';
import {
  AccessDeniedError,
  ClusterUnreachableError,
  type CrdInfo,
  CrdNotInstalledError,
  InputError,
  NotFoundError,
} from './errors.js';
import { checkCurrentContext } from './kubeconfig-context.js';
import { loadProblem, mergedKubeconfig } from './kubeconfig-files.js';
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
  [workflowExecutions, { list: 'kubectl roundhouse get' }],
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
  readonly conventions: 'roundhouse' | 'kubernaut';
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
  readonly kubeConfig: KubeConfig;
  /** The kubeconfig as clients and informers use it: credentials that fail quote nothing. */
  readonly clusterConfig: ClusterConfig;
  readonly client: KubeClient;
  /** `-n`, else the context's namespace, else `default`: kubectl's rule. */
  readonly namespace: string;
  /** Whether `-n` was given, as opposed to taken from the context. */
  readonly namespaceExplicit: boolean;
  readonly executionNamespace: string;
  readonly conventions: Conventions;
  /** Where the kubeconfig came from, for messages. */
  readonly source: string;

  constructor(options: GlobalOptions, env: Readonly<Record<string, string | undefined>>) {
    this.source = options.kubeconfig ?? env.KUBECONFIG ?? '~/.kube/config';
    this.kubeConfig = loadKubeConfig(options, this.source, env);
    checkServerAddress(this.kubeConfig, this.source);
    checkTlsMaterial(this.kubeConfig, this.source);
    this.namespaceExplicit = options.namespace !== undefined;
    const contextNamespace = this.kubeConfig.getContextObject(
      this.kubeConfig.getCurrentContext(),
    )?.namespace;
    this.namespace = checkNamespace(
      options.namespace ?? contextNamespace ?? 'default',
      this.namespaceExplicit
        ? '-n'
        : `the namespace of context ${this.kubeConfig.getCurrentContext()}`,
    );
    this.executionNamespace = checkNamespace(options.executionNamespace, '--execution-namespace');
    this.conventions =
      options.conventions === 'kubernaut' ? kubernautConventions : roundhouseConventions;
    this.clusterConfig = guardedClusterConfig(this.kubeConfig, this.source);
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
    const known = knownKinds.get(resource);
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

/** Far more than any kubeconfig holds: a larger file is not one. */
const kubeconfigLimitBytes = 16 * 1024 * 1024;

/**
 * Refuses a kubeconfig file client-node would read without end (`--kubeconfig /dev/zero`: a
 * device has no end) or fill the memory with. A pipe is let through (`--kubeconfig <(sops -d
 * ...)` keeps the decrypted file off the disk); what writes to it decides its end.
 */
function checkKubeconfigFiles(files: readonly string[]): void {
  for (const file of files) {
    let stats: Stats;
    try {
      stats = statSync(file);
    } catch {
      continue; // loading reports a file that cannot be read, by its code
    }
    const problem =
      stats.isCharacterDevice() || stats.isBlockDevice()
        ? 'is a device, not a file'
        : stats.isFile() && stats.size > kubeconfigLimitBytes
          ? 'is larger than 16 MiB, more than any kubeconfig holds'
          : undefined;
    if (problem) {
      throw new InputError(
        { path: '--kubeconfig', message: `${file} ${problem}` },
        'pass a readable kubeconfig with --kubeconfig or KUBECONFIG',
      );
    }
  }
}

function loadKubeConfig(
  options: GlobalOptions,
  source: string,
  env: Readonly<Record<string, string | undefined>>,
): KubeConfig {
  checkKubeconfigFiles(
    options.kubeconfig
      ? [options.kubeconfig]
      : (env.KUBECONFIG ?? '').split(delimiter).filter((file) => file !== ''),
  );
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((file) => file !== '');
  let config = new KubeConfig();
  try {
    if (options.kubeconfig) config.loadFromFile(options.kubeconfig);
    else if (listed.length > 0) config = mergedKubeconfig(listed);
    else config.loadFromDefault();
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(
      { path: '--kubeconfig', message: `cannot load ${source}: ${loadProblem(error)}` },
      'pass a readable kubeconfig with --kubeconfig or KUBECONFIG',
    );
  }
  if (isFallback(config)) {
    throw new InputError(
      {
        path: '--kubeconfig',
        message:
          'no kubeconfig found: KUBECONFIG is not set, ~/.kube/config does not exist and this is not a pod with a ServiceAccount',
      },
      "pass --kubeconfig FILE or set KUBECONFIG, or log in with your cluster's own tool, which writes ~/.kube/config",
    );
  }
  if (options.context) {
    if (!config.getContextObject(options.context)) {
      const names = config.getContexts().map((c) => c.name);
      throw new InputError(
        { path: '--context', message: `no context "${options.context}" in ${source}` },
        `use one of: ${names.join(', ') || '(none)'} (kubectl config get-contexts)`,
      );
    }
    config.setCurrentContext(options.context);
  }
  checkCurrentContext(config, source);
  return config;
}

/**
 * Whether client-node found no kubeconfig and fell back to an unauthenticated
 * `http://localhost:8080` (its `loaded-context`), which every request then fails against
 * with a message about TLS that says nothing of the missing file.
 */
function isFallback(config: KubeConfig): boolean {
  return (
    config.getCurrentContext() === 'loaded-context' &&
    config.getCurrentCluster()?.server === 'http://localhost:8080' &&
    config.getCurrentUser()?.name === 'user'
  );
}
