import { type KubeConfig, Watch } from '@kubernetes/client-node';

export interface WatchEvent {
  type: string;
  name: string;
  resourceVersion: string;
}

export interface RecordedWatch {
  readonly events: WatchEvent[];
  /** Resolves when the server or the network ends the watch. */
  readonly ended: Promise<unknown>;
  stop(): void;
}

/** Records every event of a raw watch, so a test can assert on what arrived and when it ended. */
export async function recordWatch(
  kc: KubeConfig,
  path: string,
  resourceVersion: string,
): Promise<RecordedWatch> {
  const events: WatchEvent[] = [];
  let end: (reason: unknown) => void = () => {};
  const ended = new Promise((resolve) => {
    end = resolve;
  });
  const controller = await new Watch(kc).watch(
    path,
    { resourceVersion, allowWatchBookmarks: false },
    (type, obj: { metadata?: { name?: string; resourceVersion?: string } }) => {
      events.push({
        type,
        name: obj.metadata?.name ?? '',
        resourceVersion: obj.metadata?.resourceVersion ?? '',
      });
    },
    (error) => end(error ?? 'closed'),
  );
  return { events, ended, stop: () => controller.abort() };
}
