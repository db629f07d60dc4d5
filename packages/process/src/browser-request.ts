import { isIP } from 'node:net';
import type { FieldIssue } from '@roundhouse/core';

/**
 * Why a request to an agent serving without a token must be refused as a web page's, or
 * undefined when it may be served. Without a token the API runs any command for whoever can
 * send it, and a browser on the agent's machine can send it for any page it shows:
 *
 * - Across origins, a page may POST a "simple" request (`text/plain`, no preflight) whose body
 *   the agent reads as JSON. Browsers name the page in `Origin` on every such request (and on
 *   every same-origin one but GET and HEAD); no API client sends it.
 * - By DNS rebinding, a page's own name comes to resolve to 127.0.0.1, so its requests are
 *   same-origin and their answers readable (every task's command, environment and logs). Its
 *   requests still carry that name in `Host`; so on a loopback address only names no one else
 *   can make resolve there are served: an IP address, `localhost` and names under it (which
 *   browsers resolve to loopback themselves).
 */
export function browserRequestProblem(
  headers: { readonly origin?: string | undefined; readonly host?: string | undefined },
  listensOnLoopback: boolean,
): FieldIssue | undefined {
  if (headers.origin !== undefined) {
    return {
      path: 'Origin',
      message:
        'is set, as a web browser sets it: an agent without a token (--auth-token-file) serves ' +
        'no web page, since any page could run commands through it; call the API from a client that sends no Origin, or give the agent a token',
    };
  }
  if (listensOnLoopback && headers.host !== undefined && !isLoopbackOnlyName(headers.host)) {
    return {
      path: 'Host',
      message:
        'names a host that could be any DNS name made to resolve to this loopback address (DNS ' +
        'rebinding): an agent without a token (--auth-token-file) answers only requests to an IP ' +
        'address or localhost',
    };
  }
  return undefined;
}

/** Whether a `Host` header's name is an IP address or `localhost`, with or without a port. */
function isLoopbackOnlyName(host: string): boolean {
  const name = (
    host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d*$/, '')
  ).toLowerCase();
  return isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost');
}
