import { setTimeout as sleep } from 'node:timers/promises';
import { type KubeObject, resources } from '@roundhouse/kube';
import { describeWithControlPlane } from '@roundhouse/testenv/vitest';
import { expect, it, vi } from 'vitest';
import type { ControllerProcess } from './controller-process.js';
import { expectNothingReportedTwice, seeded, useCampaign } from './crash-harness.js';
import { useJobExecutions } from './job-executions.js';

const leaseName = 'roundhouse-workflowexecution-controller';
/**
 * Small, so a standby takes over within seconds; client-go's rules still hold (see config.ts).
 * The renew deadline leaves seconds past a short pause for renewals slowed by a loaded machine.
 */
const timings = { lease: '8s', renew: '6s', retry: '1s' };
/** Well inside the renew deadline even when the last renewal was a retry period ago. */
const shortStallMaxMs = 1_000;

/**
 * Loaded into each replica (`--import`): every request that changes something, as it is created,
 * on stderr with the time, whether a request gate was set around it and what that gate says now,
 * and when the process last asked for its gate and whether it was in this same synchronous run
 * (no callback or promise reaction in between): the gate store is set up here, before
 * `@roundhouse/core` creates its own, so every `requestRefusal()` is seen. A request created after
 * waking whose gate was asked in its own run, before the pause, found the lease held and was
 * stopped before undici took it; any other one got past the gate. For an Event, its reason and
 * whole stack too.
 */
const announceWrites = `data:text/javascript,${encodeURIComponent(
  [
    "import { AsyncLocalStorage, createHook } from 'node:async_hooks';",
    "import { subscribe } from 'node:diagnostics_channel';",
    "import { writeSync } from 'node:fs';",
    'const gates = new AsyncLocalStorage();',
    'const storeOf = gates.getStore.bind(gates);',
    'let run = 0;',
    'createHook({ before() { run++; } }).enable();',
    'let asked = { at: 0, run: -1 };',
    'gates.getStore = () => { asked = { at: Date.now(), run }; return storeOf(); };',
    "globalThis[Symbol.for('@roundhouse/core.request-gate')] = gates;",
    "subscribe('undici:request:create', ({ request }) => {",
    "  if (request.method === 'GET') return;",
    '  const store = storeOf();',
    '  const line = { write: request.method, path: request.path, at: Date.now(), gateAskedAt: asked.at, askedInItsRun: asked.run === run, gated: store !== undefined, refusal: store?.()?.message };',
    "  if (request.path.includes('/events')) {",
    '    try { line.reason = JSON.parse(String(request.body)).reason; } catch {}',
    '    const limit = Error.stackTraceLimit;',
    '    Error.stackTraceLimit = 50;',
    '    line.stack = new Error().stack;',
    '    Error.stackTraceLimit = limit;',
    '  }',
    "  writeSync(2, JSON.stringify(line) + '\\n');",
    '});',
  ].join('\n'),
)}`;

/** The writes a replica announced (see `announceWrites`), once created. */
const writesSent = (replica: ControllerProcess) =>
  replica.stderr
    .split('\n')
    .filter((line) => line.startsWith('{"write"'))
    .map(
      (line) =>
        JSON.parse(line) as {
          write: string;
          path: string;
          at: number;
          gateAskedAt: number;
          askedInItsRun: boolean;
          gated: boolean;
        },
    );

const identityOf = (replica: ControllerProcess) =>
  replica.lines.find((l) => l.msg === 'started leading')?.identity as string | undefined;

/** Whether the replica's current term of leadership got as far as reconciling. */
const working = (replica: ControllerProcess) => {
  const term = replica.lines.findLastIndex((l) => l.msg === 'started leading');
  return term >= 0 && replica.lines.slice(term).some((l) => l.msg === 'controller started');
};

/**
 * Replicas of the controller under `--leader-elect`, the leader paused with SIGSTOP at random
 * points while executions arrive, start, finish and are deleted: paused past the lease, a standby
 * takes over and works, then the old leader is resumed, waking with its renew deadline long past
 * and believing it leads; paused briefly, nothing changes hands. Whatever a woken leader's
 * queue still held goes out, and the end state is what one controller reaches: at most one Job ever per target, every execution Completed once, no
 * Event twice, none stuck.
 */
describeWithControlPlane('the leader paused again and again under leader election', () => {
  const campaign = useCampaign({
    prefix: 'wfe-stall',
    engine: 'job',
    flags: () => [
      '--cooldown=30m',
      '--allowed-bundles=registry.invalid/*',
      // kubernaut's Event at every step, so that "nothing reported twice" covers each step.
      '--events=lifecycle',
      '--leader-elect',
      `--leader-elect-lease-duration=${timings.lease}`,
      `--leader-elect-renew-deadline=${timings.renew}`,
      `--leader-elect-retry-period=${timings.retry}`,
    ],
    nodeFlags: [`--import=${announceWrites}`],
  });
  const { env } = campaign;
  const random = seeded(20_261_204);
  const rounds = 8;
  const perRound = 3;
  const executions = useJobExecutions(
    campaign,
    { workflowId: 'stall', version: '1', executionBundle: 'registry.invalid/s:1' },
    { rounds, perRound },
  );
  const replicas = campaign.processes;

  const live = () =>
    replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null);

  it('ends as one controller would: one Job each, each Completed once, nothing reported twice, whoever leads', async () => {
    const { admin, executionNamespace } = campaign;
    const holder = async () =>
      (
        (await admin.get<KubeObject>(resources.leases, executionNamespace, leaseName))?.spec as
          | { holderIdentity?: string }
          | undefined
      )?.holderIdentity;
    /** The replica holding the Lease, once it has started working. */
    const leader = () =>
      vi.waitFor(
        async () => {
          const identity = await holder();
          const found = live().find((r) => identity && identityOf(r) === identity);
          expect(found, `holder ${identity}`).toBeDefined();
          expect(working(found as ControllerProcess)).toBe(true);
          return found as ControllerProcess;
        },
        { timeout: 60_000, interval: 50 },
      );

    const { deleted } = executions;
    /** Each long pause: who woke, the index of its log then, and when. */
    const wakes: { replica: ControllerProcess; paused: number; at: number }[] = [];
    const takeovers: string[] = [];
    const exits: string[] = [];
    for (let i = 0; i < 3; i++) campaign.start();
    for (let round = 0; round < rounds; round++) {
      const current = await leader();
      // Executions arrive just before the pause, so it lands among their starts.
      await executions.arrive(round);
      await sleep(random() * 300);

      // A pause shorter than the renew deadline: nothing changes hands.
      const identity = identityOf(current);
      const before = current.lines.length;
      current.child.kill('SIGSTOP');
      await sleep(200 + random() * (shortStallMaxMs - 200));
      current.child.kill('SIGCONT');
      await sleep(random() * 300);
      expect(await holder(), `holder after a short pause, round ${round}`).toBe(identity);
      expect(current.lines.slice(before).filter((l) => l.msg === 'lost the lease')).toEqual([]);

      if (round % 3 === 1) {
        const name = `wfe-${Math.floor(random() * round * perRound)}`;
        if (!deleted.has(name)) await executions.remove(name);
      }
      await sleep(random() * 300);

      // A pause past the lease: a standby takes over and works a while before the old one wakes.
      current.child.kill('SIGSTOP');
      const paused = current.lines.length;
      const successor = await vi.waitFor(
        async () => {
          const next = await holder();
          expect(next).not.toBe(identity);
          const found = live().find((r) => next && identityOf(r) === next);
          expect(found && working(found)).toBe(true);
          return found as ControllerProcess;
        },
        { timeout: 60_000, interval: 50 },
      );
      takeovers.push(`${identity} -> ${identityOf(successor)}`);
      if (round % 3 === 0) {
        // Deleted while the old leader sleeps believing it leads: the new one cleans up.
        await executions.remove(`wfe-${round * perRound}`);
      }
      await sleep(random() * 1_500);
      const wokeAt = Date.now();
      current.child.kill('SIGCONT');

      // It learns it lost the lease (or, with a reconcile that ignored its abort, ends the
      // process, as controller-runtime's manager does; a Deployment would start another).
      const learned = await vi.waitFor(
        () => {
          if (current.child.exitCode !== null) return 'exited';
          const lost = current.lines.slice(paused).find((l) => l.msg === 'lost the lease');
          expect(lost).toBeDefined();
          return 'lost';
        },
        { timeout: 30_000, interval: 10 },
      );
      if (learned === 'exited') {
        exits.push(`${identity}: ${current.child.exitCode}`);
        campaign.start();
      }
      wakes.push({ replica: current, paused, at: wokeAt });
    }

    // A pair's second fails on the busy target (--lock-policy=fail) or waits out the first
    // one's cooldown in Pending; every other execution completes.
    const settled = await executions.settled(
      { single: ['Completed'], paired: ['Completed', 'Failed', 'Pending'] },
      60_000,
    );
    // A woken leader's term refuses every request its work tries to send once the lease is past
    // its renew deadline (the request gate). What no gate can stop is a request whose check
    // passed just before the process was stopped: it leaves on waking (three runs each saw one
    // Event create so). Each write after waking is shown with its gate and stack, and must be
    // of that kind: its gate asked in the run that sent it, before the pause.
    expect(replicas.flatMap(writesSent).length, 'writes announced at all').toBeGreaterThan(0);
    const afterWaking: string[] = [];
    const pastTheGate: string[] = [];
    for (const { replica, paused, at } of wakes) {
      const next = replica.lines.slice(paused).find((l) => l.msg === 'started leading');
      const until = next ? Date.parse(String(next.time)) : Number.POSITIVE_INFINITY;
      for (const write of writesSent(replica)) {
        if (write.at < at || write.at >= until || write.path.includes('/leases/')) continue;
        afterWaking.push(JSON.stringify(write));
        if (!(write.gated && write.askedInItsRun && write.gateAskedAt < at))
          pastTheGate.push(JSON.stringify(write));
      }
    }
    for (const replica of replicas) {
      replica.child.kill('SIGCONT');
      replica.kill();
    }

    await executions.expectOneJobPerTarget(settled);
    // However the leadership moved, nothing was reported twice, nor under two names.
    await expectNothingReportedTwice(admin, env.namespace, /^(Execution|Job)Created$/);
    // The campaign moved the lease every round, each time to a replica that then worked.
    expect(takeovers).toHaveLength(rounds);
    const refused = settled
      .filter((w) => w.status?.phase === 'Failed')
      .map((w) => `${w.metadata?.name}: ${w.status?.failureDetails?.reason}`);
    console.info({ takeovers, exits, refused, afterWaking });
    expect(pastTheGate, 'writes after waking that asked no gate before the pause').toEqual([]);
  }, 300_000);
});
