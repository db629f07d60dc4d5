import { describe, expect, it } from 'vitest';
import { isAuthorized, tokenFromFile } from './bearer-auth.js';

describe('bearer authentication', () => {
  it('accepts exactly the token', () => {
    expect(isAuthorized('Bearer s3cret', 's3cret')).toBe(true);
    expect(isAuthorized('bearer s3cret', 's3cret')).toBe(true);
  });

  it.each([undefined, '', 'Bearer', 'Bearer s3cre', 'Bearer s3cret2', 'Basic s3cret', 's3cret'])(
    'refuses %j',
    (header) => expect(isAuthorized(header, 's3cret')).toBe(false),
  );

  it('reads a token file without its trailing newline, and refuses an empty one', () => {
    expect(tokenFromFile('s3cret\n')).toBe('s3cret');
    expect(tokenFromFile(' \n')).toBeUndefined();
  });
});
