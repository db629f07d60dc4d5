import {
  ConfigurationError,
  type FieldIssue,
  isDns1123Label,
  isDns1123Subdomain,
  parseTimeout,
  toFieldIssues,
  validateParameters,
  type WorkflowExecutionSpec,
  WorkflowExecutionSpecSchema,
} from '@roundhouse/core';
import { apiVersionOf, type KubeObject, type ResourceType } from '@roundhouse/kube';
import { workflowExecutions } from '@roundhouse/workflowexecution';
import { parseAllDocuments } from 'yaml';
import { InputError, UnknownEngineError } from './errors.js';
import {
  checkEngineConfig,
  parseDependencies,
  parseEngineConfigFlags,
  parseParameters,
} from './flag-values.js';
import { shortQuote } from './quote.js';

/** The engines Roundhouse ships; anything else needs --custom-engine. */
export const knownEngines = ['job', 'tekton', 'ansible'] as const;

/** A WorkflowExecution as the CLI sends it: a spec and a name, or a prefix for one. */
export type Manifest = KubeObject & {
  apiVersion: string;
  kind: 'WorkflowExecution';
  metadata: NonNullable<KubeObject['metadata']> & { namespace: string };
  spec: WorkflowExecutionSpec;
};

/** `run`'s flags, as commander hands them over. */
export interface RunInput {
  readonly namespace: string;
  readonly engine?: string | undefined;
  readonly target?: string | undefined;
  readonly bundle?: string | undefined;
  readonly workflow?: string | undefined;
  readonly workflowVersion?: string | undefined;
  readonly param?: readonly string[] | undefined;
  readonly engineConfig?: readonly string[] | undefined;
  readonly dependency?: readonly string[] | undefined;
  readonly timeout?: string | undefined;
  readonly serviceAccount?: string | undefined;
  readonly name?: string | undefined;
  readonly generateName?: boolean | undefined;
  readonly customEngine?: boolean | undefined;
}

const runUsage =
  'kubectl roundhouse run --engine job --target prod/deployment/app --bundle registry.example.com/team/restart:1, or kubectl roundhouse run -f wfe.yaml';

/** The WorkflowExecution that `run`'s flags describe; every mistake is refused with its fix. */
export function manifestFromFlags(
  input: RunInput,
  resource: ResourceType = workflowExecutions,
): Manifest {
  const missing = (['engine', 'target', 'bundle'] as const)
    .filter((flag) => !input[flag])
    .map((flag) => ({ path: `--${flag}`, message: 'is required (or give a manifest with -f)' }));
  if (missing.length) throw new InputError(missing, runUsage);
  const engine = input.engine as string;
  checkEngine(engine, input.customEngine);
  if (input.name && input.generateName) {
    throw new InputError(
      { path: '--name', message: 'and --generate-name exclude each other' },
      'give --name NAME for a fixed name, or --generate-name (the default) for a unique one',
    );
  }
  const bundle = input.bundle as string;
  const derived = workflowFromBundle(bundle);
  const parameters = parseParameters(input.param ?? []);
  const engineConfig = parseEngineConfigFlags(input.engineConfig ?? []);
  const dependencies = parseDependencies(input.dependency ?? []);
  const executionConfig = {
    ...(input.timeout ? { timeout: input.timeout } : {}),
    ...(input.serviceAccount ? { serviceAccountName: input.serviceAccount } : {}),
  };
  const spec = {
    workflowRef: {
      workflowId: input.workflow ?? derived.workflowId,
      version: input.workflowVersion ?? derived.version,
      executionBundle: bundle,
      ...(Object.keys(engineConfig).length ? { engineConfig } : {}),
    },
    targetResource: input.target as string,
    executionEngine: engine,
    ...(Object.keys(parameters).length ? { parameters } : {}),
    ...(dependencies.secrets.length || dependencies.configMaps.length
      ? {
          dependencies: {
            ...(dependencies.secrets.length ? { secrets: dependencies.secrets } : {}),
            ...(dependencies.configMaps.length ? { configMaps: dependencies.configMaps } : {}),
          },
        }
      : {}),
    ...(Object.keys(executionConfig).length ? { executionConfig } : {}),
  };
  const checked = WorkflowExecutionSpecSchema.safeParse(spec);
  if (!checked.success) {
    throw new InputError(
      toFieldIssues(checked.error, 'spec', spec).map((i) => ({ ...i, path: flagOf(i.path) })),
      'correct the flags named above; `kubectl roundhouse run --help` shows each one',
    );
  }
  checkEngineConfig(engine, engineConfig);
  if (input.timeout)
    checkTimeout(input.timeout, '--timeout', 'pass a positive Go duration: --timeout 10m');
  if (input.name && !isDns1123Subdomain(input.name)) {
    throw new InputError(
      { path: '--name', message: `${shortQuote(input.name)} is not a valid object name` },
      'use lowercase letters, digits, "-" and ".", starting and ending with a letter or digit',
    );
  }
  return {
    apiVersion: apiVersionOf(resource),
    kind: 'WorkflowExecution',
    metadata: {
      ...(input.name
        ? { name: input.name }
        : { generateName: generateNamePrefix(spec.workflowRef.workflowId) }),
      namespace: input.namespace,
    },
    // What was sent, not the parsed spec: defaults are the API server's and the controller's.
    spec: spec as WorkflowExecutionSpec,
  };
}

/**
 * Refuses a timeout the schema takes but the controller and every engine refuse once the
 * execution exists (zero, negative, beyond Go's range), failing it.
 */
export function checkTimeout(value: string, path: string, fix: string): void {
  try {
    parseTimeout(value, path);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    throw new InputError(error.issues, fix);
  }
}

/** Refuses an engine Roundhouse does not ship, unless the user says it is theirs. */
export function checkEngine(engine: string, custom: boolean | undefined): void {
  if (custom || (knownEngines as readonly string[]).includes(engine)) return;
  throw new UnknownEngineError(engine, knownEngines);
}

/**
 * A workflow id and version read off the bundle, so the common case needs no more flags:
 * `registry.example.com/team/restart:1.2` is `restart` version `1.2`; without a tag the
 * version is the digest's start, else `latest`.
 */
export function workflowFromBundle(bundle: string): { workflowId: string; version: string } {
  const [reference = '', digest] = bundle.split('@');
  const last = reference.split('/').pop() ?? '';
  const [repository = '', tag] = last.split(':');
  const workflowId = repository.replace(/\.git$/, '') || 'workflow';
  return { workflowId, version: tag ?? digest?.slice(0, 19) ?? 'latest' };
}

/** `generateName` from the workflow id: a valid, short prefix the server completes. */
export function generateNamePrefix(workflowId: string): string {
  const base = workflowId
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 52);
  return `${base || 'run'}-`;
}

const flags: Readonly<Record<string, string>> = {
  'spec.targetResource': '--target',
  'spec.executionEngine': '--engine',
  'spec.workflowRef.executionBundle': '--bundle',
  'spec.workflowRef.workflowId': '--workflow',
  'spec.workflowRef.version': '--workflow-version',
  'spec.executionConfig.timeout': '--timeout',
  'spec.executionConfig.serviceAccountName': '--service-account',
};

function flagOf(path: string): string {
  return flags[path] ?? path;
}

/**
 * The WorkflowExecution in a manifest file (YAML or JSON; one document), in `namespace` unless
 * it names its own. The spec is checked with the controller's own rules before anything is sent.
 */
export function manifestFromText(
  text: string,
  source: string,
  namespace: { value: string; explicit: boolean },
  customEngine: boolean | undefined,
  resource: ResourceType = workflowExecutions,
): Manifest {
  const apiVersion = apiVersionOf(resource);
  const fix = `give -f a single WorkflowExecution (apiVersion ${apiVersion}); kubectl roundhouse get NAME -o yaml shows one`;
  const documents = parseAllDocuments(text);
  const problem = (message: string) => new InputError({ path: source, message }, fix);
  if (!Array.isArray(documents) || documents.length !== 1) {
    throw problem('must hold exactly one YAML document');
  }
  const [document] = documents;
  const syntax = document?.errors[0];
  if (syntax) {
    // The library's message goes on with a code frame of the file's lines; an error is one
    // line, and the file's lines (a parameter may be a secret) are the user's to open.
    const where = syntax.linePos?.[0];
    const what = syntax.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '');
    throw problem(
      `is not valid YAML: ${what}${where ? ` at line ${where.line}, column ${where.col}` : ''}`,
    );
  }
  let object: Partial<Manifest> | null;
  try {
    object = document?.toJS() as Partial<Manifest> | null;
  } catch (error) {
    // The YAML library's guard against alias expansion (a "billion laughs" file) throws here.
    throw problem(`cannot be read: ${(error as Error).message}`);
  }
  if (!object || typeof object !== 'object' || object.kind !== 'WorkflowExecution') {
    throw problem('is not a WorkflowExecution (kind: WorkflowExecution)');
  }
  if (object.apiVersion !== undefined && object.apiVersion !== apiVersion) {
    throw problem(`has apiVersion ${object.apiVersion}; this CLI speaks ${apiVersion}`);
  }
  const metadata = object.metadata ?? { namespace: namespace.value };
  if (typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw problem('metadata must be an object');
  }
  if (!metadata.name && !metadata.generateName)
    throw problem('needs metadata.name or metadata.generateName');
  const metadataIssues = checkMetadata(metadata);
  if (metadataIssues.length) {
    throw new InputError(
      metadataIssues.map((i) => ({ ...i, path: `${source}: ${i.path}` })),
      'a name is lowercase letters, digits, "-" and "." (at most 253), a namespace lowercase letters, digits and "-" (at most 63), each starting and ending with a letter or digit',
    );
  }
  if (metadata.namespace && namespace.explicit && metadata.namespace !== namespace.value) {
    throw new InputError(
      {
        path: '--namespace',
        message: `${namespace.value} does not match the manifest's ${metadata.namespace}`,
      },
      'drop -n, or make both name the same namespace',
    );
  }
  const checked = WorkflowExecutionSpecSchema.safeParse(object.spec);
  if (!checked.success) {
    throw new InputError(
      toFieldIssues(checked.error, 'spec', object.spec),
      `correct the fields named above in ${source}`,
    );
  }
  checkEngine(checked.data.executionEngine, customEngine);
  const timeout = checked.data.executionConfig?.timeout;
  if (timeout) {
    checkTimeout(
      timeout,
      'spec.executionConfig.timeout',
      `write a positive Go duration (e.g. 10m) in ${source}`,
    );
  }
  try {
    // The engines refuse these names only once the execution exists, failing it.
    validateParameters(checked.data.parameters);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    throw new InputError(error.issues, `rename the parameters named above in ${source}`);
  }
  const { status: _status, ...rest } = object as Manifest & { status?: unknown };
  return {
    ...rest,
    apiVersion,
    metadata: { ...metadata, namespace: metadata.namespace || namespace.value },
  } as Manifest;
}

/**
 * What the API server would refuse in a manifest's metadata, found before anything is sent. A
 * generated name is the prefix and five characters the server adds.
 */
function checkMetadata(metadata: Record<string, unknown>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const { name, generateName, namespace } = metadata;
  if (name !== undefined && (typeof name !== 'string' || !isDns1123Subdomain(name))) {
    issues.push({
      path: 'metadata.name',
      message: `${shortQuote(name)} is not a valid object name`,
    });
  }
  if (
    name === undefined &&
    generateName !== undefined &&
    (typeof generateName !== 'string' || !isDns1123Subdomain(`${generateName}a`))
  ) {
    issues.push({
      path: 'metadata.generateName',
      message: `${shortQuote(generateName)} is not a valid name prefix`,
    });
  }
  if (namespace !== undefined && (typeof namespace !== 'string' || !isDns1123Label(namespace))) {
    issues.push({
      path: 'metadata.namespace',
      message: `${shortQuote(namespace)} is not a valid namespace`,
    });
  }
  return issues;
}
