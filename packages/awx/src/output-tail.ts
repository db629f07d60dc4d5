import type { AwxRequestOptions, JobReader } from './awx-roles.js';
import { downloadedText, unlessEventTooLarge } from './job-events.js';
import { maxListPages } from './page-bounds.js';
import type { Job } from './schemas.js';
import { lastBytes } from './stdout-reader.js';

/**
 * The last `maxBytes` of a job's output as the txt download gives them, from as few of its
 * newest events as hold them: the download is the whole output, which for a long job is many
 * megabytes for a tail of a few KiB. The events are the download's source only once AWX has
 * saved them all (`event_processing_finished`); before that, or when the newest events do not
 * hold the tail (a hole in their counters, events that printed nothing past `maxListPages`
 * pages, an event longer than the client reads even on a page of its own), the download it is:
 * it streams, so no event is too long for it.
 */
export async function outputTail(
  awx: JobReader,
  job: Pick<Job, 'id' | 'event_processing_finished'>,
  maxBytes: number,
  options: AwxRequestOptions = {},
): Promise<string> {
  const fromEvents =
    job.event_processing_finished === true
      ? await unlessEventTooLarge(eventsTail(awx, job.id, maxBytes, options))
      : undefined;
  return fromEvents ?? awx.jobStdoutTail(job.id, maxBytes, options);
}

/**
 * The tail from the newest events, read back from the last until they hold `maxBytes` or the
 * first event; undefined when they cannot give it.
 */
async function eventsTail(
  awx: JobReader,
  jobId: number,
  maxBytes: number,
  options: AwxRequestOptions,
): Promise<string | undefined> {
  const newestFirst: Buffer[] = [];
  let bytes = 0;
  let before: number | undefined;
  for (let pages = 1; pages <= maxListPages; pages++) {
    const { events, more } = await awx.jobEvents(jobId, { newestBefore: before }, options);
    for (const event of events) {
      // The download copies every saved event; a counter missed here is one it would show.
      if (before !== undefined && event.counter !== before - 1) return undefined;
      before = event.counter;
      const text = Buffer.from(downloadedText(event.stdout));
      newestFirst.push(text);
      bytes += text.length;
      if (bytes >= maxBytes) return lastBytes(Buffer.concat(newestFirst.reverse()), maxBytes);
    }
    if (!more) {
      // Every event is numbered from 1: having read down to it, these are the whole output.
      if (before !== undefined && before !== 1) return undefined;
      return lastBytes(Buffer.concat(newestFirst.reverse()), maxBytes);
    }
  }
  return undefined;
}
