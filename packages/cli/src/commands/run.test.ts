import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcess, unreachableCluster } from '../../test/support.js';
import { manifestLimitBytes, readBounded } from './run.js';

let dir: string;
let kubeconfig: string;
beforeAll(async () => {
  ({ dir, kubeconfig } = await unreachableCluster());
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('run -f', () => {
  it('refuses a file larger than the API server takes, without reading all of it', async () => {
    const large = join(dir, 'large.yaml');
    await writeFile(large, `kind: WorkflowExecution\n#${'x'.repeat(manifestLimitBytes)}\n`);
    expect(await inProcess(['--kubeconfig', kubeconfig, 'run', '-f', large])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'error: -f: is larger than the 3 MiB the API server takes in a request\n' +
        'fix: give -f a single WorkflowExecution manifest; keep large data in a ConfigMap or Secret and list it under spec.dependencies\n',
    });
  });

  it('stops reading an endless stream at the limit', async () => {
    let pulled = 0;
    const endless = new Readable({
      read() {
        pulled++;
        this.push(Buffer.alloc(64 * 1024, 0x61));
      },
    });
    await expect(readBounded(endless)).rejects.toThrow(/larger than the 3 MiB/);
    expect(pulled * 64 * 1024).toBeLessThan(2 * manifestLimitBytes);
  });

  it('reads a file within the limit whole', async () => {
    expect(await readBounded(Readable.from([Buffer.from('kind: '), Buffer.from('x\n')]))).toBe(
      'kind: x\n',
    );
  });
});
