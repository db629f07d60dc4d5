/**
 * PyYAML's error marks, as `str(yaml_err)` writes them into parse_yaml_or_json's message:
 * yaml/error.py Mark.__str__ (`  in "<unicode string>", line N, column M:` and a snippet of the
 * line with a caret under the place) and MarkedYAMLError.__str__ (context, its mark unless it is
 * the problem's, problem, its mark). PyYAML reads the text as code points, counts a line break
 * as Reader.forward does (`\r\n` once) and does not count a BOM as a column.
 */

const BREAKS = '\0\r\n\x85\u2028\u2029';
const SNIPPET_LENGTH = 75;
const INDENT = 4;

interface Mark {
  readonly line: number;
  readonly column: number;
  readonly text: string;
}

/** Reader.get_mark at a UTF-16 offset into the text PyYAML read. */
function markAt(text: string, offset: number): Mark {
  const points = Array.from(text.slice(0, offset));
  let line = 0;
  let column = 0;
  points.forEach((point, index) => {
    if ('\n\x85\u2028\u2029'.includes(point) || (point === '\r' && points[index + 1] !== '\n')) {
      line++;
      column = 0;
    } else if (point !== '\uFEFF') column++;
  });
  return { line, column, text: `${markLine(line, column)}:\n${snippet(text, offset)}` };
}

function markLine(line: number, column: number): string {
  return `  in "<unicode string>", line ${line + 1}, column ${column + 1}`;
}

/** Mark.get_snippet: the line around the place, cut with ` ... ` past half the length. */
function snippet(text: string, offset: number): string {
  const buffer = [...Array.from(text), '\0'];
  const pointer = Array.from(text.slice(0, offset)).length;
  let head = '';
  let start = pointer;
  while (start > 0 && !BREAKS.includes(buffer[start - 1] as string)) {
    start--;
    if (pointer - start > SNIPPET_LENGTH / 2 - 1) {
      head = ' ... ';
      start += 5;
      break;
    }
  }
  let tail = '';
  let end = pointer;
  while (end < buffer.length && !BREAKS.includes(buffer[end] as string)) {
    end++;
    if (end - pointer > SNIPPET_LENGTH / 2 - 1) {
      tail = ' ... ';
      end -= 5;
      break;
    }
  }
  const caret = ' '.repeat(INDENT + pointer - start + head.length);
  return `${' '.repeat(INDENT)}${head}${buffer.slice(start, end).join('')}${tail}\n${caret}^`;
}

/** A ConstructorError's parts, with the UTF-16 offsets of the nodes its marks point at. */
export interface MarkedError {
  readonly context?: string | undefined;
  readonly contextAt?: number | undefined;
  readonly problem: string;
  readonly problemAt: number;
}

/** MarkedYAMLError.__str__ of the error on this text. */
export function markedErrorText(text: string, error: MarkedError): string {
  const problemMark = markAt(text, error.problemAt);
  const lines: string[] = [];
  if (error.context !== undefined) lines.push(error.context);
  if (error.contextAt !== undefined) {
    const contextMark = markAt(text, error.contextAt);
    if (contextMark.line !== problemMark.line || contextMark.column !== problemMark.column) {
      lines.push(contextMark.text);
    }
  }
  lines.push(error.problem, problemMark.text);
  return lines.join('\n');
}
