/**
 * Authentication as AWX's DEFAULT_AUTHENTICATION_CLASSES (awx/settings/defaults.py
 * REST_FRAMEWORK) apply it, in their order: AwxJWTAuthentication (a gateway's
 * X-DAB-JW-TOKEN header), LoggedOAuth2Authentication (a bearer token, a personal access
 * token), SessionAuthentication (a browser's login session), LoggedBasicAuthentication (HTTP
 * basic auth, on by default: AUTH_BASIC_ENABLED). The simulator issues neither JWTs nor
 * sessions, so of the four it answers the bearer token and then basic auth. A wrong token leaves the request anonymous, as
 * django-oauth-toolkit's authentication does; a basic header that is malformed or names a wrong
 * username or password fails at once, as DRF's BasicAuthentication does. DRF answers either
 * with 401 and the view's `WWW-Authenticate` challenge.
 *
 * A deactivated user (`is_active` false) gives the right password in vain: AWXModelBackend is
 * Django's ModelBackend, whose user_can_authenticate refuses such a user, so DRF sees no user
 * and answers as for a wrong password. Its token still authenticates: django-oauth-toolkit
 * 1.7.1 (requirements/requirements.txt) checks the token's expiry and scope, never its user's
 * `is_active`, and AWX's views and access checks do not either.
 */
import { timingSafeEqual } from 'node:crypto';
import { json, type Reply } from './replies.js';

/** Who a request authenticates as: by the token (whose scope applies), or by password. */
export type Authentication = 'token' | 'password' | 'anonymous' | { readonly failed: Reply };

export interface Secrets {
  /** The token AWX holds, or `undefined` once it was revoked, expired or its user deleted. */
  readonly token: string | undefined;
  /** The user's password for basic auth; without one, no basic auth succeeds. */
  readonly password?: string | undefined;
  readonly username: string;
  /** False once the user was deactivated: basic auth then fails as a wrong password. */
  readonly active?: boolean | undefined;
}

export function authenticate(authorization: string | undefined, secrets: Secrets): Authentication {
  // oauthlib splits the header's text on whitespace, DRF its bytes, on ASCII whitespace alone.
  const words = (authorization ?? '').split(/\s+/).filter((word) => word !== '');
  if (words.length === 2 && words[0]?.toLowerCase() === 'bearer') {
    if (secrets.token !== undefined && same(words[1] as string, secrets.token)) return 'token';
  }
  const parts = (authorization ?? '').split(/[ \t\n\r\v\f]+/).filter((part) => part !== '');
  if (parts[0]?.toLowerCase() !== 'basic') return 'anonymous';
  if (parts.length === 1) return failed('Invalid basic header. No credentials provided.');
  if (parts.length > 2) {
    return failed('Invalid basic header. Credentials string should not contain spaces.');
  }
  const decoded = basicCredentials(parts[1] as string);
  if (decoded === undefined) {
    return failed('Invalid basic header. Credentials not correctly base64 encoded.');
  }
  const { username, password } = decoded;
  const known =
    secrets.password !== undefined &&
    secrets.active !== false &&
    same(username, secrets.username) &&
    same(password, secrets.password);
  return known ? 'password' : failed('Invalid username/password.');
}

function same(given: string, expected: string): boolean {
  const [a, b] = [Buffer.from(given), Buffer.from(expected)];
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * `userid:password` as DRF reads it: Python's b64decode, which drops characters outside the
 * alphabet but wants whole groups of four, padded; the bytes as UTF-8, or else Latin-1; split
 * at the first colon.
 */
function basicCredentials(encoded: string): { username: string; password: string } | undefined {
  const kept = encoded.replace(/[^A-Za-z0-9+/=]/g, '');
  const data = kept.replace(/=.*$/, '');
  const padding = kept.length - data.length;
  const partial = data.length % 4;
  if (partial === 1 || (partial > 0 && padding < 4 - partial)) return undefined;
  const bytes = Buffer.from(data, 'base64');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = bytes.toString('latin1');
  }
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/**
 * DRF's 401: AWX's APIView.get_authenticate_header always answers this challenge, never Basic,
 * so a browser does not offer to remember a password; its finalize_response adds where to log
 * in to the detail of every 401.
 */
function unauthorized(message: string): Reply {
  return json(
    401,
    { detail: `${message} To establish a login session, visit /api/login/.` },
    { 'WWW-Authenticate': 'Bearer realm=api authorization_url=/api/o/authorize/' },
  );
}

function failed(message: string): { failed: Reply } {
  return { failed: unauthorized(message) };
}

/** An anonymous request to a view that wants a user. */
export function notAuthenticated(): Reply {
  return unauthorized('Authentication credentials were not provided.');
}
