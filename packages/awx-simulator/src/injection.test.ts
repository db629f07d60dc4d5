import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwxSimulator, type JobStatus, startAwxSimulator } from './index.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions, not types, check what the API answered.
type Body = any;

let sim: AwxSimulator;
const get = async (path: string): Promise<Body> =>
  (
    await fetch(`${sim.apiUrl}${path}`, { headers: { Authorization: `Bearer ${sim.token}` } })
  ).json();

/** Launches a template owning one credential of a type with these inputs and env injectors. */
async function launchWith(
  name: string,
  fields: string[],
  env: Record<string, string>,
  inputs: Record<string, string>,
): Promise<number> {
  const type = sim.state.addCredentialType({
    name,
    kind: 'cloud',
    inputs: { fields: fields.map((id) => ({ id, label: id, secret: true })) },
    injectors: { env },
  });
  const credential = sim.state.addCredential({
    name,
    credential_type: type.id,
    organization: 1,
    inputs,
  });
  const template = sim.state.addJobTemplate({
    name,
    credentials: [credential.id],
    schedule: { pendingMs: 0, runningMs: 0 },
  });
  const response = await fetch(`${sim.apiUrl}job_templates/${template.id}/launch/`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${sim.token}` },
  });
  return ((await response.json()) as { job: number }).job;
}

async function finished(id: number, ...statuses: JobStatus[]): Promise<Body> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const job = await get(`jobs/${id}/`);
    if (statuses.includes(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} stuck in ${job.status}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

beforeAll(async () => {
  sim = await startAwxSimulator();
});
afterAll(() => sim.stop());

describe('credential injection when a job starts', () => {
  it("shows the credential's environment in job_env, secrets masked, constants as their text", async () => {
    const id = await launchWith(
      'constants',
      ['token', 'true', 'unset'],
      { APP_TOKEN: 'Bearer {{ token }}', APP_TRUE: '{{true}}', APP_EMPTY: '{{ unset }}' },
      { token: 't0k3n', true: 'the-secret' },
    );
    const job = await finished(id, 'successful');
    expect(job.job_env).toEqual({
      APP_TOKEN: 'Bearer **********',
      APP_TRUE: 'True',
      APP_EMPTY: '',
    });
    expect(job.result_traceback).toBe('');
    const [row] = (await get(`jobs/?id=${id}`)).results;
    expect(row).not.toHaveProperty('job_env');
    expect(row).not.toHaveProperty('result_traceback');
  });

  it('ends a job whose credential has an input named self as error, before it runs', async () => {
    const id = await launchWith('self', ['self'], { APP_SELF: '{{ self }}' }, { self: 's' });
    const job = await finished(id, 'error', 'successful');
    expect(job).toMatchObject({ status: 'error', failed: true, job_explanation: '', job_env: {} });
    expect(job.result_traceback).toMatch(
      /TypeError: Template\.render\(\) got multiple values for argument 'self'\n$/,
    );
  });

  it('ends a job as error when an input it puts in the environment holds NUL, which no variable can carry', async () => {
    const id = await launchWith(
      'nul',
      ['password'],
      { APP_PASSWORD: '{{ password }}' },
      { password: 'hunter2\u0000tail' },
    );
    const job = await finished(id, 'error', 'successful');
    expect(job).toMatchObject({
      status: 'error',
      failed: true,
      job_explanation: 'Job terminated due to error',
      job_env: { APP_PASSWORD: '**********' },
    });
    expect(job.result_traceback).toMatch(/ValueError: embedded null byte\n$/);
    expect(job.result_traceback).not.toContain('hunter2');
  });

  it('starts a job whose input holding NUL goes into no variable', async () => {
    const id = await launchWith(
      'nul-unused',
      ['password'],
      { APP_X: 'x' },
      { password: 'a\u0000' },
    );
    expect((await finished(id, 'error', 'successful')).status).toBe('successful');
  });

  it('starts a job whose self input is empty: render() then gets no self keyword', async () => {
    const id = await launchWith('empty-self', ['self'], { APP_SELF: 'x' }, { self: '' });
    expect((await finished(id, 'error', 'successful')).status).toBe('successful');
  });

  it('ends a job as error when a secret input starts with $encrypted$: AWX stored it unencrypted and cannot decrypt it', async () => {
    const cases = [
      ['$encrypted$abc', 'ValueError: not enough values to unpack (expected 2, got 1)'],
      ['$encrypted$UTF8$XOR$abc', 'ValueError: unsupported algorithm: XOR'],
      ['$encrypted$AESCBC$abc', 'cryptography.fernet.InvalidToken'],
    ] as const;
    for (const [index, [value, failure]] of cases.entries()) {
      const id = await launchWith(
        `encrypted-${index}`,
        ['token'],
        { T: '{{ token }}' },
        { token: value },
      );
      const job = await finished(id, 'error', 'successful');
      expect(job).toMatchObject({ status: 'error', job_explanation: '', job_env: {} });
      expect(job.result_traceback).toMatch(
        new RegExp(`\\n${failure.replace(/[.()$]/g, '\\$&')}\\n$`),
      );
    }
    const plain = await launchWith(
      'encrypted-inside',
      ['token'],
      { T: '{{ token }}' },
      { token: 'a$encrypted$' },
    );
    expect((await finished(plain, 'error', 'successful')).status).toBe('successful');
  });

  describe("AWX's managed Kubernetes bearer token type", () => {
    async function launchKubernetes(name: string, inputs: Record<string, string | boolean>) {
      const type = sim.state
        .credentialTypes()
        .find((t) => t.namespace === 'kubernetes_bearer_token')!;
      const credential = sim.state.addCredential({
        name,
        credential_type: type.id,
        organization: 1,
        inputs,
      });
      const template = sim.state.addJobTemplate({
        name,
        credentials: [credential.id],
        schedule: { pendingMs: 0, runningMs: 0 },
      });
      const response = await fetch(`${sim.apiUrl}job_templates/${template.id}/launch/`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${sim.token}` },
      });
      return finished(
        ((await response.json()) as { job: number }).job,
        'successful',
        'error',
        'failed',
      );
    }

    it('is listed as AWX defines it, managed, with no injectors of its own', async () => {
      const { results } = await get(
        'credential_types/?namespace=kubernetes_bearer_token&managed=true',
      );
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({
        name: 'OpenShift or Kubernetes API Bearer Token',
        kind: 'kubernetes',
        managed: true,
        injectors: {},
        inputs: { required: ['host', 'bearer_token'] },
      });
      expect(results[0].inputs.fields.map((f: { id: string }) => f.id)).toEqual([
        'host',
        'bearer_token',
        'verify_ssl',
        'ssl_ca_cert',
      ]);
    });

    it('injects the host, the token (masked in job_env) and the CA as a file when verifying', async () => {
      const job = await launchKubernetes('k8s-verify', {
        host: 'https://k8s.example/',
        bearer_token: 'token123',
        verify_ssl: true,
        ssl_ca_cert: 'CERTDATA',
      });
      expect(job.status).toBe('successful');
      expect(job.job_env).toEqual({
        K8S_AUTH_HOST: 'https://k8s.example/',
        K8S_AUTH_API_KEY: '**********',
        K8S_AUTH_VERIFY_SSL: 'True',
        K8S_AUTH_SSL_CA_CERT: expect.stringMatching(/^\/runner\/env\/tmp[a-z0-9_]{8}$/),
      });
    });

    it('does not verify without a CA certificate, whatever verify_ssl says', async () => {
      const cases: Record<string, string | boolean>[] = [
        { host: 'https://k8s.example/', bearer_token: 't', verify_ssl: true },
        { host: 'https://k8s.example/', bearer_token: 't' },
        { host: 'https://k8s.example/', bearer_token: 't', verify_ssl: false, ssl_ca_cert: 'C' },
      ];
      for (const [index, inputs] of cases.entries()) {
        const job = await launchKubernetes(`k8s-no-verify-${index}`, inputs);
        expect(job.job_env).toEqual({
          K8S_AUTH_HOST: 'https://k8s.example/',
          K8S_AUTH_API_KEY: '**********',
          K8S_AUTH_VERIFY_SSL: 'False',
        });
      }
    });

    it('does not start a job whose credential lacks the required token', async () => {
      const job = await launchKubernetes('k8s-no-token', { host: 'https://k8s.example/' });
      expect(job.status).toBe('failed');
    });
  });
});
