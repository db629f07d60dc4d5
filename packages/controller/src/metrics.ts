import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { QueueMetrics } from './workqueue.js';

/** How a reconcile ended, as the `result` label of `reconcile_total`. */
export type ReconcileOutcome = 'success' | 'requeue_after' | 'error' | 'terminal_error';

/**
 * Prometheus metrics of controllers and their workqueues, named as controller-runtime and
 * client-go name theirs so existing dashboards read them. One instance serves every controller
 * of a process; the `controller` and `name` labels tell them apart.
 */
export class ControllerMetrics implements QueueMetrics {
  readonly registry: Registry;
  readonly #reconciles: Counter<'controller' | 'result'>;
  readonly #errors: Counter<'controller'>;
  readonly #duration: Histogram<'controller'>;
  readonly #depth: Gauge<'name'>;
  readonly #adds: Counter<'name'>;
  readonly #queueDuration: Histogram<'name'>;
  readonly #retries: Counter<'name'>;

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    this.#reconciles = new Counter({
      name: 'reconcile_total',
      help: 'Reconciles per controller and result (success, requeue_after, error, terminal_error).',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.#errors = new Counter({
      name: 'reconcile_errors_total',
      help: 'Reconciles that threw, retried or terminal.',
      labelNames: ['controller'],
      registers,
    });
    this.#duration = new Histogram({
      name: 'reconcile_duration_seconds',
      help: 'Time per reconcile.',
      labelNames: ['controller'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.#depth = new Gauge({
      name: 'workqueue_depth',
      help: 'Keys waiting for a worker.',
      labelNames: ['name'],
      registers,
    });
    this.#adds = new Counter({
      name: 'workqueue_adds_total',
      help: 'Keys added to the workqueue (repeated adds of a waiting key are not counted).',
      labelNames: ['name'],
      registers,
    });
    this.#queueDuration = new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'Time a key waits in the workqueue before a worker takes it.',
      labelNames: ['name'],
      buckets: [0.001, 0.01, 0.1, 1, 10, 60, 600],
      registers,
    });
    this.#retries = new Counter({
      name: 'workqueue_retries_total',
      help: 'Keys put back with a rate-limited delay.',
      labelNames: ['name'],
      registers,
    });
  }

  reconciled(controller: string, outcome: ReconcileOutcome, seconds: number): void {
    this.#reconciles.inc({ controller, result: outcome });
    if (outcome === 'error' || outcome === 'terminal_error') this.#errors.inc({ controller });
    this.#duration.observe({ controller }, seconds);
  }

  added(queue: string): void {
    this.#adds.inc({ name: queue });
  }

  depth(queue: string, depth: number): void {
    this.#depth.set({ name: queue }, depth);
  }

  waited(queue: string, seconds: number): void {
    this.#queueDuration.observe({ name: queue }, seconds);
  }

  retried(queue: string): void {
    this.#retries.inc({ name: queue });
  }
}
