import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

/** The controller as its own process, its JSON log lines collected as they come. */
export class ControllerProcess {
  readonly child: ChildProcess;
  /** Every stdout line that is a log entry, parsed; pino writes one JSON object per line. */
  readonly lines: Record<string, unknown>[] = [];
  /** stdout that is not a log entry, such as the `--help` text. */
  stdout = '';
  stderr = '';
  /** The exit code, once the process ended and its output was read to the end. */
  readonly closed: Promise<number | null>;

  readonly #port: number | undefined;

  /** `port`: where it serves health, when it does not log it (a `starting` entry with `port`). */
  constructor(
    command: string,
    args: readonly string[],
    options: { env?: NodeJS.ProcessEnv; port?: number } = {},
  ) {
    this.#port = options.port;
    this.child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env });
    this.closed = once(this.child, 'close').then(([code]) => code as number | null);
    let buffer = '';
    this.child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        if (line.startsWith('{')) this.lines.push(JSON.parse(line));
        else this.stdout += `${line}\n`;
      }
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
  }

  /** The port of /metrics, /healthz and /readyz, once the process logged it. */
  get port(): number | undefined {
    return this.#port ?? (this.lines.find((l) => l.msg === 'starting')?.port as number | undefined);
  }

  get(path: string): Promise<Response> {
    return fetch(`http://127.0.0.1:${this.port}${path}`);
  }

  /** SIGTERM, as the kubelet sends it; resolves with the exit code. */
  stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    return this.closed;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

/** A port nothing listens on now. */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
