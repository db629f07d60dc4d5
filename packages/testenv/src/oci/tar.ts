const block = 512;

function field(header: Buffer, offset: number, length: number, value: string): void {
  header.write(value, offset, length, 'ascii');
}

/** An octal number as tar writes it: zero-padded, NUL-terminated, in `length` bytes. */
function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, '0')}\0`;
}

/**
 * A tar archive (ustar) holding one regular file: what a Tekton bundle layer is. Timestamps are
 * zero, so the same content always gives the same bytes, and so the same layer digest.
 */
export function tarOneFile(name: string, content: Buffer): Buffer {
  if (Buffer.byteLength(name) > 100)
    throw new RangeError(`tar entry name longer than 100 bytes: ${name}`);
  const header = Buffer.alloc(block);
  field(header, 0, 100, name);
  field(header, 100, 8, octal(0o644, 8));
  field(header, 108, 8, octal(0, 8));
  field(header, 116, 8, octal(0, 8));
  field(header, 124, 12, octal(content.length, 12));
  field(header, 136, 12, octal(0, 12));
  field(header, 148, 8, ' '.repeat(8));
  field(header, 156, 1, '0');
  field(header, 257, 6, 'ustar\0');
  field(header, 263, 2, '00');
  let sum = 0;
  for (const byte of header) sum += byte;
  field(header, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const padding = (block - (content.length % block)) % block;
  return Buffer.concat([header, content, Buffer.alloc(padding), Buffer.alloc(2 * block)]);
}
