import { createReadStream } from 'node:fs';
import { printableText, readBoundedBody } from '@roundhouse/core';
import { InputError } from '../errors.js';
import { type Manifest, manifestFromFlags, manifestFromText, type RunInput } from '../manifest.js';
import type { Session } from '../session.js';
import { checkStoredSize } from '../stored-size.js';
import type { Terminal } from '../terminal.js';
import { watchExecutions } from '../watch.js';
import { qualifiedName } from './inspect.js';

export interface RunOptions extends Omit<RunInput, 'namespace'> {
  readonly filename?: string | undefined;
  readonly watch?: boolean | undefined;
}

/** `run`: creates a WorkflowExecution from flags or a manifest, and with --watch follows it. */
export async function run(
  session: Session,
  term: Terminal,
  options: RunOptions,
  signal: AbortSignal,
  unclaimedLimitMs?: number | undefined,
): Promise<number> {
  const manifest = options.filename
    ? await fromFile(session, options)
    : manifestFromFlags({ ...options, namespace: session.namespace }, session.workflowExecutions);
  checkStoredSize(manifest, options.filename ? '-f' : '-p');
  const namespace = manifest.metadata.namespace;
  const { object, warnings } = await session.call(
    {
      verb: 'create',
      resource: session.workflowExecutions,
      namespace,
      name: manifest.metadata.name,
    },
    () => session.client.create<Manifest>(session.workflowExecutions, namespace, manifest),
  );
  for (const warning of warnings) term.err.write(`Warning: ${printableText(warning)}\n`);
  const name = object.metadata.name as string;
  term.out.write(`${qualifiedName(session.workflowExecutions, name)} created\n`);
  if (!options.watch) return 0;
  return watchExecutions(session, term, { namespace, names: [name], unclaimedLimitMs }, signal);
}

const specFlags = ['engine', 'target', 'bundle', 'workflow', 'workflowVersion'] as const;

async function fromFile(session: Session, options: RunOptions): Promise<Manifest> {
  const file = options.filename as string;
  const clash = specFlags.filter((flag) => options[flag] !== undefined);
  if (
    clash.length ||
    options.param?.length ||
    options.engineConfig?.length ||
    options.dependency?.length
  ) {
    throw new InputError(
      {
        path: '-f',
        message: 'describes the whole execution; the spec flags cannot be added to it',
      },
      'put everything in the manifest, or drop -f and describe the execution with flags',
    );
  }
  let text: string;
  try {
    text = await readBounded(file === '-' ? process.stdin : createReadStream(file));
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(
      {
        path: '-f',
        message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      },
      'give the path of a WorkflowExecution manifest, or - to read it from stdin',
    );
  }
  return manifestFromText(
    text,
    file,
    { value: session.namespace, explicit: session.namespaceExplicit },
    options.customEngine,
    session.workflowExecutions,
  );
}

/** The API server's limit on a request body: a manifest larger than this is refused anyway. */
export const manifestLimitBytes = 3 * 1024 * 1024;

/**
 * A manifest's text, read no further than the API server would take: `-f /dev/zero` or a log
 * file given by mistake would otherwise fill the memory before anything could be said.
 */
export async function readBounded(stream: NodeJS.ReadableStream): Promise<string> {
  const { text, cut } = await readBoundedBody(
    stream as AsyncIterable<Uint8Array | string>,
    manifestLimitBytes,
  );
  if (cut) {
    throw new InputError(
      { path: '-f', message: 'is larger than the 3 MiB the API server takes in a request' },
      'give -f a single WorkflowExecution manifest; keep large data in a ConfigMap or Secret and list it under spec.dependencies',
    );
  }
  return text;
}
