import type { FieldIssue } from '@roundhouse/core';

/** How a flag takes its value in Go's flag package: a bool flag needs none. */
export type GoFlagKind = 'string' | 'boolean';

/** One argument as Go's flag package reads it. */
export type GoArg =
  | {
      readonly kind: 'flag';
      /** Without its dashes: `-data-dir` and `--data-dir` are both `data-dir`. */
      readonly name: string;
      /** The flag as written, without its value: `-data-dir`, `--enable-sidecar-mode`. */
      readonly raw: string;
      /** After `=`, or the next argument; undefined for a bare flag. */
      readonly value: string | undefined;
    }
  | { readonly kind: 'positional'; readonly value: string };

/**
 * Reads a command line as Go's flag package does, so that one written for a Go program works
 * unchanged: `-flag` and `--flag` are the same flag; a value follows `=` or is the next
 * argument (`-data-dir /x`, even when that argument starts with `-`, as Go takes it); a boolean
 * flag is bare (`-enable-sidecar-mode`) or takes its value after `=` only; `--` ends the flags
 * and `-` alone is an argument. There are no clusters of single-letter options (`-ab`), as
 * in Go: `-h` is the flag `h`.
 *
 * `kinds` names the flags that exist. A name not in it is still read as a flag, and takes the
 * next argument as its value when that does not look like a flag, so that the caller reports
 * one unknown flag once. Unlike Go, which ignores everything from the first argument that is
 * not a flag on, reading goes on past it, so that the caller can refuse it and report every
 * problem at once.
 */
export function readGoArgs(
  argv: readonly string[],
  kinds: ReadonlyMap<string, GoFlagKind>,
): { args: GoArg[]; issues: FieldIssue[] } {
  const args: GoArg[] = [];
  const issues: FieldIssue[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      for (const rest of argv.slice(i + 1)) args.push({ kind: 'positional', value: rest });
      break;
    }
    if (arg.length < 2 || !arg.startsWith('-')) {
      args.push({ kind: 'positional', value: arg });
      continue;
    }
    const dashes = arg.startsWith('--') ? 2 : 1;
    const body = arg.slice(dashes);
    if (body.startsWith('-') || body.startsWith('=')) {
      issues.push({
        path: arg,
        message: 'bad flag syntax: a flag is -name, --name or -name=value',
      });
      continue;
    }
    const equals = body.indexOf('=');
    const name = equals < 0 ? body : body.slice(0, equals);
    const raw = arg.slice(0, dashes + name.length);
    if (equals >= 0) {
      args.push({ kind: 'flag', name, raw, value: body.slice(equals + 1) });
      continue;
    }
    const kind = kinds.get(name);
    const next = argv[i + 1];
    if (kind === 'boolean') {
      args.push({ kind: 'flag', name, raw, value: undefined });
    } else if (kind === 'string') {
      if (next === undefined) {
        issues.push({ path: raw, message: `needs a value: ${raw}=VALUE or ${raw} VALUE` });
      } else {
        args.push({ kind: 'flag', name, raw, value: next });
        i++;
      }
    } else if (next !== undefined && !next.startsWith('-')) {
      args.push({ kind: 'flag', name, raw, value: next });
      i++;
    } else {
      args.push({ kind: 'flag', name, raw, value: undefined });
    }
  }
  return { args, issues };
}

/**
 * The same command line in the one spelling node:util's parseArgs reads without guessing:
 * `--name=value`, `--name` for a bare flag, and the arguments that are not flags after a
 * `--`. For a parser built on parseArgs (loadSettings) that must take Go's spellings too.
 */
export function normalizeGoFlags(
  argv: readonly string[],
  kinds: ReadonlyMap<string, GoFlagKind>,
): { argv: string[]; issues: FieldIssue[] } {
  const { args, issues } = readGoArgs(argv, kinds);
  const flags: string[] = [];
  const positionals: string[] = [];
  for (const arg of args) {
    if (arg.kind === 'positional') positionals.push(arg.value);
    else flags.push(arg.value === undefined ? `--${arg.name}` : `--${arg.name}=${arg.value}`);
  }
  return { argv: positionals.length > 0 ? [...flags, '--', ...positionals] : flags, issues };
}

/**
 * A boolean flag's value as Go's strconv.ParseBool reads it (`1`, `t`, `T`, `TRUE`, `true`,
 * `True`, and their false counterparts), as `true` or `false`; anything else unchanged, for
 * the caller's schema to judge.
 */
export function goBoolean(value: string): string {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return 'true';
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return 'false';
  return value;
}

/** Whether a value is an integer as Go's flag.IntVar takes it (`10`, `-1`, `0x1f`, `1_000`). */
export function isGoInteger(value: string): boolean {
  return /^[+-]?(0[xX][\da-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|\d[\d_]*)$/.test(value);
}

/** Whether the command line asks for help (`-h`, `-help`, `--help`), as Go's flag package takes it. */
export function asksForHelp(
  argv: readonly string[],
  kinds: ReadonlyMap<string, GoFlagKind>,
): boolean {
  return readGoArgs(argv, kinds).args.some(
    (arg) =>
      arg.kind === 'flag' && (arg.name === 'h' || arg.name === 'help') && !kinds.has(arg.name),
  );
}
