import { AwxLookupError } from './awx-errors.js';
import type { AwxRequestOptions } from './awx-roles.js';
import type { AwxTransport } from './awx-transport.js';
import { type Organization, OrganizationSchema } from './schemas.js';

/** `organizations/`: finding the organization the executor's credentials belong to. */
export class OrganizationsApi {
  readonly #http: AwxTransport;

  constructor(http: AwxTransport) {
    this.#http = http;
  }

  /** The organization with this exact name (unique in AWX). */
  async findOrganization(name: string, options: AwxRequestOptions = {}): Promise<Organization> {
    const found = await this.#http.list('organizations/', { name }, OrganizationSchema, options);
    const [organization] = found;
    if (found.length !== 1 || !organization) {
      throw new AwxLookupError(
        'GET organizations/',
        'organization',
        name,
        found.map((o) => o.id),
      );
    }
    return organization;
  }
}
