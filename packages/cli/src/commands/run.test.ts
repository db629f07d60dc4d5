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
      code: 1,
      stdout: '',
      stderr:
        'error: -f: is larger than the 3 MiB the API server takes in a request\n' +
        'fix: give -f a single WorkflowExecution manifest; keep large data in a ConfigMap or Secret and list it under spec.dependencies\n',
    });
  });

  it('refuses a manifest larger than the cluster stores of one object, before sending it', async () => {
    const parameters = Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [`P${i}`, 'x'.repeat(i === 7 ? 32_000 : 30_000)]),
    );
    const large = join(dir, 'large-params.json');
    await writeFile(
      large,
      JSON.stringify({
        apiVersion: 'roundhouse.dev/v1alpha1',
        kind: 'WorkflowExecution',
        metadata: { name: 'large-params' },
        spec: {
          executionEngine: 'job',
          targetResource: 'prod/deployment/app',
          workflowRef: { workflowId: 'w', version: '1', executionBundle: 'registry.invalid/w:1' },
          parameters,
        },
      }),
    );
    // Past this check the unreachable cluster would answer; etcd would fail it with a 500.
    expect(await inProcess(['--kubeconfig', kubeconfig, 'run', '-f', large])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: -f: the WorkflowExecution is 1.7 MiB as JSON, more than the 1.5 MiB the cluster stores of one object (its largest parameter, P7, is 32 KiB)\n' +
        'fix: keep large data in a ConfigMap or Secret and list it under spec.dependencies (--dependency configmap/NAME)\n',
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
