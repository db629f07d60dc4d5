import { RoundhouseError } from '@roundhouse/core';
import type { KubernetesApiError, KubernetesErrorReason } from '@roundhouse/kube';
import type { Fixable } from './errors.js';

/** What a failed call was, to word the fix: its verb, kind, namespace and flag-given name. */
export interface FailedCall {
  readonly verb: string;
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly name?: string | undefined;
}

/**
 * An answer of the API server the CLI cannot mend itself, with what the user can do. The problem
 * is the server's own message (it names the object and each refused field); `reason` is the
 * status code's, as the kube client classified it.
 */
export class ApiServerError extends RoundhouseError implements Fixable {
  readonly reason: KubernetesErrorReason;
  override readonly retryable: boolean;

  constructor(
    error: KubernetesApiError,
    readonly fix: string,
  ) {
    super(error.message, { cause: error });
    this.reason = error.reason;
    this.retryable = error.retryable;
  }
}

/**
 * The fix for an API server's answer, by its status code's reason; `undefined` for answers the
 * CLI has no advice for (the message alone is shown). Never by the message's words: the server's
 * wording changes between versions and admission webhooks write their own.
 */
export function serverErrorFix(error: KubernetesApiError, call: FailedCall): string | undefined {
  const namespace = call.namespace ?? '';
  switch (error.reason) {
    case 'AlreadyExists':
      return `a ${call.kind} ${call.name ? `named ${call.name} ` : 'of that name '}already exists in namespace ${namespace}: choose another --name, leave --name out for a unique generated one, or delete the old one first (kubectl roundhouse delete NAME -n ${namespace})`;
    case 'Conflict':
      return 'the object changed while the command ran: run the command again';
    case 'Invalid':
      return `the API server (its schema or an admission policy) refused the ${call.kind}: correct each field it names above, then run the command again`;
    case 'BadRequest':
      return `the API server could not take the request to ${call.verb} the ${call.kind}: check the values given above`;
    case 'RequestEntityTooLarge':
      return `the ${call.kind} is larger than the API server takes (about 1.5 MiB stored): shorten its parameters, or keep large data in a ConfigMap or Secret and name it with --dependency`;
    case 'NotFound':
      // A kind the server serves answers a create with 404 only for a missing namespace.
      return call.verb === 'create'
        ? `namespace ${namespace} does not exist: create it (kubectl create namespace ${namespace}) or choose another with -n`
        : undefined;
    case 'TooManyRequests':
    case 'Unavailable':
    case 'InternalError':
    case 'Timeout':
      return `the API server is overloaded or failing: run the command again${retryWait(error.retryAfterSeconds)}; if it keeps failing, ask the cluster's admin`;
    default:
      return undefined;
  }
}

/**
 * The server's Retry-After as advice: a whole number of seconds up to five minutes, as
 * KubeClient takes it for a log re-open. Anything else ("-5", a year) says nothing a person
 * should wait for.
 */
function retryWait(seconds: number | undefined): string {
  return seconds !== undefined && Number.isInteger(seconds) && seconds >= 1 && seconds <= 300
    ? ` in ${seconds}s`
    : ' in a moment';
}
