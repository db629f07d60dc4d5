import { AwxLookupError } from './awx-errors.js';
import type {
  AwxRequestOptions,
  CredentialFilter,
  CredentialStore,
  CredentialTypeStore,
  ManagedCredentialTypeReader,
} from './awx-roles.js';
import type { AwxTransport } from './awx-transport.js';
import {
  type Credential,
  type CredentialRequest,
  CredentialSchema,
  type CredentialType,
  type CredentialTypeRequest,
  CredentialTypeSchema,
} from './schemas.js';

export interface CredentialTypeFilter {
  readonly name?: string | undefined;
  readonly kind?: string | undefined;
}

/** `credential_types/`: listing, finding and creating credential types. */
export class CredentialTypesApi implements CredentialTypeStore, ManagedCredentialTypeReader {
  readonly #http: AwxTransport;

  constructor(http: AwxTransport) {
    this.#http = http;
  }

  /** Credential types matching every given filter, every page. */
  async listCredentialTypes(
    filter: CredentialTypeFilter,
    options: AwxRequestOptions = {},
  ): Promise<CredentialType[]> {
    const query = { name: filter.name, kind: filter.kind };
    return this.#http.list('credential_types/', query, CredentialTypeSchema, options);
  }

  async findCredentialType(
    name: string,
    kind: string,
    options: AwxRequestOptions = {},
  ): Promise<CredentialType | null> {
    const types = await this.listCredentialTypes({ name, kind }, options);
    if (types.length > 1) {
      throw new AwxLookupError(
        'GET credential_types/',
        'credential type',
        name,
        types.map((t) => t.id),
      );
    }
    return types[0] ?? null;
  }

  async findManagedCredentialType(
    namespace: string,
    kind: string,
    options: AwxRequestOptions = {},
  ): Promise<CredentialType | null> {
    const query = { namespace, kind, managed: 'true' };
    const types = await this.#http.list('credential_types/', query, CredentialTypeSchema, options);
    // Checked here too: a server that ignored a filter must not hand over another type.
    return types.find((t) => t.managed && t.namespace === namespace && t.kind === kind) ?? null;
  }

  async createCredentialType(
    type: CredentialTypeRequest,
    options: AwxRequestOptions = {},
  ): Promise<CredentialType> {
    const call = this.#http.post('credential_types/', JSON.stringify(type), options);
    return this.#http.json(call, CredentialTypeSchema);
  }
}

/** `credentials/`: listing, creating and deleting credentials, never reading their inputs. */
export class CredentialsApi implements CredentialStore {
  readonly #http: AwxTransport;

  constructor(http: AwxTransport) {
    this.#http = http;
  }

  async listCredentials(
    filter: CredentialFilter,
    options: AwxRequestOptions = {},
  ): Promise<Credential[]> {
    // An empty id list matches nothing; AWX would read `id__in=` differently.
    if (filter.ids?.length === 0) return [];
    const query = {
      name: filter.name,
      name__startswith: filter.nameStartsWith,
      organization: filter.organization,
      id__in: filter.ids?.join(','),
    };
    return this.#http.list('credentials/', query, CredentialSchema, options);
  }

  async createCredential(
    credential: CredentialRequest,
    options: AwxRequestOptions = {},
  ): Promise<Credential> {
    const secrets = Object.values(credential.inputs).filter((v) => typeof v === 'string');
    const call = this.#http.post('credentials/', JSON.stringify(credential), options, { secrets });
    return this.#http.json(call, CredentialSchema);
  }

  async deleteCredential(id: number, options: AwxRequestOptions = {}): Promise<boolean> {
    const status = await this.#http.status(this.#http.delete(`credentials/${id}/`, options), [404]);
    return status !== 404;
  }
}
