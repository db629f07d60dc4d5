/**
 * JSON as AWX's Python sees it. AWX parses request bodies with Python's `json`, whose integers are
 * unbounded, and stores a job's `extra_vars` as `json.dumps(...)` text. A JavaScript number would
 * round 9223372036854775807, so integers beyond 2^53 and every float literal are kept as raw JSON
 * text (`JSON.rawJSON`), which `JSON.stringify` and `pythonJsonDumps` both emit verbatim.
 */

interface RawJson {
  readonly rawJSON: string;
}

// Node 22+ implements JSON.parse source text access; TypeScript's es2023 lib does not declare it.
const json = JSON as unknown as {
  rawJSON(text: string): RawJson;
  isRawJSON(value: unknown): value is RawJson;
  parse(
    text: string,
    reviver: (key: string, value: unknown, context: { source?: string | undefined }) => unknown,
  ): unknown;
};

export function isRawJson(value: unknown): value is RawJson {
  return json.isRawJSON(value);
}

const INTEGER_LITERAL = /^-?\d+$/;

/** Parses JSON text keeping every integer exact and every float in Python's spelling. */
export function parseJsonText(text: string): unknown {
  return json.parse(text, (_key, value, context) => {
    if (typeof value !== 'number' || context.source === undefined) return value;
    if (INTEGER_LITERAL.test(context.source)) {
      return Number.isSafeInteger(value) ? value : json.rawJSON(BigInt(context.source).toString());
    }
    return json.rawJSON(pythonFloatRepr(value));
  });
}

const PYTHON_JSON_SPACE = /[ \t\n\r]*/y;
const PYTHON_JSON_LITERAL =
  /(?:null|true|false|NaN|Infinity|-Infinity|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?)/y;

/** Python's JSONDecodeError text: the message, then where, as line, column and index. */
function decodeError(message: string, text: string, at: number): string {
  const line = text.slice(0, at).split('\n').length;
  const column = at - text.lastIndexOf('\n', at - 1);
  return `${message}: line ${line} column ${column} (char ${at})`;
}

/**
 * Why Python's `json.loads` refuses text JavaScript's JSON.parse refused (`error`): for text that
 * does not start with a JSON value, or whose first value, a literal, is followed by more (YAML
 * such as `key: value` or `- item`), Python's own message; for a malformed object, array or
 * string, JavaScript's.
 */
export function pythonJsonError(text: string, error: unknown): string {
  PYTHON_JSON_SPACE.lastIndex = 0;
  PYTHON_JSON_SPACE.exec(text);
  const start = PYTHON_JSON_SPACE.lastIndex;
  if ('{["'.includes(text[start] ?? '') && start < text.length) {
    return error instanceof Error ? error.message : String(error);
  }
  PYTHON_JSON_LITERAL.lastIndex = start;
  if (!PYTHON_JSON_LITERAL.exec(text)) return decodeError('Expecting value', text, start);
  PYTHON_JSON_SPACE.lastIndex = PYTHON_JSON_LITERAL.lastIndex;
  PYTHON_JSON_SPACE.exec(text);
  return decodeError('Extra data', text, PYTHON_JSON_SPACE.lastIndex);
}

/** Python's `repr(float)`, which `json.dumps` uses: `1.0`, `1e+16`, `1.5e-05`. */
export function pythonFloatRepr(value: number): string {
  if (!Number.isFinite(value))
    return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(value) && Math.abs(value) < 1e16) {
    return `${Object.is(value, -0) ? '-0' : value.toFixed(0)}.0`;
  }
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return String(value);
}

function pythonNumber(value: number): string {
  return Number.isInteger(value) && Math.abs(value) < 2 ** 53
    ? value.toFixed(0)
    : pythonFloatRepr(value);
}

/** `json.dumps(value)` with Python's defaults: `", "` and `": "` separators, ASCII-only output. */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (isRawJson(value)) return value.rawJSON;
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return pythonNumber(value);
    case 'bigint':
      return value.toString();
    case 'string':
      return pythonJsonString(value);
  }
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).map(
    ([key, item]) => `${pythonJsonString(key)}: ${pythonJsonDumps(item)}`,
  );
  return `{${entries.join(', ')}}`;
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

function pythonJsonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    const code = text.charCodeAt(i);
    const short = SHORT_ESCAPES[char];
    if (short) out += short;
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return `${out}"`;
}

/** Python's `repr()` of a parsed JSON value, as it appears in AWX's validation messages. */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (isRawJson(value)) return value.rawJSON;
  switch (typeof value) {
    case 'boolean':
      return value ? 'True' : 'False';
    case 'number':
      return pythonNumber(value);
    case 'string':
      return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  }
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).map(
    ([key, item]) => `${pythonRepr(key)}: ${pythonRepr(item)}`,
  );
  return `{${entries.join(', ')}}`;
}

/** Python's `str()`, which `%s` and `str.format` use: text as is, anything else as `repr()`. */
export function pythonStr(value: unknown): string {
  return typeof value === 'string' ? value : pythonRepr(value);
}

/** Python's `type(value).__name__` for a parsed JSON value. */
export function pythonTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (isRawJson(value)) return INTEGER_LITERAL.test(value.rawJSON) ? 'int' : 'float';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  return Array.isArray(value) ? 'list' : 'dict';
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isRawJson(value);
}
