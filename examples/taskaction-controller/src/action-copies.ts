import type { KubeObject } from '@roundhouse/kube';

/**
 * The TaskActions as this controller last saw them: its informer, into which it observes every
 * object it writes (read-your-writes), so the reconcile a write wakes, and the next write of the
 * same reconcile, start from that write instead of a copy the watch has not replaced yet.
 */
export interface ActionCopies {
  get(namespace: string | undefined, name: string): KubeObject | undefined;
  observe(object: KubeObject): void;
}
