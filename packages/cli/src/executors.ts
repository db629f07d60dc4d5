import { closeSync, openSync, readSync } from 'node:fs';
import { AnsibleExecutor, AwxClient } from '@roundhouse/awx';
import { ConfigurationError, type Executor } from '@roundhouse/core';
import { JobExecutor } from '@roundhouse/job';
import { type KubeObject, resources } from '@roundhouse/kube';
import { PodExecutor } from '@roundhouse/pod';
import {
  AgentExecutor,
  TaskExecutorClient,
  type TaskExecutorClientError,
} from '@roundhouse/process';
import { TektonExecutor } from '@roundhouse/tekton';
import { InputError, LogsUnavailableError } from './errors.js';
import type { Session } from './session.js';

/** Where the ansible engine's AWX is, as the controller is configured (`--awx-*` flags). */
export interface AwxOptions {
  readonly awxUrl?: string | undefined;
  /** `namespace/name[:key]` of the Secret holding the token; key `token` by default. */
  readonly awxTokenSecret?: string | undefined;
  readonly awxApiPrefix: string;
  readonly awxCaFile?: string | undefined;
  readonly awxInsecureSkipTlsVerify?: boolean | undefined;
}

/**
 * Where the agent engine's roundhouse-task-executor is (`--agent-*` flags). The token is read
 * from a file (`--agent-token-file`) or the environment (`ROUNDHOUSE_AGENT_TOKEN`), never taken
 * on the command line, where `ps` shows it to every user of the machine.
 */
export interface AgentOptions {
  readonly agentUrl?: string | undefined;
  readonly agentTokenFile?: string | undefined;
}

/** What the engines that live outside the cluster need to be reached. */
export type EngineOptions = AwxOptions & AgentOptions;

/** The engines the CLI builds from the kubeconfig alone. */
const kubernetesEngines = new Set(['job', 'pod', 'tekton']);

/** An executor for one engine, and how to let go of what it holds. */
export interface BuiltExecutor {
  readonly executor: Executor;
  close(): Promise<void>;
}

export type ExecutorFactory = (engine: string) => Promise<BuiltExecutor>;

/**
 * Builds the same executor the controller runs for an engine, so the CLI asks the engine
 * where an execution's output is instead of guessing: job, pod and tekton from the kubeconfig,
 * ansible from the AWX settings, agent (or the name a controller registers an agent under)
 * from `--agent-url`. The pod executor gets no allowed images: it reads an existing Pod and
 * never builds one.
 */
export function executorFactory(
  session: Session,
  awx: EngineOptions,
  env: Readonly<Record<string, string | undefined>> = {},
): ExecutorFactory {
  const { client, conventions } = session;
  const none = async () => {};
  return async (engine) => {
    if (engine === 'job')
      return { executor: new JobExecutor(client, { conventions }), close: none };
    if (engine === 'pod')
      return { executor: new PodExecutor(client, { conventions }), close: none };
    if (engine === 'tekton') {
      return { executor: new TektonExecutor(client, { conventions }), close: none };
    }
    if (engine === 'ansible') {
      const awxClient = await awxClientOf(session, awx);
      return {
        executor: new AnsibleExecutor(awxClient, client, { conventions }),
        close: () => awxClient.close(),
      };
    }
    if (engine === 'agent' || (awx.agentUrl && !kubernetesEngines.has(engine))) {
      return agentExecutor(engine, awx, env, session);
    }
    if (engine === 'process') {
      throw new LogsUnavailableError(
        "the process engine's output is on the controller's machine, in its supervisor's data directory, which the CLI cannot read",
        "read the task's stdout and stderr there; an execution of an agent engine is read with --agent-url URL",
      );
    }
    throw new LogsUnavailableError(
      `the CLI cannot build an executor for the "${engine}" engine`,
      "read the execution resource with kubectl, or ask the engine's own tooling; kubectl roundhouse describe NAME names it",
    );
  };
}

const awxFix =
  'the ansible engine reads output from AWX: pass --awx-url https://awx.example.com and --awx-token-secret NAMESPACE/NAME[:key], as the controller is configured';

function requireAwxUrl(awx: AwxOptions): string {
  if (!awx.awxUrl || !awx.awxTokenSecret) {
    throw new InputError(
      [
        ...(!awx.awxUrl
          ? [{ path: '--awx-url', message: 'is required for the ansible engine' }]
          : []),
        ...(!awx.awxTokenSecret
          ? [{ path: '--awx-token-secret', message: 'is required for the ansible engine' }]
          : []),
      ],
      awxFix,
    );
  }
  let url: URL | undefined;
  try {
    url = new URL(awx.awxUrl);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:' && url?.protocol !== 'http:') {
    throw new InputError({ path: '--awx-url', message: 'must be an http(s) URL' }, awxFix);
  }
  if (url.username || url.password) {
    // A password in a URL shows in `ps` and shell history, and the AWX client drops it
    // unsent; AWX takes the token from --awx-token-secret.
    throw new InputError(
      { path: '--awx-url', message: 'must not hold a user or password' },
      awxFix,
    );
  }
  return awx.awxUrl;
}

/** The flags the AwxClient's options come from, to name in place of `awx.<option>`. */
const awxFlags: Readonly<Record<string, string>> = {
  'awx.baseUrl': '--awx-url',
  'awx.token': '--awx-token-secret',
  'awx.apiPrefix': '--awx-api-prefix',
  'awx.caBundle': '--awx-ca-file',
};

/**
 * The AwxClient the flags describe. Its own check names `awx.<option>`, which no flag is
 * called; each issue is put on its flag. The token's issue never quotes it.
 */
async function awxClientOf(session: Session, awx: AwxOptions): Promise<AwxClient> {
  const baseUrl = requireAwxUrl(awx);
  const caBundle = awx.awxCaFile ? readCaFile(awx.awxCaFile) : undefined;
  const token = await readToken(session, awx);
  try {
    return new AwxClient({
      baseUrl,
      token,
      apiPrefix: awx.awxApiPrefix,
      insecureSkipTlsVerify: awx.awxInsecureSkipTlsVerify ?? false,
      ...(caBundle !== undefined ? { caBundle } : {}),
    });
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    throw new InputError(
      error.issues.map((i) => ({
        path: awxFlags[i.path] ?? i.path,
        message:
          i.path === 'awx.token'
            ? `the token in Secret ${awx.awxTokenSecret} ${i.message}`
            : i.message,
      })),
      awxFix,
    );
  }
}

function readCaFile(file: string): string {
  try {
    return readSmallFile(file, '--awx-ca-file');
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(
      {
        path: '--awx-ca-file',
        message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      },
      "pass the PEM file of the CA that signed AWX's certificate",
    );
  }
}

/** The AWX token from its Secret; the value never reaches a message. */
async function readToken(session: Session, awx: AwxOptions): Promise<string> {
  requireAwxUrl(awx);
  const match = /^([a-z0-9.-]+)\/([a-z0-9.-]+)(?::([-._a-zA-Z0-9]+))?$/.exec(
    awx.awxTokenSecret ?? '',
  );
  if (!match) {
    throw new InputError(
      { path: '--awx-token-secret', message: 'must be namespace/name[:key]' },
      awxFix,
    );
  }
  const [, namespace = '', name = '', key = 'token'] = match;
  const secret = await session.call({ verb: 'get', resource: resources.secrets, namespace }, () =>
    session.client.get<KubeObject & { data?: Record<string, string> | undefined }>(
      resources.secrets,
      namespace,
      name,
    ),
  );
  if (!secret) {
    throw new InputError(
      { path: '--awx-token-secret', message: `Secret ${namespace}/${name} not found` },
      awxFix,
    );
  }
  const encoded = secret.data?.[key];
  if (!encoded) {
    throw new InputError(
      { path: '--awx-token-secret', message: `Secret ${namespace}/${name} has no key "${key}"` },
      awxFix,
    );
  }
  return Buffer.from(encoded, 'base64').toString('utf8').trim();
}

const agentFix =
  'the agent engine reads output from its roundhouse-task-executor: pass --agent-url http://HOST:5758 and, if the agent requires a token, --agent-token-file FILE (or ROUNDHOUSE_AGENT_TOKEN), as the controller is configured';

/** The agent engine's executor, with its token from a file or the environment. */
function agentExecutor(
  engine: string,
  agent: AgentOptions,
  env: Readonly<Record<string, string | undefined>>,
  session: Session,
): BuiltExecutor {
  if (!agent.agentUrl) {
    throw new InputError(
      { path: '--agent-url', message: `is required for the ${engine} engine` },
      agentFix,
    );
  }
  let baseUrl: URL;
  try {
    baseUrl = new URL(agent.agentUrl);
  } catch {
    throw new InputError({ path: '--agent-url', message: 'is not a URL' }, agentFix);
  }
  if (baseUrl.protocol !== 'http:' && baseUrl.protocol !== 'https:') {
    throw new InputError({ path: '--agent-url', message: 'must be an http(s) URL' }, agentFix);
  }
  if (baseUrl.username || baseUrl.password) {
    // A password in a URL shows in `ps` and shell history; the agent takes a bearer token.
    throw new InputError(
      { path: '--agent-url', message: 'must not hold a user or password' },
      agentFix,
    );
  }
  const token = agent.agentTokenFile
    ? readAgentToken(agent.agentTokenFile)
    : env.ROUNDHOUSE_AGENT_TOKEN || undefined;
  const client = new TaskExecutorClient({ baseUrl: baseUrl.href, token });
  return {
    executor: new AgentExecutor(client, { engine, conventions: session.conventions }),
    close: async () => {},
  };
}

/** The token in a file, as the agent reads its own; what the file holds never reaches a message. */
function readAgentToken(file: string): string {
  let token: string;
  try {
    token = readSmallFile(file, '--agent-token-file').trim();
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(
      {
        path: '--agent-token-file',
        message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      },
      agentFix,
    );
  }
  if (!token)
    throw new InputError({ path: '--agent-token-file', message: `${file} is empty` }, agentFix);
  return token;
}

/** More than any CA bundle or token holds; a file past it is not one (or is /dev/zero). */
const smallFileLimit = 1024 * 1024;

/**
 * A file read no further than `smallFileLimit`. It may be a pipe (`--agent-token-file
 * <(pass show agent)` keeps the token off the command line), so its size is not known before.
 */
function readSmallFile(file: string, flag: string): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(smallFileLimit + 1);
    let size = 0;
    for (;;) {
      const read = readSync(fd, buffer, size, buffer.length - size, null);
      if (read === 0) break;
      size += read;
      if (size > smallFileLimit) {
        throw new InputError(
          { path: flag, message: `${file} is larger than 1 MiB` },
          flag === '--awx-ca-file'
            ? "pass the PEM file of the CA that signed AWX's certificate"
            : agentFix,
        );
      }
    }
    return buffer.subarray(0, size).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * What to do about a failed call to the agent, by the client's classification (its status
 * code or transport failure); `undefined` when the CLI has no advice.
 */
export function agentErrorFix(error: TaskExecutorClientError): string | undefined {
  switch (error.reason) {
    case 'AgentUnreachable':
    case 'AgentTimeout':
      return 'check that the roundhouse-task-executor runs at --agent-url (ROUNDHOUSE_AGENT_URL) and that this machine can reach it';
    case 'AgentUnauthorized':
      return 'the agent refused the token: pass the one it requires with --agent-token-file FILE (or ROUNDHOUSE_AGENT_TOKEN)';
    default:
      return undefined;
  }
}
