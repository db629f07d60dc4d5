/**
 * A second past a grace's end, so the look a controller takes then finds it run out even when
 * its timer fires a little early or the clock moved back a little.
 */
const graceMarginMs = 1_000;

/**
 * The `recheckAfterMs` of a running result read at `nowMs` that a grace ending at `endsAtMs`
 * (both epoch ms) can still turn into a failure with nothing changing on the PipelineRun: the time left
 * plus a margin. Undefined once the grace has run out (or its end is unknown), when what the
 * engine reads decides the result and time alone changes it no more.
 */
export function graceRecheckAfterMs(endsAtMs: number, nowMs: number): number | undefined {
  const leftMs = Math.ceil(endsAtMs - nowMs);
  return leftMs > 0 ? leftMs + graceMarginMs : undefined;
}
