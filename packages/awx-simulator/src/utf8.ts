/**
 * Request bodies decoded as AWX's JSONParser decodes them (smart_str with errors='strict'): UTF-8
 * that is not well formed is refused with Python's UnicodeDecodeError message, where Node's
 * decoder would put U+FFFD in its place and let the body through.
 */

export interface Decoded {
  /** The text, ill-formed sequences replaced by U+FFFD. */
  readonly text: string;
  /** Python's UnicodeDecodeError message, when the bytes are not well-formed UTF-8. */
  readonly error?: string | undefined;
}

/** How many continuation bytes a start byte takes, and the range its first one must be in. */
function sequence(lead: number): { length: number; low: number; high: number } | undefined {
  if (lead >= 0xc2 && lead <= 0xdf) return { length: 1, low: 0x80, high: 0xbf };
  if (lead === 0xe0) return { length: 2, low: 0xa0, high: 0xbf };
  if (lead === 0xed) return { length: 2, low: 0x80, high: 0x9f };
  if (lead >= 0xe1 && lead <= 0xef) return { length: 2, low: 0x80, high: 0xbf };
  if (lead === 0xf0) return { length: 3, low: 0x90, high: 0xbf };
  if (lead === 0xf4) return { length: 3, low: 0x80, high: 0x8f };
  if (lead >= 0xf1 && lead <= 0xf3) return { length: 3, low: 0x80, high: 0xbf };
  return undefined;
}

/** UnicodeDecodeError.__str__ for the bytes from `start` up to `end`. */
function message(bytes: Uint8Array, start: number, end: number, reason: string): string {
  if (end - start === 1) {
    const hex = (bytes[start] ?? 0).toString(16).padStart(2, '0');
    return `'utf-8' codec can't decode byte 0x${hex} in position ${start}: ${reason}`;
  }
  return `'utf-8' codec can't decode bytes in position ${start}-${end - 1}: ${reason}`;
}

/** Where CPython's UTF-8 decoder (final) fails, and why; `undefined` for well formed text. */
function firstError(bytes: Uint8Array): string | undefined {
  let at = 0;
  while (at < bytes.length) {
    const lead = bytes[at] ?? 0;
    if (lead < 0x80) {
      at += 1;
      continue;
    }
    const expected = sequence(lead);
    if (!expected) return message(bytes, at, at + 1, 'invalid start byte');
    for (let k = 1; k <= expected.length; k += 1) {
      if (at + k >= bytes.length) return message(bytes, at, bytes.length, 'unexpected end of data');
      const next = bytes[at + k] ?? 0;
      const [low, high] = k === 1 ? [expected.low, expected.high] : [0x80, 0xbf];
      if (next < low || next > high) return message(bytes, at, at + k, 'invalid continuation byte');
    }
    at += expected.length + 1;
  }
  return undefined;
}

export function decodeUtf8(bytes: Uint8Array): Decoded {
  return { text: Buffer.from(bytes).toString('utf8'), error: firstError(bytes) };
}
