/**
 * AWX while it applies its database migrations, an upgrade: until the newest is applied, its
 * MigrationRanCheckMiddleware (awx/main/middleware.py) answers every request with a redirect to
 * its `migrations_notran` ("upgrading") page, before authentication and before any view.
 */
import { AwxApiError } from './awx-errors.js';

/** The path of that page: AWX's route `ui:migrations_notran` (awx/ui/urls.py). */
const upgradingPage = '/migrations_notran/';

/** Whether a redirect from `from` to `location` is to AWX's "upgrading" page. */
export function isUpgradingPage(location: string, from: URL): boolean {
  return URL.parse(location, from.href)?.pathname.endsWith(upgradingPage) ?? false;
}

/**
 * AWX redirected a request to its "upgrading" page. Nothing was done, so any request may be
 * repeated, a launch too, once the upgrade is over.
 */
export class AwxUpgradingError extends AwxApiError {
  override readonly reason = 'AWXUpgrading';
  override readonly retryable = true;

  constructor(endpoint: string, statusCode: number) {
    super(
      endpoint,
      statusCode,
      undefined,
      [],
      undefined,
      'AWX is applying its database migrations (an upgrade) and redirects every request to ' +
        'its "upgrading" page until they are done',
    );
  }
}
