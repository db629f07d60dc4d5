/**
 * The API itself: one request in, one reply out, in the order AWX's stack applies its rules:
 * URL resolution (404, or 301 to the slashed path), content negotiation (404 for an unknown
 * `format`, 406), body parsing (415, 400), authentication (401), a Read-scoped token's change
 * (403), method (405), then the view.
 * No I/O happens here; the HTTP layer writes the reply. The views stay in this one file, past
 * 350 lines, because each is a few lines over the shared request context and readers; the rules
 * they apply live in the resource modules.
 */
import {
  type CredentialRole,
  canAddCredential,
  credentialGrants,
  jobCancelable,
  jobDeletable,
  jobReadable,
  organizationReadable,
  type TemplateRole,
  TOKEN_USER,
  templateGrants,
  workflowJobCancelable,
} from './access.js';
import { type Authentication, authenticate, notAuthenticated } from './auth.js';
import {
  type CredentialType,
  credentialTypeModel,
  serializeCredentialType,
} from './credential-types.js';
import { type Credential, credentialModel, serializeCredential } from './credentials.js';
import { type Model, queryRows } from './filters.js';
import { jobEventModel, savedJobEvents, serializeJobEvent } from './job-events.js';
import { jobTemplateModel, launchInfo, serializeJobTemplate } from './job-template-views.js';
import type { JobTemplate } from './job-templates.js';
import { canCancel, deletionRefusal, type Job, jobModel, serializeJob } from './jobs.js';
import { templateCredentials } from './launch-credentials.js';
import { API_RENDERERS, type Renderer, STDOUT_RENDERERS, selectRenderer } from './negotiation.js';
import {
  DEFAULT_ORGANIZATION,
  type Organization,
  organizationModel,
  serializeOrganization,
} from './organizations.js';
import { isPage, type Pagination, paginate } from './paging.js';
import { holdsNonFinite, isJsonObject, PythonJsonError, parseJsonText } from './python-json.js';
import { recentJobs } from './recent-jobs.js';
import {
  AwxServerError,
  badRequest,
  detail,
  empty,
  forbidden,
  json,
  methodNotAllowed,
  notFound,
  type Reply,
  serverError,
} from './replies.js';
import { AWX_VERSION, apiRoot, CLUSTER_HOST_ID, ping } from './root-views.js';
import { type ApiPrefix, allowedMethods, type Resolution, resolve } from './routes.js';
import { stdout, stdoutError } from './stdout.js';
import type { Store } from './store.js';
import { displaySurveySpec } from './survey-spec.js';
import {
  credentialCapabilities,
  credentialTypeCapabilities,
  jobCapabilities,
  organizationCapabilities,
  templateCapabilities,
  workflowJobCapabilities,
} from './user-capabilities.js';
import { serializeUser, tokenUser, userModel } from './users.js';
import {
  canCancelWorkflowJob,
  serializeWorkflowJob,
  summarizeSourceWorkflowJob,
  workflowJobModel,
} from './workflow-jobs.js';
import {
  serializeWorkflowNode,
  summarizeNodeJob,
  workflowNodeModel,
  workflowNodeRows,
} from './workflow-nodes.js';

export interface ApiRequest {
  readonly method: string;
  /** The request target: path and query, as received. */
  readonly url: string;
  /** The `Host` header, for the absolute `Location` AWX gives a launched job. */
  readonly host: string;
  readonly authorization?: string | undefined;
  readonly contentType?: string | undefined;
  readonly accept?: string | undefined;
  readonly body: string;
  /** Why the body's bytes are not UTF-8 (Python's UnicodeDecodeError message), if they are not. */
  readonly undecodable?: string | undefined;
}

export interface ApiConfig {
  readonly prefix: ApiPrefix;
  /** The token, or `undefined` once revoked: every request with it is then anonymous. */
  readonly token: string | undefined;
  /** Whether the token's user is a System Administrator. */
  readonly superuser: boolean;
  /** A `read` token may only read. */
  readonly tokenScope: 'read' | 'write';
  /** The user's password for basic auth, if it may use one. */
  readonly password?: string | undefined;
  /** Whether AWX is applying its migrations, and so redirects every request. */
  readonly upgrading?: boolean | undefined;
  /** False once an administrator deactivated the user (Django's `is_active`). */
  readonly active?: boolean | undefined;
  /** Milliseconds on a monotonic clock, which a view's `X-API-Time` is measured with. */
  readonly now: () => number;
}

/** Where AWX's MigrationRanCheckMiddleware redirects: its route `ui:migrations_notran`. */
export const UPGRADING_PAGE = '/migrations_notran/';

type Route = Extract<Resolution, { kind: 'route' }>;

interface Context {
  readonly request: ApiRequest;
  /** The parsed body: `{}` when there is none, `null` for a body of JSON `null`. */
  readonly body: unknown;
  readonly route: Route;
  readonly method: string;
  readonly pathname: string;
  readonly query: URLSearchParams;
  readonly store: Store;
  readonly prefix: ApiPrefix;
  readonly superuser: boolean;
  readonly active: boolean;
  /** False for a token of Read scope, whose user AWX shows no capability (oauth_scopes). */
  readonly writeScope: boolean;
  /** The renderer content negotiation chose: what the view answers in. */
  readonly renderer: Renderer;
}

export function handle(request: ApiRequest, store: Store, config: ApiConfig): Reply {
  const url = new URL(request.url, 'http://simulator.invalid');
  const resolution = resolve(config.prefix, url.pathname, url.search);
  // MigrationRanCheckMiddleware, ahead of the views and of CommonMiddleware's slash redirect:
  // what resolves is redirected, what does not is Django's 404.
  if (config.upgrading && resolution.kind === 'route') {
    return empty(302, { Location: UPGRADING_PAGE, 'Content-Type': 'text/html; charset=utf-8' });
  }
  if (resolution.kind === 'not-found' || config.upgrading) {
    return detail(404, 'The requested resource could not be found.');
  }
  if (resolution.kind === 'redirect') return empty(301, { Location: resolution.location });
  const startedAt = config.now();
  // AWX's APIView.initialize_request authenticates first. django-oauth-toolkit's
  // authentication reads request.POST, which has DRF parse the body, so a body AWX cannot parse
  // leaves the user anonymous; `ping/` has no authentication classes, so authenticates no one.
  const body = resolution.name === 'ping' ? { value: {} } : readBody(request);
  const who =
    resolution.name === 'ping' || !('value' in body)
      ? 'anonymous'
      : authenticate(request.authorization, { ...config, username: TOKEN_USER.username });
  const reply = handleView({ request, store, config, resolution, url, body, who });
  const allow = allowedMethods(resolution.methods).join(', ');
  // BaseJobEventsList.finalize_response adds settings.MAX_UI_JOB_EVENTS to each of its answers.
  const events: Record<string, string> =
    resolution.name === 'jobEvents' ? { 'X-UI-Max-Events': '4000' } : {};
  // AWX's APIView.finalize_response adds the view's Allow, the product (its version only for
  // an authenticated user), names the node and times the view ('%0.3fs'); a 500 is Django's
  // handle_500 answering an exception that never reached it.
  const version: Record<string, string> =
    who === 'token' || who === 'password' ? { 'X-API-Product-Version': AWX_VERSION } : {};
  const finalized: Record<string, string> =
    reply.status === 500
      ? {}
      : {
          ...version,
          'X-API-Product-Name': 'AWX',
          'X-API-Node': CLUSTER_HOST_ID,
          'X-API-Time': `${((config.now() - startedAt) / 1000).toFixed(3)}s`,
          Allow: allow,
        };
  return { ...reply, headers: { ...reply.headers, ...events, ...finalized } };
}

/** A request as AWX's APIView.initialize_request leaves it: its body read, its user known. */
interface Initialized {
  readonly request: ApiRequest;
  readonly store: Store;
  readonly config: ApiConfig;
  readonly resolution: Route;
  readonly url: URL;
  readonly body: { value: unknown } | BodyRefusal;
  readonly who: Authentication;
}

/** A request a view answers: DRF's APIView.dispatch, which gives every answer its `Allow`. */
function handleView({ request, store, config, resolution, url, body, who }: Initialized): Reply {
  const renderers = resolution.name === 'jobStdout' ? STDOUT_RENDERERS : API_RENDERERS;
  // DRF reads `format` with Django's QueryDict.get, which takes the last of several.
  const renderer = selectRenderer(
    renderers,
    url.searchParams.getAll('format').at(-1) ?? null,
    request.accept,
  );
  // The body the authentication could not read: initialize_request kept its error, which
  // finalize_response answers in place of any other error, a failed negotiation's too.
  if (renderer === 'not-found' || renderer === 'not-acceptable') {
    const failure =
      'value' in body
        ? renderer === 'not-found'
          ? { status: 404, message: 'Not found.' }
          : { status: 406, message: 'Could not satisfy the request Accept header.' }
        : body;
    return negotiationFailure(renderers, failure.status, failure.message);
  }
  if (!('value' in body)) {
    // finalize_response answers the body's error only in place of an error: a view that an
    // anonymous user may call (the API root) still answers as it would have.
    const reply = handleView({ request, store, config, resolution, url, body: { value: {} }, who });
    return reply.status >= 400 ? detail(body.status, body.message) : reply;
  }
  if (typeof who === 'object') return who.failed;
  if (who === 'anonymous' && !resolution.public) return notAuthenticated();
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  // DRF's SimpleMetadata, in part: AWX adds each method's fields, which are not modelled.
  if (method === 'OPTIONS') {
    return json(200, {
      renders: ['application/json', 'text/html'],
      parses: ['application/json'],
    });
  }
  // AWX's APIView.check_permissions, ahead of DRF's permission classes and their method check:
  // a scope is the token's, so a user who gave a password has none.
  const writeScope = !(who === 'token' && config.tokenScope === 'read');
  if (!writeScope && method !== 'GET') return forbidden();
  if (!resolution.methods.includes(method)) return methodNotAllowed(request.method);
  const context = {
    request,
    body: body.value,
    route: resolution,
    method,
    pathname: url.pathname,
    query: url.searchParams,
    store,
    prefix: config.prefix,
    superuser: config.superuser,
    active: config.active ?? true,
    writeScope,
    renderer,
  };
  let reply: Reply;
  try {
    reply = dispatch(context);
  } catch (error) {
    if (error instanceof AwxServerError) return serverError();
    throw error;
  }
  // DRF's renderers write with json.dumps(allow_nan=False): an answer holding a NaN or an
  // infinity fails as it is rendered, after the view has done its work.
  return typeof reply.body !== 'string' && holdsNonFinite(reply.body) ? serverError() : reply;
}

/**
 * A failed content negotiation, rendered as APIView.finalize_response does then: by the view's
 * first renderer. The browsable API's page is not modelled: its HTML carries only the detail.
 */
function negotiationFailure(
  renderers: readonly Renderer[],
  status: number,
  message: string,
): Reply {
  if (renderers[0]?.format === 'json') return detail(status, message);
  return {
    status,
    headers: { 'Content-Type': 'text/html; charset=utf-8' },
    body: `<!DOCTYPE html>\n<html><body><pre>${JSON.stringify({ detail: message })}</pre></body></html>\n`,
  };
}

/** DRF's UnsupportedMediaType (415) or ParseError (400) of a body it cannot parse. */
interface BodyRefusal {
  readonly status: 400 | 415;
  readonly message: string;
}

/**
 * DRF's parsing with AWX's JSONParser: no body is `{}`; a body needs a JSON Content-Type (DRF
 * has no parser for any other, nor for none); its text must be JSON, and an object or `null`
 * (which DRF hands the view as `None`).
 */
function readBody(request: ApiRequest): { value: unknown } | BodyRefusal {
  if (request.body === '') return { value: {} };
  const mediaType = request.contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    // AWX's APIView.initialize_request rewrites the message of the UnsupportedMediaType the
    // authentication raised, and answers with it.
    return {
      status: 415,
      message:
        'You did not use correct Content-Type in your HTTP request. If you are using our REST API, the Content-Type must be application/json',
    };
  }
  // AWX's JSONParser decodes the bytes strictly, and its ValueError handler words the failure.
  if (request.undecodable !== undefined) {
    return {
      status: 400,
      message: `JSON parse error - ${request.undecodable}\nPossible cause: trailing comma.`,
    };
  }
  let value: unknown;
  try {
    value = parseJsonText(request.body);
  } catch (error) {
    if (!(error instanceof PythonJsonError)) throw error;
    return {
      status: 400,
      message: `JSON parse error - ${error.message}\nPossible cause: trailing comma.`,
    };
  }
  if (value !== null && !isJsonObject(value)) {
    return { status: 400, message: 'JSON parse error - not a JSON object' };
  }
  return { value };
}

function list<T>(
  context: Context,
  model: Model<T>,
  rows: readonly T[],
  serialize: (row: T) => unknown,
  pagination: Pagination = 'default',
): Reply {
  const selected = queryRows(model, rows, context.query);
  if (!Array.isArray(selected)) return selected;
  const page = paginate(selected, context.pathname, context.query, pagination);
  if (!isPage(page)) return page;
  return json(200, { ...page, results: page.results.map(serialize) });
}

function created(body: Record<string, unknown>): Reply {
  return json(201, body, { Location: String(body.url) });
}

function dispatch(context: Context): Reply {
  const { store, prefix, route, method } = context;
  const id = route.id;
  switch (route.name) {
    case 'root':
      return json(200, apiRoot(prefix));
    case 'ping':
      return json(200, ping(store.capacity));
    case 'me':
      return list(context, userModel, [tokenUser(context.superuser, context.active)], (u) =>
        serializeUser(u, prefix),
      );
    case 'organizations': {
      const rows = store
        .organizations()
        .filter((o) => context.superuser || organizationReadable(o.role));
      return list(context, organizationModel, rows, (o) =>
        serializeOrganization(o, prefix, orgCapabilities(context, o)),
      );
    }
    case 'organization': {
      const org = store.organization(id);
      if (!org) return notFound('Organization');
      if (!context.superuser && !organizationReadable(org.role)) return forbidden();
      return json(200, serializeOrganization(org, prefix, orgCapabilities(context, org)));
    }
    case 'credentialTypes':
      return method === 'POST' ? createCredentialType(context) : listCredentialTypes(context);
    case 'credentialType':
      return method === 'DELETE' ? deleteCredentialType(context) : showCredentialType(context);
    case 'credentials':
      return method === 'POST'
        ? createCredential(context)
        : listCredentials(
            context,
            store.credentials().filter((c) => mayOnCredential(context, c, 'read')),
          );
    case 'credential':
      return method === 'DELETE' ? deleteCredential(context) : showCredential(context);
    case 'jobTemplates': {
      const rows = store.jobTemplates().filter((t) => mayOnTemplate(context, t, 'read'));
      return list(context, jobTemplateModel, rows, (t) => templateBody(context, t));
    }
    case 'jobTemplate':
    case 'jobTemplateCredentials':
    case 'jobTemplateLaunch':
      return templateRoute(context);
    case 'jobTemplateSurveySpec':
      return surveySpecRoute(context);
    case 'jobs': {
      const rows = store.jobs().filter((j) => mayReadJob(context, j));
      return list(context, jobModel, rows, (j) => jobBody(context, j, false));
    }
    case 'workflowJobs': {
      // WorkflowJobAccess lists a sliced launch's workflow job through its template's read_role.
      const rows = store
        .workflowJobs()
        .filter((w) => mayOnTemplate(context, store.jobTemplate(w.jobTemplate), 'read'));
      return list(context, workflowJobModel, rows, (w) =>
        serializeWorkflowJob(w, context.prefix, store.now(), workflowCapabilities(context)),
      );
    }
    case 'workflowJob':
    case 'workflowJobCancel':
    case 'workflowJobNodes':
      return workflowJobRoute(context);
    default:
      return jobRoute(context);
  }
}

/**
 * ModelAccessPermission lets a System Administrator through before any role is checked, and
 * BaseAccess.get_queryset lists everything for one. Anyone else sees in a list only what it may
 * read, while a detail view finds the object among all (404) and then checks access (403).
 */
function mayOnTemplate(
  context: Context,
  template: JobTemplate | undefined,
  needed: Exclude<TemplateRole, 'none'>,
): boolean {
  return context.superuser || templateGrants(roleOnTemplate(context, template), needed);
}

/** The user's role on a template, counting what its organization's roles pass down. */
function roleOnTemplate(context: Context, template: JobTemplate | undefined): TemplateRole {
  return template === undefined ? 'none' : context.store.templateRole(template);
}

/**
 * JobAccess reads a job through its template's read_role, or as its organization's admin or
 * auditor.
 */
function mayReadJob(context: Context, job: Job): boolean {
  const template = context.store.jobTemplate(job.jobTemplate);
  const organization = context.store.organization(job.organization)?.role;
  return context.superuser || jobReadable(roleOnTemplate(context, template), organization);
}

function listCredentialTypes(context: Context): Reply {
  return list(context, credentialTypeModel, context.store.credentialTypes(), (t) =>
    serializeCredentialType(t, context.prefix, typeCapabilities(context)),
  );
}

// CredentialTypeAccess keeps BaseAccess.can_add and can_delete: a System Administrator only. The
// permission check comes after the body is parsed, and deleting finds the object first (404).
function createCredentialType(context: Context): Reply {
  if (!context.superuser) return forbidden();
  const outcome = context.store.createCredentialType(context.body);
  if (!outcome.ok) return badRequest(outcome.errors);
  return created(serializeCredentialType(outcome.value, context.prefix, typeCapabilities(context)));
}

function showCredentialType(context: Context): Reply {
  const type = context.store.credentialType(context.route.id);
  return type
    ? json(200, serializeCredentialType(type, context.prefix, typeCapabilities(context)))
    : notFound('CredentialType');
}

function deleteCredentialType(context: Context): Reply {
  if (context.store.credentialType(context.route.id) && !context.superuser) return forbidden();
  switch (context.store.deleteCredentialType(context.route.id)) {
    case 'deleted':
      return empty(204);
    case 'managed':
      return detail(403, 'Deletion not allowed for managed credential types');
    case 'in-use':
      return detail(403, 'Credential types that are in use cannot be deleted');
    default:
      return notFound('CredentialType');
  }
}

function credentialBody(context: Context, credential: Credential): Record<string, unknown> {
  const type = context.store.credentialType(credential.credentialType) as CredentialType;
  const org =
    credential.organization === null
      ? undefined
      : context.store.organization(credential.organization);
  const capabilities = credentialCapabilities({
    superuser: context.superuser,
    writeScope: context.writeScope,
    role: context.store.credentialRole(credential),
    managed: credential.managed,
  });
  return serializeCredential(credential, type, org?.name ?? '', capabilities, context.prefix);
}

function listCredentials(context: Context, rows: readonly Credential[]): Reply {
  return list(context, credentialModel, rows, (c) => credentialBody(context, c));
}

/**
 * CredentialList: ModelAccessPermission asks CredentialAccess.can_add about the raw body before
 * the serializer reads it, so a refused owner is a 403 (or get_object_from_data's 400) ahead of
 * any field error.
 */
function createCredential(context: Context): Reply {
  const { store } = context;
  if (!context.superuser) {
    const check = canAddCredential(context.body, {
      organizationRole: (id) => store.organization(id)?.role,
    });
    if ('badRequest' in check) return detail(400, check.badRequest);
    if (!check.allowed) return forbidden();
  }
  const outcome = context.store.createCredential(context.body, 'api');
  if (!outcome.ok) return badRequest(outcome.errors);
  return created(credentialBody(context, outcome.value));
}

/** CredentialAccess for a user who is not a System Administrator: its role on the credential. */
function mayOnCredential(
  context: Context,
  credential: Credential,
  needed: Exclude<CredentialRole, 'none'>,
): boolean {
  return context.superuser || credentialGrants(context.store.credentialRole(credential), needed);
}

function showCredential(context: Context): Reply {
  const credential = context.store.credential(context.route.id);
  if (!credential) return notFound('Credential');
  if (!mayOnCredential(context, credential, 'read')) return forbidden();
  return json(200, credentialBody(context, credential));
}

/**
 * CredentialDetail.destroy: get_object asks CredentialAccess.can_delete (its admin_role), then a
 * managed credential is refused to anyone.
 */
function deleteCredential(context: Context): Reply {
  const credential = context.store.credential(context.route.id);
  if (!credential) return notFound('Credential');
  if (!mayOnCredential(context, credential, 'admin')) return forbidden();
  if (credential.managed) return detail(403, 'Deletion not allowed for managed credentials');
  context.store.deleteCredential(credential.id);
  return empty(204);
}

/** How JobTemplateSerializer and JobSerializer summarize a credential of a template or a job. */
function credentialSummaries(context: Context, ids: readonly number[]): Record<string, unknown>[] {
  return ids.flatMap((id) => {
    const found = context.store.launchCredential(id);
    if (!found) return [];
    const { credential, type } = found;
    return [
      {
        id: credential.id,
        name: credential.name,
        description: credential.description,
        // Credential.kind is its type's namespace, null for a custom type.
        kind: type.namespace,
        cloud: type.kind === 'cloud',
      },
    ];
  });
}

function templateBody(context: Context, template: JobTemplate): Record<string, unknown> {
  const jobs = context.store.templateJobState(template.id);
  const jobOf = (id: number | null) => (id === null ? undefined : context.store.job(id));
  // A template's organization must exist when it is seeded, and none is ever deleted.
  const organization = context.store.organization(template.organization) as Organization;
  return serializeJobTemplate(
    template,
    {
      credentials: credentialSummaries(
        context,
        templateCredentials(template, (id) => context.store.launchCredential(id)).map(
          ({ credential }) => credential.id,
        ),
      ),
      jobs,
      lastJob: jobOf(jobs.lastJob),
      currentJob: jobOf(jobs.currentJob),
      recentJobs: recentJobs(template.id, context.store.jobs(), context.store.workflowJobs()),
      organization,
      capabilities: templateCapabilities({
        superuser: context.superuser,
        writeScope: context.writeScope,
        role: roleOnTemplate(context, template),
        // JobTemplate.validation_errors: no inventory (the simulator's templates never ask for
        // one on launch), or no project.
        hasValidationErrors: template.inventory === null || template.project === null,
        defaultOrganizationRole: context.store.organization(DEFAULT_ORGANIZATION)?.role,
      }),
    },
    context.prefix,
  );
}

function templateRoute(context: Context): Reply {
  const { store, route, method } = context;
  const template = store.jobTemplate(route.id);
  if (!template) return notFound('JobTemplate');
  // JobTemplateLaunch's obj_permission_type is `start`: POST needs execute_role (can_start).
  const needed = route.name === 'jobTemplateLaunch' && method === 'POST' ? 'execute' : 'read';
  if (!mayOnTemplate(context, template, needed)) return forbidden();
  if (route.name === 'jobTemplate') return json(200, templateBody(context, template));
  if (route.name === 'jobTemplateCredentials') {
    return listCredentials(
      context,
      template.credentials.flatMap((id) => store.credential(id) ?? []),
    );
  }
  if (method === 'GET') {
    return json(
      200,
      launchInfo(
        template,
        templateCredentials(template, (id) => store.launchCredential(id)),
      ),
    );
  }
  // JobTemplateLaunch.modernize_launch_payload copies the body: a JSON `null` fails there.
  if (context.body === null) throw new AwxServerError('a launch body of None has no copy()');
  const outcome = store.launch(template.id, context.body, TOKEN_USER, context.superuser);
  if (!outcome.ok) return 'forbidden' in outcome ? forbidden() : badRequest(outcome.errors);
  const origin = `http://${context.request.host}${context.prefix}`;
  const { ignoredFields } = outcome.value;
  // JobTemplateLaunch.post: a sliced launch answers with the workflow job, and no `job`.
  if ('workflowJob' in outcome.value) {
    const { workflowJob } = outcome.value;
    return json(
      201,
      {
        workflow_job: workflowJob.id,
        ignored_fields: ignoredFields,
        ...serializeWorkflowJob(
          workflowJob,
          context.prefix,
          store.now(),
          workflowCapabilities(context),
        ),
      },
      { Location: `${origin}workflow_jobs/${workflowJob.id}/` },
    );
  }
  const { job } = outcome.value;
  return json(
    201,
    { job: job.id, ignored_fields: ignoredFields, ...jobBody(context, job, true) },
    { Location: `${origin}jobs/${job.id}/` },
  );
}

/**
 * JobTemplateSurveySpec. Reading needs read access to the template, saving its admin role
 * (JobTemplateAccess.can_change), emptying it can_delete, which asks the same. Saving and
 * emptying answer 200 with no body, as DRF does for `Response()`.
 */
function surveySpecRoute(context: Context): Reply {
  const { store, route, method } = context;
  const template = store.jobTemplate(route.id);
  if (!template) return notFound('JobTemplate');
  if (!mayOnTemplate(context, template, method === 'GET' ? 'read' : 'admin')) {
    return forbidden();
  }
  if (method === 'GET') return json(200, displaySurveySpec(template.surveySpec));
  if (method === 'DELETE') {
    store.deleteSurveySpec(template.id);
    return empty(200);
  }
  const outcome = store.saveSurveySpec(template.id, context.body);
  return outcome.ok ? empty(200) : badRequest(outcome.errors);
}

function jobBody(context: Context, job: Job, detail: boolean): Record<string, unknown> {
  const templateName = context.store.jobTemplate(job.jobTemplate)?.name ?? job.name;
  const source =
    job.sourceWorkflowJob === null ? undefined : context.store.workflowJob(job.sourceWorkflowJob);
  return serializeJob(
    job,
    {
      templateName,
      credentials: credentialSummaries(context, job.credentials),
      detail,
      capabilities: jobCapabilities({
        superuser: context.superuser,
        writeScope: context.writeScope,
        templateRole: roleOnTemplate(context, context.store.jobTemplate(job.jobTemplate)),
        organizationRole: context.store.organization(job.organization)?.role,
      }),
      now: context.store.now(),
      sourceWorkflowJob: source && summarizeSourceWorkflowJob(source, context.store.now()),
    },
    context.prefix,
  );
}

function orgCapabilities(context: Context, org: Organization) {
  const { superuser, writeScope } = context;
  return organizationCapabilities({ superuser, writeScope, role: org.role });
}

function typeCapabilities(context: Context) {
  return credentialTypeCapabilities({
    superuser: context.superuser,
    writeScope: context.writeScope,
  });
}

function workflowCapabilities(context: Context) {
  return workflowJobCapabilities({ superuser: context.superuser, writeScope: context.writeScope });
}

/** JobAccess.can_delete, which a System Administrator passes without being asked. */
function jobDeleteAllowed(context: Context, job: Job): boolean {
  return context.superuser || jobDeletable(context.store.organization(job.organization)?.role);
}

/**
 * JobDetail.destroy (UnifiedJobDeletionMixin): the user's right first, then the job's state;
 * the job leaves the history, and a client that reads it gets 404.
 */
function deleteJob(context: Context, job: Job): Reply {
  if (!jobDeleteAllowed(context, job)) return forbidden();
  const refused = deletionRefusal(job, context.store.now());
  if (refused) return refused;
  context.store.deleteJob(job.id);
  return empty(204);
}

function jobRoute(context: Context): Reply {
  const { store, route, method, renderer } = context;
  // The stdout view renders its refusals with the negotiated renderer, text for the text ones.
  const refuse = (reply: Reply) =>
    route.name === 'jobStdout' ? stdoutError(reply, renderer.format) : reply;
  const job = store.job(route.id);
  if (!job) return refuse(notFound('Job'));
  // An admin of the job's organization may delete its jobs, whatever its role on the template.
  if (route.name === 'job' && method === 'DELETE') return deleteJob(context, job);
  const templateRole = roleOnTemplate(context, store.jobTemplate(job.jobTemplate));
  // JobCancel's POST reads no queryset filtered for the user (GenericAPIView.get_queryset): the
  // one check is can_cancel, so whoever launched a job cancels it without Read on its template.
  if (route.name === 'jobCancel' && method === 'POST') {
    // JobAccess.can_cancel refuses a job that cannot be canceled any more, so only a System
    // Administrator (whom the access check lets through) meets the view's 405.
    if (!context.superuser && !jobCancelable(canCancel(job), job.launchedBy, templateRole)) {
      return forbidden();
    }
    return store.cancel(job.id) === 'accepted' ? empty(202) : methodNotAllowed('POST');
  }
  if (!mayReadJob(context, job)) return refuse(forbidden());
  switch (route.name) {
    case 'job':
      return json(200, jobBody(context, job, true));
    case 'jobStdout':
      return stdout(job, renderer.format, context.store.now(), context.query);
    case 'jobEvents': {
      // NoTruncateMixin takes any non-empty value, `false` too, and QueryDict.get the last.
      const noTruncate = Boolean(context.query.getAll('no_truncate').at(-1));
      const events = savedJobEvents(job, context.store.now());
      return list(
        context,
        jobEventModel,
        events,
        (event) => serializeJobEvent(event, context.prefix, noTruncate),
        'events',
      );
    }
    default:
      return json(200, { can_cancel: canCancel(job) });
  }
}

/**
 * A sliced launch's workflow job: WorkflowJobAccess reads it through its template's read_role,
 * and its nodes list (a sublist view) asks the same of it first.
 */
function workflowJobRoute(context: Context): Reply {
  const { store, route, method } = context;
  const job = store.workflowJob(route.id);
  if (!job) return notFound('WorkflowJob');
  const cancelable = canCancelWorkflowJob(job);
  if (route.name === 'workflowJobCancel' && method === 'POST') {
    if (!context.superuser && !workflowJobCancelable(cancelable, job.launchedBy)) {
      return forbidden();
    }
    return store.cancelWorkflowJob(job.id) === 'accepted' ? empty(202) : methodNotAllowed('POST');
  }
  if (!mayOnTemplate(context, store.jobTemplate(job.jobTemplate), 'read')) return forbidden();
  switch (route.name) {
    case 'workflowJob':
      return json(
        200,
        serializeWorkflowJob(job, context.prefix, store.now(), workflowCapabilities(context)),
      );
    case 'workflowJobNodes':
      return list(context, workflowNodeModel, workflowNodeRows(job), (row) => {
        const spawned = row.job === null ? undefined : store.job(row.job);
        const summary = spawned && summarizeNodeJob(jobBody(context, spawned, false));
        return serializeWorkflowNode(row, summary, context.prefix);
      });
    default:
      return json(200, { can_cancel: cancelable });
  }
}
