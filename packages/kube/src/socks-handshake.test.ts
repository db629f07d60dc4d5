import { describe, expect, it } from 'vitest';
import {
  authentication,
  checkAuthentication,
  chosenMethod,
  connectRequest,
  greeting,
  replyRemainder,
} from './socks-handshake.js';

const credentials = { username: 'alice', password: 'pässword' };

describe('the SOCKS5 handshake', () => {
  it('offers username and password only when the proxy-url carries them', () => {
    expect([...greeting(undefined)]).toEqual([5, 1, 0]);
    expect([...greeting(credentials)]).toEqual([5, 1, 2]);
  });

  it('sends credentials as RFC 1929 writes them, in UTF-8', () => {
    const bytes = authentication(credentials);
    expect(bytes[0]).toBe(1);
    expect(bytes.subarray(2, 2 + 5).toString()).toBe('alice');
    expect(bytes[7]).toBe(Buffer.byteLength('pässword'));
    expect(bytes.subarray(8).toString()).toBe('pässword');
    expect(() => authentication({ username: 'a'.repeat(256), password: '' })).toThrow(
      /1 to 255 bytes/,
    );
  });

  it('sends a host name to the proxy unresolved, and addresses as addresses', () => {
    expect([...connectRequest('api.example.com', 6443)]).toEqual([
      5,
      1,
      0,
      3,
      15,
      ...Buffer.from('api.example.com'),
      0x19,
      0x2b,
    ]);
    expect([...connectRequest('10.0.0.1', 443)]).toEqual([5, 1, 0, 1, 10, 0, 0, 1, 1, 0xbb]);
    const v6 = connectRequest('[2001:db8::1]', 443);
    expect(v6[3]).toBe(4);
    expect(v6.subarray(4, 20).toString('hex')).toBe('20010db8000000000000000000000001');
    expect(connectRequest('::ffff:10.0.0.1', 443).subarray(4, 20).toString('hex')).toBe(
      '00000000000000000000ffff0a000001',
    );
  });

  it('refuses a method it did not offer, and says how to give credentials when asked for them', () => {
    expect(chosenMethod(Buffer.from([5, 0]), undefined, 'proxy:1080')).toBe('none');
    expect(chosenMethod(Buffer.from([5, 2]), credentials, 'proxy:1080')).toBe('password');
    expect(() => chosenMethod(Buffer.from([5, 2]), undefined, 'proxy:1080')).toThrow(
      /chose an authentication method not offered/,
    );
    expect(() => chosenMethod(Buffer.from([5, 0xff]), undefined, 'proxy:1080')).toThrow(
      'the SOCKS proxy proxy:1080 requires credentials; put them in the proxy-url as socks5://user:password@host:port',
    );
    expect(() => chosenMethod(Buffer.from([4, 0]), undefined, 'proxy:1080')).toThrow(
      /did not answer as a SOCKS5 proxy/,
    );
  });

  it('names a refused password without repeating it', () => {
    expect(() => checkAuthentication(Buffer.from([1, 0]), 'proxy:1080')).not.toThrow();
    let refused: unknown;
    try {
      checkAuthentication(Buffer.from([1, 1]), 'proxy:1080');
    } catch (error) {
      refused = error;
    }
    expect(refused).toMatchObject({ code: 'ERR_SOCKS_PROXY_AUTH' });
    expect(String(refused)).not.toContain('pässword');
  });

  it('gives a refusal the code a direct connection would have failed with', () => {
    const refusal = (reply: number) => {
      try {
        replyRemainder(Buffer.from([5, reply, 0, 1, 0]), 'proxy:1080');
      } catch (error) {
        return error as { code: string; message: string };
      }
      throw new Error('not refused');
    };
    expect(refusal(5)).toMatchObject({
      code: 'ECONNREFUSED',
      message: 'the SOCKS proxy proxy:1080 did not connect to the API server: connection refused',
    });
    expect(refusal(4).code).toBe('EHOSTUNREACH');
    expect(refusal(2).code).toBe('ERR_SOCKS_PROXY_DENIED');
  });

  it('reads past the bound address whatever its type', () => {
    expect(replyRemainder(Buffer.from([5, 0, 0, 1, 127]), 'p')).toBe(5);
    expect(replyRemainder(Buffer.from([5, 0, 0, 4, 0]), 'p')).toBe(17);
    expect(replyRemainder(Buffer.from([5, 0, 0, 3, 9]), 'p')).toBe(11);
    expect(() => replyRemainder(Buffer.from([5, 0, 0, 9, 0]), 'p')).toThrow(/unknown address type/);
  });
});
