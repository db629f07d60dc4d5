/**
 * client-go's leader election over a coordination.k8s.io Lease. Past 350 lines: acquiring,
 * renewing and releasing are one loop over the same observed Lease and timers; the pure rules
 * (lease.ts) and the term bookkeeping (leadership.ts) already live apart, and what is left is
 * that loop and the options it documents.
 */
import {
  ConfigurationError,
  type FieldIssue,
  isDns1123Label,
  isDns1123Subdomain,
  type Logger,
  noopLogger,
  withoutRequestGate,
  withRequestGate,
} from '@roundhouse/core';
import { isKubernetesError, type KubeClient, type KubeObject, resources } from '@roundhouse/kube';
import { type Clock, clockOptionIssue } from './clock.js';
import { aborted } from './delay.js';
import { describeError } from './describe-error.js';
import { type ElectionClock, electionClock } from './election-clock.js';
import { beginTerm, endTerm, LeadershipLostError } from './leadership.js';
import {
  acquiredSpec,
  heldByOther,
  LeaseSchema,
  releasedSpec,
  renewPauseMs,
  withinRenewDeadline,
} from './lease.js';
import { withFields } from './with-fields.js';

export interface LeaderElectorOptions {
  /**
   * Namespace (a DNS-1123 label) and name (a DNS-1123 subdomain) of the coordination.k8s.io/v1
   * Lease.
   */
  readonly namespace: string;
  readonly name: string;
  /**
   * Unique per candidate process: a candidate takes a Lease its identity holds as its own, so
   * two processes sharing one both lead. A host name is not unique (pods on the host network,
   * or whose template sets spec.hostname, share theirs); controllerRunner's default appends a
   * random UUID to it, as controller-runtime does.
   */
  readonly identity: string;
  /** How long others wait after the last renewal before taking over. Default 15. */
  readonly leaseDurationSeconds?: number | undefined;
  /** How long the leader keeps trying to renew before it gives up leading. Default 10. */
  readonly renewDeadlineSeconds?: number | undefined;
  /** Pause between attempts to acquire or renew. Default 2. */
  readonly retryPeriodSeconds?: number | undefined;
  /**
   * How long the lease is still renewed, and kept from being released, for work left running
   * after `onStartedLeading` settled (see `keepLeaseWhile`: a Controller's reconciles that ignored
   * their aborted signal). Past it `run` resolves and the lease is left to expire, unreleased;
   * after a lost lease, which is no longer renewed, it resolves at once.
   * Default 5: with a Controller's default 20 s drain and the 3 s it gives aborted reconciles,
   * inside Kubernetes' default 30 s termination grace period.
   */
  readonly stragglerGraceSeconds?: number | undefined;
  readonly logger?: Logger | undefined;
  /**
   * The time every deadline, pause and request timeout of the election runs on, and by which a
   * Lease is seen to change, as client-go's `LeaderElectionConfig.Clock`; default `systemClock`.
   * A test passes one it moves itself (a `ManualClock`). The times written into the Lease
   * (`acquireTime`, `renewTime`) stay the wall clock's: no candidate judges expiry by them.
   */
  readonly clock?: Clock | undefined;
}

export interface LeaderCallbacks {
  /**
   * Called once this candidate leads. `signal` aborts when leadership ends (lost, or the run's
   * signal aborted); the lease is renewed and only released after the returned promise settles,
   * so work can drain while no one else leads. When the lease was lost instead, its reason is
   * an error with `reason: 'LeadershipLost'`: another replica may lead already, so stop at once
   * (a Controller started with this signal aborts its in-flight reconciles). A rejection gives
   * leadership up.
   *
   * `lost` aborts, with that same error, only when the lease is lost, even after `signal`
   * already aborted: a drain begun on SIGTERM must stop once renewing fails, since another
   * replica may then take the lease over. A Controller started with `signal` watches it itself.
   *
   * Work that goes on after the returned promise settled (a Controller's reconciles that ignored
   * their aborted signal) is announced with `keepLeaseWhile(signal, work)`, which a Controller
   * started with `signal` does itself: the lease is then not released while it runs.
   */
  onStartedLeading(signal: AbortSignal, lost: AbortSignal): void | Promise<void>;
  /** Called when leadership has ended, after the lease was released. */
  onStoppedLeading?(): void;
}

type Attempt = 'leading' | 'held' | 'failed';

/**
 * Leader election on a coordination.k8s.io/v1 Lease with client-go's rules, so only one of
 * several replicas reconciles. Writes are conditional on the resourceVersion, and a lease is
 * taken over only when it has not changed for its duration as seen by this process's clock.
 */
export class LeaderElector {
  readonly #client: KubeClient;
  readonly #namespace: string;
  readonly #name: string;
  readonly #identity: string;
  readonly #leaseDurationSeconds: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #stragglerGraceMs: number;
  readonly #logger: Logger;
  readonly #clock: ElectionClock;
  #observed: { resourceVersion: string; at: number } | undefined;
  #isLeader = false;

  constructor(client: KubeClient, options: LeaderElectorOptions) {
    const leaseDuration = options.leaseDurationSeconds ?? 15;
    const renewDeadline = options.renewDeadlineSeconds ?? 10;
    const retryPeriod = options.retryPeriodSeconds ?? 2;
    const stragglerGrace = options.stragglerGraceSeconds ?? 5;
    const issues: FieldIssue[] = [];
    if (!Number.isInteger(leaseDuration) || leaseDuration < 1)
      issues.push({ path: 'leaseDurationSeconds', message: 'must be a whole number >= 1' });
    if (!(renewDeadline < leaseDuration))
      issues.push({
        path: 'renewDeadlineSeconds',
        message: 'must be less than the lease duration',
      });
    // client-go's rule, so a renewal can be retried at least once before the deadline.
    if (!(retryPeriod > 0 && retryPeriod * 1.2 < renewDeadline))
      issues.push({
        path: 'retryPeriodSeconds',
        message: 'must be > 0, and 1.2 times it less than the renew deadline',
      });
    if (!(stragglerGrace >= 0))
      issues.push({ path: 'stragglerGraceSeconds', message: 'must be a number >= 0' });
    if (!options.identity) issues.push({ path: 'identity', message: 'is required' });
    const clockIssue = clockOptionIssue(options.clock);
    if (clockIssue) issues.push(clockIssue);
    // Refused here, not by the API server on every attempt: a candidate whose requests can never
    // succeed would stand by for ever, reporting Ready, while no replica reconciles.
    if (!isDns1123Label(options.namespace))
      issues.push({
        path: 'namespace',
        message: `${JSON.stringify(options.namespace)} is not a namespace: the Lease's namespace must be a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)`,
      });
    if (!isDns1123Subdomain(options.name))
      issues.push({
        path: 'name',
        message: `${JSON.stringify(options.name)} is not a Lease name: it must be a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", starting and ending with a letter or digit, at most 253 characters)`,
      });
    if (issues.length > 0) throw new ConfigurationError(issues);
    this.#client = client;
    this.#namespace = options.namespace;
    this.#name = options.name;
    this.#identity = options.identity;
    this.#leaseDurationSeconds = leaseDuration;
    this.#renewDeadlineMs = renewDeadline * 1000;
    this.#retryPeriodMs = retryPeriod * 1000;
    this.#stragglerGraceMs = stragglerGrace * 1000;
    this.#clock = electionClock(options.clock);
    this.#logger = withFields(options.logger ?? noopLogger, {
      lease: `${options.namespace}/${options.name}`,
      identity: options.identity,
    });
  }

  get isLeader(): boolean {
    return this.#isLeader;
  }

  /**
   * Competes for the lease until this candidate leads, then calls `onStartedLeading` and renews
   * until `signal` aborts or renewing fails for the renew deadline. Resolves when leadership has
   * ended (releasing the lease unless it was lost, or work left running past `onStartedLeading`
   * outlasted `stragglerGraceSeconds`); call it again to compete again.
   */
  run(signal: AbortSignal, callbacks: LeaderCallbacks): Promise<void> {
    // The Lease's own requests answer to no term, whatever gate the caller runs under.
    return withoutRequestGate(() => this.#run(signal, callbacks));
  }

  async #run(signal: AbortSignal, callbacks: LeaderCallbacks): Promise<void> {
    let acquiredAt: number | undefined;
    while (acquiredAt === undefined && !signal.aborted) {
      acquiredAt = await this.#acquire(signal);
      if (acquiredAt === undefined) await this.#clock.sleep(this.#jittered(), signal);
    }
    if (signal.aborted) {
      // An attempt cut short by the abort may still have taken the lease; give it back.
      await this.#release();
      return;
    }
    this.#isLeader = true;
    this.#logger.info({}, 'started leading');
    const leading = new AbortController();
    const lost = new AbortController();
    // When the last successful attempt was sent: the renew deadline counts from it.
    const term = { lastRenewal: acquiredAt ?? 0 };
    const withinDeadline = () => {
      if (lost.signal.aborted) return false;
      if (this.#clock.now() - term.lastRenewal < this.#renewDeadlineMs) return true;
      this.#lose(leading, lost, 'past the renew deadline');
      return false;
    };
    const stragglers = beginTerm(leading.signal, lost.signal, withinDeadline);
    // Every request of the term's work is sent only while the lease is ours: not once lost,
    // past the renew deadline (a process woken from a pause learns it here, before its timers
    // do) or released, even by work that was waiting on an answer when the process stopped.
    const released = new LeadershipLostError(`${this.#namespace}/${this.#name}`);
    let ended = false;
    const gate = () => {
      if (ended) return released;
      return withinDeadline() ? undefined : (lost.signal.reason as Error);
    };
    const follow = () => leading.abort(signal.reason);
    signal.addEventListener('abort', follow, { once: true });
    const stopRenewing = new AbortController();
    const renewing = this.#renew(leading, lost, stopRenewing.signal, term, withinDeadline);
    const work = Promise.resolve()
      .then(() =>
        withRequestGate(gate, () => callbacks.onStartedLeading(leading.signal, lost.signal)),
      )
      .catch((error: unknown) => {
        this.#logger.error(describeError(error), 'leader work failed; giving up leadership');
        leading.abort(error);
      });
    await aborted(leading.signal);
    await work;
    signal.removeEventListener('abort', follow);
    // Renewing goes on meanwhile, unless the lease is lost already.
    const settled = await this.#awaitStragglers(stragglers, lost.signal);
    endTerm(leading.signal);
    stopRenewing.abort();
    const renewal = await renewing;
    ended = true;
    if (renewal === 'stopped' && settled) await this.#release();
    else if (!settled) this.#abandon(renewal);
    this.#isLeader = false;
    this.#logger.info({}, 'stopped leading');
    callbacks.onStoppedLeading?.();
  }

  /**
   * Waits, at most the straggler grace, for work left running past `onStartedLeading`; not at
   * all once the lease is lost (`lost`), even during the wait: the lease is no longer renewed
   * then, and the process must learn at once that it is to end, before the lease expires and
   * another replica reconciles beside that work.
   */
  async #awaitStragglers(
    stragglers: readonly Promise<unknown>[],
    lost: AbortSignal,
  ): Promise<boolean> {
    if (stragglers.length === 0) return true;
    if (!lost.aborted) {
      this.#logger.warn(
        { graceMs: this.#stragglerGraceMs },
        'work of this leadership is still running; keeping the lease until it ends',
      );
    }
    const timer = new AbortController();
    const cut = () => timer.abort();
    lost.addEventListener('abort', cut, { once: true });
    // A zero wait still lets work that already settled say so.
    const graceMs = lost.aborted ? 0 : this.#stragglerGraceMs;
    const settled = await Promise.race([
      Promise.allSettled(stragglers).then(() => true),
      this.#clock.sleep(graceMs, timer.signal).then(() => false),
    ]);
    lost.removeEventListener('abort', cut);
    timer.abort();
    return settled;
  }

  /** Ends a leadership whose work still runs: the lease is not released for a successor. */
  #abandon(ended: 'lost' | 'stopped'): void {
    if (ended === 'stopped') {
      this.#logger.error(
        { graceMs: this.#stragglerGraceMs },
        'reconciles of this leadership still run past the grace period: the lease is left unreleased so no other replica takes over until it expires; end this process to stop them',
      );
    } else {
      this.#logger.error(
        {},
        'lost the lease while work of this leadership still runs; another replica may lead meanwhile: end the process to stop it, as controller-runtime does',
      );
    }
  }

  /**
   * One try to take the lease, bounded by the renew deadline as a renewal is; the time its first
   * request was sent when it leads, undefined otherwise. A write answered only past the deadline
   * counted from then is not led on: the next try, a quick renewal of the lease now held, is.
   */
  async #acquire(signal: AbortSignal): Promise<number | undefined> {
    const sentAt = this.#clock.now();
    const attempt = await this.#attempt(
      AbortSignal.any([signal, this.#clock.timeout(this.#renewDeadlineMs)]),
    );
    if (attempt !== 'leading' || signal.aborted) return undefined;
    const now = this.#clock.now();
    if (withinRenewDeadline(sentAt, now, this.#renewDeadlineMs)) return sentAt;
    this.#logger.warn(
      { tookMs: Math.round(now - sentAt), renewDeadlineMs: this.#renewDeadlineMs },
      'took the lease too slowly to lead on it; trying again',
    );
    return undefined;
  }

  /**
   * Renews until `stop`; on losing the lease, aborts `leading` and `lost` and says so. Every
   * deadline counts from when the last successful attempt was sent (`term.lastRenewal`, the
   * acquisition's first), which `withinDeadline` checks, losing the lease when it is past.
   */
  async #renew(
    leading: AbortController,
    lost: AbortController,
    stop: AbortSignal,
    term: { lastRenewal: number },
    withinDeadline: () => boolean,
  ): Promise<'lost' | 'stopped'> {
    for (;;) {
      const pause = renewPauseMs(
        term.lastRenewal,
        this.#clock.now(),
        this.#renewDeadlineMs,
        this.#retryPeriodMs,
      );
      await this.#clock.sleep(pause, stop);
      // Work that found the lease past its deadline (see `mayStartWork`) has lost it already.
      if (lost.signal.aborted) return 'lost';
      if (stop.aborted) return 'stopped';
      // A process paused (SIGSTOP, a stalled VM) past the deadline wakes here, and another
      // replica may lead by now: it stops at once, before the I/O that piled up meanwhile
      // resumes its reconciles, instead of after one more request to the API server.
      if (!withinDeadline()) return 'lost';
      // Bounded by the deadline counted from the last renewal, not from this attempt: a request
      // that hangs after a run of quick failures would otherwise keep this replica leading past
      // the point where another may take the lease over, as client-go's renew poll never does.
      const remainingMs = Math.max(
        0,
        Math.ceil(term.lastRenewal + this.#renewDeadlineMs - this.#clock.now()),
      );
      const sentAt = this.#clock.now();
      const attempt = await this.#attemptUntil(
        AbortSignal.any([stop, this.#clock.timeout(remainingMs)]),
      );
      if (lost.signal.aborted) return 'lost';
      if (stop.aborted) return 'stopped';
      if (attempt === 'leading') {
        // The write landed no earlier than it was sent: the lease counts from then, not from
        // the answer, which a slow API server may deliver close to (or past) the deadline.
        term.lastRenewal = sentAt;
        if (withinRenewDeadline(sentAt, this.#clock.now(), this.#renewDeadlineMs)) continue;
        return this.#lose(leading, lost, 'renewed too slowly');
      }
      if (attempt === 'held' || this.#clock.now() - term.lastRenewal >= this.#renewDeadlineMs) {
        return this.#lose(leading, lost, attempt);
      }
    }
  }

  #lose(leading: AbortController, lost: AbortController, why: string): 'lost' {
    this.#logger.warn({ attempt: why }, 'lost the lease');
    this.#isLeader = false;
    const error = new LeadershipLostError(`${this.#namespace}/${this.#name}`);
    // Does nothing when `leading` already aborted (a drain on SIGTERM); `lost` tells that drain.
    leading.abort(error);
    lost.abort(error);
    return 'lost';
  }

  /**
   * `#attempt`, failed as soon as `signal` aborts, whether or not its request heeds the abort:
   * the renew deadline ends leadership then, not when an answer held up past it arrives (a
   * client that finishes reading a response it began to receive), which may be after another
   * replica took the lease over.
   */
  #attemptUntil(signal: AbortSignal): Promise<Attempt> {
    return Promise.race([this.#attempt(signal), aborted(signal).then(() => 'failed' as const)]);
  }

  /** One try to take or renew the lease; no write once `signal` aborted. */
  async #attempt(signal: AbortSignal): Promise<Attempt> {
    const request = { signal };
    try {
      const raw = await this.#client.get(resources.leases, this.#namespace, this.#name, request);
      // A read answered after the abort writes nothing: a renewal past the deadline would only
      // make other candidates wait longer for a lease this one no longer leads on.
      signal.throwIfAborted();
      if (!raw) {
        const { object } = await this.#client.create(
          resources.leases,
          this.#namespace,
          {
            metadata: { name: this.#name, namespace: this.#namespace },
            spec: acquiredSpec(undefined, this.#identity, this.#leaseDurationSeconds, new Date()),
          },
          request,
        );
        this.#observe(object);
        return 'leading';
      }
      const lease = LeaseSchema.parse(raw);
      this.#observe(raw);
      const sinceChange = this.#clock.now() - (this.#observed?.at ?? 0);
      if (heldByOther(lease.spec, this.#identity, sinceChange, this.#leaseDurationSeconds))
        return 'held';
      const spec = acquiredSpec(lease.spec, this.#identity, this.#leaseDurationSeconds, new Date());
      const updated = await this.#client.replace(
        resources.leases,
        this.#namespace,
        this.#name,
        { ...raw, spec },
        request,
      );
      this.#observe(updated);
      return 'leading';
    } catch (error) {
      // A conflict or AlreadyExists means another candidate wrote first: an ordinary loss.
      const raced =
        isKubernetesError(error, 'Conflict') || isKubernetesError(error, 'AlreadyExists');
      if (!signal.aborted && !raced)
        this.#logger.warn(describeError(error), 'lease request failed');
      return 'failed';
    }
  }

  /** Gives the lease up if this candidate still holds it, so a successor need not wait. */
  async #release(): Promise<void> {
    try {
      const request = { signal: this.#clock.timeout(this.#renewDeadlineMs) };
      const raw = await this.#client.get(resources.leases, this.#namespace, this.#name, request);
      if (!raw) return;
      const lease = LeaseSchema.parse(raw);
      if (lease.spec?.holderIdentity !== this.#identity) return;
      await this.#client.replace(
        resources.leases,
        this.#namespace,
        this.#name,
        { ...raw, spec: releasedSpec(lease.spec, new Date()) },
        request,
      );
      this.#logger.info({}, 'released the lease');
    } catch (error) {
      this.#logger.warn(describeError(error), 'could not release the lease');
    }
  }

  #observe(lease: KubeObject): void {
    const resourceVersion = lease.metadata?.resourceVersion ?? '';
    if (this.#observed?.resourceVersion !== resourceVersion) {
      this.#observed = { resourceVersion, at: this.#clock.now() };
    }
  }

  /** client-go's jitter: the retry period plus up to 1.2 times more. */
  #jittered(): number {
    return this.#retryPeriodMs * (1 + Math.random() * 1.2);
  }
}
