import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateError } from './errors.js';
import { createPki, distinguishedName, issueCertificate, type Pki } from './pki.js';

describe('distinguishedName', () => {
  it('puts each group in its own O before the CN', () => {
    expect(distinguishedName('alice', ['dev', 'ops'])).toBe('/O=dev/O=ops/CN=alice');
  });

  it('escapes characters openssl reads as separators', () => {
    expect(distinguishedName('a/b+c', ['x\\y'])).toBe('/O=x\\\\y/CN=a\\/b\\+c');
  });

  it('rejects empty names and line breaks', () => {
    expect(() => distinguishedName('')).toThrow(CertificateError);
    expect(() => distinguishedName('alice', ['ok', 'bad\ngroup'])).toThrow(CertificateError);
  });
});

describe('createPki and issueCertificate (openssl)', () => {
  let dir: string;
  let pki: Pki;
  const cert = async (path: string) => new X509Certificate(await readFile(path));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'testenv-pki-'));
    pki = await createPki(dir);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('issues a serving certificate for 127.0.0.1 and localhost signed by the CA', async () => {
    const ca = await cert(pki.ca.certPath);
    const serving = await cert(pki.serving.certPath);
    expect(ca.ca).toBe(true);
    expect(serving.checkIssued(ca)).toBe(true);
    expect(serving.verify(ca.publicKey)).toBe(true);
    expect(serving.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(serving.checkHost('localhost')).toBe('localhost');
    expect(serving.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
  });

  it('makes the admin a member of system:masters', async () => {
    const admin = await cert(pki.admin.certPath);
    expect(admin.subject).toBe('O=system:masters\nCN=roundhouse-admin');
    expect(admin.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
  });

  it('mints a client certificate whose CN and O carry the user and groups verbatim', async () => {
    const files = await issueCertificate(pki.ca, dir, 'odd', {
      commonName: 'system:serviceaccount:ns:a/b',
      organizations: ['team+1', 'qa'],
      usage: 'clientAuth',
    });
    const client = await cert(files.certPath);
    expect(client.checkIssued(await cert(pki.ca.certPath))).toBe(true);
    expect(client.toLegacyObject().subject).toEqual({
      O: ['team+1', 'qa'],
      CN: 'system:serviceaccount:ns:a/b',
    });
    const key = await readFile(files.keyPath, 'utf8');
    expect(key).toContain('PRIVATE KEY');
  });

  it('writes a service-account key pair', async () => {
    expect(await readFile(pki.serviceAccount.privateKeyPath, 'utf8')).toContain('PRIVATE KEY');
    expect(await readFile(pki.serviceAccount.publicKeyPath, 'utf8')).toContain('PUBLIC KEY');
  });

  it('reports an openssl failure without the key material', async () => {
    const error = await issueCertificate(
      { certPath: join(dir, 'missing.crt'), keyPath: pki.ca.keyPath },
      dir,
      'never',
      { commonName: 'x', usage: 'clientAuth' },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CertificateError);
    expect((error as Error).message).not.toContain('PRIVATE KEY');
  });
});
