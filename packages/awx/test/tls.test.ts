import { AwxClient, AwxTlsError } from '@roundhouse/awx';
import { describeWithControlPlane, useTestNamespace } from '@roundhouse/testenv/vitest';
import { expect, it } from 'vitest';

/** The test API server serves TLS from a private CA, which is what an AWX often has too. */
describeWithControlPlane('AwxClient TLS', () => {
  const env = useTestNamespace();

  // kubernaut UT-WE-902-004: a server whose certificate a private CA signed is reached with that
  // CA; differs on purpose (docs/backends/awx.md): given per client as caBundle, where kubernaut
  // reads TLS_CA_FILE for the whole process.
  it('trusts a private CA only when given it, and skips verification only when told to', async () => {
    const cluster = env.kubeConfig.getCurrentCluster();
    const ca = Buffer.from(cluster?.caData ?? '', 'base64').toString('utf8');
    const options = { baseUrl: cluster?.server ?? '', token: 'not-a-valid-token', retries: 0 };
    const clients = [
      new AwxClient(options),
      new AwxClient({ ...options, caBundle: ca }),
      new AwxClient({ ...options, insecureSkipTlsVerify: true }),
    ];
    const [untrusted, trusted, insecure] = await Promise.all(
      clients.map((client) => client.me().catch((e: unknown) => e)),
    );
    expect(untrusted).toBeInstanceOf(AwxTlsError);
    expect(untrusted).toMatchObject({
      retryable: false,
      message: expect.stringMatching(/caBundle/),
    });
    // Past the handshake, the API server refuses the token: TLS itself worked.
    expect(trusted).toMatchObject({ reason: 'AWXUnauthorized', statusCode: 401 });
    expect(insecure).toMatchObject({ reason: 'AWXUnauthorized', statusCode: 401 });
    await Promise.all(clients.map((client) => client.close()));
  });
});
