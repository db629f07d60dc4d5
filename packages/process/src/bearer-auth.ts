import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Checks an `Authorization` header against the agent's token. Both sides are hashed first, so
 * the comparison takes the same time whatever the length or content of a wrong guess.
 */
export function isAuthorized(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return false;
  return timingSafeEqual(digest(match[1]), digest(token));
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * The token in a token file: the file's content without surrounding whitespace (files written
 * by `echo` or a Secret mount end with a newline). Undefined when nothing is left.
 */
export function tokenFromFile(content: string): string | undefined {
  const token = content.trim();
  return token === '' ? undefined : token;
}
