import { AwxResponseError } from './awx-errors.js';
import type { AwxRequestOptions } from './awx-roles.js';
import type { AwxTransport } from './awx-transport.js';
import { MeSchema } from './schemas.js';

/** `me/`: who the token authenticates as, which also proves AWX answers and accepts it. */
export class UsersApi {
  readonly #http: AwxTransport;

  constructor(http: AwxTransport) {
    this.#http = http;
  }

  async me(options: AwxRequestOptions = {}): Promise<{ id: number; username: string }> {
    const page = await this.#http.json(this.#http.get('me/', {}, options), MeSchema);
    const user = page.results[0];
    if (!user) throw new AwxResponseError('GET me/', 'results', 'no user for this token');
    return user;
  }
}
