import type { AuditedRequest } from '@roundhouse/testenv';
import type { CachedRss } from './cached.js';
import { byVerb, fixed, table } from './report-table.js';
import type { Sample, ScenarioResult } from './scenario.js';
import { percentile } from './workload.js';

export interface ScaleReport {
  readonly executions: number;
  readonly workers: number;
  readonly cooldown: string;
  readonly floor: ScenarioResult;
  readonly roundhouse: ScenarioResult;
  readonly go: ScenarioResult | undefined;
  /** The reference, then Roundhouse, again: time to all Running only. */
  readonly second: { readonly roundhouse: ScenarioResult; readonly go: ScenarioResult } | undefined;
  readonly cached:
    | { readonly count: number; readonly roundhouse: CachedRss; readonly go?: CachedRss }
    | undefined;
  /** Every request the scenarios' users sent, from the API server's audit log. */
  readonly audit: readonly AuditedRequest[];
}

const reads = new Set(['get', 'list', 'watch']);
const mib = (bytes: number) => bytes / 1024 / 1024;

/** The requests a scenario's user sent from its first execution's create until `to`. */
function sent(audit: readonly AuditedRequest[], run: ScenarioResult, to: number) {
  return audit.filter(
    (r) => r.user === run.user && r.receivedAt >= run.timeline.startedAt && r.receivedAt <= to,
  );
}

const cpuPer = (run: ScenarioResult, at: Sample | undefined) =>
  at && run.atStart ? (at.cpuMs - run.atStart.cpuMs) / run.executions : undefined;

const perExecution = (byProcess: Readonly<Record<string, number>>, executions: number) =>
  Object.fromEntries(Object.entries(byProcess).map(([name, ms]) => [name, ms / executions]));

const sum = (byProcess: Readonly<Record<string, number>>) =>
  Object.values(byProcess).reduce((a, b) => a + b, 0);

/** The figures of one scenario; undefined where the scenario has none. */
function figures(run: ScenarioResult, audit: readonly AuditedRequest[]) {
  const { timeline, executions } = run;
  const toCompleted = sent(audit, run, timeline.allCompletedAt);
  const lifecycle = run.lifecycle ? sent(audit, run, run.lifecycle.endAt) : undefined;
  const connections =
    run.lifecycle?.atEnd.connections !== undefined && run.atStart?.connections !== undefined
      ? run.lifecycle.atEnd.connections - run.atStart.connections
      : undefined;
  return {
    runningMs: timeline.allRunningAt - timeline.startedAt,
    completedEarly: timeline.completedBeforeAllRunning,
    completedMs: timeline.allCompletedAt - timeline.startedAt,
    medianMs: percentile(timeline.jobToCompletedMs, 50),
    p99Ms: percentile(timeline.jobToCompletedMs, 99),
    requests: toCompleted.length / executions,
    reads: toCompleted.filter((r) => reads.has(r.verb)).length / executions,
    lifecycleRequests: lifecycle ? lifecycle.length / executions : undefined,
    cpuMs: cpuPer(run, run.atCompleted),
    planeToRunningMs: perExecution(timeline.planeCpuMs.toRunning, executions),
    planeToCompletedMs: perExecution(timeline.planeCpuMs.toCompleted, executions),
    lifecycleCpuMs: cpuPer(run, run.lifecycle?.atEnd),
    loopDelay: run.atCompleted?.loopDelayMs,
    loopUtilization: run.atCompleted?.loopUtilization,
    rssIdle: run.idle ? mib(run.idle.rssBytes) : undefined,
    heapIdle: run.idle?.heapUsedBytes !== undefined ? mib(run.idle.heapUsedBytes) : undefined,
    connectionsPer1000:
      connections !== undefined && lifecycle?.length
        ? (connections * 1000) / lifecycle.length
        : undefined,
    connectionsInAll: run.lifecycle?.atEnd.connections,
    toCompleted,
    lifecycle,
  };
}

type Figures = ReturnType<typeof figures>;

const inMs = (n: number) => `${fixed(n, 1)} ms`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const latency = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const times = (value: number, base: number | undefined) =>
  base ? ` (${(value / base).toFixed(1)}x)` : '';

/** A row: the floor's figure, then Roundhouse's and the Go reference's with their ratio to `base`. */
function row(
  label: string,
  all: readonly (Figures | undefined)[],
  pick: (f: Figures) => number | undefined,
  format: (n: number) => string,
  base?: number,
): string[] {
  return [
    label,
    ...all.map((f) => {
      const value = f ? pick(f) : undefined;
      if (value === undefined || Number.isNaN(value)) return '-';
      return `${format(value)}${base !== undefined && f !== all[0] ? times(value, base) : ''}`;
    }),
  ];
}

const planeProcesses = (report: ScaleReport) =>
  Object.keys(report.floor.timeline.planeCpuMs.toRunning);

export function printScaleReport(report: ScaleReport): void {
  const { audit } = report;
  const floor = figures(report.floor, audit);
  const rh = figures(report.roundhouse, audit);
  const go = report.go ? figures(report.go, audit) : undefined;
  const all = [floor, rh, go];
  const second = report.second && {
    rh: figures(report.second.roundhouse, audit),
    go: figures(report.second.go, audit),
  };
  // The same figure of the second round, the reference first, under the first's row.
  const secondRound = (
    pick: (f: Figures) => number | undefined,
    format: (n: number) => string,
    base?: number,
  ) =>
    second
      ? [
          row(
            '  second round, the reference first',
            [undefined, second.rh, second.go],
            pick,
            format,
            base,
          ),
        ]
      : [];
  const protocols = report.roundhouse.lifecycle?.atEnd.protocols?.join(', ');
  console.log(
    `\n${report.executions} WorkflowExecutions created at once (job engine, ${report.workers} workers; Roundhouse cooldown ${report.cooldown})`,
  );
  console.log('ratios in parentheses are to the floor, measured in this run');
  table([
    ['', 'floor', 'Roundhouse', 'Go reference'],
    row('time to all Running', all, (f) => f.runningMs, seconds, floor.runningMs),
    ...secondRound((f) => f.runningMs, seconds, floor.runningMs),
    row('  Completed before all were Running (round one)', all, (f) => f.completedEarly, String),
    row('time to all Completed', all, (f) => f.completedMs, seconds, floor.completedMs),
    row('Job finished -> Completed, median', all, (f) => f.medianMs, latency),
    row('Job finished -> Completed, p99', all, (f) => f.p99Ms, latency),
    row(
      'requests per execution, create -> Completed',
      all,
      (f) => f.requests,
      fixed,
      floor.requests,
    ),
    row('  of which reads (get, list, watch)', all, (f) => f.reads, fixed),
    row('requests per execution, whole lifecycle', all, (f) => f.lifecycleRequests, fixed),
    row('CPU per execution, create -> Completed', all, (f) => f.cpuMs, inMs),
    ...secondRound((f) => f.cpuMs, inMs),
    // The plane shares the cores with the controller: a controller that gives it more work per
    // execution, or takes more of the cores, has its own requests served more slowly.
    row(
      'control plane CPU per execution, create -> all Running',
      all,
      (f) => sum(f.planeToRunningMs),
      inMs,
    ),
    ...planeProcesses(report).map((name) =>
      row(`  ${name}`, all, (f) => f.planeToRunningMs[name], inMs),
    ),
    ...secondRound((f) => sum(f.planeToRunningMs), inMs),
    row(
      'control plane CPU per execution, create -> Completed',
      all,
      (f) => sum(f.planeToCompletedMs),
      inMs,
    ),
    row('CPU per execution, whole lifecycle', all, (f) => f.lifecycleCpuMs, inMs),
    row(
      'event loop delay, create -> Completed, p99',
      all,
      (f) => f.loopDelay?.p99,
      (n) => `${fixed(n, 0)} ms`,
    ),
    row(
      '  longest',
      all,
      (f) => f.loopDelay?.max,
      (n) => `${fixed(n, 0)} ms`,
    ),
    // Whether the controller's one thread was the bound: near 100 % it was.
    row(
      'event loop busy, create -> Completed',
      all,
      (f) => f.loopUtilization,
      (n) => `${fixed(n * 100, 0)} %`,
    ),
    row(
      'RSS idle',
      all,
      (f) => f.rssIdle,
      (n) => `${fixed(n, 0)} MiB`,
    ),
    row(
      '  of which JavaScript heap in use',
      all,
      (f) => f.heapIdle,
      (n) => `${fixed(n, 0)} MiB`,
    ),
    [
      `RSS with ${report.cached?.count ?? 0} cached executions`,
      '-',
      report.cached ? `${fixed(mib(report.cached.roundhouse.rssBytes), 0)} MiB` : '-',
      report.cached?.go ? `${fixed(mib(report.cached.go.rssBytes), 0)} MiB` : '-',
    ],
    [
      '  of which JavaScript heap in use',
      '-',
      report.cached?.roundhouse.heapUsedBytes !== undefined
        ? `${fixed(mib(report.cached.roundhouse.heapUsedBytes), 0)} MiB`
        : '-',
      '-',
    ],
    [
      `  peak RSS, start-up with ${report.cached?.count ?? 0} included`,
      '-',
      report.cached ? `${fixed(mib(report.cached.roundhouse.peakRssBytes), 0)} MiB` : '-',
      report.cached?.go ? `${fixed(mib(report.cached.go.peakRssBytes), 0)} MiB` : '-',
    ],
    row(
      'connections opened, start-up included',
      all,
      (f) => f.connectionsInAll,
      (n) => `${n}${protocols ? ` (${protocols})` : ''}`,
    ),
    row(
      'connections opened per 1,000 requests',
      all,
      (f) => f.connectionsPer1000,
      (n) => fixed(n, 1),
    ),
  ]);
  if (go && second) {
    // Both rounds, since one round can land on either side of the machine's drift.
    const ratios = (what: string, pick: (f: Figures) => number | undefined) => {
      const [a, b, c, d] = [rh, go, second.rh, second.go].map(pick);
      if (a === undefined || b === undefined || c === undefined || d === undefined) return;
      const ratio = (x: number, y: number) => `${(x / y).toFixed(2)}x`;
      console.log(
        `  Roundhouse / Go reference, ${what}: ${ratio(a, b)} and ${ratio(c, d)}; ${ratio(a + c, b + d)} over both rounds`,
      );
    };
    ratios('time to all Running', (f) => f.runningMs);
    ratios('CPU per execution', (f) => f.cpuMs);
    ratios('control plane CPU per execution, to all Running', (f) => sum(f.planeToRunningMs));
  }
  for (const [name, run] of [
    ['floor', report.floor],
    ['Roundhouse', report.roundhouse],
    ['Go reference', report.go],
    ['Go reference, second round', report.second?.go],
    ['Roundhouse, second round', report.second?.roundhouse],
  ] as const) {
    if (run && run.timeline.failed > 0)
      console.log(`  ${name}: ${run.timeline.failed} executions Failed`);
  }
  const early = report.roundhouse.lifecycle?.releasedEarly ?? 0;
  if (early > 0)
    console.log(
      `  ${early} Roundhouse locks were released before all were Completed: raise the cooldown`,
    );
  if (report.cached && (!report.cached.roundhouse.quiet || report.cached.go?.quiet === false))
    console.log('  a controller was still busy when its cached RSS was read');

  console.log('\nRequests by verb and resource, from the API server audit log (per execution)');
  byVerb('floor, create -> Completed', floor.toCompleted, report.executions);
  byVerb(
    'Roundhouse, create -> Completed',
    rh.toCompleted,
    report.executions,
    report.roundhouse.atCompleted,
  );
  if (rh.lifecycle) byVerb('Roundhouse, whole lifecycle', rh.lifecycle, report.executions);
  if (go && report.go)
    byVerb(
      'Go reference, create -> Completed',
      go.toCompleted,
      report.executions,
      report.go.atCompleted,
    );
}
