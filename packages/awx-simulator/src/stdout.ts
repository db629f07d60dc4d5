/**
 * `jobs/{id}/stdout/` as AWX's UnifiedJobStdout.retrieve renders it (awx/api/views/__init__.py). Every format but the
 * downloads reads the output through `result_stdout_raw_handle()`, which refuses an output whose
 * events' stdout is longer in all than STDOUT_MAX_BYTES_DISPLAY: the view then answers 200 with
 * a notice instead. The downloads (`txt_download`, `ansi_download`) have no limit
 * (`enforce_max_bytes=False`) and come as an attachment.
 */
import { type Job, stdoutEvents } from './jobs.js';
import { intValueErrorText, pythonIntText } from './python-int-text.js';
import { pythonRepr } from './python-json.js';
import { AwxServerError, json, type Reply, text } from './replies.js';
import type { Micros } from './timestamps.js';

/** awx/settings/defaults.py STDOUT_MAX_BYTES_DISPLAY. */
export const STDOUT_MAX_BYTES_DISPLAY = 1_048_576;

// UnifiedJob._escape_ascii and the view's redact_ansi: event data, then colour sequences.
// biome-ignore lint/suspicious/noControlCharactersInRegex: AWX's patterns match the escape character.
const EVENT_DATA = /\x1b\[K(?:[A-Za-z0-9+/=]+\x1b\[\d+D)+\x1b\[K/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: AWX's pattern matches the escape character.
const COLOUR = /\x1b[^m]*m/g;

function withoutEventData(content: string): string {
  return content.replace(EVENT_DATA, '');
}

function withoutAnsi(content: string): string {
  return withoutEventData(content).replace(COLOUR, '');
}

/**
 * What AWX measures: `Sum(Length('stdout'))` over the job's events, which PostgreSQL counts in
 * characters, without the newlines that end each event. Each simulated line is one event.
 */
function measuredSize(events: readonly string[]): number {
  return events.reduce((sum, line) => sum + [...line].length, 0);
}

/** What PostgreSQL's text COPY format (CopyAttributeOutText) writes for each of these. */
const COPY_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};

/**
 * The output as result_stdout_raw_handle builds it for every format: `copy (select stdout ...)
 * to stdout` in PostgreSQL's text format, a row per event ended by a newline, with backslash,
 * backspace, form feed, newline, carriage return, tab and vertical tab escaped; then the escaped `\r\n` that joins an event's lines (and
 * nothing else) turned back into a newline.
 */
function copiedOutput(events: readonly string[]): string {
  return events
    .map((line) => `${line.replace(/[\\\b\f\n\r\t\v]/g, (char) => COPY_ESCAPES[char] ?? char)}\n`)
    .join('')
    .replaceAll('\\r\\n', '\n');
}

/**
 * FileWrapper's block size (wsgiref.util.FileWrapper, blksize 8192): StdoutFilter.read passes it
 * on to each readline it makes.
 */
const DOWNLOAD_BLOCK = 8192;

// Where str.splitlines, which codecs' readline splits by, ends a line, of the characters COPY
// leaves unescaped (it escapes \r, \v and \f).
// biome-ignore lint/suspicious/noControlCharactersInRegex: splitlines ends lines at these.
const LINE_END = /[^\n\x1c-\x1e\x85\u2028\u2029]*(?:[\n\x1c-\x1e\x85\u2028\u2029]|$)/gu;

/**
 * The pieces in which the txt download's StdoutFilter reads the output, each of which it strips
 * on its own (redact_ansi), so an unended sequence does not run on into the next line as it does
 * in `txt`: `readline(8192)` of the codecs reader result_stdout_raw_handle opens gives a line,
 * ended at any of splitlines' line ends, or its next 8192 characters when it is longer. A
 * sequence a piece's end cuts is then left in the download, in two parts.
 */
export function downloadPieces(content: string): string[] {
  const pieces: string[] = [];
  for (const line of content.match(LINE_END) ?? []) {
    // Python counts characters, not UTF-16 units: a line of no more units is one piece.
    let start = 0;
    let characters = 0;
    for (let at = 0; line.length > DOWNLOAD_BLOCK && at < line.length; ) {
      at += (line.codePointAt(at) ?? 0) > 0xffff ? 2 : 1;
      characters += 1;
      if (characters < DOWNLOAD_BLOCK) continue;
      pieces.push(line.slice(start, at));
      start = at;
      characters = 0;
    }
    // The pattern also matches nothing at the output's end: no piece.
    if (start < line.length) pieces.push(line.slice(start));
  }
  return pieces;
}

/** Python's html.escape, quotes included as UnifiedJobStdout.retrieve calls it. */
function escapeHtml(content: string): string {
  return content
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#x27;');
}

function html(body: string): Reply {
  return { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body };
}

/** Python's int() of a query parameter; its ValueError, which the view does not catch, is a 500. */
function lineNumber(raw: string): bigint {
  const value = pythonIntText(raw);
  if (typeof value !== 'bigint') {
    throw new AwxServerError(`ValueError: ${intValueErrorText(raw, value)}`);
  }
  return value;
}

/** A Python int as JSON writes it, exact past 2^53. */
function jsonInt(value: bigint): unknown {
  const small = Number(value);
  if (Number.isSafeInteger(small)) return small;
  return (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON(value.toString());
}

/** A Python slice index as Array.prototype.slice takes it: beyond the list is its end. */
function sliceIndex(index: bigint, length: number): number {
  const bound = BigInt(length);
  if (index > bound) return length;
  return index < -bound ? 0 : Number(index);
}

/**
 * UnifiedJob._result_stdout_raw_limited, which the html, api and json formats read through: the
 * copied output's lines `[start_line:end_line]`, as Python slices them, and the range it
 * reports. `end_line` is read with int() before the output is, `start_line` after (so a text
 * start on an output too large to show gets its notice, a text end a 500).
 */
function limitedOutput(
  lines: readonly string[],
  start: bigint,
  end: bigint | undefined,
): { content: string; range: Record<'start' | 'end' | 'absolute_end', unknown> } {
  const length = BigInt(lines.length);
  const kept = lines.slice(
    sliceIndex(start, lines.length),
    end === undefined ? lines.length : sliceIndex(end, lines.length),
  );
  const [startActual, endActual] =
    start < 0n
      ? [length + start, length]
      : [start, end === undefined || end > length ? length : end];
  return {
    content: kept.join(''),
    range: { start: jsonInt(startActual), end: jsonInt(endActual), absolute_end: lines.length },
  };
}

/**
 * `format` is the negotiated renderer's; `api` and `html` are both an HTML page here. `query` is
 * the request's: the html, api and json formats take `start_line`, `end_line` and, for json,
 * `content_encoding=base64` (each its last value, as QueryDict.get reads it).
 */
export function stdout(job: Job, format: string, now: Micros, query: URLSearchParams): Reply {
  // result_stdout_raw_handle copies `stdout` of the events `where stdout != ''`: an event that
  // printed nothing is no line.
  const events = stdoutEvents(job, now).filter((line) => line !== '');
  const content = copiedOutput(events);
  if (format === 'txt_download' || format === 'ansi_download') {
    const ansi = format === 'ansi_download';
    // A Django HttpResponse with an explicit content_type: no charset is added.
    return {
      status: 200,
      headers: {
        'Content-Type': 'text/plain',
        'Content-Disposition': `attachment; filename="job_${job.id}${ansi ? '.ansi' : ''}.txt"`,
      },
      body: ansi ? content : downloadPieces(content).map(withoutAnsi).join(''),
    };
  }
  const param = (name: string) => query.getAll(name).at(-1);
  const limited = format !== 'txt' && format !== 'ansi';
  const endText = limited ? param('end_line') : undefined;
  const end = endText === undefined ? undefined : lineNumber(endText);
  const size = measuredSize(events);
  if (size > STDOUT_MAX_BYTES_DISPLAY) {
    const notice =
      `Standard Output too large to display (${size} bytes), only download supported for ` +
      `sizes over ${STDOUT_MAX_BYTES_DISPLAY} bytes.`;
    if (format === 'json') {
      return json(200, { range: { start: 0, end: 1, absolute_end: 1 }, content: notice });
    }
    return format === 'txt' || format === 'ansi' ? text(notice) : html(notice);
  }
  if (format === 'txt') return text(withoutAnsi(content));
  if (format === 'ansi') return text(content);
  // StringIO.readlines: lines end at each newline, which they keep.
  const lines = content.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const startText = param('start_line');
  const output = limitedOutput(lines, startText === undefined ? 0n : lineNumber(startText), end);
  const shown = withoutEventData(output.content);
  if (format === 'json') {
    const encoded =
      param('content_encoding') === 'base64' ? Buffer.from(shown).toString('base64') : shown;
    return json(200, { range: output.range, content: encoded });
  }
  return html(`<!DOCTYPE html>\n<html><body><pre>${escapeHtml(shown)}</pre></body></html>\n`);
}

/** The formats PlainTextRenderer and its subclasses render (awx/api/renderers.py). */
const TEXT_FORMATS: ReadonlySet<string> = new Set(['txt', 'ansi', 'txt_download', 'ansi_download']);

/** DRF's codes for the errors the stdout view raises before it reads any output. */
const ERROR_CODES: Readonly<Record<number, string>> = {
  403: 'permission_denied',
  404: 'not_found',
};

/**
 * An error of the stdout view as AWX renders it for the negotiated renderer's `format`. A text renderer makes the
 * exception's data `str(dict)`, Python's repr of DRF's ErrorDetail, as `text/plain`, not JSON;
 * every other format renders it as the rest of the API does.
 */
export function stdoutError(reply: Reply, format: string): Reply {
  const code = ERROR_CODES[reply.status];
  const body = reply.body as { detail?: unknown } | undefined;
  if (!TEXT_FORMATS.has(format) || !code || typeof body?.detail !== 'string') {
    return reply;
  }
  const detail = `ErrorDetail(string=${pythonRepr(body.detail)}, code=${pythonRepr(code)})`;
  return {
    status: reply.status,
    headers: { ...reply.headers, 'Content-Type': 'text/plain; charset=utf-8' },
    body: `{'detail': ${detail}}`,
  };
}
