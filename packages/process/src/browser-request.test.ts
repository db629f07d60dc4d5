import { describe, expect, it } from 'vitest';
import { browserRequestProblem } from './browser-request.js';

describe('browserRequestProblem', () => {
  it.each([
    '127.0.0.1:5758',
    '127.0.0.1',
    '[::1]:5758',
    'localhost:5758',
    'LOCALHOST',
    'agent.localhost:5758',
    '10.0.0.7:5758',
  ])('serves a request to %s that names no page', (host) => {
    expect(browserRequestProblem({ host }, true)).toBeUndefined();
  });

  it.each(['evil.example:5758', 'evil.example', 'localhost.evil.example:5758', 'localhost.'])(
    'refuses on loopback a request to %s, a name DNS rebinding could point there',
    (host) => {
      expect(browserRequestProblem({ host }, true)).toMatchObject({ path: 'Host' });
    },
  );

  it('takes any name on an address others reach, where the operator chose no token', () => {
    expect(browserRequestProblem({ host: 'agent.sandbox.svc:5758' }, false)).toBeUndefined();
  });

  it('refuses a request that names the page it came from, on any address', () => {
    for (const loopback of [true, false]) {
      expect(
        browserRequestProblem({ origin: 'https://evil.example', host: '127.0.0.1' }, loopback),
      ).toMatchObject({ path: 'Origin' });
    }
    expect(browserRequestProblem({ origin: 'null', host: 'localhost' }, true)).toMatchObject({
      path: 'Origin',
    });
  });
});
