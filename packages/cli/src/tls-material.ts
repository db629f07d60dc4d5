import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FieldIssue } from '@roundhouse/core';
import type { LoadedKubeConfig } from '@roundhouse/kube';
import { InputError } from './errors.js';

/** The PEM text of a kubeconfig field, from its `-data` (base64) or its file; none if neither. */
function pemOf(data: string | undefined, file: string | undefined): string | undefined {
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    // A file that cannot be read is reported, by path, when a request needs it.
    return undefined;
  }
}

function parses(pem: string, parse: (pem: string) => unknown): boolean {
  try {
    parse(pem);
    return true;
  } catch {
    return false;
  }
}

/**
 * Refuses a kubeconfig whose certificate authority, client certificate or key is not PEM that
 * Node can read. Sent as it is, every request fails inside TLS with an OpenSSL code that reads
 * as "no cluster reachable"; said here, the field is named. Nothing of its content is quoted:
 * a key is a credential.
 */
export function checkTlsMaterial(
  config: Pick<LoadedKubeConfig, 'getCurrentCluster' | 'getCurrentUser'>,
  source: string,
): void {
  const cluster = config.getCurrentCluster();
  const user = config.getCurrentUser();
  const issues: FieldIssue[] = [];
  const check = (field: string, pem: string | undefined, parse: (pem: string) => unknown) => {
    if (pem !== undefined && !parses(pem, parse)) {
      issues.push({
        path: '--kubeconfig',
        message: `${field} in ${source} is not ${field.includes('key') ? 'a PEM private key' : 'a PEM certificate'}`,
      });
    }
  };
  const certificate = (pem: string) => new X509Certificate(pem);
  check(
    `certificate-authority of cluster ${cluster?.name}`,
    pemOf(cluster?.caData, cluster?.caFile),
    certificate,
  );
  check(
    `client-certificate of user ${user?.name}`,
    pemOf(user?.certData, user?.certFile),
    certificate,
  );
  check(`client-key of user ${user?.name}`, pemOf(user?.keyData, user?.keyFile), (pem) =>
    createPrivateKey(pem),
  );
  if (issues.length) {
    throw new InputError(
      issues,
      'put the PEM text base64-encoded in the -data field (or the path of a PEM file in the field itself), as your cluster provider writes it (kubectl config view --minify shows which fields are set)',
    );
  }
}
