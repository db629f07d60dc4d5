import {
  ConfigurationError,
  type FieldIssue,
  printableText,
  RoundhouseError,
} from '@roundhouse/core';
import type { ResourceType } from '@roundhouse/kube';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { shortQuote } from './quote.js';

/** An error the CLI explains: what went wrong and what to do about it. */
export interface Fixable {
  readonly fix: string;
}

/** Input the CLI refuses before sending anything: a flag, a manifest, a `-p` value. */
export class InputError extends ConfigurationError implements Fixable {
  constructor(
    issues: readonly FieldIssue[] | FieldIssue,
    readonly fix: string,
  ) {
    super(issues);
  }
}

/** `--engine` names an engine Roundhouse does not ship (often a typo). */
export class UnknownEngineError extends RoundhouseError implements Fixable {
  readonly reason = 'UnsupportedEngine';
  readonly fix: string;

  constructor(engine: string, known: readonly string[]) {
    super(`unknown engine ${shortQuote(engine)}`);
    const close = known.find((k) => engine.startsWith(k) || k.startsWith(engine));
    this.fix =
      `${close ? `did you mean "${close}"? ` : ''}use one of ${known.join(', ')}; ` +
      'for an engine your own controller registers, add --custom-engine';
  }
}

/** A CRD the CLI needs, and how to install it. */
export interface CrdInfo {
  readonly kind: string;
  readonly name: string;
  readonly fix: string;
}

/** The WorkflowExecution CRD of the group the CLI was told, and the command that prints it. */
export function workflowExecutionCrdInfo(resource: ResourceType): CrdInfo {
  const flag = resource.group === workflowExecutions.group ? '' : ` --api-group ${resource.group}`;
  return {
    kind: resource.kind,
    name: `${resource.plural}.${resource.group}`,
    fix: `install the CRD with cluster-admin rights: kubectl roundhouse${flag} crd | kubectl apply -f -`,
  };
}

/** The cluster does not serve a kind the CLI works with (WorkflowExecutions, Tasks, TaskRuns). */
export class CrdNotInstalledError extends RoundhouseError implements Fixable {
  readonly reason = 'CrdNotInstalled';
  readonly fix: string;

  constructor(server: string, crd: CrdInfo = workflowExecutionCrdInfo(workflowExecutions)) {
    super(`the ${crd.kind} CRD (${crd.name}) is not installed in the cluster at ${server}`);
    this.fix = crd.fix;
  }
}

/** No answer from the API server: down, wrong address, wrong certificate authority. */
export class ClusterUnreachableError extends RoundhouseError implements Fixable {
  readonly reason = 'ClusterUnreachable';
  override readonly retryable = true;
  readonly fix: string;

  constructor(detail: string, kubeconfig: string) {
    super(`no cluster reachable: ${detail}`);
    this.fix =
      `check that the cluster runs and that the kubeconfig (${kubeconfig}) points at it: ` +
      'kubectl config current-context; pick another with --context or --kubeconfig';
  }
}

/** The API server refused the user: who may do what is for an admin to change. */
export class AccessDeniedError extends RoundhouseError implements Fixable {
  readonly reason: 'Forbidden' | 'Unauthorized';
  readonly fix: string;

  constructor(
    access: { verb: string; resource: string; namespace: string | undefined },
    detail: string,
    unauthenticated: boolean,
  ) {
    const where = access.namespace ? ` in namespace ${access.namespace}` : ' cluster-wide';
    // A 401 is about who you are, not what you may do: no Role mends an expired token.
    super(
      unauthenticated
        ? `the API server did not accept your credentials (to ${access.verb} ${access.resource}${where}): ${detail}`
        : `not allowed to ${access.verb} ${access.resource}${where}: ${detail}`,
    );
    this.reason = unauthenticated ? 'Unauthorized' : 'Forbidden';
    const grant = access.namespace
      ? `kubectl create role roundhouse-${access.verb} --verb=${access.verb} --resource=${access.resource} -n ${access.namespace}, bound to you with kubectl create rolebinding`
      : `kubectl create clusterrole roundhouse-${access.verb} --verb=${access.verb} --resource=${access.resource}, bound to you with kubectl create clusterrolebinding`;
    this.fix = unauthenticated
      ? "the kubeconfig user's token or client certificate has expired or was revoked: log in again with your cluster's tool (or refresh the user's credentials in the kubeconfig; kubectl config view --minify shows which user the context uses), then run the command again"
      : `ask a cluster admin for "${access.verb}" on ${access.resource}${where} (${grant}), or use a context that has it`;
  }
}

/** The named object does not exist. */
export class NotFoundError extends RoundhouseError implements Fixable {
  readonly reason = 'NotFound';
  readonly fix: string;

  /** `list` is the command that shows what exists instead. */
  constructor(what: string, namespace: string, list = 'kubectl roundhouse get') {
    super(`${what} not found in namespace ${namespace}`);
    this.fix = `list what exists with: ${list} -n ${namespace}${list.endsWith(' get') ? ' (or -A for every namespace)' : ''}`;
  }
}

/** The execution has no output to show now, or its engine offers none. */
export class LogsUnavailableError extends RoundhouseError implements Fixable {
  readonly reason = 'LogsUnavailable';

  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
  }
}

function hasFix(error: unknown): error is Error & Fixable {
  return error instanceof Error && typeof (error as Partial<Fixable>).fix === 'string';
}

/**
 * What the user reads for an error: the problem, then the fix on its own line. Messages quote
 * the cluster (an object's status, the API server's refusal), so both are escaped; a message's
 * own lines (a YAML error's code frame) stay, indented under it.
 */
export function formatError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const problem = printableText(message.trimEnd(), '\n').replace(/\n(?=.)/g, '\n  ');
  return hasFix(error)
    ? `error: ${problem}\nfix: ${printableText(error.fix)}\n`
    : `error: ${problem}\n`;
}
