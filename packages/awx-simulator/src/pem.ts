/**
 * AWX's reading of PEM text (awx/main/validators.py validate_pem), which decides whether a
 * credential's `ssh_key_data` is a key at all and whether it is encrypted, so whether a launch
 * must give `ssh_key_unlock`. Only the PEM framing, the base64 and the key's encryption marker
 * are read, as AWX reads them; the key itself is never parsed.
 */
import { AwxServerError } from './replies.js';

export interface PemObject {
  readonly type: 'PRIVATE KEY' | 'CERTIFICATE';
  /** Set for a private key only. */
  readonly encrypted?: boolean | undefined;
}

/** The `X` of `BEGIN X PRIVATE KEY` to the key type AWX knows (ssh-keygen -t). */
const PRIVATE_KEY_TYPES = new Set(['RSA', 'DSA', 'EC', 'OPENSSH', '']);

const PEM_OBJECT = /^(-{4,}) *BEGIN ([A-Z ]+?) *\1\s*([\s\S]+?)\s*\1 *END \2 *\1([\s\S]*?)$/;
const HEADER = /^(.+?):\s*?(.+?)(\\??)$/;
// Python's str.splitlines breaks at these, and at \r\n as one break.
const LINE_BREAKS = new Set([
  '\n',
  '\r',
  '\v',
  '\f',
  '\x1c',
  '\x1d',
  '\x1e',
  '\x85',
  '\u2028',
  '\u2029',
]);

function splitLines(text: string): string[] {
  return text
    .replaceAll('\r\n', '\n')
    .split('')
    .reduce<string[]>(
      (lines, char) => {
        if (LINE_BREAKS.has(char)) lines.push('');
        else lines[lines.length - 1] += char;
        return lines;
      },
      [''],
    );
}

/** What openssh writes first in an OPENSSH private key whose cipher is `none`. */
const UNENCRYPTED_OPENSSH = Buffer.from('openssh-key-v1\x00\x00\x00\x00\x04none', 'latin1');

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Python's base64.b64decode without validation (binascii.a2b_base64): characters outside the
 * alphabet are skipped, a complete padding ends the data, and a last quad left short is
 * binascii.Error, which validate_pem does not catch: AWX answers 500.
 */
function pythonBase64Decode(text: string): Buffer {
  const bytes: number[] = [];
  let quad = 0;
  let left = 0;
  let pads = 0;
  for (const char of text) {
    if (char === '=') {
      pads += 1;
      if (quad >= 2 && quad + pads >= 4) return Buffer.from(bytes);
      continue;
    }
    const value = BASE64.indexOf(char);
    if (value < 0) continue;
    pads = 0;
    if (quad === 0) left = value;
    else if (quad === 1) {
      bytes.push(((left << 2) | (value >> 4)) & 0xff);
      left = value & 0x0f;
    } else if (quad === 2) {
      bytes.push(((left << 4) | (value >> 2)) & 0xff);
      left = value & 0x03;
    } else bytes.push(((left << 6) | value) & 0xff);
    quad = (quad + 1) % 4;
  }
  if (quad !== 0) throw new AwxServerError('binascii.Error: incorrect base64 padding');
  return Buffer.from(bytes);
}

/** The base64 text of a PEM object's body: its header lines (`Proc-Type: ...`) left out. */
function base64Body(body: string): string {
  let text = '';
  let continues = false;
  for (const raw of splitLines(body)) {
    const line = raw.trim();
    if (line === '') continue;
    if (continues) {
      continues = line.endsWith('\\');
      continue;
    }
    if (HEADER.test(line)) {
      continues = line.endsWith('\\');
      continue;
    }
    text += line;
  }
  return text;
}

/** The first `count` code points, as Python slices text. */
function head(text: string, count: number): string {
  return Array.from(text).slice(0, count).join('');
}

/**
 * One PEM object's reading, or AWX's ValidationError message for it: its type is checked before
 * its base64 is decoded, and a key's encryption read after.
 */
function readObject(type: string, body: string): PemObject | string {
  const privateKey = type.endsWith('PRIVATE KEY');
  const keyType = type.replace('ENCRYPTED PRIVATE KEY', '').replace('PRIVATE KEY', '').trim();
  if (privateKey && !PRIVATE_KEY_TYPES.has(keyType)) {
    return `Invalid private key: unsupported type "${keyType}"`;
  }
  if (!privateKey && type !== 'CERTIFICATE') return `Unsupported PEM object type: "${type}"`;
  const decoded = pythonBase64Decode(base64Body(body));
  if (decoded.length === 0) return 'Invalid base64-encoded data';
  if (!privateKey) return { type: 'CERTIFICATE' };
  let encrypted: boolean;
  if (keyType === 'OPENSSH') {
    const magic = decoded.subarray(0, UNENCRYPTED_OPENSSH.length);
    encrypted = !magic.equals(UNENCRYPTED_OPENSSH);
  } else encrypted = type === 'ENCRYPTED PRIVATE KEY' || body.includes('ENCRYPTED');
  return { type: 'PRIVATE KEY', encrypted };
}

/**
 * validate_pem(data, min_keys=1), which validate_ssh_private_key is: the PEM objects, or the
 * message of the first problem.
 */
export function readSshPrivateKey(data: string): PemObject[] | string {
  const objects: PemObject[] = [];
  let rest = data.trimStart();
  while (rest !== '') {
    const match = PEM_OBJECT.exec(rest);
    if (!match) return `Invalid certificate or key: ${head(rest, 100)}...`;
    const [, , type = '', body = '', next = ''] = match;
    rest = next.trimStart();
    const object = readObject(type, body);
    if (typeof object === 'string') return object;
    objects.push(object);
  }
  if (!objects.some((object) => object.type === 'PRIVATE KEY')) {
    return 'At least one private key is required.';
  }
  return objects;
}

/** Credential.has_encrypted_ssh_key_data: a readable key, one of whose keys is encrypted. */
export function hasEncryptedKey(data: unknown): boolean {
  if (typeof data !== 'string') return false;
  const objects = readSshPrivateKey(data);
  return typeof objects !== 'string' && objects.some((object) => object.encrypted === true);
}
