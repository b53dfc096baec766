// The synchronous check, for callers that cannot await (tests, verify, lock): it loads the
// analysis stages eagerly. The CLI uses runCheckParallel, which loads them only on a cache miss.
import * as analyze from "./analyze.js";
import { runCheckWith, useEngine, CheckOptions, CheckResult } from "./check.js";

useEngine(analyze);

export type { CheckOptions, CheckResult };

/** The whole check on one thread. */
export function runCheck(opts: CheckOptions): CheckResult {
  return runCheckWith(analyze, opts);
}
