import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CredentialRole,
  credentialRole,
  jobReadable,
  ORGANIZATION_ROLES,
  type OrganizationRole,
  type TemplateRole,
  templateRole,
} from './access.js';
import { type AwxSimulator, startAwxSimulator } from './index.js';

/*
 * What an organization's roles pass down to its job templates, jobs and credentials, as AWX's
 * role graph does: JobTemplate.admin_role's parent is organization.job_template_admin_role
 * (a child of organization.admin_role), execute_role's organization.execute_role, read_role's
 * organization.auditor_role; Credential.admin_role's organization.credential_admin_role,
 * read_role's organization.auditor_role; JobAccess lists an organization's jobs to its admins
 * and auditors.
 */

const fromOrganization: Record<OrganizationRole, [TemplateRole, CredentialRole]> = {
  none: ['none', 'none'],
  member: ['none', 'none'],
  auditor: ['read', 'read'],
  execute: ['execute', 'none'],
  job_template_admin: ['admin', 'none'],
  credential_admin: ['none', 'admin'],
  admin: ['admin', 'admin'],
};

describe("the roles an organization's roles pass down", () => {
  it.each(ORGANIZATION_ROLES)('gives %s of the organization what AWX does', (organization) => {
    const [template, credential] = fromOrganization[organization];
    expect(templateRole('none', organization)).toBe(template);
    expect(credentialRole('none', organization)).toBe(credential);
  });

  it('keeps a higher role granted on the object itself', () => {
    expect(templateRole('execute', 'auditor')).toBe('execute');
    expect(templateRole('admin', 'execute')).toBe('admin');
    expect(templateRole('read', undefined)).toBe('read');
    expect(credentialRole('use', 'auditor')).toBe('use');
  });

  it("shows a job to its organization's admins and auditors, whatever the template's role", () => {
    const readers = ORGANIZATION_ROLES.filter((role) => jobReadable('none', role));
    expect(readers).toEqual(['auditor', 'admin']);
    expect(jobReadable('read', 'member')).toBe(true);
    expect(jobReadable('none', undefined)).toBe(false);
  });
});

const denied = {
  status: 403,
  body: { detail: 'You do not have permission to perform this action.' },
};
const slow = { pendingMs: 10_000 };
const other = { id: 2, username: 'kubernaut' };

describe("a user who is not a System Administrator, through an organization's roles", () => {
  let sim: AwxSimulator;

  beforeAll(async () => {
    sim = await startAwxSimulator({ superuser: false });
  });
  afterAll(() => sim.stop());

  async function call(method: string, path: string, body?: unknown) {
    const response = await fetch(`${sim.apiUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  /** A template granting the user nothing itself, in an organization where it holds `role`. */
  function templateIn(role: OrganizationRole) {
    const organization = sim.state.addOrganization(`org-${role}`, '', role);
    const template = sim.state.addJobTemplate({
      name: `in-${role}`,
      organization: organization.id,
      role: 'none',
      schedule: slow,
    });
    return { organization, template, theirs: sim.state.launch(template.id, {}, other) };
  }

  it("administers every template of an organization it is an admin of, and cancels anyone's job", async () => {
    const { template, theirs } = await templateIn('admin');
    expect((await call('GET', `job_templates/?name=${template.name}`)).body.count).toBe(1);
    expect((await call('POST', `job_templates/${template.id}/launch/`, {})).status).toBe(201);
    expect((await call('DELETE', `job_templates/${template.id}/survey_spec/`)).status).toBe(200);
    expect((await call('GET', `jobs/${theirs.id}/`)).status).toBe(200);
    expect((await call('POST', `jobs/${theirs.id}/cancel/`)).status).toBe(202);
  });

  it("cancels anyone's job of the organization's templates as its job template admin", async () => {
    const { theirs } = await templateIn('job_template_admin');
    expect((await call('POST', `jobs/${theirs.id}/cancel/`)).status).toBe(202);
  });

  it("launches the organization's templates with its execute role, but cancels only its own jobs", async () => {
    const { template, theirs } = await templateIn('execute');
    expect((await call('POST', `job_templates/${template.id}/launch/`, {})).status).toBe(201);
    expect(await call('DELETE', `job_templates/${template.id}/survey_spec/`)).toEqual(denied);
    expect((await call('GET', `jobs/${theirs.id}/`)).status).toBe(200);
    expect(await call('POST', `jobs/${theirs.id}/cancel/`)).toEqual(denied);
  });

  it("reads the organization's templates, jobs and credentials as its auditor, and changes none", async () => {
    const { organization, template, theirs } = await templateIn('auditor');
    const machine = sim.state.credentialTypes().find((t) => t.name === 'Machine')?.id as number;
    const credential = sim.state.addCredential({
      name: 'audited',
      credential_type: machine,
      organization: organization.id,
      inputs: { username: 'root' },
    });
    expect((await call('GET', `job_templates/${template.id}/`)).status).toBe(200);
    expect(await call('POST', `job_templates/${template.id}/launch/`, {})).toEqual(denied);
    expect((await call('GET', `jobs/?job_template=${template.id}`)).body.count).toBe(1);
    expect(await call('POST', `jobs/${theirs.id}/cancel/`)).toEqual(denied);
    expect((await call('GET', `credentials/${credential.id}/`)).status).toBe(200);
    expect(await call('DELETE', `credentials/${credential.id}/`)).toEqual(denied);
  });

  it("gets nothing on the organization's templates as a member", async () => {
    const { template, theirs } = await templateIn('member');
    expect((await call('GET', `job_templates/?name=${template.name}`)).body.count).toBe(0);
    expect(await call('GET', `jobs/${theirs.id}/`)).toEqual(denied);
  });
});
