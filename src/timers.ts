// Node's timers (setTimeout, AbortSignal.timeout, execFile's timeout) take at most 2^31-1 ms,
// about 24.8 days; a longer delay fires at once. Every duration a user gives is held to this.
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Sleep `ms`, of any length: in steps setTimeout can take (~24.8 days each), since a single
 * longer setTimeout fires after 1 ms (a `--watch 30d` busy loop, a retry backoff past 24.8 days
 * retried at once). `stop.wake()` ends the sleep early.
 */
export function sleep(ms: number, stop: { wake?: () => void } = {}): Promise<void> {
  return new Promise<void>((resolve) => {
    let left = ms;
    let t: ReturnType<typeof setTimeout> | undefined;
    const step = () => {
      if (left <= 0) return resolve();
      const n = Math.min(left, MAX_TIMER_MS);
      left -= n;
      t = setTimeout(step, n);
    };
    stop.wake = () => {
      clearTimeout(t);
      resolve();
    };
    step();
  });
}
