/**
 * The HTTP shell: a node:http server on a loopback address that reads each request, applies the
 * armed faults and latency, asks the API for a reply and writes it. Everything it knows about AWX
 * lives in the modules it calls.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { OrganizationRole, UserRef } from './access.js';
import { handle } from './api.js';
import type { CredentialType, CredentialTypeSeed } from './credential-types.js';
import type { Credential, CredentialOrigin, CredentialSeed } from './credentials.js';
import { type Fault, FaultPlan, type Faults } from './faults.js';
import type { JobTemplate, JobTemplateSeed } from './job-templates.js';
import type { Job } from './jobs.js';
import type { Organization } from './organizations.js';
import { AwxValidationError, detail, type Reply } from './replies.js';
import { API_PREFIXES } from './routes.js';
import { type DeletedCredential, Store } from './store.js';
import { type Decoded, decodeUtf8 } from './utf8.js';
import type { WorkflowJob } from './workflow-jobs.js';

export const simulatorOptionsSchema = z.object({
  /** The bearer token clients must send; a random one when absent. */
  token: z
    .string()
    .min(1)
    .default(() => randomBytes(18).toString('base64url')),
  /**
   * Whether the token's user is a System Administrator (`is_superuser`). One who is not may do
   * what its role on each object allows (`role` of an organization, a job template or a
   * credential, by default admin; a template's and a credential's counting what the
   * organization's role passes down), and AWX lets only a System Administrator create or delete
   * credential types (CredentialTypeAccess).
   */
  superuser: z.boolean().default(true),
  /**
   * The token's scope: `write`, or `read`, which AWX lets read only (APIView.check_permissions:
   * every method but GET, HEAD and OPTIONS is 403, a System Administrator's too).
   */
  tokenScope: z.enum(['read', 'write']).default('write'),
  /**
   * The password of the token's user (`admin`) for HTTP basic auth, which AWX accepts too
   * (AUTH_BASIC_ENABLED); without one, every basic auth attempt fails as a wrong password.
   */
  password: z.string().min(1).optional(),
  /** Whether the simulator starts as an AWX applying its migrations; see `setUpgrading`. */
  upgrading: z.boolean().default(false),
  /** `/api/v2/` as AWX serves it, or `/api/controller/v2/` as AAP 2.5+ does. */
  apiPrefix: z.enum(API_PREFIXES).default('/api/v2/'),
  /** Loopback only: the simulator is a test double, never a service. */
  host: z.enum(['127.0.0.1', '::1', 'localhost']).default('127.0.0.1'),
  /**
   * The one instance's capacity, as `ping/` reports it: every job takes 1 of it while waiting or
   * running, and one with no room stays pending (capacity.ts). Without it nothing is held for
   * capacity, and `ping/` reports 100.
   */
  capacity: z.number().int().min(1).optional(),
  /** 0 picks a free port. */
  port: z.number().int().min(0).max(65_535).default(0),
});

export type AwxSimulatorOptions = z.input<typeof simulatorOptionsSchema>;

/** One request as the simulator answered it; bodies are never recorded, so no secret is. */
export interface RequestRecord {
  readonly method: string;
  /** Path and query string. */
  readonly path: string;
  /** `null` when the connection was reset instead of answered. */
  readonly status: number | null;
  readonly fault?: Fault['kind'] | undefined;
  /**
   * The bytes of the body answered, all of them, though a client may stop reading before the
   * end; 0 for none or a reset.
   */
  readonly bytes: number;
}

/** The simulator's data, to seed before a test and to inspect after it. */
export interface SimulatorState {
  /** `role` is the token's user's there (default `admin`), for a user who is not a superuser. */
  addOrganization(name: string, description?: string, role?: OrganizationRole): Organization;
  /** Validated as `POST credential_types/` is; throws AwxValidationError with AWX's 400 body. */
  addCredentialType(seed: CredentialTypeSeed): CredentialType;
  /** A credential for a template to own, validated as `POST credentials/` is. */
  addCredential(seed: CredentialSeed): Credential;
  addJobTemplate(seed: JobTemplateSeed): JobTemplate;
  /**
   * Launches a template with `body` as `POST launch/` would, as `launchedBy` (default the
   * token's user), e.g. a job another controller started. Throws AwxValidationError with AWX's
   * 400 body; a template that slices makes a workflow job.
   */
  launch(
    templateId: number,
    body?: Record<string, unknown>,
    launchedBy?: UserRef,
  ): Job | WorkflowJob;
  organizations(): Organization[];
  credentialTypes(): CredentialType[];
  jobTemplates(): JobTemplate[];
  jobs(): Job[];
  job(id: number): Job | undefined;
  /** Workflow jobs sliced launches made; the workflow manager spawns their slices as `jobs()`. */
  workflowJobs(): WorkflowJob[];
  /**
   * Credentials that exist right now, with their real input values. `{ origin: 'api' }` selects
   * those a client created, so "nothing leaked" is `expect(liveCredentials({ origin: 'api' }))
   * .toEqual([])`.
   */
  liveCredentials(filter?: { readonly origin?: CredentialOrigin | undefined }): Credential[];
  /**
   * Every credential deletion, oldest first, with the jobs that used it and had not started, so
   * will run without it:
   * "no job lost its credentials" is `expect(deletedCredentials().flatMap((d) => d.activeJobs))
   * .toEqual([])`.
   */
  deletedCredentials(): DeletedCredential[];
}

export interface AwxSimulator {
  /** `http://127.0.0.1:<port>`, without the API prefix. */
  readonly url: string;
  readonly apiPrefix: string;
  /** `url` followed by `apiPrefix`. */
  readonly apiUrl: string;
  readonly token: string;
  readonly state: SimulatorState;
  readonly faults: Faults;
  /** Every request so far, oldest first. */
  readonly requests: readonly RequestRecord[];
  /** TCP connections accepted so far: what a client's keep-alive pool saves shows here. */
  readonly connections: number;
  /**
   * Acts as an AWX applying its database migrations (an upgrade), or no longer: its
   * MigrationRanCheckMiddleware answers every request for an API route with a 302 to
   * `/migrations_notran/`, before authentication and any view, so nothing is done.
   */
  setUpgrading(upgrading: boolean): void;
  /**
   * Acts as an AWX whose token is gone: revoked (its OAuth2AccessToken deleted), expired, or
   * cascaded with its deleted user. django-oauth-toolkit's authentication then finds no token
   * and leaves every request with it anonymous, so each is 401 `Authentication credentials were
   * not provided.` with AWX's Bearer challenge, before any view; nothing is done.
   */
  revokeToken(): void;
  /**
   * Acts as an AWX whose administrator deactivated the token's user (`is_active` false, as
   * `PATCH users/{id}/` or a directory sync sets it). Basic auth with the right password is then
   * 401 `Invalid username/password.`; the token goes on working, as AWX's does (auth.ts).
   */
  deactivateUser(): void;
  /**
   * Acts as an AWX whose services restarted on the same database: everything stored stays, and
   * the dispatcher's startup fails the jobs it left running or waiting as AWX's reaper does
   * (reaper.ts); pending jobs and workflow jobs go on.
   */
  restart(): void;
  stop(): Promise<void>;
}

function stateOf(store: Store): SimulatorState {
  return {
    addOrganization: (name, description, role) => store.addOrganization(name, description, role),
    addCredentialType: (seed) => store.addCredentialType(seed),
    addCredential: (seed) => store.addCredential(seed),
    addJobTemplate: (seed) => store.addJobTemplate(seed),
    launch: (templateId, body = {}, launchedBy) => {
      if (!store.jobTemplate(templateId)) throw new Error(`no job template has id ${templateId}`);
      const outcome = store.launch(templateId, body, launchedBy);
      if (!outcome.ok) throw new AwxValidationError(outcome.errors);
      return 'job' in outcome.value ? outcome.value.job : outcome.value.workflowJob;
    },
    organizations: () => store.organizations(),
    credentialTypes: () => store.credentialTypes(),
    jobTemplates: () => store.jobTemplates(),
    jobs: () => store.jobs(),
    job: (id) => store.job(id),
    workflowJobs: () => store.workflowJobs(),
    liveCredentials: (filter = {}) =>
      store.credentials().filter((c) => filter.origin === undefined || c.origin === filter.origin),
    deletedCredentials: () => store.deletedCredentials(),
  };
}

async function readBody(request: IncomingMessage): Promise<Decoded> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return decodeUtf8(Buffer.concat(chunks));
}

/** Answers `reply`; the bytes of its body. */
function write(response: ServerResponse, reply: Reply, startedAt: number): number {
  const contentType = reply.headers['Content-Type'] ?? '';
  const body =
    reply.body === undefined
      ? undefined
      : contentType.startsWith('application/json')
        ? JSON.stringify(reply.body)
        : String(reply.body);
  response.writeHead(reply.status, {
    ...reply.headers,
    'X-API-Request-Id': randomUUID().replaceAll('-', ''),
    'X-API-Total-Time': `${((performance.now() - startedAt) / 1000).toFixed(3)}s`,
  });
  response.end(body);
  return body === undefined ? 0 : Buffer.byteLength(body);
}

export async function startAwxSimulator(options: AwxSimulatorOptions = {}): Promise<AwxSimulator> {
  const config = simulatorOptionsSchema.parse(options);
  const store = new Store(config.capacity);
  const faults = new FaultPlan();
  const requests: RequestRecord[] = [];
  let connections = 0;
  let upgrading = config.upgrading;
  let active = true;
  let token: string | undefined = config.token;

  const server = createServer(async (request, response) => {
    const startedAt = performance.now();
    const method = request.method ?? 'GET';
    const path = request.url ?? '/';
    const fault = faults.take(method, path);
    const record = (status: number | null, bytes: number) =>
      requests.push({ method, path, status, bytes, ...(fault ? { fault: fault.kind } : {}) });
    const strike = (stage: 'before' | 'after'): boolean => {
      // A deferred request is answered only after the body is read, so it can be acted on later.
      if (fault?.when !== stage || fault.kind === 'defer') return false;
      if (fault.kind === 'reset') {
        request.socket.destroy();
        record(null, 0);
      } else {
        record(fault.reply.status, write(response, fault.reply, startedAt));
      }
      return true;
    };

    const latency = faults.delay();
    if (latency > 0) await sleep(latency);
    if (strike('before')) return;
    const apiRequest = {
      method,
      url: path,
      host: request.headers.host ?? `${config.host}:${config.port}`,
      authorization: request.headers.authorization,
      contentType: request.headers['content-type'],
      accept: request.headers.accept,
      ...(await readBody(request).then(({ text, error }) => ({ body: text, undecodable: error }))),
    };
    const act = (): Reply => {
      try {
        return handle(apiRequest, store, {
          prefix: config.apiPrefix,
          token,
          superuser: config.superuser,
          tokenScope: config.tokenScope,
          password: config.password,
          upgrading,
          active,
          now: () => performance.now(),
        });
      } catch (error) {
        process.stderr.write(`awx-simulator: ${(error as Error).stack ?? String(error)}\n`);
        return detail(500, 'A server error occurred.');
      }
    };
    if (fault?.kind === 'defer') {
      faults.hold(act);
      record(fault.reply.status, write(response, fault.reply, startedAt));
      return;
    }
    const reply = act();
    if (strike('after')) return;
    record(reply.status, write(response, reply, startedAt));
  });

  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const hostInUrl = config.host === '::1' ? '[::1]' : config.host;
  const url = `http://${hostInUrl}:${port}`;

  return {
    url,
    apiPrefix: config.apiPrefix,
    apiUrl: `${url}${config.apiPrefix}`,
    token: config.token,
    state: stateOf(store),
    faults,
    requests,
    get connections() {
      return connections;
    },
    setUpgrading: (on) => {
      upgrading = on;
    },
    revokeToken: () => {
      token = undefined;
    },
    deactivateUser: () => {
      active = false;
    },
    restart: () => store.restart(),
    stop: async () => {
      store.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
