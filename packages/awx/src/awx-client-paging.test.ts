import { type AwxSimulator, startAwxSimulator } from '@roundhouse/awx-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwxClient } from './awx-client.js';

let sim: AwxSimulator;
let awx: AwxClient;

beforeAll(async () => {
  sim = await startAwxSimulator();
  awx = new AwxClient({ baseUrl: sim.url, token: sim.token, minRetryDelayMs: 5 });
});
afterAll(async () => {
  await awx.close();
  await sim.stop();
});

describe("AwxClient on the simulator's paged lists", () => {
  it('reads a list of three pages to its end, and no page past it', async () => {
    const machine = sim.state.credentialTypes().find((t) => t.name === 'Machine');
    for (let i = 0; i < 450; i++) {
      sim.state.addCredential({
        name: `paged-${String(i).padStart(3, '0')}`,
        credential_type: machine?.id ?? 0,
        organization: 1,
        inputs: { username: 'root' },
      });
    }
    const before = sim.requests.length;
    const found = await awx.listCredentials({ nameStartsWith: 'paged-' });
    expect(found.map((c) => c.name)).toEqual(
      Array.from({ length: 450 }, (_, i) => `paged-${String(i).padStart(3, '0')}`),
    );
    expect(sim.requests.slice(before).map((r) => r.path)).toEqual([
      '/api/v2/credentials/?name__startswith=paged-&page_size=200',
      '/api/v2/credentials/?name__startswith=paged-&page=2&page_size=200',
      '/api/v2/credentials/?name__startswith=paged-&page=3&page_size=200',
    ]);
  });
});
