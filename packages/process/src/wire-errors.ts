import type { FieldIssue } from '@roundhouse/core';
import { RoundhouseError } from '@roundhouse/core';

/**
 * - `InvalidRequest`: the body is not what the endpoint takes (bad JSON, a missing or bad
 *   field, a bad task name);
 * - `RequestTooLarge`: the body is over the agent's limit;
 * - `ContainerTasksNotSupported`: a container task (`podTemplateSpec`, `spec.container`).
 */
export type RequestProblem = 'InvalidRequest' | 'RequestTooLarge' | 'ContainerTasksNotSupported';

const statusByProblem: Readonly<Record<RequestProblem, number>> = {
  InvalidRequest: 400,
  RequestTooLarge: 413,
  ContainerTasksNotSupported: 501,
};

/** A request the agent refuses before touching anything; `issues` names every bad field. */
export class TaskRequestError extends RoundhouseError {
  readonly reason: RequestProblem;
  readonly statusCode: number;

  constructor(
    problem: RequestProblem,
    readonly issues: readonly FieldIssue[],
  ) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
    this.reason = problem;
    this.statusCode = statusByProblem[problem];
  }
}
