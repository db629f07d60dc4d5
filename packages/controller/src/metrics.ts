import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { observeRestClientRequests } from './rest-client-requests.js';
import type { QueueMetrics } from './workqueue.js';

/** How a reconcile ended, as the controller reports it. */
export type ReconcileOutcome = 'success' | 'requeue_after' | 'error' | 'terminal_error';

export interface ControllerMetricsOptions {
  /** Where the metrics are registered; default a new prom-client Registry. */
  readonly registry?: Registry | undefined;
  /**
   * Also register prom-client's default metrics (`process_*` CPU, memory, open files, start
   * time, and `nodejs_*` event loop, heap, GC), as controller-runtime registers its process
   * collector. Turn off when the registry has them already. Default true.
   */
  readonly processMetrics?: boolean | undefined;
}

// controller-runtime's buckets, so a dashboard's histogram_quantile reads the same resolution.
const reconcileBuckets = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9,
  1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
/** client-go's workqueue buckets: 10 ns to 1000 s, by factors of ten. */
const queueBuckets = Array.from({ length: 12 }, (_, i) => Number((1e-8 * 10 ** i).toPrecision(1)));

type QueueLabels = 'name' | 'controller';

/**
 * Prometheus metrics of controllers, their workqueues and their Kubernetes requests, with the
 * names and labels controller-runtime and client-go give theirs, so the dashboards and alerts
 * an operator team has for Go controllers read these too. One instance serves every controller
 * of a process: the `controller` label (and the queue's `name`, which is the controller's name)
 * tells them apart.
 */
export class ControllerMetrics implements QueueMetrics {
  readonly registry: Registry;
  readonly #reconciles: Counter<'controller' | 'result'>;
  readonly #errors: Counter<'controller'>;
  readonly #terminalErrors: Counter<'controller'>;
  readonly #reconcileTime: Histogram<'controller'>;
  readonly #adds: Counter<QueueLabels>;
  readonly #queueDuration: Histogram<QueueLabels>;
  readonly #workDuration: Histogram<QueueLabels>;
  readonly #retries: Counter<QueueLabels>;
  readonly #restRequests: Counter<'code' | 'method' | 'host'>;
  /**
   * Per queue, its latest depth; read at scrape time, since a queue reports its depth on every
   * add and take, and a gauge update costs more than the rest of a busy reconcile's bookkeeping.
   */
  readonly #depths = new Map<string, number>();
  /** Per queue, what is processing now; read at scrape time. */
  readonly #running = new Map<string, () => number[]>();

  constructor(options: ControllerMetricsOptions = {}) {
    const registry = options.registry ?? new Registry();
    this.registry = registry;
    const registers = [registry];
    this.#reconciles = new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.#errors = new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    });
    this.#terminalErrors = new Counter({
      name: 'controller_runtime_terminal_reconcile_errors_total',
      help: 'Total number of terminal reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    });
    this.#reconcileTime = new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: reconcileBuckets,
      registers,
    });
    const labelNames: QueueLabels[] = ['name', 'controller'];
    const depths = this.#depths;
    new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const [name, depth] of depths) this.set(queueLabels(name), depth);
      },
    });
    this.#adds = new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames,
      registers,
    });
    this.#queueDuration = new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames,
      buckets: queueBuckets,
      registers,
    });
    this.#workDuration = new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes.',
      labelNames,
      buckets: queueBuckets,
      registers,
    });
    const running = this.#running;
    new Gauge({
      name: 'workqueue_unfinished_work_seconds',
      help:
        'How many seconds of work has been done that is in progress and has not been observed ' +
        'by work_duration. Large values indicate stuck threads.',
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const [name, probe] of running) {
          this.set(
            { name, controller: name },
            probe().reduce((sum, s) => sum + s, 0),
          );
        }
      },
    });
    new Gauge({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds has the longest running processor for workqueue been running.',
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const [name, probe] of running) {
          this.set({ name, controller: name }, Math.max(0, ...probe()));
        }
      },
    });
    this.#retries = new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames,
      registers,
    });
    this.#restRequests = new Counter({
      name: 'rest_client_requests_total',
      help: 'Number of HTTP requests, partitioned by status code, method, and host.',
      labelNames: ['code', 'method', 'host'],
      registers,
    });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  }

  /**
   * Counts this process's HTTP requests to `hosts` (`host:port`, e.g. the API server's from
   * the kubeconfig; default every host) in `rest_client_requests_total`, as client-go counts
   * its requests. Returns the function that stops counting.
   */
  countRestClientRequests(
    options: { readonly hosts?: readonly string[] | undefined } = {},
  ): () => void {
    return observeRestClientRequests((labels) => this.#restRequests.inc(labels), options);
  }

  /**
   * A reconcile ended. As in controller-runtime, a terminal error counts as an `error` result
   * and an error, and also as a terminal error.
   */
  reconciled(controller: string, outcome: ReconcileOutcome, seconds: number): void {
    const result = outcome === 'terminal_error' ? 'error' : outcome;
    this.#reconciles.inc({ controller, result });
    if (result === 'error') this.#errors.inc({ controller });
    if (outcome === 'terminal_error') this.#terminalErrors.inc({ controller });
    this.#reconcileTime.observe({ controller }, seconds);
  }

  added(queue: string): void {
    this.#adds.inc(queueLabels(queue));
  }

  depth(queue: string, depth: number): void {
    this.#depths.set(queue, depth);
  }

  waited(queue: string, seconds: number): void {
    this.#queueDuration.observe(queueLabels(queue), seconds);
  }

  worked(queue: string, seconds: number): void {
    this.#workDuration.observe(queueLabels(queue), seconds);
  }

  processing(queue: string, running: () => number[]): void {
    // A restarted controller builds a new queue under the same name; the newest one is live.
    this.#running.set(queue, running);
  }

  retried(queue: string): void {
    this.#retries.inc(queueLabels(queue));
  }
}

/** controller-runtime labels its queues with the controller's name twice. */
function queueLabels(queue: string): Record<QueueLabels, string> {
  return { name: queue, controller: queue };
}
