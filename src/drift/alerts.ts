// Alert channels: a Slack incoming webhook (readable blocks) and a generic JSON webhook. URLs come
// from environment variables named in config and are never printed. Delivery retries with
// exponential backoff on 5xx, 429, network errors and timeouts; other 4xx fail at once.
import type { ServiceDrift } from "./run.js";
import { behindText, revisionFields, short, unknownReason } from "./report.js";
import type { AlertsConfig } from "./config.js";
import { sleep } from "../timers.js";
import { fetchFailure } from "./fetch-failure.js";

export type AlertChannel = "slack" | "webhook";

export class AlertError extends Error {}

export interface DeliveryOptions {
  timeoutMs: number;
  retries: number;
  retryBaseMs: number;
  /** For tests: observe each attempt. */
  onAttempt?: (n: number, outcome: string) => void;
}

/** POST a JSON body; resolve on 2xx, retrying what can succeed later. Errors never contain the URL. */
export async function postJson(url: string, body: unknown, label: string, o: DeliveryOptions): Promise<void> {
  const data = JSON.stringify(body);
  let last = "";
  for (let attempt = 0; attempt <= o.retries; attempt++) {
    if (attempt > 0) await sleep(o.retryBaseMs * 2 ** (attempt - 1));
    let retryable = true;
    try {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: data, signal: AbortSignal.timeout(o.timeoutMs) });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) {
        o.onAttempt?.(attempt + 1, String(res.status));
        return;
      }
      last = `HTTP ${res.status}`;
      retryable = res.status >= 500 || res.status === 429 || res.status === 408;
    } catch (e) {
      last = fetchFailure(e, o.timeoutMs);
    }
    o.onAttempt?.(attempt + 1, last);
    if (!retryable) break;
  }
  throw new AlertError(`${label} alert not delivered: ${last}`);
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const MAX_COMMITS = 10;
const MAX_FILES = 5;

/** One line: "api is 3 commits behind main" / "api: drift unknown: <reason>". */
export function headline(d: ServiceDrift): string {
  if (d.state === "STALE") {
    const n = Math.max(...d.revisions.map((r) => r.commits.length));
    return n > 0 ? `${d.service} is ${behindText(n, d.ref)}` : `${d.service} ${behindText(0, d.ref)}`;
  }
  if (d.error) return `${d.service}: cannot read the deployed state: ${d.error}`;
  return `${d.service}: drift unknown: ${unknownReason(d)}`;
}

function revisionLine(d: ServiceDrift, r: ServiceDrift["revisions"][number]): string {
  const share = r.percent !== null ? `, ${r.percent}% of traffic` : "";
  if (r.state === "STALE") return `*${esc(r.revision)}*${share} runs \`${short(r.commit ?? r.reportedCommit)}\`: ${r.commits.length ? `*${r.commits.length} commit${r.commits.length === 1 ? "" : "s"} behind* ${esc(d.ref)}` : `*runs code that is not in* ${esc(d.ref)}`}${r.staleSince ? ` (stale since ${r.staleSince.slice(0, 10)})` : ""}`;
  if (r.state === "UNKNOWN") return `*${esc(r.revision)}*${share}: UNKNOWN: ${esc(r.reason ?? "")}${r.fix ? `\nfix: ${esc(r.fix)}` : ""}`;
  return `*${esc(r.revision)}*${share} runs \`${short(r.commit)}\`: current`;
}

export function slackPayload(d: ServiceDrift): unknown {
  const blocks: unknown[] = [
    { type: "header", text: { type: "plain_text", text: `${d.state === "STALE" ? "Drift" : "Drift check failed"}: ${d.service}`.slice(0, 150) } },
  ];
  const lines = d.error ? [`*${esc(d.service)}*: cannot read the deployed state: ${esc(d.error)}`] : d.revisions.map((r) => revisionLine(d, r));
  if (d.reason && !d.error) lines.push(esc(d.reason));
  blocks.push({ type: "section", text: { type: "mrkdwn", text: lines.join("\n").slice(0, 3000) } });
  const stale = d.revisions.filter((r) => r.state === "STALE").sort((a, b) => b.commits.length - a.commits.length)[0];
  if (stale) {
    const items = stale.commits.slice(0, MAX_COMMITS).map((c) => {
      const files = c.files.slice(0, MAX_FILES).map((f) => esc(f.path));
      const more = c.files.length > MAX_FILES ? ` and ${c.files.length - MAX_FILES} more` : "";
      return `• \`${c.sha.slice(0, 7)}\` ${c.date.slice(0, 10)} ${esc(c.subject)}\n    ${files.join(", ")}${more}`;
    });
    if (stale.commits.length > MAX_COMMITS) items.push(`… and ${stale.commits.length - MAX_COMMITS} more commits`);
    blocks.push({ type: "section", text: { type: "mrkdwn", text: items.join("\n").slice(0, 3000) } });
  }
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: `shipshape drift · closure: ${d.closure} · ${esc(d.ref)} at \`${short(d.head)}\`` }] });
  return { text: headline(d), blocks };
}

export function webhookPayload(d: ServiceDrift, fingerprint: string): unknown {
  return {
    event: d.state === "STALE" ? "drift" : d.error ? "provider_error" : "drift_unknown",
    service: d.service,
    state: d.state,
    summary: headline(d),
    fingerprint,
    ref: d.ref,
    head: d.head,
    closure: d.closure,
    error: d.error,
    revisions: d.revisions.map((r) => ({
      ...revisionFields(r),
      deployedCommit: r.commit ?? r.reportedCommit,
      commits: r.commits.map((c) => ({ sha: c.sha, date: c.date, subject: c.subject, files: c.files.map((f) => f.path) })),
    })),
  };
}

/** The URL of a channel from its environment variable, or a one-line error naming the variable. */
export function channelUrl(ch: AlertChannel, cfg: AlertsConfig): string {
  const name = ch === "slack" ? cfg.slackEnv : cfg.webhookEnv;
  const url = process.env[name];
  if (!url) throw new AlertError(`--alert ${ch}: environment variable ${name} is not set (it holds the ${ch === "slack" ? "Slack incoming-webhook" : "webhook"} URL)`);
  if (!/^https?:\/\//.test(url)) throw new AlertError(`--alert ${ch}: environment variable ${name} does not hold an http(s) URL`);
  return url;
}

export async function sendAlert(ch: AlertChannel, d: ServiceDrift, fingerprint: string, cfg: AlertsConfig): Promise<void> {
  const url = channelUrl(ch, cfg);
  const body = ch === "slack" ? slackPayload(d) : webhookPayload(d, fingerprint);
  await postJson(url, body, ch === "slack" ? "Slack" : "webhook", { timeoutMs: cfg.timeoutMs, retries: cfg.retries, retryBaseMs: cfg.retryBaseMs });
}
