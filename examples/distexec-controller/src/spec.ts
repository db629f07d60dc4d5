import {
  ConfigurationError,
  ObjectMetaSchema,
  ociReferencePattern,
  printableText,
  referenceDigestProblem,
  toFieldIssues,
} from '@roundhouse/core';
import type { KubeObject } from '@roundhouse/kube';
import { z } from 'zod';

// The kernel takes arguments as C strings: a NUL would silently cut one short.
const argument = z.string().refine((s) => !s.includes('\0'), { error: 'must not contain NUL' });

const ociReference = new RegExp(ociReferencePattern);

/**
 * An image the job engine can pull, checked here (and by the CRD) because the engine's own
 * check comes only when a Job is built, long after the author could have been told.
 */
export const imageReference = z
  .string()
  .max(512)
  .regex(ociReference, {
    error: (issue) => {
      const digest = referenceDigestProblem(String(issue.input));
      return digest
        ? `its digest: ${digest}`
        : 'must be an OCI image reference, its repository path in lowercase, such as "registry.example.com/tools/busybox:1.37"';
    },
  });

/**
 * The most characters a program takes: a `shell` script, or `argv`'s arguments together. Every
 * node's entry must still fit in the DistExec beside its spec (etcd stores no object over
 * 1.5 MiB, see `maxDistExecBytes`), and an argv of 256 arguments of 4096 characters could take
 * that room alone, so no entry could be written and every node retried for ever.
 */
export const maxProgramChars = 16_384;

/** The most labels `nodeSelector` matches, each value as long as a label's may be. */
export const maxSelectorLabels = 64;

/**
 * A label key a Node can carry: a name of at most 63 characters, under a DNS-subdomain prefix
 * or none. Without a backslash, so the CRD's CEL rule quotes it as it is.
 */
export const labelKeyPattern =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$';

/** The longest prefix of a label key: a DNS subdomain's 253 characters, so "/" is at most at 253. */
export const maxLabelPrefixChars = 253;

/** The longest label key: a prefix of 253 characters, "/" and a name of 63. */
export const maxSelectorKeyChars = 317;

const labelKey = new RegExp(labelKeyPattern);

/** A label value: empty, or one that begins and ends with a letter or digit. */
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function isLabelKey(key: string): boolean {
  return labelKey.test(key) && key.lastIndexOf('/') <= maxLabelPrefixChars;
}

/** Upper bound of `timeoutSeconds`: an int32, as Go clients send it, like the supervisor's. */
const maxTimeoutSeconds = 2 ** 31 - 1;

const SpecFieldsSchema = z.object({
  command: argument
    .min(1)
    .max(4096)
    .optional()
    .describe(
      'The command, split on single spaces as dist-exec splits it ("ls -a" runs ls with -a); no shell, no quoting. Exactly one of command, argv and shell.',
    ),
  argv: z
    .array(argument.max(4096))
    .min(1)
    .max(256)
    .optional()
    .describe(
      `The program and its arguments, as given; no shell. At most ${maxProgramChars} characters together.`,
    ),
  shell: argument
    .min(1)
    .max(maxProgramChars)
    .optional()
    .describe('A script run by /bin/sh -c: pipes, quoting and variables work.'),
  timeoutSeconds: z
    .int()
    .min(1)
    .max(maxTimeoutSeconds)
    .optional()
    .describe(
      "Each attempt's deadline; the agent then stops its whole process group (Job mode: the pod).",
    ),
  retries: z
    .int()
    .min(0)
    .max(10)
    .optional()
    .describe('Attempts after a failed one on the same node; default 0.'),
  nodeSelector: z
    .record(
      z.string().max(maxSelectorKeyChars),
      z.string().max(63).regex(labelValue, {
        error:
          'is no label value, so no node has it and the DistExec would run nowhere; write at most 63 letters, digits, "-", "_" and ".", beginning and ending with a letter or digit',
      }),
    )
    .optional()
    .describe('Run only on nodes with all these labels; default every node.'),
  image: imageReference
    .optional()
    .describe(
      'Job-per-node mode only: the image the command runs in; default the controller flag.',
    ),
});

/** How many of command, argv and shell a spec sets; exactly one is valid. */
function programFields(spec: z.infer<typeof SpecFieldsSchema>): number {
  return [spec.command, spec.argv, spec.shell].filter((v) => v !== undefined).length;
}

/** The DistExec spec: dist-exec's `command`, or an explicit `argv`, or a `shell` script. */
export const DistExecSpecSchema = SpecFieldsSchema.superRefine((spec, context) => {
  if (programFields(spec) !== 1) {
    context.addIssue({
      code: 'custom',
      path: [],
      message: 'set exactly one of command, argv, shell',
    });
  }
  if (spec.command?.startsWith(' ')) {
    context.addIssue({
      code: 'custom',
      path: ['command'],
      message:
        'starts with a space, which (split as dist-exec splits) leaves the program name empty',
    });
  }
  if (spec.argv && argvChars(spec.argv) > maxProgramChars) {
    context.addIssue({
      code: 'custom',
      path: ['argv'],
      message: `holds ${argvChars(spec.argv)} characters, more than the ${maxProgramChars} a program may take; run a script from the image instead`,
    });
  }
  if (spec.nodeSelector && Object.keys(spec.nodeSelector).length > maxSelectorLabels) {
    context.addIssue({
      code: 'custom',
      path: ['nodeSelector'],
      message: `matches more than ${maxSelectorLabels} labels`,
    });
  }
  // A Node cannot carry such a label: matched against none, the DistExec would run nowhere
  // and say nothing of why. The CRD refuses it at create too; this finds one stored before.
  for (const key of Object.keys(spec.nodeSelector ?? {})) {
    if (isLabelKey(key)) continue;
    context.addIssue({
      code: 'custom',
      path: ['nodeSelector'],
      message: `"${printableText(key)}" is no label key, so no node has it and the DistExec would run nowhere; write a key such as "kubernetes.io/os" or "example.com/pool"`,
    });
  }
  // The supervisor refuses an empty program name; found only then, it would be retried forever.
  if (spec.argv?.[0] === '') {
    context.addIssue({
      code: 'custom',
      path: ['argv', 0],
      message: 'is empty; the first element is the program to run',
    });
  }
});

export type DistExecSpec = z.infer<typeof DistExecSpecSchema>;

function argvChars(argv: readonly string[]): number {
  let chars = 0;
  // Code points, as the API server's CEL `size` counts them.
  for (const argument of argv) for (const _ of argument) chars += 1;
  return chars;
}

/** The fields of the spec, for the CRD; the CRD states the exactly-one rule in CEL. */
export const distExecSpecFields = SpecFieldsSchema;

export const NodePhaseSchema = z.enum(['Running', 'Succeeded', 'Failed']);
export type NodePhase = z.infer<typeof NodePhaseSchema>;

/** One node's result, written only by that node's agent (or the Job-per-node controller). */
export const NodeResultSchema = z.object({
  phase: NodePhaseSchema,
  /** Completed, Failed, Timeout, Stopped, StartFailed, Lost, InvalidSpec. */
  reason: z.string().optional(),
  message: z.string().optional(),
  exitCode: z.int().optional(),
  /** The tail of the output, at most the agent's --output-limit-bytes. */
  stdout: z.string().optional(),
  stderr: z.string().optional(),
  /** Whether earlier output was cut from stdout or stderr. */
  outputTruncated: z.boolean().optional(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  /** Attempts made for `observedGeneration`; 0 when the spec was refused. */
  attempts: z.int().min(0),
  /** The spec generation this result is for; an older one is re-run. */
  observedGeneration: z.int().min(0),
});
export type NodeResult = z.infer<typeof NodeResultSchema>;

export const SummarySchema = z.object({
  /** Nodes the last writer saw the DistExec select. */
  nodes: z.int().min(0),
  /** Of those, finished at the current generation. */
  succeeded: z.int().min(0),
  failed: z.int().min(0),
  /** The rest: running, not reported yet, or still showing an older generation. */
  pending: z.int().min(0),
});
export type Summary = z.infer<typeof SummarySchema>;

export const DistExecStatusSchema = z.object({
  results: z.record(z.string(), NodeResultSchema).optional(),
  summary: SummarySchema.optional(),
});

/**
 * What the agents and the Job controller read of any DistExec: its metadata, its spec (or why
 * it is invalid) and each node's entry. Entries are read one by one, so a malformed entry (not
 * written by Roundhouse) reads as absent and is left alone rather than hiding the others.
 */
export interface DistExecView {
  readonly metadata: z.infer<typeof ObjectMetaSchema>;
  readonly generation: number;
  readonly spec: { readonly valid: true; readonly value: DistExecSpec } | SpecProblem;
  readonly results: Readonly<Record<string, NodeResult>>;
}

export interface SpecProblem {
  readonly valid: false;
  readonly message: string;
}

export function distExecView(object: KubeObject): DistExecView {
  const metadata = ObjectMetaSchema.parse(object.metadata);
  const spec = object.spec ?? {};
  const parsed = DistExecSpecSchema.safeParse(spec);
  return {
    metadata,
    generation: metadata.generation ?? 0,
    spec: parsed.success
      ? { valid: true, value: parsed.data }
      : {
          valid: false,
          message: new ConfigurationError(toFieldIssues(parsed.error, 'spec', spec)).message,
        },
    results: resultsOf(object.status),
  };
}

// Built once: building a zod schema costs far more than using it, and every agent reads the
// results on every event of every DistExec.
const StatusResultsSchema = z.looseObject({ results: z.record(z.string(), z.unknown()) });

/** The well-formed entries of a status's `results`. */
export function resultsOf(status: unknown): Record<string, NodeResult> {
  const raw = StatusResultsSchema.safeParse(status);
  if (!raw.success) return {};
  const entries = Object.entries(raw.data.results).flatMap(([node, value]) => {
    const entry = NodeResultSchema.safeParse(value);
    return entry.success ? [[node, entry.data] as const] : [];
  });
  return Object.fromEntries(entries);
}

/** The one of `command`, `argv` and `shell` a spec sets: where an error about its program points. */
export function programField(spec: DistExecSpec): 'command' | 'argv' | 'shell' {
  if (spec.argv) return 'argv';
  return spec.shell !== undefined ? 'shell' : 'command';
}

/**
 * The argv a spec runs: `argv` as given, `shell` through `/bin/sh -c`, or `command` split on
 * single spaces (dist-exec's `strings.Split(cmd, " ")`, so two spaces give an empty argument).
 */
export function argvOf(spec: DistExecSpec): string[] {
  if (spec.argv) return [...spec.argv];
  if (spec.shell !== undefined) return ['/bin/sh', '-c', spec.shell];
  return (spec.command ?? '').split(' ');
}

/** Whether a node with these labels is selected by `nodeSelector` (every pair must match). */
export function selects(
  nodeSelector: Readonly<Record<string, string>> | undefined,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  return Object.entries(nodeSelector ?? {}).every(([key, value]) => labels?.[key] === value);
}
