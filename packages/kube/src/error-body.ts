/**
 * How much of an error answer is read. A Status is a few KiB at most; the API server itself
 * reads no more than 50000 bytes of a kubelet's error body
 * (k8s.io/apiserver/pkg/registry/generic/rest/response_checker.go, maxReadLength), and a proxy
 * in front of it may send any amount.
 */
import { readBoundedBody } from '@roundhouse/core';

/**
 * The most of an error answer read: far above any Status (a 422's causes included), so that an
 * answer the client stops reading, which costs its connection, is none the API server sends.
 */
const maxErrorBodyBytes = 1024 * 1024;

/** An error answer's text, up to `maxErrorBodyBytes`. */
export async function readErrorBody(body: AsyncIterable<Uint8Array>): Promise<string> {
  return (await readBoundedBody(body, maxErrorBodyBytes)).text;
}
