import { type ChildProcess, spawn } from 'node:child_process';
import type { User } from '@kubernetes/client-node';
import { ConfigurationError, RoundhouseError, toFieldIssues } from '@roundhouse/core';
import { z } from 'zod';

/** A user's `exec` section, as client-go reads it. */
const ExecConfigSchema = z.looseObject({
  command: z.string().min(1, 'name the plugin to run'),
  args: z.array(z.string()).nullish(),
  env: z.array(z.looseObject({ name: z.string().min(1), value: z.string() })).nullish(),
  apiVersion: z.string().min(1).optional(),
  installHint: z.string().nullish(),
});

type ExecConfig = z.infer<typeof ExecConfigSchema>;

/** What a plugin prints: an ExecCredential whose status holds a token or a client certificate. */
const ExecCredentialSchema = z.looseObject({
  kind: z.literal('ExecCredential'),
  status: z
    .looseObject({
      token: z.string().min(1).optional(),
      clientCertificateData: z.string().min(1).optional(),
      clientKeyData: z.string().min(1).optional(),
      expirationTimestamp: z.iso.datetime({ offset: true }).optional(),
    })
    .refine((s) => s.token || (s.clientCertificateData && s.clientKeyData)),
});

export type ExecCredentialStatus = z.infer<typeof ExecCredentialSchema>['status'];

/**
 * An exec credential plugin gave no credential: it failed, hung, or printed something else.
 * Retryable: the backoff spaces the attempts. The message names the plugin's command only; never
 * its arguments or output, which may hold a token.
 */
export class ExecCredentialError extends RoundhouseError {
  readonly reason = 'CredentialPluginFailed';
  override readonly retryable = true;
  /** The plugin's command, for a caller that names it in its own words. */
  readonly command: string;
  /** Why the run was killed, if it was: it took too long, or printed too much. */
  readonly killed: 'timeout' | 'output' | undefined;

  constructor(
    message: string,
    plugin: { readonly command: string; readonly killed?: 'timeout' | 'output' | undefined },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.command = plugin.command;
    this.killed = plugin.killed;
  }
}

/**
 * A plugin's command cannot be run (`code`: ENOENT, EACCES): a mistake in the kubeconfig, or a
 * tool to install, that no retry mends.
 */
export class ExecPluginNotRunnableError extends ConfigurationError {
  readonly command: string;
  readonly code: string;

  constructor(where: string, command: string, code: string, installHint: string | undefined) {
    super({
      path: `${where}.command`,
      message: `"${command}" cannot be run (${code})${installHint ? `; ${installHint}` : ''}`,
    });
    this.command = command;
    this.code = code;
  }
}

export interface ExecCredentialPluginOptions {
  /** How long one run may take before it is killed; default 30 s. */
  readonly timeoutMs?: number | undefined;
  /** The wait after a first failure, doubled for each one after it up to `maxBackoffMs`; default 1 s. */
  readonly backoffMs?: number | undefined;
  /**
   * Default 8 s: requests fail at once while it lasts, a leader's lease renewal among them, so
   * it stays well inside a renew deadline.
   */
  readonly maxBackoffMs?: number | undefined;
  /**
   * How much a run may print before it is killed; default 1 MiB, far more than any
   * ExecCredential (a token, or a certificate and key) holds. Every byte is kept until the
   * plugin ends, so one that prints without end would fill the memory.
   */
  readonly maxOutputBytes?: number | undefined;
  /**
   * Where the plugin's standard error goes: the process's (default), as client-go sends it, or
   * nowhere, for a command whose output ends up in CI logs (a plugin's debug line may hold a
   * token).
   */
  readonly stderr?: 'inherit' | 'ignore' | undefined;
}

/**
 * The plugin of a user's `exec` section (or an `exec` auth-provider's), ready to run; undefined
 * when the user has none. A section that cannot work is a ConfigurationError naming the field.
 */
export function execCredentialPlugin(
  user: User,
  options: ExecCredentialPluginOptions = {},
): ExecCredentialPlugin | undefined {
  const section: unknown = user.exec ?? user.authProvider?.config?.exec;
  if (section === undefined || section === null) return undefined;
  const where = user.exec
    ? `users[${user.name}].user.exec`
    : `users[${user.name}].user.auth-provider.config.exec`;
  const parsed = ExecConfigSchema.safeParse(section);
  if (!parsed.success) {
    throw new ConfigurationError(toFieldIssues(parsed.error, where, section));
  }
  return new ExecCredentialPlugin(parsed.data, where, options);
}

/**
 * Runs a kubeconfig's exec credential plugin and keeps its credential until it expires or the
 * API server refuses it. Every request needs the credential, so one run serves all the requests
 * that wait meanwhile (a plugin that hangs is one process, not one per request); a run that
 * takes longer than its timeout is killed; and after a failure the plugin is not run again
 * until a backoff has passed, each request failing at once with the failure meanwhile.
 */
export class ExecCredentialPlugin {
  readonly #config: ExecConfig;
  readonly #where: string;
  readonly #timeoutMs: number;
  readonly #backoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #maxOutputBytes: number;
  readonly #stderr: 'inherit' | 'ignore';
  #credential: ExecCredentialStatus | undefined;
  #running: Promise<ExecCredentialStatus> | undefined;
  #failures = 0;
  #failure: { readonly error: unknown; readonly retryAt: number } | undefined;

  constructor(config: ExecConfig, where: string, options: ExecCredentialPluginOptions = {}) {
    this.#config = config;
    this.#where = where;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#backoffMs = options.backoffMs ?? 1_000;
    this.#maxBackoffMs = options.maxBackoffMs ?? 8_000;
    this.#maxOutputBytes = options.maxOutputBytes ?? 1024 * 1024;
    this.#stderr = options.stderr ?? 'inherit';
  }

  /** The current credential: the kept one while it lasts, else the plugin's next answer. */
  credential(): Promise<ExecCredentialStatus> {
    const kept = this.#credential;
    if (kept && !expired(kept, Date.now())) return Promise.resolve(kept);
    this.#credential = undefined;
    if (this.#running) return this.#running;
    const failure = this.#failure;
    const wait = failure ? failure.retryAt - Date.now() : 0;
    if (failure && wait > 0) {
      const { error } = failure;
      return Promise.reject(
        error instanceof ExecCredentialError
          ? new ExecCredentialError(
              `${error.message}; it runs again in ${Math.ceil(wait / 1_000)} s`,
              error,
              { cause: error },
            )
          : error,
      );
    }
    const running = this.#run().then(
      (credential) => {
        this.#failures = 0;
        this.#failure = undefined;
        this.#credential = credential;
        return credential;
      },
      (error: unknown) => {
        this.#failures++;
        const backoff = Math.min(this.#backoffMs * 2 ** (this.#failures - 1), this.#maxBackoffMs);
        this.#failure = { error, retryAt: Date.now() + backoff };
        throw error;
      },
    );
    this.#running = running;
    running.then(
      () => this.#done(running),
      () => this.#done(running),
    );
    return running;
  }

  /**
   * The API server refused a credential: the next request runs the plugin again, unless the
   * refused one was a token the kept credential has already replaced (a request sent before
   * the last run), which would cost a run for nothing.
   */
  forget(authorization?: string): void {
    const token = this.#credential?.token;
    if (authorization !== undefined && token !== undefined && authorization !== `Bearer ${token}`) {
      return;
    }
    this.#credential = undefined;
  }

  #done(running: Promise<ExecCredentialStatus>): void {
    if (this.#running === running) this.#running = undefined;
  }

  #run(): Promise<ExecCredentialStatus> {
    const { command, args, env, apiVersion } = this.#config;
    const plugin = `the exec credential plugin "${command}" (${this.#where})`;
    return new Promise((resolve, reject) => {
      const child = spawn(command, args ?? [], {
        env: {
          ...process.env,
          ...Object.fromEntries((env ?? []).map((e) => [e.name, e.value])),
          // As client-go does: a controller has nobody to answer a prompt.
          KUBERNETES_EXEC_INFO: JSON.stringify({
            apiVersion: apiVersion ?? 'client.authentication.k8s.io/v1beta1',
            kind: 'ExecCredential',
            spec: { interactive: false },
          }),
        },
        stdio: ['ignore', 'pipe', this.#stderr],
        // A group of its own, so a timeout kills what a wrapper script started too: a child left
        // behind would hold stdout open, and the plugin would never be seen to end.
        detached: true,
      });
      const chunks: Buffer[] = [];
      let printed = 0;
      const stop = (killed: 'timeout' | 'output', why: string) => {
        clearTimeout(timer);
        killGroup(child);
        child.stdout.destroy();
        reject(new ExecCredentialError(`${plugin} ${why} and was killed`, { command, killed }));
      };
      child.stdout.on('data', (chunk: Buffer) => {
        printed += chunk.length;
        if (printed > this.#maxOutputBytes) {
          chunks.length = 0;
          stop('output', `printed more than ${this.#maxOutputBytes} bytes`);
          return;
        }
        chunks.push(chunk);
      });
      const timer = setTimeout(
        () => stop('timeout', `gave no credential within ${this.#timeoutMs} ms`),
        this.#timeoutMs,
      );
      // A plugin still running must not keep a process that is shutting down alive.
      timer.unref();
      child.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        // Node's error is no cause: it carries the arguments (`spawnargs`), which may hold a
        // client secret, to any logger that writes a cause's fields.
        reject(
          error.code === 'ENOENT' || error.code === 'EACCES'
            ? new ExecPluginNotRunnableError(
                this.#where,
                command,
                error.code,
                this.#config.installHint ?? undefined,
              )
            : new ExecCredentialError(`${plugin} could not be started (${error.code})`, {
                command,
              }),
        );
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code !== 0) {
          reject(
            new ExecCredentialError(
              `${plugin} exited with ${signal ? `signal ${signal}` : `code ${code}`}; its own message is on standard error`,
              { command },
            ),
          );
          return;
        }
        const parsed = ExecCredentialSchema.safeParse(parseJson(Buffer.concat(chunks)));
        if (!parsed.success) {
          // What it printed is not quoted: it may hold a token.
          reject(
            new ExecCredentialError(
              `${plugin} printed no ExecCredential with a status.token or a status.clientCertificateData and clientKeyData`,
              { command },
            ),
          );
          return;
        }
        resolve(parsed.data.status);
      });
    });
  }
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is gone already, or was never made: the plugin itself is what is left.
    child.kill('SIGKILL');
  }
}

function expired(credential: ExecCredentialStatus, now: number): boolean {
  const expiry = credential.expirationTimestamp;
  return expiry !== undefined && Date.parse(expiry) <= now;
}

function parseJson(output: Buffer): unknown {
  try {
    return JSON.parse(output.toString('utf8'));
  } catch {
    return undefined;
  }
}
