import { printableText } from '@roundhouse/core';

/**
 * Longest message a status carries, in each condition and in failureDetails. A Failed status
 * repeats its message up to five times, and one that is too large to write (etcd keeps objects
 * under 1.5 MiB) would leave the execution retrying forever with no status at all. 20 KiB
 * holds the longest output tail the ansible engine reports (16 KiB) with its explanation,
 * and stays well within the 32 KiB a condition message may have.
 */
export const statusMessageMaxLength = 20_480;

/**
 * `message` within statusMessageMaxLength, as `reportedText` writes it: its start (what failed)
 * and its end (the last output lines) around a note of how much was left out.
 */
export function statusMessage(raw: string): string {
  const message = reportedText(raw);
  if (message.length <= statusMessageMaxLength) return message;
  const note = (omitted: number) => ` … [${omitted} characters left out] … `;
  const keep = statusMessageMaxLength - note(message.length).length;
  let head = Math.ceil(keep / 2);
  let tail = message.length - (keep - head);
  // Never split a surrogate pair: half a character is not text.
  if (isHighSurrogate(message.charCodeAt(head - 1))) head -= 1;
  if (isHighSurrogate(message.charCodeAt(tail - 1))) tail += 1;
  return message.slice(0, head) + note(tail - head) + message.slice(tail);
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/**
 * A message as a status or an Event carries it. Much of it can be an author's (a workflow id,
 * a step's termination message, an engine's words quoting the spec), and `kubectl describe`
 * prints it raw to whoever reads it: control and invisible characters are written as escapes,
 * keeping the line breaks and tabs of an output tail.
 */
export function reportedText(message: string): string {
  return printableText(message, '\n\t');
}
