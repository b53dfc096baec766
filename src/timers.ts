// Node's timers (setTimeout, AbortSignal.timeout, execFile's timeout) take at most 2^31-1 ms,
// about 24.8 days; a longer delay fires at once. Every duration a user gives is held to this.
export const MAX_TIMER_MS = 2 ** 31 - 1;
