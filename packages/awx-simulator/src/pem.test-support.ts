/**
 * PEM text shaped as AWX reads it, for tests: the framing, base64 and encryption markers of a
 * private key, around bytes that are no key at all.
 */

/** A PEM object of this type around this body. */
export function pem(type: string, body: string): string {
  const dashes = '-----';
  return `${dashes}BEGIN ${type}${dashes}\n${body}\n${dashes}END ${type}${dashes}\n`;
}

/** An OPENSSH key whose cipher is `cipher` (`none` is unencrypted), as openssh frames it. */
export function opensshKey(cipher: string): string {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(cipher.length);
  const bytes = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    length,
    Buffer.from(`${cipher}-and-no-key-at-all`, 'latin1'),
  ]);
  return pem('OPENSSH PRIVATE KEY', bytes.toString('base64'));
}

/** A traditional RSA key, encrypted with a `Proc-Type` header or not. */
export function rsaKey(encrypted: boolean): string {
  const headers = encrypted ? 'Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00FF\n\n' : '';
  return pem('RSA PRIVATE KEY', `${headers}${Buffer.from('no key at all').toString('base64')}`);
}
