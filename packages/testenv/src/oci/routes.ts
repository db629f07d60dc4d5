import { createHash } from 'node:crypto';

/**
 * The part of the OCI distribution API a Tekton bundle needs, as pure request routing: pulling
 * (manifests and blobs by tag or digest) and pushing (blob uploads, monolithic or chunked, and
 * manifests).
 */
export type Route =
  | { kind: 'base' }
  | { kind: 'manifest'; repository: string; reference: string }
  | { kind: 'blob'; repository: string; digest: string }
  | { kind: 'startUpload'; repository: string; digest?: string | undefined }
  | { kind: 'upload'; repository: string; id: string; digest?: string | undefined };

/** A repository name as the distribution spec allows it: lowercase path components. */
const repositoryPattern =
  '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*';
const repositoryName = new RegExp(`^${repositoryPattern}$`);

/** Whether `name` is a repository name the distribution spec allows. */
export function isRepositoryName(name: string): boolean {
  return repositoryName.test(name);
}

const manifestPath = new RegExp(`^/v2/(${repositoryPattern})/manifests/([^/]+)$`);
const blobPath = new RegExp(`^/v2/(${repositoryPattern})/blobs/(sha256:[a-f0-9]{64})$`);
const uploadsPath = new RegExp(`^/v2/(${repositoryPattern})/blobs/uploads/?$`);
const uploadPath = new RegExp(`^/v2/(${repositoryPattern})/blobs/uploads/([A-Za-z0-9-]+)$`);

/** The route of a request path (query included), or undefined when the API has no such path. */
export function route(url: string): Route | undefined {
  const parsed = new URL(url, 'http://registry.invalid');
  const path = parsed.pathname;
  const digest = parsed.searchParams.get('digest') ?? undefined;
  if (path === '/v2/' || path === '/v2') return { kind: 'base' };
  let m = manifestPath.exec(path);
  if (m?.[1] && m[2]) return { kind: 'manifest', repository: m[1], reference: m[2] };
  m = blobPath.exec(path);
  if (m?.[1] && m[2]) return { kind: 'blob', repository: m[1], digest: m[2] };
  m = uploadsPath.exec(path);
  if (m?.[1]) return { kind: 'startUpload', repository: m[1], ...(digest ? { digest } : {}) };
  m = uploadPath.exec(path);
  if (m?.[1] && m[2])
    return { kind: 'upload', repository: m[1], id: m[2], ...(digest ? { digest } : {}) };
  return undefined;
}

export function sha256Digest(content: Buffer): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

export function isDigest(reference: string): boolean {
  return /^sha256:[a-f0-9]{64}$/.test(reference);
}

/** The distribution spec's error codes this registry answers with. */
export type RegistryErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'UNSUPPORTED';

/** The JSON error body the spec defines, which clients (go-containerregistry too) show. */
export function errorBody(code: RegistryErrorCode, message: string): string {
  return JSON.stringify({ errors: [{ code, message }] });
}

/** The digests a manifest refers to, which must exist before it is accepted. */
export function referencedDigests(manifest: unknown): string[] | undefined {
  if (typeof manifest !== 'object' || manifest === null) return undefined;
  const { config, layers } = manifest as {
    config?: { digest?: unknown } | undefined;
    layers?: unknown;
  };
  if (typeof config?.digest !== 'string' || !Array.isArray(layers)) return undefined;
  const digests = [config.digest];
  for (const layer of layers) {
    const digest = (layer as { digest?: unknown } | null)?.digest;
    if (typeof digest !== 'string') return undefined;
    digests.push(digest);
  }
  return digests;
}
