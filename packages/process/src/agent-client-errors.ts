import {
  classifyTransportError,
  type FieldIssue,
  printableText,
  RoundhouseError,
} from '@roundhouse/core';

/** Something went wrong talking to a task-executor agent. */
export abstract class TaskExecutorClientError extends RoundhouseError {
  constructor(
    /** Method and path, e.g. `POST /tasks`; never a header or a body. */
    readonly endpoint: string,
    message: string,
  ) {
    super(message);
  }
}

export type AgentApiErrorReason =
  | 'AgentBadRequest'
  | 'AgentUnauthorized'
  | 'AgentNotFound'
  | 'AgentConflict'
  | 'AgentRequestTooLarge'
  | 'AgentNotImplemented'
  | 'AgentServerError'
  | 'AgentHTTPError';

const reasons: Readonly<Record<number, AgentApiErrorReason>> = {
  400: 'AgentBadRequest',
  401: 'AgentUnauthorized',
  403: 'AgentUnauthorized',
  404: 'AgentNotFound',
  409: 'AgentConflict',
  413: 'AgentRequestTooLarge',
  501: 'AgentNotImplemented',
};

/** The agent answered with an error status; classified by the status code. */
export class TaskExecutorApiError extends TaskExecutorClientError {
  readonly reason: AgentApiErrorReason;
  override readonly retryable: boolean;

  constructor(
    endpoint: string,
    readonly statusCode: number,
    /** The agent's own `reason` (e.g. `TaskConflict`), when its body had one. */
    readonly agentReason: string | undefined,
    readonly issues: readonly FieldIssue[],
    detail: string | undefined,
  ) {
    const shown = detail === undefined ? undefined : oneLine(detail);
    super(endpoint, `task-executor ${endpoint} answered ${statusCode}${shown ? `: ${shown}` : ''}`);
    this.reason =
      reasons[statusCode] ?? (statusCode >= 500 ? 'AgentServerError' : 'AgentHTTPError');
    this.retryable = statusCode === 429 || (statusCode >= 500 && statusCode !== 501);
  }
}

/** How many characters of the agent's message an error shows at most. */
const maxDetail = 500;

/**
 * The agent's message as one line of at most `maxDetail` characters, what hides in it escaped
 * (`printableText`): it goes into a status, an Event and the controller's log, and whatever runs
 * beside the agent can answer in its place.
 */
function oneLine(text: string): string {
  const chars = [...printableText(text)];
  return chars.length > maxDetail ? `${chars.slice(0, maxDetail).join('')}…` : chars.join('');
}

/** The agent could not be reached, or the connection broke before an answer. */
export class TaskExecutorConnectionError extends TaskExecutorClientError {
  readonly reason = 'AgentUnreachable';
  override readonly retryable: boolean;
  /** The socket error code, e.g. `ECONNREFUSED`. */
  readonly code: string;

  constructor(endpoint: string, error: unknown) {
    const failure = classifyTransportError(error);
    super(endpoint, `task-executor ${endpoint} failed: connection error ${failure.code}`);
    this.code = failure.code;
    this.retryable =
      failure.kind !== 'unknown' && failure.kind !== 'tls' && failure.kind !== 'tls-material';
  }
}

/** No answer within the client's timeout. */
export class TaskExecutorTimeoutError extends TaskExecutorClientError {
  readonly reason = 'AgentTimeout';
  override readonly retryable = true;

  constructor(endpoint: string, timeoutMs: number) {
    super(endpoint, `task-executor ${endpoint} did not answer within ${timeoutMs} ms`);
  }
}

/** The agent answered, but not with the shape the client expects. */
export class TaskExecutorResponseError extends TaskExecutorClientError {
  readonly reason = 'AgentUnexpectedResponse';

  constructor(endpoint: string, problem: string) {
    super(endpoint, `task-executor ${endpoint} returned an unexpected body: ${problem}`);
  }
}
