import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/**
 * The kube-apiserver's audit log (`startControlPlane({ audit: true })`): every request the API
 * server served, with who sent it, so a test or benchmark can count what a client really sent
 * instead of trusting the client's own bookkeeping.
 *
 * Metadata level (no bodies), and no RequestReceived stage, so an ordinary request is one line
 * and a watch two (ResponseStarted, then ResponseComplete when it ends).
 */
export const auditPolicyYaml = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
`;

/** kube-apiserver flags that write the audit log as JSON lines. */
export function auditArgs(policyPath: string, logPath: string): string[] {
  return [
    `--audit-policy-file=${policyPath}`,
    `--audit-log-path=${logPath}`,
    '--audit-log-format=json',
    // Written before the request finishes, so a line is there once its response arrived.
    '--audit-log-mode=blocking',
    // The log rotates at 100 MB by default; a reader of one file would miss what rotated away.
    '--audit-log-maxsize=100000',
  ];
}

/** One request as the audit log records it. */
export interface AuditedRequest {
  readonly auditId: string;
  readonly user: string;
  readonly verb: string;
  /** `jobs`, `workflowexecutions/status`; the path for a non-resource request (`/version`). */
  readonly resource: string;
  /** When the API server received it, in epoch milliseconds. */
  readonly receivedAt: number;
  /**
   * How long the API server took from receiving it to completing its answer, in ms; undefined
   * for a watch (its first line is when the stream started).
   */
  readonly servedMs: number | undefined;
  readonly code: number | undefined;
}

interface AuditLine {
  auditID?: string | undefined;
  verb?: string | undefined;
  requestURI?: string | undefined;
  user?: { username?: string | undefined } | undefined;
  objectRef?: { resource?: string | undefined; subresource?: string | undefined } | undefined;
  requestReceivedTimestamp?: string | undefined;
  stage?: string | undefined;
  stageTimestamp?: string | undefined;
  responseStatus?: { code?: number | undefined } | undefined;
}

/** One line of the JSON audit log; undefined for a line that is not an audit event. */
export function parseAuditLine(line: string): AuditedRequest | undefined {
  let event: AuditLine;
  try {
    event = JSON.parse(line) as AuditLine;
  } catch {
    return undefined;
  }
  const { auditID, verb, user, objectRef, requestReceivedTimestamp } = event;
  if (!auditID || !verb || !user?.username || !requestReceivedTimestamp) return undefined;
  const resource = objectRef?.resource
    ? `${objectRef.resource}${objectRef.subresource ? `/${objectRef.subresource}` : ''}`
    : (event.requestURI?.split('?')[0] ?? '');
  return {
    auditId: auditID,
    user: user.username,
    verb,
    resource,
    receivedAt: Date.parse(requestReceivedTimestamp),
    servedMs:
      event.stage === 'ResponseComplete' && event.stageTimestamp
        ? Date.parse(event.stageTimestamp) - Date.parse(requestReceivedTimestamp)
        : undefined,
    code: event.responseStatus?.code,
  };
}

/**
 * The requests these users sent, once each (a watch's two lines are one request), in the order
 * the log has them. Lines of other users are skipped before they are parsed: a log of a busy
 * control plane holds mostly the controller-manager's and KWOK's requests.
 */
export async function readAuditLog(
  path: string,
  users: readonly string[],
): Promise<AuditedRequest[]> {
  const markers = users.map((user) => `"username":${JSON.stringify(user)}`);
  const wanted = new Set(users);
  const seen = new Set<string>();
  const requests: AuditedRequest[] = [];
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!markers.some((marker) => line.includes(marker))) continue;
    const request = parseAuditLine(line);
    if (!request || !wanted.has(request.user) || seen.has(request.auditId)) continue;
    seen.add(request.auditId);
    requests.push(request);
  }
  return requests;
}

/** How many requests of each verb and resource, most first (then by name). */
export function countByVerbAndResource(
  requests: readonly AuditedRequest[],
): { verb: string; resource: string; count: number; servedMs: number[] }[] {
  const counts = new Map<
    string,
    { verb: string; resource: string; count: number; servedMs: number[] }
  >();
  for (const { verb, resource, servedMs } of requests) {
    const key = `${verb} ${resource}`;
    const entry = counts.get(key) ?? { verb, resource, count: 0, servedMs: [] };
    entry.count++;
    if (servedMs !== undefined) entry.servedMs.push(servedMs);
    counts.set(key, entry);
  }
  return [...counts.values()].sort(
    (a, b) =>
      b.count - a.count || a.resource.localeCompare(b.resource) || a.verb.localeCompare(b.verb),
  );
}
