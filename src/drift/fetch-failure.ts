// Why an HTTP request failed, in the same words for the http provider and the alert channels.
// fetch is given AbortSignal.timeout(ms), which covers the body too.

type FetchError = Error & { cause?: { code?: string; message?: string } };

/** A timeout as the user wrote it, more or less: `10s`, `1500 ms`. */
export function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms} ms`;
}

/**
 * Why `fetch` rejected (stage "request") or reading the answer's body did ("body"), in a few
 * words that follow a subject: `no answer within 10s`, `unreachable (ECONNREFUSED)`,
 * `no complete answer within 10s (the body stalled after the headers)`,
 * `connection lost while reading the answer (other side closed)`.
 */
export function fetchFailure(e: unknown, timeoutMs: number, stage: "request" | "body" = "request"): string {
  const err = (e ?? {}) as FetchError;
  const timedOut = err.name === "TimeoutError" || err.name === "AbortError";
  if (stage === "request") return timedOut ? `no answer within ${formatMs(timeoutMs)}` : `unreachable${err.cause?.code ? ` (${err.cause.code})` : ""}`;
  if (timedOut) return `no complete answer within ${formatMs(timeoutMs)} (the body stalled after the headers)`;
  return `connection lost while reading the answer (${err.cause?.message || err.cause?.code || err.message || "unknown error"})`;
}
