import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { roundhouseConventions, type WorkflowExecution } from '@roundhouse/core';
import type { KubeClient } from '@roundhouse/kube';
import { TaskExecutorClientError } from '@roundhouse/process';
import { describe, expect, it } from 'vitest';
import { formatError } from './errors.js';
import { agentErrorFix, executorFactory } from './executors.js';
import type { Session } from './session.js';

const session = { client: {} as KubeClient, conventions: roundhouseConventions } as Session;
const build = executorFactory(session, { awxApiPrefix: '/api/v2/' });

const wfe = {
  apiVersion: 'roundhouse.dev/v1alpha1',
  kind: 'WorkflowExecution',
  metadata: { name: 'restart-1', namespace: 'team', uid: 'u-1' },
  spec: {
    executionEngine: 'agent',
    targetResource: 'prod/deployment/api',
    workflowRef: { workflowId: 'restart', version: '1', executionBundle: 'restart' },
  },
} as unknown as WorkflowExecution;

/** An agent that has no tasks, recording what each request sent. */
async function emptyAgent(): Promise<{ url: string; seen: IncomingHttpHeaders[]; close(): void }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    seen.push(request.headers);
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ reason: 'NotFound', message: 'no such task' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => server.close() };
}

async function tokenFile(text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'cli-agent-')), 'token');
  await writeFile(path, text, { mode: 0o600 });
  return path;
}

async function drain(lines: AsyncIterable<unknown> | Iterable<unknown>): Promise<unknown[]> {
  const all: unknown[] = [];
  for await (const line of lines) all.push(line);
  return all;
}

describe('executorFactory', () => {
  it('builds the pod engine an executor that reads logs, as it does the job and tekton engines', async () => {
    for (const engine of ['job', 'pod', 'tekton']) {
      const { executor } = await build(engine);
      expect(executor.engine).toBe(engine);
      expect(executor.logs).toBeTypeOf('function');
    }
  });

  it('refuses an engine it cannot build, naming it', async () => {
    await expect(build('custom')).rejects.toThrow(
      'the CLI cannot build an executor for the "custom" engine',
    );
    await expect(build('process')).rejects.toThrow(
      "the process engine's output is on the controller's machine",
    );
  });

  it('asks for --agent-url for the agent engine', async () => {
    const error = await build('agent').catch((e: unknown) => e);
    expect(formatError(error)).toMatch(
      /^error: --agent-url: is required for the agent engine\nfix: .*--agent-token-file FILE \(or ROUNDHOUSE_AGENT_TOKEN\)/,
    );
  });

  it("reads the agent's token from its file and sends it to the agent, under the engine's registered name", async () => {
    const agent = await emptyAgent();
    try {
      const agentTokenFile = await tokenFile('agent-token-5c1e\n');
      const options = { awxApiPrefix: '/api/v2/', agentUrl: agent.url, agentTokenFile };
      const { executor } = await executorFactory(session, options)('agent-eu');
      expect(executor.engine).toBe('agent-eu');
      expect(await drain(executor.logs?.(wfe, 'unused') ?? [])).toEqual([]);
      expect(agent.seen.map((h) => h.authorization)).toEqual(['Bearer agent-token-5c1e']);
    } finally {
      agent.close();
    }
  });

  it('takes the token from ROUNDHOUSE_AGENT_TOKEN without a file', async () => {
    const agent = await emptyAgent();
    try {
      const options = { awxApiPrefix: '/api/v2/', agentUrl: agent.url };
      const env = { ROUNDHOUSE_AGENT_TOKEN: 'env-token-9b2d' };
      const { executor } = await executorFactory(session, options, env)('agent');
      await drain(executor.logs?.(wfe, 'unused') ?? []);
      expect(agent.seen.map((h) => h.authorization)).toEqual(['Bearer env-token-9b2d']);
    } finally {
      agent.close();
    }
  });

  it('names an unreadable or empty token file, never what it holds', async () => {
    const base = { awxApiPrefix: '/api/v2/', agentUrl: 'http://127.0.0.1:1' };
    const missing = await executorFactory(session, {
      ...base,
      agentTokenFile: '/nonexistent/token',
    })('agent').catch((e: unknown) => e);
    expect(formatError(missing)).toMatch(
      /^error: --agent-token-file: cannot read \/nonexistent\/token: ENOENT\n/,
    );
    const empty = await tokenFile(' \n');
    const refused = await executorFactory(session, { ...base, agentTokenFile: empty })(
      'agent',
    ).catch((e: unknown) => e);
    expect(formatError(refused)).toMatch(/^error: --agent-token-file: .* is empty\n/);
  });

  it('refuses an AWX URL that is not http(s) or holds a password before reading its Secret, never quoting it', async () => {
    for (const [awxUrl, message] of [
      ['https://admin:pw-4d1e@awx.example.com', 'must not hold a user or password'],
      ['javascript:alert(1)', 'must be an http(s) URL'],
      ['awx.example.com', 'must be an http(s) URL'],
    ] as const) {
      const refused = await executorFactory(session, {
        awxApiPrefix: '/api/v2/',
        awxUrl,
        awxTokenSecret: 'awx/token',
      })('ansible').catch((error: unknown) => formatError(error));
      expect(String(refused).startsWith(`error: --awx-url: ${message}\n`)).toBe(true);
      expect(refused).not.toContain('pw-4d1e');
    }
  });

  it('refuses an agent URL that is not http(s) or holds a password, never quoting it', async () => {
    for (const [agentUrl, message] of [
      ['ftp://agent.example.com', 'must be an http(s) URL'],
      ['http://ops:pw-61c2@agent.example.com:5758', 'must not hold a user or password'],
    ] as const) {
      const refused = await executorFactory(session, { awxApiPrefix: '/api/v2/', agentUrl })(
        'agent',
      ).catch((e: unknown) => formatError(e));
      expect(refused).toMatch(
        new RegExp(`^error: --agent-url: ${message.replace(/[()]/g, '\\$&')}\\nfix: `),
      );
      expect(refused).not.toContain('pw-61c2');
    }
  });

  it('says to check --agent-url when the agent cannot be reached', async () => {
    const options = { awxApiPrefix: '/api/v2/', agentUrl: 'http://127.0.0.1:1' };
    const { executor } = await executorFactory(session, options)('agent');
    const error = await drain(executor.logs?.(wfe, 'unused') ?? []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskExecutorClientError);
    expect(agentErrorFix(error as TaskExecutorClientError)).toMatch(
      /^check that the roundhouse-task-executor runs at --agent-url/,
    );
  });

  it('reads a token or CA file no further than 1 MiB, so /dev/zero is refused, not read for ever', async () => {
    const large = await tokenFile('t'.repeat(1024 * 1024 + 1));
    for (const agentTokenFile of [large, '/dev/zero']) {
      const options = { awxApiPrefix: '/api/v2/', agentUrl: 'http://127.0.0.1:1', agentTokenFile };
      const refused = await executorFactory(session, options)('agent').catch((e: unknown) => e);
      expect(formatError(refused)).toMatch(
        new RegExp(`^error: --agent-token-file: ${agentTokenFile} is larger than 1 MiB\\n`),
      );
    }
  });

  describe('for the ansible engine', () => {
    /** A session whose cluster holds one Secret, ns/awx, with these data keys. */
    const withSecret = (data: Record<string, string> | undefined) =>
      ({
        conventions: roundhouseConventions,
        client: {
          get: async (_type: unknown, namespace: string, name: string) =>
            namespace === 'ns' && name === 'awx' && data ? { data } : undefined,
        } as unknown as KubeClient,
        call: (_access: unknown, run: () => Promise<unknown>) => run(),
      }) as unknown as Session;
    const base = {
      awxApiPrefix: '/api/v2/',
      awxUrl: 'https://awx.example.com',
      awxTokenSecret: 'ns/awx',
    };
    const encoded = (text: string) => Buffer.from(text).toString('base64');
    const refusal = (session: Session, options: Parameters<typeof executorFactory>[1]) =>
      executorFactory(
        session,
        options,
      )('ansible').then(
        () => 'built',
        (e: unknown) => formatError(e),
      );

    it('names the flag of each bad setting, never the token', async () => {
      const good = withSecret({ token: encoded('awx-token-41d2') });
      expect(await refusal(good, { ...base, awxUrl: 'not a url' })).toMatch(
        /^error: --awx-url: must be an http\(s\) URL\nfix: the ansible engine reads output from AWX/,
      );
      expect(await refusal(good, { ...base, awxApiPrefix: 'api' })).toMatch(
        /^error: --awx-api-prefix: must be an absolute path/,
      );
      const spaced = await refusal(withSecret({ token: encoded('awx token 41d2') }), base);
      expect(spaced).toMatch(/^error: --awx-token-secret: the token in Secret ns\/awx must be/);
      expect(spaced).not.toContain('41d2');
    });

    it('says a missing CA file or Secret is missing, rather than failing bare', async () => {
      const good = withSecret({ token: encoded('t') });
      expect(await refusal(good, { ...base, awxCaFile: '/nonexistent/ca.pem' })).toBe(
        "error: --awx-ca-file: cannot read /nonexistent/ca.pem: ENOENT\nfix: pass the PEM file of the CA that signed AWX's certificate\n",
      );
      expect(await refusal(withSecret(undefined), base)).toMatch(
        /^error: --awx-token-secret: Secret ns\/awx not found\n/,
      );
      expect(await refusal(withSecret({ other: encoded('t') }), base)).toMatch(
        /^error: --awx-token-secret: Secret ns\/awx has no key "token"\n/,
      );
    });
  });
});
