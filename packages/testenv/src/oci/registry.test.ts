import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryPushError } from '../errors.js';
import { bundleAnnotations, bundleImage, ociMediaTypes, pushTektonBundle } from './bundle.js';
import { type OciRegistry, startOciRegistry } from './registry.js';

const pipeline = {
  apiVersion: 'tekton.dev/v1',
  kind: 'Pipeline',
  metadata: { name: 'workflow' },
  spec: { tasks: [{ name: 'run', taskRef: { name: 'run' } }] },
};
const task = { apiVersion: 'tekton.dev/v1', kind: 'Task', metadata: { name: 'run' }, spec: {} };

describe('local OCI registry', () => {
  let registry: OciRegistry;
  beforeAll(async () => {
    registry = await startOciRegistry();
  });
  afterAll(() => registry.close());

  const get = (path: string, init: RequestInit = {}) => fetch(`${registry.url}${path}`, init);

  it('answers the API version check on loopback', async () => {
    expect(registry.host).toMatch(/^127\.0\.0\.1:\d+$/);
    const response = await get('/v2/');
    expect(response.status).toBe(200);
    expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });

  it('serves a pushed bundle by tag and by digest, with its media type and digest', async () => {
    const pushed = await pushTektonBundle(registry.host, 'team/bundle', 'v1', [pipeline, task]);
    expect(pushed.reference).toBe(`${registry.host}/team/bundle:v1`);
    expect(pushed.pinned).toBe(`${registry.host}/team/bundle@${pushed.digest}`);
    for (const ref of ['v1', pushed.digest]) {
      const response = await get(`/v2/team/bundle/manifests/${ref}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(ociMediaTypes.manifest);
      expect(response.headers.get('docker-content-digest')).toBe(pushed.digest);
    }
    const manifest = (await (await get('/v2/team/bundle/manifests/v1')).json()) as {
      layers: { digest: string; annotations: Record<string, string> }[];
    };
    expect(manifest.layers.map((l) => l.annotations)).toEqual([
      {
        [bundleAnnotations.apiVersion]: 'v1',
        [bundleAnnotations.kind]: 'pipeline',
        [bundleAnnotations.name]: 'workflow',
      },
      {
        [bundleAnnotations.apiVersion]: 'v1',
        [bundleAnnotations.kind]: 'task',
        [bundleAnnotations.name]: 'run',
      },
    ]);
    const layer = Buffer.from(
      await (await get(`/v2/team/bundle/blobs/${manifest.layers[0]?.digest}`)).arrayBuffer(),
    );
    expect(gunzipSync(layer).toString('utf8')).toContain(JSON.stringify(pipeline));
    const head = await get(`/v2/team/bundle/manifests/v1`, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(
      String(bundleImage([pipeline, task]).manifest.content.length),
    );
  });

  it('answers unknown manifests and blobs with the spec error codes', async () => {
    const manifest = await get('/v2/team/missing/manifests/v1');
    expect(manifest.status).toBe(404);
    expect(await manifest.json()).toMatchObject({ errors: [{ code: 'MANIFEST_UNKNOWN' }] });
    const blob = await get(`/v2/team/missing/blobs/sha256:${'0'.repeat(64)}`);
    expect(blob.status).toBe(404);
    expect(await blob.json()).toMatchObject({ errors: [{ code: 'BLOB_UNKNOWN' }] });
  });

  it('takes chunked uploads and refuses content that does not match its digest', async () => {
    const start = await get('/v2/team/chunks/blobs/uploads/', { method: 'POST' });
    expect(start.status).toBe(202);
    const location = start.headers.get('location') ?? '';
    await get(location, { method: 'PATCH', body: 'hello ' });
    const image = bundleImage([task]);
    const wrong = await get(`${location}?digest=${image.config.digest}`, {
      method: 'PUT',
      body: 'world',
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ errors: [{ code: 'DIGEST_INVALID' }] });
  });

  it('refuses a manifest whose blobs were never pushed', async () => {
    const image = bundleImage([task]);
    const response = await get('/v2/team/orphan/manifests/v1', {
      method: 'PUT',
      body: new Uint8Array(image.manifest.content),
      headers: { 'Content-Type': ociMediaTypes.manifest },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ code: 'MANIFEST_BLOB_UNKNOWN' }] });
  });

  it('refuses a repository name the distribution spec does not allow', async () => {
    const push = pushTektonBundle(registry.host, 'team/Bundle', 'v1', [task]);
    await expect(push).rejects.toMatchObject({ reason: 'NAME_INVALID' });
  });

  it('fails a push to a registry that is gone with a typed reason', async () => {
    const gone = await startOciRegistry();
    await gone.close();
    const push = pushTektonBundle(gone.host, 'team/bundle', 'v1', [task]);
    await expect(push).rejects.toBeInstanceOf(RegistryPushError);
    await expect(push).rejects.toMatchObject({ reason: 'Unreachable' });
  });
});
