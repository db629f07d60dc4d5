/**
 * The longest delay a Node timer takes (2^31-1 ms, about 24.8 days). A longer one fires after
 * 1 ms, with a warning, so nothing may hand setTimeout more than this.
 */
export const maxTimerMs = 2 ** 31 - 1;
