/**
 * How much of an answer is read into memory. A client that reads whatever a server sends can be
 * made to hold any amount (a proxy, a server that is not the API server), and a body that does
 * not fit in one JavaScript string fails only once all of it has been held.
 */
import { readBoundedBody } from '@roundhouse/core';
import { KubernetesApiError } from './kubernetes-errors.js';

const MiB = 1024 * 1024;

/**
 * The most of an error answer read: far above any Status (a 422's causes included), so that an
 * answer the client stops reading, which costs its connection, is none the API server sends. The
 * API server itself reads no more than 50000 bytes of a kubelet's error body
 * (k8s.io/apiserver/pkg/registry/generic/rest/response_checker.go, maxReadLength).
 */
export const maxErrorBodyBytes = MiB;

/** An error answer's text, up to `maxErrorBodyBytes`. */
export async function readErrorBody(body: AsyncIterable<Uint8Array>): Promise<string> {
  return (await readBoundedBody(body, maxErrorBodyBytes)).text;
}

/** The most of a successful answer read, and what to do about an answer past it. */
export interface AnswerCeiling {
  readonly bytes: number;
  readonly fix: string;
}

/**
 * One object: etcd keeps an object under 1.5 MiB unless told otherwise and the API server takes
 * no request body over 3 MiB, so 64 MiB is no object any API server holds.
 */
export const objectAnswerCeiling: AnswerCeiling = {
  bytes: 64 * MiB,
  fix: "check that the kubeconfig's server is the API server",
};

/**
 * A list (one page of it, or the whole list unpaged): 512 MiB is about V8's longest string, so a
 * larger answer could not be parsed however much memory there were.
 */
export const listAnswerCeiling: AnswerCeiling = {
  bytes: 512 * MiB,
  fix: 'list it in pages (the limit option) or with a narrower selector',
};

/** The error for a successful answer that went past `ceiling` and was left unread. */
export function answerTooLarge(
  ceiling: AnswerCeiling,
  operation: string,
  statusCode: number,
): KubernetesApiError {
  return new KubernetesApiError(
    'Unknown',
    `${operation}: the API server's answer is over ${ceiling.bytes / MiB} MiB, more than this client reads of one answer; ${ceiling.fix}`,
    statusCode,
  );
}
