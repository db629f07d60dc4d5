import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  errorBody,
  isDigest,
  type RegistryErrorCode,
  referencedDigests,
  route,
  sha256Digest,
} from './routes.js';

export interface OciRegistry {
  /** `127.0.0.1:<port>`: the registry part of an image reference, e.g. `${host}/team/bundle:1`. */
  readonly host: string;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  close(): Promise<void>;
}

interface Manifest {
  mediaType: string;
  body: Buffer;
  digest: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: RegistryErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** What the registry holds, in memory: blobs by digest, manifests by repository and reference. */
class Store {
  readonly blobs = new Map<string, Buffer>();
  readonly manifests = new Map<string, Manifest>();
  readonly uploads = new Map<string, Buffer[]>();

  putBlob(content: Buffer, digest: string): void {
    if (!isDigest(digest) || sha256Digest(content) !== digest) {
      throw new HttpError(400, 'DIGEST_INVALID', `content does not match digest ${digest}`);
    }
    this.blobs.set(digest, content);
  }

  blob(digest: string): Buffer {
    const blob = this.blobs.get(digest);
    if (!blob) throw new HttpError(404, 'BLOB_UNKNOWN', `blob ${digest} unknown`);
    return blob;
  }

  upload(id: string): Buffer[] {
    const parts = this.uploads.get(id);
    if (!parts) throw new HttpError(404, 'BLOB_UPLOAD_UNKNOWN', `upload ${id} unknown`);
    return parts;
  }

  putManifest(repository: string, reference: string, mediaType: string, body: Buffer): string {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new HttpError(400, 'MANIFEST_INVALID', 'manifest is not JSON');
    }
    const digests = referencedDigests(parsed);
    if (!digests) throw new HttpError(400, 'MANIFEST_INVALID', 'manifest has no config or layers');
    const missing = digests.find((d) => !this.blobs.has(d));
    if (missing) throw new HttpError(400, 'MANIFEST_BLOB_UNKNOWN', `blob ${missing} unknown`);
    const digest = sha256Digest(body);
    if (isDigest(reference) && reference !== digest) {
      throw new HttpError(400, 'DIGEST_INVALID', `manifest does not match digest ${reference}`);
    }
    const manifest = { mediaType, body, digest };
    this.manifests.set(`${repository}@${digest}`, manifest);
    this.manifests.set(`${repository}:${reference}`, manifest);
    return digest;
  }

  manifest(repository: string, reference: string): Manifest {
    const key = isDigest(reference) ? `${repository}@${reference}` : `${repository}:${reference}`;
    const manifest = this.manifests.get(key);
    if (!manifest) {
      throw new HttpError(404, 'MANIFEST_UNKNOWN', `manifest ${repository}:${reference} unknown`);
    }
    return manifest;
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string | number>,
  body?: Buffer,
  headOnly = false,
): void {
  res.writeHead(status, {
    'Docker-Distribution-API-Version': 'registry/2.0',
    'Content-Length': body?.length ?? 0,
    ...headers,
  });
  res.end(headOnly ? undefined : body);
}

async function handle(store: Store, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const r = route(req.url ?? '/');
  const read = method === 'GET' || method === 'HEAD';
  const head = method === 'HEAD';
  if (r?.kind === 'base' && read) return send(res, 200, {}, Buffer.from('{}'), head);
  if (r?.kind === 'blob' && read) {
    const blob = store.blob(r.digest);
    const headers = {
      'Content-Type': 'application/octet-stream',
      'Docker-Content-Digest': r.digest,
    };
    return send(res, 200, headers, blob, head);
  }
  if (r?.kind === 'manifest' && read) {
    const m = store.manifest(r.repository, r.reference);
    return send(
      res,
      200,
      { 'Content-Type': m.mediaType, 'Docker-Content-Digest': m.digest },
      m.body,
      head,
    );
  }
  if (r?.kind === 'manifest' && method === 'PUT') {
    const mediaType = req.headers['content-type'] ?? 'application/vnd.oci.image.manifest.v1+json';
    const digest = store.putManifest(r.repository, r.reference, mediaType, await readBody(req));
    const location = `/v2/${r.repository}/manifests/${digest}`;
    return send(res, 201, { Location: location, 'Docker-Content-Digest': digest });
  }
  if (r?.kind === 'startUpload' && method === 'POST') {
    if (r.digest) {
      store.putBlob(await readBody(req), r.digest);
      const location = `/v2/${r.repository}/blobs/${r.digest}`;
      return send(res, 201, { Location: location, 'Docker-Content-Digest': r.digest });
    }
    const id = randomUUID();
    store.uploads.set(id, []);
    const location = `/v2/${r.repository}/blobs/uploads/${id}`;
    return send(res, 202, { Location: location, Range: '0-0', 'Docker-Upload-UUID': id });
  }
  if (r?.kind === 'upload' && (method === 'PATCH' || method === 'PUT')) {
    const parts = store.upload(r.id);
    parts.push(await readBody(req));
    if (method === 'PATCH') {
      const size = parts.reduce((n, p) => n + p.length, 0);
      const location = `/v2/${r.repository}/blobs/uploads/${r.id}`;
      return send(res, 202, {
        Location: location,
        Range: `0-${Math.max(size - 1, 0)}`,
        'Docker-Upload-UUID': r.id,
      });
    }
    if (!r.digest) throw new HttpError(400, 'DIGEST_INVALID', 'a finishing PUT needs ?digest=');
    store.putBlob(Buffer.concat(parts), r.digest);
    store.uploads.delete(r.id);
    const location = `/v2/${r.repository}/blobs/${r.digest}`;
    return send(res, 201, { Location: location, 'Docker-Content-Digest': r.digest });
  }
  throw new HttpError(r ? 405 : 404, 'UNSUPPORTED', `${method} ${req.url} is not supported`);
}

/**
 * Starts an OCI registry on 127.0.0.1: plain HTTP, no authentication, everything in memory.
 * Clients built on go-containerregistry (Tekton's bundles resolver, crane) speak plain HTTP to
 * a `127.0.0.1:<port>` registry without being told to.
 */
export async function startOciRegistry(): Promise<OciRegistry> {
  const store = new Store();
  const server = createServer((req, res) => {
    handle(store, req, res).catch((error: unknown) => {
      const e =
        error instanceof HttpError ? error : new HttpError(500, 'UNSUPPORTED', String(error));
      if (!res.headersSent) {
        const body = Buffer.from(errorBody(e.code, e.message));
        send(res, e.status, { 'Content-Type': 'application/json' }, body, req.method === 'HEAD');
      } else {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${port}`;
  return {
    host,
    url: `http://${host}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
