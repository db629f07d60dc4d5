import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CertificateError } from './errors.js';

const execFileAsync = promisify(execFile);

/** Long enough for any test run; short enough that a leaked key is soon worthless. */
export const certificateValidityDays = 7;

export interface KeyPairFiles {
  certPath: string;
  keyPath: string;
}

export interface Pki {
  /** Signs the serving certificate and every client certificate; the apiserver trusts it for clients. */
  ca: KeyPairFiles;
  serving: KeyPairFiles;
  /** `system:masters`, which RBAC lets do anything. */
  admin: KeyPairFiles;
  serviceAccount: { privateKeyPath: string; publicKeyPath: string };
}

export interface CertificateRequest {
  commonName: string;
  organizations?: readonly string[] | undefined;
  usage: 'serverAuth' | 'clientAuth';
  /** subjectAltName entries such as `IP:127.0.0.1`. */
  altNames?: readonly string[] | undefined;
}

export const adminIdentity = { commonName: 'roundhouse-admin', organizations: ['system:masters'] };

/**
 * An openssl `-subj` value. Kubernetes reads the user from CN and the groups from O, so each group
 * is its own O attribute; characters openssl treats as separators are escaped.
 */
export function distinguishedName(
  commonName: string,
  organizations: readonly string[] = [],
): string {
  for (const value of [commonName, ...organizations]) {
    if (value === '' || /[\n\r\0]/.test(value)) {
      throw new CertificateError(
        `invalid name for a certificate subject: ${JSON.stringify(value)}`,
      );
    }
  }
  const quote = (value: string) => value.replace(/[\\/+]/g, (c) => `\\${c}`);
  return [...organizations.map((o) => `/O=${quote(o)}`), `/CN=${quote(commonName)}`].join('');
}

const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function caArgs(files: KeyPairFiles): string[] {
  return [
    'req',
    '-x509',
    '-new',
    ...newKey,
    '-keyout',
    files.keyPath,
    '-out',
    files.certPath,
    '-subj',
    '/CN=roundhouse-testenv-ca',
    '-days',
    String(certificateValidityDays),
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ];
}

export function certificateArgs(
  ca: KeyPairFiles,
  request: CertificateRequest,
  out: KeyPairFiles,
): string[] {
  const altNames = request.altNames?.length
    ? ['-addext', `subjectAltName=${request.altNames.join(',')}`]
    : [];
  return [
    'req',
    '-x509',
    '-new',
    ...newKey,
    '-keyout',
    out.keyPath,
    '-out',
    out.certPath,
    '-subj',
    distinguishedName(request.commonName, request.organizations),
    '-days',
    String(certificateValidityDays),
    '-CA',
    ca.certPath,
    '-CAkey',
    ca.keyPath,
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-addext',
    'keyUsage=critical,digitalSignature',
    '-addext',
    `extendedKeyUsage=${request.usage}`,
    ...altNames,
  ];
}

async function openssl(args: readonly string[]): Promise<void> {
  try {
    await execFileAsync('openssl', args);
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new CertificateError(`openssl ${args[0]} failed: ${stderr || (error as Error).message}`);
  }
}

/** Writes a key and certificate signed by `ca` to `<dir>/<baseName>.{key,crt}`. */
export async function issueCertificate(
  ca: KeyPairFiles,
  dir: string,
  baseName: string,
  request: CertificateRequest,
): Promise<KeyPairFiles> {
  const out = { certPath: join(dir, `${baseName}.crt`), keyPath: join(dir, `${baseName}.key`) };
  await openssl(certificateArgs(ca, request, out));
  return out;
}

/** A throwaway CA, the apiserver's serving certificate, the admin client and the SA signing key. */
export async function createPki(dir: string): Promise<Pki> {
  const ca = { certPath: join(dir, 'ca.crt'), keyPath: join(dir, 'ca.key') };
  await openssl(caArgs(ca));
  const [serving, admin] = await Promise.all([
    issueCertificate(ca, dir, 'apiserver', {
      commonName: 'kube-apiserver',
      usage: 'serverAuth',
      altNames: ['IP:127.0.0.1', 'DNS:localhost'],
    }),
    issueCertificate(ca, dir, 'admin', { ...adminIdentity, usage: 'clientAuth' }),
  ]);
  const serviceAccount = {
    privateKeyPath: join(dir, 'sa.key'),
    publicKeyPath: join(dir, 'sa.pub'),
  };
  const { privateKey, publicKey } = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  await writeFile(serviceAccount.privateKeyPath, privateKey, { mode: 0o600 });
  await writeFile(serviceAccount.publicKeyPath, publicKey);
  return { ca, serving, admin, serviceAccount };
}
