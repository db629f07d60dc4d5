/**
 * URL routing as Django does it for AWX: every API path ends in `/`, a path without the slash
 * whose slashed form exists is answered with a 301 to it (CommonMiddleware's APPEND_SLASH, before
 * authentication, whatever the method), and anything else is a 404.
 */

export const API_PREFIXES = ['/api/v2/', '/api/controller/v2/'] as const;
export type ApiPrefix = (typeof API_PREFIXES)[number];

export type RouteName =
  | 'root'
  | 'ping'
  | 'me'
  | 'organizations'
  | 'organization'
  | 'credentialTypes'
  | 'credentialType'
  | 'credentials'
  | 'credential'
  | 'jobTemplates'
  | 'jobTemplate'
  | 'jobTemplateCredentials'
  | 'jobTemplateLaunch'
  | 'jobTemplateSurveySpec'
  | 'jobs'
  | 'job'
  | 'jobStdout'
  | 'jobEvents'
  | 'jobCancel'
  | 'workflowJobs'
  | 'workflowJob'
  | 'workflowJobCancel'
  | 'workflowJobNodes';

interface RouteDefinition {
  readonly name: RouteName;
  readonly pattern: RegExp;
  readonly methods: readonly string[];
  /** Served without authentication, like AWX's API root and `ping/`. */
  readonly public?: boolean | undefined;
}

const ROUTES: readonly RouteDefinition[] = [
  { name: 'root', pattern: /^$/, methods: ['GET'], public: true },
  { name: 'ping', pattern: /^ping\/$/, methods: ['GET'], public: true },
  { name: 'me', pattern: /^me\/$/, methods: ['GET'] },
  { name: 'organizations', pattern: /^organizations\/$/, methods: ['GET'] },
  { name: 'organization', pattern: /^organizations\/(\d+)\/$/, methods: ['GET'] },
  { name: 'credentialTypes', pattern: /^credential_types\/$/, methods: ['GET', 'POST'] },
  { name: 'credentialType', pattern: /^credential_types\/(\d+)\/$/, methods: ['GET', 'DELETE'] },
  { name: 'credentials', pattern: /^credentials\/$/, methods: ['GET', 'POST'] },
  { name: 'credential', pattern: /^credentials\/(\d+)\/$/, methods: ['GET', 'DELETE'] },
  { name: 'jobTemplates', pattern: /^job_templates\/$/, methods: ['GET'] },
  { name: 'jobTemplate', pattern: /^job_templates\/(\d+)\/$/, methods: ['GET'] },
  {
    name: 'jobTemplateCredentials',
    pattern: /^job_templates\/(\d+)\/credentials\/$/,
    methods: ['GET'],
  },
  {
    name: 'jobTemplateLaunch',
    pattern: /^job_templates\/(\d+)\/launch\/$/,
    methods: ['GET', 'POST'],
  },
  {
    name: 'jobTemplateSurveySpec',
    pattern: /^job_templates\/(\d+)\/survey_spec\/$/,
    methods: ['GET', 'POST', 'DELETE'],
  },
  { name: 'jobs', pattern: /^jobs\/$/, methods: ['GET'] },
  // JobDetail is a RetrieveDestroyAPIView.
  { name: 'job', pattern: /^jobs\/(\d+)\/$/, methods: ['GET', 'DELETE'] },
  { name: 'jobStdout', pattern: /^jobs\/(\d+)\/stdout\/$/, methods: ['GET'] },
  { name: 'jobEvents', pattern: /^jobs\/(\d+)\/job_events\/$/, methods: ['GET'] },
  { name: 'jobCancel', pattern: /^jobs\/(\d+)\/cancel\/$/, methods: ['GET', 'POST'] },
  { name: 'workflowJobs', pattern: /^workflow_jobs\/$/, methods: ['GET'] },
  { name: 'workflowJob', pattern: /^workflow_jobs\/(\d+)\/$/, methods: ['GET'] },
  {
    name: 'workflowJobCancel',
    pattern: /^workflow_jobs\/(\d+)\/cancel\/$/,
    methods: ['GET', 'POST'],
  },
  {
    name: 'workflowJobNodes',
    pattern: /^workflow_jobs\/(\d+)\/workflow_nodes\/$/,
    methods: ['GET'],
  },
];

export type Resolution =
  | {
      readonly kind: 'route';
      readonly name: RouteName;
      readonly id: number;
      readonly methods: readonly string[];
      readonly public: boolean;
    }
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'not-found' };

function match(prefix: ApiPrefix, pathname: string): Resolution | undefined {
  if (!pathname.startsWith(prefix)) return undefined;
  const rest = pathname.slice(prefix.length);
  for (const route of ROUTES) {
    const found = route.pattern.exec(rest);
    if (found) {
      return {
        kind: 'route',
        name: route.name,
        id: Number(found[1] ?? 0),
        methods: route.methods,
        public: route.public ?? false,
      };
    }
  }
  return undefined;
}

/** Django's View.http_method_names, the order DRF lists a view's methods in. */
const METHOD_ORDER = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/**
 * DRF's APIView.allowed_methods: the view's own, HEAD wherever GET is (Django's View.setup), and
 * OPTIONS, which every APIView answers. DRF sends them in `Allow` on every answer of a view.
 */
export function allowedMethods(methods: readonly string[]): string[] {
  const all = new Set([...methods, ...(methods.includes('GET') ? ['HEAD'] : []), 'OPTIONS']);
  return METHOD_ORDER.filter((method) => all.has(method));
}

/** Resolves a request path; `search` is the raw query including its `?`, kept on redirects. */
export function resolve(prefix: ApiPrefix, pathname: string, search: string): Resolution {
  const found = match(prefix, pathname);
  if (found) return found;
  if (!pathname.endsWith('/') && match(prefix, `${pathname}/`)) {
    return { kind: 'redirect', location: `${pathname}/${search}` };
  }
  return { kind: 'not-found' };
}
