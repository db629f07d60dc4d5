import { type AuditedRequest, countByVerbAndResource } from '@roundhouse/testenv';
import { requestKind } from './request-kind.js';
import type { Sample } from './scenario.js';
import { percentile } from './workload.js';

export const fixed = (n: number, digits = 2) => n.toFixed(digits);

/** Prints rows as columns padded to their widest cell. */
export function table(rows: readonly (readonly string[])[]): void {
  const widths =
    rows[0]?.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length))) ?? [];
  for (const row of rows)
    console.log(
      `  ${row
        .map((cell, c) => cell.padEnd(widths[c] ?? 0))
        .join('  ')
        .trimEnd()}`,
    );
}

/**
 * A scenario's requests by verb and resource: how many, per execution, how long the API server
 * took over them and, with a controller's sample, how long the controller waited for them.
 */
export function byVerb(
  title: string,
  requests: readonly AuditedRequest[],
  executions: number,
  sample?: Sample,
): void {
  console.log(
    `\n  ${title}: ${requests.length} requests, ${fixed(requests.length / executions)} per execution`,
  );
  const roundTrips = new Map<string, number[]>();
  for (const [method, path, ms] of sample?.roundTrips ?? []) {
    const kind = requestKind(method, path);
    if (!kind) continue;
    const key = `${kind.verb} ${kind.resource}`;
    const seen = roundTrips.get(key);
    if (seen) seen.push(ms);
    else roundTrips.set(key, [ms]);
  }
  const median = (values: readonly number[]) => `${fixed(percentile(values, 50), 1)} ms`;
  table(
    countByVerbAndResource(requests).map(({ verb, resource, count, servedMs }) => {
      const seen = roundTrips.get(`${verb} ${resource}`) ?? [];
      return [
        `    ${verb}`,
        resource,
        String(count),
        fixed(count / executions),
        // How long the API server took to answer: the same request costs more on a busier server.
        servedMs.length ? `served in ${median(servedMs)} (median)` : '',
        // What the controller waited for it: beyond the server's time, the network, the
        // machine's scheduler and the controller's own event loop.
        seen.length ? `round trip at the controller ${median(seen)}` : '',
      ];
    }),
  );
}
