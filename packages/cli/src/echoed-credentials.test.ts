import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcess } from '../test/support.js';

const token = 'token-3c9e71d05b';
let server: Server;
let dir: string;
let kubeconfig: string;

beforeAll(async () => {
  // A proxy in front of the API server that quotes the credential it refused.
  server = createServer((request, response) => {
    const status = request.url?.includes('/namespaces/echo-403/') ? 403 : 401;
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: status === 401 ? 'Unauthorized' : 'Forbidden',
        code: status,
        message: `refused ${request.headers.authorization}`,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  dir = await mkdtemp(join(tmpdir(), 'roundhouse-cli-echo-'));
  kubeconfig = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: 'http://127.0.0.1:${port}', insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: ${token} } }]
contexts: [{ name: x, context: { cluster: c, user: u, namespace: echo-401 } }]
current-context: x
`,
    { mode: 0o600 },
  );
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe('an answer that quotes the credential it refused', () => {
  it('is printed with the kubeconfig user’s token hidden', async () => {
    for (const namespace of ['echo-401', 'echo-403']) {
      const result = await inProcess(['--kubeconfig', kubeconfig, '-n', namespace, 'get']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        "refused Bearer [hidden: the kubeconfig user's credential]\nfix: ",
      );
      expect(result.stderr).not.toContain(token);
    }
  });

  it("is printed with the token of the user's token file hidden", async () => {
    const tokenFile = join(dir, 'token');
    await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
    const fromFile = join(dir, 'kubeconfig-token-file');
    await writeFile(
      fromFile,
      (await readFile(kubeconfig, 'utf8')).replace(`token: ${token}`, `token-file: ${tokenFile}`),
      { mode: 0o600 },
    );
    const result = await inProcess(['--kubeconfig', fromFile, 'get']);
    expect(result.stderr).toContain("refused Bearer [hidden: the kubeconfig user's credential]");
    expect(result.stderr).not.toContain(token);
  });
});
