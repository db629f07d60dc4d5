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

/** Set only by `failureTexts`: what `awxJobResult` checks its texts were made by. */
export const scrubbedTexts: unique symbol = Symbol('made by failureTexts');

/** What a failure's message shows of AWX's texts; made only by `failureTexts`. */
export interface FailureTexts {
  /** What the message says after the status, each scrubbed, or what is withheld and why. */
  readonly details: readonly string[];
  readonly [scrubbedTexts]: true;
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
  const explained = explanation ? scrubbedExplanation(explanation, scrub) : '';
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

/** Why AWX stopped a job: `named` is code's name for it, shown as is; `quoted` may quote anything. */
interface Explanation {
  readonly named: string;
  readonly quoted: string;
}

/** A line of `format_exc()` giving the exception: its type (qualified outside builtins), its message. */
const exceptionLine = /^([A-Za-z_][\w.]*)(?:: (.*))?$/;

/**
 * Why AWX stopped the job: its `job_explanation`; or, when AWX recorded none (an exception in
 * BaseTask.run leaves only `result_traceback`), the exception the traceback ends with, its type
 * and the first line of its message. A traceback is shown no further: the rest quotes code, a
 * message's further lines, or output AWX appended (a worker's last output, begun wherever AWX's
 * read of its last 1000 bytes began), and a traceback with no exception line shows nothing.
 */
function explanationOf(job: ExplainedJob): Explanation | undefined {
  const explained = job.job_explanation.trim();
  if (explained) return { named: '', quoted: explained };
  const lines = (job.result_traceback ?? '').split('\n').map((line) => line.trimEnd());
  const exception = lines.findLast((line) => exceptionLine.test(line));
  const [, named = '', quoted = ''] = exception?.match(exceptionLine) ?? [];
  return named ? { named, quoted } : undefined;
}

function scrubbedExplanation({ named, quoted }: Explanation, scrub: OutputScrub): string {
  const message = scrubbedText(quoted, scrub);
  if (!named) return message;
  return message ? `${named}: ${message}` : named;
}

function made(details: string[]): FailureTexts {
  return { details: details.filter(Boolean), [scrubbedTexts]: true };
}
