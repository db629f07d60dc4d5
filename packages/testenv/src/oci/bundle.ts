import { gzipSync } from 'node:zlib';
import { RegistryPushError } from '../errors.js';
import { isRepositoryName, sha256Digest } from './routes.js';
import { tarOneFile } from './tar.js';

/** A Tekton object for a bundle: a Pipeline or a Task (or StepAction) of any API version. */
export interface TektonObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string } & Record<string, unknown>;
  readonly spec?: unknown;
}

export const ociMediaTypes = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** The layer annotations Tekton's bundle resolver finds an object by (the Tekton Bundle contract). */
export const bundleAnnotations = {
  apiVersion: 'dev.tekton.image.apiVersion',
  kind: 'dev.tekton.image.kind',
  name: 'dev.tekton.image.name',
} as const;

export interface Blob {
  readonly digest: string;
  readonly content: Buffer;
}

export interface BundleImage {
  readonly config: Blob;
  readonly layers: readonly Blob[];
  readonly manifest: Blob;
}

/**
 * The OCI image of a Tekton bundle, as `tkn bundle push` lays it out: one gzipped tar layer per
 * object holding its JSON, annotated with the object's version, lowercase singular kind and name.
 * Pure and deterministic: the same objects give the same digest.
 */
export function bundleImage(objects: readonly TektonObject[]): BundleImage {
  const entries = objects.map((object) => {
    const tar = tarOneFile(object.metadata.name, Buffer.from(JSON.stringify(object)));
    const content = gzipSync(tar, { level: 9 });
    return {
      layer: { digest: sha256Digest(content), content },
      diffId: sha256Digest(tar),
      annotations: {
        [bundleAnnotations.apiVersion]: object.apiVersion.split('/').pop() ?? object.apiVersion,
        [bundleAnnotations.kind]: object.kind.toLowerCase(),
        [bundleAnnotations.name]: object.metadata.name,
      },
    };
  });
  const configContent = Buffer.from(
    JSON.stringify({
      architecture: 'unknown',
      os: 'unknown',
      config: {},
      rootfs: { type: 'layers', diff_ids: entries.map((e) => e.diffId) },
    }),
  );
  const config = { digest: sha256Digest(configContent), content: configContent };
  const manifestContent = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: ociMediaTypes.manifest,
      config: {
        mediaType: ociMediaTypes.config,
        digest: config.digest,
        size: configContent.length,
      },
      layers: entries.map((e) => ({
        mediaType: ociMediaTypes.layer,
        digest: e.layer.digest,
        size: e.layer.content.length,
        annotations: e.annotations,
      })),
    }),
  );
  return {
    config,
    layers: entries.map((e) => e.layer),
    manifest: { digest: sha256Digest(manifestContent), content: manifestContent },
  };
}

export interface PushedBundle {
  /** `<host>/<repository>:<tag>`, for `executionBundle`. */
  readonly reference: string;
  /** `sha256:...`, for `executionBundleDigest`. */
  readonly digest: string;
  /** `<host>/<repository>@<digest>`. */
  readonly pinned: string;
}

async function send(url: string, init: RequestInit, what: string): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new RegistryPushError('Unreachable', `${what}: ${(error as Error).message}`);
  }
  if (response.ok) return;
  const body = (await response.text().catch(() => '')) || `HTTP ${response.status}`;
  let code = `HTTP${response.status}`;
  try {
    code =
      (JSON.parse(body) as { errors?: { code?: string | undefined }[] | undefined }).errors?.[0]
        ?.code ?? code;
  } catch {}
  throw new RegistryPushError(code, `${what}: ${body}`);
}

/**
 * Pushes `objects` as a Tekton bundle to the registry at `host` (`127.0.0.1:<port>`, plain
 * HTTP) under `<repository>:<tag>`.
 */
export async function pushTektonBundle(
  host: string,
  repository: string,
  tag: string,
  objects: readonly TektonObject[],
): Promise<PushedBundle> {
  if (!isRepositoryName(repository)) {
    throw new RegistryPushError(
      'NAME_INVALID',
      `"${repository}" is not a repository name (lowercase letters, digits, separators, / between components)`,
    );
  }
  const image = bundleImage(objects);
  const base = `http://${host}/v2/${repository}`;
  for (const blob of [image.config, ...image.layers]) {
    await send(
      `${base}/blobs/uploads/?digest=${blob.digest}`,
      {
        method: 'POST',
        body: new Uint8Array(blob.content),
        headers: { 'Content-Type': 'application/octet-stream' },
      },
      `uploading blob ${blob.digest} to ${host}/${repository}`,
    );
  }
  await send(
    `${base}/manifests/${tag}`,
    {
      method: 'PUT',
      body: new Uint8Array(image.manifest.content),
      headers: { 'Content-Type': ociMediaTypes.manifest },
    },
    `pushing manifest ${host}/${repository}:${tag}`,
  );
  const digest = image.manifest.digest;
  return {
    reference: `${host}/${repository}:${tag}`,
    digest,
    pinned: `${host}/${repository}@${digest}`,
  };
}
