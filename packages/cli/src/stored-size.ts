import { InputError } from './errors.js';

/**
 * What etcd stores of one object by default (its --max-request-bytes), the limit of every
 * managed cluster. The API server takes requests up to 3 MiB, but a larger object fails in
 * etcd with a 500 ("etcdserver: request is too large"), which reads as a server to retry.
 */
export const storedObjectLimitBytes = 1.5 * 1024 * 1024;

/**
 * Refuses an object larger than etcd stores, before anything is sent, naming where it came
 * from (`-f FILE`, or the flags) and its largest parameter, which is what usually grew.
 */
export function checkStoredSize(
  object: { spec?: { parameters?: Record<string, string> | undefined } | undefined },
  source: string,
): void {
  const bytes = Buffer.byteLength(JSON.stringify(object));
  if (bytes <= storedObjectLimitBytes) return;
  const largest = Object.entries(object.spec?.parameters ?? {}).sort(
    ([, a], [, b]) => Buffer.byteLength(b) - Buffer.byteLength(a),
  )[0];
  const mib = (n: number) =>
    n < 1024 * 1024 ? `${Math.ceil(n / 1024)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
  throw new InputError(
    {
      path: source,
      message: `the WorkflowExecution is ${mib(bytes)} as JSON, more than the ${mib(storedObjectLimitBytes)} the cluster stores of one object${
        largest
          ? ` (its largest parameter, ${largest[0]}, is ${mib(Buffer.byteLength(largest[1]))})`
          : ''
      }`,
    },
    'keep large data in a ConfigMap or Secret and list it under spec.dependencies (--dependency configmap/NAME)',
  );
}
