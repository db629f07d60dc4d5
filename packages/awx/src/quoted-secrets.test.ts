/**
 * An AWX error answer to a credential create that quotes an input it was sent, in the forms a
 * server or a proxy in front of it writes one: verbatim in a page, JSON-escaped (a request body
 * echoed back), as Python's repr (jsonschema's messages, CredentialInputField in
 * awx/main/fields.py), HTML-escaped (Django's debug page). None may reach the error.
 */
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { awxBase, onceTransport, useNock } from './awx-nock.test-support.js';
import { CredentialsApi } from './credentials-api.js';

useNock();

const key =
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAKY2Fu\n-----END OPENSSH PRIVATE KEY-----\n';
const password = `it's a "pass\\word"\tcanary-91ab`;

async function createError(
  status: number,
  body: string | Record<string, unknown>,
  contentType = 'text/plain',
  inputs: Record<string, string> = { ssh_key_data: key, password },
) {
  nock(awxBase).post('/api/v2/credentials/').reply(status, body, { 'Content-Type': contentType });
  const error = await new CredentialsApi(onceTransport())
    .createCredential({
      name: 'c',
      description: '',
      organization: 7,
      credential_type: 9,
      inputs,
    })
    .catch((e: unknown) => e);
  expect(error).toMatchObject({ statusCode: status });
  return `${String(error)} ${JSON.stringify(error)}`;
}

const keyMaterial = 'b3BlbnNzaC1rZXktdjEAAAAKY2Fu';
const canary = 'canary-91ab';

describe('an AWX error that quotes a credential input', () => {
  it('is withheld when a page quotes a multi-line input, its line breaks collapsed in the excerpt', async () => {
    const shown = await createError(500, `Server Error: could not load ${key}`);
    expect(shown).not.toContain(keyMaterial);
  });

  it('is withheld when a page quotes one line of a multi-line input', async () => {
    const shown = await createError(500, `bad key line: ${keyMaterial} (expected base64)`);
    expect(shown).not.toContain(keyMaterial);
  });

  it('is withheld when the excerpt would show only the first characters of an input', async () => {
    const shown = await createError(502, `${'x'.repeat(190)} ${password}`);
    expect(shown).not.toContain("it's a");
  });

  it('is withheld when a proxy echoes the request body, the input JSON-escaped', async () => {
    const echoed = `rejected: ${JSON.stringify({ inputs: { password } })}`;
    const shown = await createError(403, echoed);
    expect(shown).not.toContain(canary);
  });

  it("is withheld when Python's json.dumps echoes an input, every non-ASCII character escaped", async () => {
    const echoed = 'rejected: {"password": "mot-de-pass\\u00e9-\\ud83d\\udd11-canary"}';
    const shown = await createError(400, echoed, 'text/plain', {
      password: 'mot-de-passé-🔑-canary',
    });
    expect(shown).not.toContain('mot-de-pass');
  });

  it("is withheld when a message quotes an input as Python's repr", async () => {
    const repr = `'${password.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\t', '\\t')}'`;
    const shown = await createError(
      400,
      { __all__: [`${repr} is not of type 'object'`] },
      'application/json',
    );
    expect(shown).not.toContain(canary);
  });

  it("is withheld when Django's debug page quotes an input HTML-escaped", async () => {
    const html = password.replaceAll("'", '&#x27;').replaceAll('"', '&quot;');
    const shown = await createError(500, `<pre>${html}</pre>`, 'text/html');
    expect(shown).not.toContain(canary);
  });

  it('is shown when it quotes none', async () => {
    const shown = await createError(400, { organization: ['Invalid pk "7"'] }, 'application/json');
    expect(shown).toContain('organization: Invalid pk "7"');
  });
});
