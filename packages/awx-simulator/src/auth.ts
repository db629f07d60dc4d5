/**
 * Bearer-token authentication, the way a client authenticates to AWX with a personal access
 * token. Any other credential, or a wrong token, leaves the request anonymous, and DRF answers an
 * anonymous request to a protected view with 401 and a `WWW-Authenticate` challenge.
 */
import { timingSafeEqual } from 'node:crypto';
import { json, type Reply } from './replies.js';

export function isAuthorized(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1] as string);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

// AWX's APIView.get_authenticate_header (awx/api/generics.py) always answers this challenge,
// never Basic, so a browser does not offer to remember a password; its finalize_response adds
// where to log in to the detail of every 401.
export function unauthorized(): Reply {
  return json(
    401,
    {
      detail:
        'Authentication credentials were not provided. To establish a login session, visit /api/login/.',
    },
    { 'WWW-Authenticate': 'Bearer realm=api authorization_url=/api/o/authorize/' },
  );
}
