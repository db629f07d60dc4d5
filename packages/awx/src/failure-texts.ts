/**
 * What a failed job's status shows of the texts AWX wrote for it: AWX's explanation and the
 * tail of the job's output, each scrubbed of what the job was given, or why they are withheld.
 * AWX stores both unmasked, and either can come from a process that held the job's
 * credentials: the explanation can be ansible-runner's own, and an `error` job's traceback
 * quotes an exception raised while the credentials were injected. `awxJobResult` shows only
 * texts made here, so no caller can hand it AWX's texts unscrubbed. Everything here is pure.
 */
import {
  type OutputScrub,
  type OutputWithheld,
  scrubbedTail,
  scrubbedText,
} from './output-scrub.js';
import type { Job } from './schemas.js';

/** Set only by `failureTexts`, so that an object literal does not compile as `FailureTexts`. */
export const scrubbedTexts: unique symbol = Symbol('made by failureTexts');

/** What a failure's message shows of AWX's texts; made only by `failureTexts`. */
export interface FailureTexts {
  /** What the message says after the status, each scrubbed, or what is withheld and why. */
  readonly details: readonly string[];
  readonly [scrubbedTexts]: true;
}

/**
 * The texts `failureTexts` made, each frozen. A copy (`{ ...texts, details }`) has the symbol and
 * compiles as `FailureTexts`; only this tells it from the original.
 */
const madeHere = new WeakSet<FailureTexts>();

/** Whether `failureTexts` made `texts`, as they are. */
export function isMadeByFailureTexts(texts: unknown): texts is FailureTexts {
  return typeof texts === 'object' && texts !== null && madeHere.has(texts as FailureTexts);
}

/** The end of the job's output a failure shows. */
export interface OutputTail {
  /** How much of the end to show, in bytes; 0 for none. */
  readonly bytes: number;
  /**
   * The output's last `bytes` plus the scrub's `marginBytes`, as AWX gave them (`jobStdoutTail`);
   * undefined when they could not be read, or need not be (the texts are withheld).
   */
  readonly read?: string | undefined;
}

export type ExplainedJob = Pick<Job, 'id' | 'job_explanation'> &
  Partial<Pick<Job, 'result_traceback'>>;

/** How much of AWX's explanation goes into a message. */
const maxExplanation = 1024;

/**
 * The texts a failure of `job` shows: AWX's explanation (see `explanationOf`), cut to 1024
 * characters, and `tail`, each scrubbed with `scrub`; or, when `scrub` says the values to scrub
 * are not known, which of them are withheld and why.
 */
export function failureTexts(
  job: ExplainedJob,
  scrub: OutputScrub | OutputWithheld,
  tail: OutputTail = { bytes: 0 },
): FailureTexts {
  const explanation = explanationOf(job);
  if ('withheld' in scrub) {
    const what = [
      ...(explanation ? ["AWX's explanation"] : []),
      ...(tail.bytes > 0 ? ["the job's output"] : []),
    ];
    return made(what.length === 0 ? [] : [`${what.join(' and ')} withheld: ${scrub.withheld}`]);
  }
  // Scrubbed whole: an exception's type is no proof it is code's name rather than a value.
  const explained = explanation ? scrubbedText(explanation, scrub) : '';
  const output = tail.bytes > 0 && tail.read ? scrubbedTail(tail.read, scrub, tail.bytes) : '';
  return made([
    explained.trim().slice(0, maxExplanation),
    output.trim() ? `last output of AWX job ${job.id}:\n${output.trimEnd()}` : '',
  ]);
}

/** Whether AWX explained why it stopped the job, so that there is something to scrub. */
export function isExplained(job: ExplainedJob): boolean {
  return explanationOf(job) !== undefined;
}

/** A frame of `format_exc()`: the file and line the exception passed, its code indented below. */
const frameLine = /^ {2}File ".*", line \d+/;

/** The line after the last frame naming the exception: its type (qualified outside builtins), its message. */
const exceptionLine = /^[A-Za-z_][\w.]*(?:: .*)?$/;

/**
 * The headings of the texts AWXReceptorJob writes into `result_traceback` when a work unit
 * failed: the last 1000 bytes of its output, or Receptor's detail. Other texts are appended
 * after a line break (`delay_update`), so a heading may be any line.
 */
const receptorHeadings: ReadonlySet<string> = new Set(['Worker output:', 'Receptor detail:']);

/**
 * Why AWX stopped the job: its `job_explanation`; or, when AWX recorded none (an exception in
 * BaseTask.run leaves only `result_traceback`), the line naming the exception of a Python
 * traceback: the first line not indented after its last frame (`  File "…", line N`). Nothing
 * else of a traceback is shown: the rest quotes code, a message's further lines, or output AWX
 * appended. A traceback holding a work unit's output or Receptor's detail shows nothing at all,
 * since that output begins wherever AWX's read of its last 1000 bytes began, and may itself
 * print frames and a line of any shape after them; so does one with no frame, or whose line
 * after the last frame does not name an exception.
 */
function explanationOf(job: ExplainedJob): string | undefined {
  const explained = job.job_explanation.trim();
  if (explained) return explained;
  const lines = (job.result_traceback ?? '').split('\n').map((line) => line.trimEnd());
  if (lines.some((line) => receptorHeadings.has(line))) return undefined;
  const lastFrame = lines.findLastIndex((line) => frameLine.test(line));
  if (lastFrame === -1) return undefined;
  const exception = lines.slice(lastFrame + 1).find((line) => !/^\s/.test(line));
  return exception !== undefined && exceptionLine.test(exception) ? exception : undefined;
}

function made(details: string[]): FailureTexts {
  const texts = Object.freeze({
    details: Object.freeze(details.filter(Boolean)),
    [scrubbedTexts]: true as const,
  });
  madeHere.add(texts);
  return texts;
}
