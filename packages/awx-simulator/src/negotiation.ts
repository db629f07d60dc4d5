/**
 * DRF's DefaultContentNegotiation, which APIView.initial runs before authentication: `?format=`
 * keeps only the view's renderers of that format (none is a 404), then the `Accept` header
 * (absent: `*` `/` `*`) picks the first renderer, in the view's order, that one of its media
 * types matches, the most specific media types tried first and `q` ignored; none is a 406.
 */
export interface Renderer {
  readonly format: string;
  readonly mediaType: string;
}

/** AWX's DEFAULT_RENDERER_CLASSES: DefaultJSONRenderer, BrowsableAPIRenderer. */
export const API_RENDERERS: readonly Renderer[] = [
  { format: 'json', mediaType: 'application/json' },
  { format: 'api', mediaType: 'text/html' },
];

/** UnifiedJobStdout.renderer_classes, in their order. */
export const STDOUT_RENDERERS: readonly Renderer[] = [
  { format: 'api', mediaType: 'text/html' },
  { format: 'html', mediaType: 'text/html' },
  { format: 'txt', mediaType: 'text/plain' },
  { format: 'ansi', mediaType: 'text/plain' },
  { format: 'json', mediaType: 'application/json' },
  { format: 'txt_download', mediaType: 'text/plain' },
  { format: 'ansi_download', mediaType: 'text/plain' },
];

interface MediaType {
  readonly main: string;
  readonly sub: string;
  readonly params: ReadonlyMap<string, string>;
}

function parseMediaType(text: string): MediaType {
  const [type = '', ...params] = text.split(';');
  const [main = '', sub = ''] = type.trim().split('/');
  const pairs = params.flatMap((param): [string, string][] => {
    const at = param.indexOf('=');
    return at < 0 ? [] : [[param.slice(0, at).trim(), param.slice(at + 1).trim()]];
  });
  return { main: main.trim(), sub: sub.trim(), params: new Map(pairs) };
}

/** _MediaType.precedence: `*` `/` `*` 0, `type/*` 1, a full type 2, one with parameters but `q` 3. */
function precedence(type: MediaType): number {
  if (type.main === '*') return 0;
  if (type.sub === '*') return 1;
  return [...type.params.keys()].every((key) => key === 'q') ? 2 : 3;
}

/** _MediaType.match: the renderer's parameters but `q` must be the accepted type's. */
function matches(renderer: MediaType, accepted: MediaType): boolean {
  for (const [key, value] of renderer.params) {
    if (key !== 'q' && accepted.params.get(key) !== value) return false;
  }
  if (renderer.sub !== '*' && accepted.sub !== '*' && accepted.sub !== renderer.sub) return false;
  return !(renderer.main !== '*' && accepted.main !== '*' && accepted.main !== renderer.main);
}

export type Negotiation = Renderer | 'not-found' | 'not-acceptable';

export function selectRenderer(
  renderers: readonly Renderer[],
  format: string | null,
  accept: string | undefined,
): Negotiation {
  const candidates = format ? renderers.filter((r) => r.format === format) : renderers;
  if (candidates.length === 0) return 'not-found';
  const accepted = (accept ?? '*/*').split(',').map((token) => parseMediaType(token));
  for (const level of [3, 2, 1, 0]) {
    const types = accepted.filter((type) => precedence(type) === level);
    for (const renderer of candidates) {
      const offered = parseMediaType(renderer.mediaType);
      if (types.some((type) => matches(offered, type))) return renderer;
    }
  }
  return 'not-acceptable';
}
