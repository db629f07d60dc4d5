/**
 * Fault injection, standing in for the gateway, ingress or network in front of a real AWX: fail
 * the next requests with a status and `Retry-After`, reset their connections, or slow everything
 * down. A fault may strike `before` the request reaches the API or `after` the API acted on it,
 * which is the case that makes a blind retry of a launch create a second job. A deferred request
 * is answered with a gateway timeout at once and acted on only when the test commits it: AWX
 * finishing a request its gateway had given up on.
 */
import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import { json, type Reply } from './replies.js';

const matchSchema = z.object({
  /** Only requests with this method, e.g. `POST`. */
  method: z
    .string()
    .transform((m) => m.toUpperCase())
    .optional(),
  /** Only requests whose path starts with this, e.g. `/api/v2/job_templates/`. */
  pathPrefix: z.string().startsWith('/').optional(),
  when: z.enum(['before', 'after']).default('before'),
});

const failSchema = matchSchema.extend({
  retryAfterSeconds: z.number().int().min(0).optional(),
  /** The JSON body to answer with; `{"detail": "<reason phrase>"}` by default. */
  body: z.unknown().optional(),
});

export type FaultMatch = z.input<typeof matchSchema>;
export type FailOptions = z.input<typeof failSchema>;

const countSchema = z.number().int().positive();
const statusSchema = z.number().int().min(400).max(599);

export type Fault =
  | { readonly kind: 'fail'; readonly when: 'before' | 'after'; readonly reply: Reply }
  | { readonly kind: 'reset'; readonly when: 'before' | 'after' }
  | { readonly kind: 'defer'; readonly when: 'before'; readonly reply: Reply };

interface Rule {
  remaining: number;
  readonly match: z.output<typeof matchSchema>;
  readonly fault: Fault;
}

/** The faults a test arms; each request consumes the first rule that matches it. */
export interface Faults {
  /** Answers the next `count` matching requests with `status` instead of the API's reply. */
  failNext(count: number, status: number, options?: FailOptions): void;
  /** Destroys the connection of the next `count` matching requests without any response. */
  resetNext(count: number, options?: FaultMatch): void;
  /**
   * Answers the next `count` matching requests with 504 at once, as a gateway that gave up, and
   * holds them until `commitDeferred` lets the API act on them.
   */
  deferNext(count: number, options?: Omit<FaultMatch, 'when'>): void;
  /** Lets the API act on every held request, oldest first; returns how many there were. */
  commitDeferred(): number;
  /** Delays every response by `ms` from now on; 0 turns it off. */
  latency(ms: number): void;
  /** Disarms every fault and the latency, and drops held requests. */
  clear(): void;
}

export class FaultPlan implements Faults {
  private rules: Rule[] = [];
  private latencyMs = 0;
  private held: (() => void)[] = [];

  failNext(count: number, status: number, options: FailOptions = {}): void {
    const { retryAfterSeconds, body, ...match } = failSchema.parse(options);
    const headers: Record<string, string> =
      retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) };
    const reply = json(
      statusSchema.parse(status),
      body ?? { detail: STATUS_CODES[status] },
      headers,
    );
    this.rules.push({
      remaining: countSchema.parse(count),
      match,
      fault: { kind: 'fail', when: match.when, reply },
    });
  }

  resetNext(count: number, options: FaultMatch = {}): void {
    const match = matchSchema.parse(options);
    this.rules.push({
      remaining: countSchema.parse(count),
      match,
      fault: { kind: 'reset', when: match.when },
    });
  }

  deferNext(count: number, options: Omit<FaultMatch, 'when'> = {}): void {
    const match = matchSchema.parse({ ...options, when: 'before' });
    this.rules.push({
      remaining: countSchema.parse(count),
      match,
      fault: { kind: 'defer', when: 'before', reply: json(504, { detail: STATUS_CODES[504] }) },
    });
  }

  /** Keeps a deferred request's effect for `commitDeferred`. */
  hold(act: () => void): void {
    this.held.push(act);
  }

  commitDeferred(): number {
    const acts = this.held;
    this.held = [];
    for (const act of acts) act();
    return acts.length;
  }

  latency(ms: number): void {
    this.latencyMs = z.number().int().min(0).parse(ms);
  }

  clear(): void {
    this.rules = [];
    this.latencyMs = 0;
    this.held = [];
  }

  delay(): number {
    return this.latencyMs;
  }

  /** The fault for this request, if one is armed for it; consuming it counts it down. */
  take(method: string, path: string): Fault | undefined {
    const rule = this.rules.find(
      ({ remaining, match }) =>
        remaining > 0 &&
        (match.method === undefined || match.method === method.toUpperCase()) &&
        (match.pathPrefix === undefined || path.startsWith(match.pathPrefix)),
    );
    if (!rule) return undefined;
    rule.remaining--;
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return rule.fault;
  }
}
