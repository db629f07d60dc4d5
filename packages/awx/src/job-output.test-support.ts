import type { JobEvent } from './schemas.js';

/**
 * What `JobReader.unshownLines` answers for `events`, as AWX's `?stdout=&counter__lte=` selects
 * them: the lines numbered by those through `through` that printed no stdout.
 */
export function unshownLinesOf(events: readonly JobEvent[], through: number): number {
  return events
    .filter((event) => event.stdout === '' && event.counter <= through)
    .reduce((lines, event) => lines + event.end_line - event.start_line, 0);
}
