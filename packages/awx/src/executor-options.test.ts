import { ConfigurationError } from '@roundhouse/core';
import { describe, expect, it } from 'vitest';
import { parseExecutorOptions } from './executor-options.js';

describe('parseExecutorOptions kubernetesApi', () => {
  it('is absent unless given', () => {
    expect(parseExecutorOptions({}).kubernetesApi).toBeUndefined();
  });

  it('verifies the API server by default, with the CA certificate given', () => {
    const { kubernetesApi } = parseExecutorOptions({
      kubernetesApi: { host: 'https://k8s.example:6443', caCertificate: 'PEM' },
    });
    expect(kubernetesApi).toEqual({
      host: 'https://k8s.example:6443',
      caCertificate: 'PEM',
      verifySsl: true,
    });
  });

  it('refuses a verifying option without a CA certificate, which AWX would not verify', () => {
    const parse = () => parseExecutorOptions({ kubernetesApi: { host: 'https://k8s.example' } });
    expect(parse).toThrow(ConfigurationError);
    expect(parse).toThrow(/ansible\.kubernetesApi\.caCertificate: is required unless verifySsl/);
    expect(
      parseExecutorOptions({ kubernetesApi: { host: 'https://k8s.example', verifySsl: false } })
        .kubernetesApi,
    ).toEqual({ host: 'https://k8s.example', verifySsl: false });
  });

  it('refuses a host that is no http or https URL', () => {
    expect(() =>
      parseExecutorOptions({ kubernetesApi: { host: 'k8s.example', verifySsl: false } }),
    ).toThrow(/ansible\.kubernetesApi\.host/);
    expect(() =>
      parseExecutorOptions({ kubernetesApi: { host: 'ftp://k8s.example', verifySsl: false } }),
    ).toThrow(/ansible\.kubernetesApi\.host/);
  });
});

describe('parseExecutorOptions organizationId', () => {
  it("defaults to AWX's Default organization", () => {
    expect(parseExecutorOptions({}).organizationId).toBe(1);
  });

  it('refuses an organization that is no id, since AWX creates no credential without an owner', () => {
    for (const organizationId of [0, -3]) {
      const parse = () => parseExecutorOptions({ organizationId: organizationId as never });
      expect(parse).toThrow(ConfigurationError);
      expect(parse).toThrow(
        /^ansible\.organizationId: must be the id of the AWX organization that owns the ephemeral credentials .*without an owner$/,
      );
    }
    expect(() => parseExecutorOptions({ organizationId: null as never })).toThrow(
      /^ansible\.organizationId: must be a number, not null$/,
    );
    expect(() => parseExecutorOptions({ organizationId: 1.5 })).toThrow(
      /^ansible\.organizationId: must be a whole number, not a fractional number$/,
    );
  });
});
