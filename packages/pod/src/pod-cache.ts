import { definedFields, isPlainRecord, trimmedForCache } from '@roundhouse/kube';
import { stepShell } from './step-containers.js';

/**
 * A cache transform for the engine's Pods (a controller's informer on them): the Pod without
 * what only the kubelet reads, its steps' scripts, environment (every parameter, in every
 * step), arguments, mounts and volumes, which make a Pod as large as the API server stores, and
 * without `managedFields`. What is kept is what anything reads of a cached Pod: the whole rest of
 * the metadata (the owner labels and annotations that map it to its execution and that
 * adoption, cleanup and orphan deletion check, its finalizers, creation and deletion times,
 * owner references), the whole status (the kubelet's, bounded by its own caps), and of the spec
 * `activeDeadlineSeconds` and each container's name, `restartPolicy` and the shape of its
 * command, by which `stepContainers` tells a step from a container a webhook added: the shell
 * words as they are, the script blanked to '' and each argument too, so a step still reads as
 * one and its order, count and names stay. Picked by hand, as `cachedJob` is, because it runs
 * on every event of every Pod the cache holds; the engine parses what it reads back with
 * `PodStateSchema`, so nothing unvalidated is trusted.
 */
export function cachedPod(pod: object): object {
  return trimmedForCache(pod, {
    spec: (spec) =>
      definedFields({
        activeDeadlineSeconds: spec.activeDeadlineSeconds,
        initContainers: cachedContainers(spec.initContainers),
        containers: cachedContainers(spec.containers),
      }),
    status: (status) => status,
  });
}

/** Each container as `stepContainers` reads it; anything not a list of objects as it is. */
function cachedContainers(containers: unknown): unknown {
  if (!Array.isArray(containers)) return containers;
  return containers.map((container: unknown) =>
    isPlainRecord(container)
      ? definedFields({
          name: container.name,
          restartPolicy: container.restartPolicy,
          command: blanked(container.command, stepShell.length),
          args: blanked(container.args, 0),
        })
      : container,
  );
}

/**
 * `words` with each string from index `from` on replaced by '': as many words, the first
 * `from` as they are. A word that is no string stays, so the parse fails as on the whole Pod.
 */
function blanked(words: unknown, from: number): unknown {
  if (!Array.isArray(words)) return words;
  return words.map((word: unknown, i) => (i < from || typeof word !== 'string' ? word : ''));
}
