import { describe, expect, it } from 'vitest';
import { hasEncryptedKey, readSshPrivateKey } from './pem.js';
import { opensshKey, pem, rsaKey } from './pem.test-support.js';
import { AwxServerError } from './replies.js';

describe('PEM text read as AWX validate_pem reads it', () => {
  it('tells an encrypted key from a plain one by its cipher or its ENCRYPTED marker', () => {
    expect(hasEncryptedKey(opensshKey('none'))).toBe(false);
    expect(hasEncryptedKey(opensshKey('aes256-ctr'))).toBe(true);
    expect(hasEncryptedKey(rsaKey(false))).toBe(false);
    expect(hasEncryptedKey(rsaKey(true))).toBe(true);
    expect(hasEncryptedKey(pem('ENCRYPTED PRIVATE KEY', 'YWJjZA=='))).toBe(true);
    expect(hasEncryptedKey(pem('PRIVATE KEY', 'YWJjZA=='))).toBe(false);
    // A key AWX cannot read is not an encrypted one.
    expect(hasEncryptedKey('Proc-Type: 4,ENCRYPTED')).toBe(false);
  });

  it("refuses what is not a private key with AWX's messages", () => {
    expect(readSshPrivateKey(`  ${'x'.repeat(120)}`)).toBe(
      `Invalid certificate or key: ${'x'.repeat(100)}...`,
    );
    expect(readSshPrivateKey(pem('FOO PRIVATE KEY', 'YWJjZA=='))).toBe(
      'Invalid private key: unsupported type "FOO"',
    );
    expect(readSshPrivateKey(pem('PUBLIC KEY', 'YWJjZA=='))).toBe(
      'Unsupported PEM object type: "PUBLIC KEY"',
    );
    expect(readSshPrivateKey(pem('RSA PRIVATE KEY', '!!!!'))).toBe('Invalid base64-encoded data');
    expect(readSshPrivateKey(pem('CERTIFICATE', 'YWJjZA=='))).toBe(
      'At least one private key is required.',
    );
    expect(readSshPrivateKey('   ')).toBe('At least one private key is required.');
  });

  it('reads base64 as Python does: data after a full padding ignored, a short last quad a 500', () => {
    expect(readSshPrivateKey(pem('RSA PRIVATE KEY', 'YW==Jj'))).toEqual([
      { type: 'PRIVATE KEY', encrypted: false },
    ]);
    expect(readSshPrivateKey(`${rsaKey(false)}${pem('CERTIFICATE', 'YWJjZA==')}`)).toHaveLength(2);
    expect(() => readSshPrivateKey(pem('RSA PRIVATE KEY', 'abc'))).toThrow(AwxServerError);
  });
});
