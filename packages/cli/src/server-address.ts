/**
 * The API server's address as messages show it. A kubeconfig's `server` may carry a user and
 * password (`https://admin:secret@host`) or a token in its query; an error is read on screen
 * and kept in CI logs, so only the scheme, host, port and path are said.
 */
export function shownServer(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    // Not a URL, so no request goes there; what it is matters more than what it holds.
    return server.includes('@') ? '(a server address that is not a URL)' : server;
  }
  if (!url.username && !url.password && !url.search && !url.hash) return server;
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}
