// The work behind `shipshape drift`: exit status, alert dedupe through the state file, --until.
// Loaded by the command only when it runs, so other commands do not pay for it.
import { UsageError } from "../discover.js";
import { parseDuration } from "./config.js";
import { fingerprint, Round } from "./run.js";
import { StateDb, StateFileError } from "./state.js";
import { AlertChannel, AlertError, headline, sendAlert } from "./alerts.js";

export { runRound, prepareRound } from "./run.js";
export { driftJson, driftText } from "./report.js";
export { channelUrl } from "./alerts.js";
export { loadDriftConfig } from "./config.js";
export { StateDb, StateFileError } from "./state.js";
export { GitError } from "./git.js";

/** The state-file row of a service's provider error (its drift row is keyed by the service name). */
export const unknownRow = (service: string) => `${service}\u0000unknown`;

/** Exit status of a round: 2 if anything is UNKNOWN (or an alert failed), 1 if anything is STALE, else 0. Acknowledged drift does not count. */
export function exitCode(round: Round, alertFailed: boolean): number {
  const live = round.results.filter((d) => !d.acknowledged);
  if (alertFailed || live.some((d) => d.state === "UNKNOWN")) return 2;
  if (live.some((d) => d.state === "STALE")) return 1;
  return 0;
}

/**
 * `--watch` across rounds: the state kept in memory while the state file cannot be written, so
 * the same drift is still alerted once (and the file is written when it can be again).
 */
export interface HeldState {
  db: StateDb | null;
}

/** What recording a round left to say: alert delivery errors, and a state file that could not be read or written. */
export interface RecordOutcome {
  errors: string[];
  stateError: string | null;
}

/**
 * Record each service's drift; alert new ones once per channel unless acknowledged. A state file
 * that cannot be read means no alert is sent (it could not be deduplicated); one that cannot be
 * written is reported after the alerts were sent, and with `held` the state stays in memory for
 * the next round.
 */
export async function recordRound(round: Round, channels: AlertChannel[], statePath: string, now = new Date(), held?: HeldState): Promise<RecordOutcome> {
  let db: StateDb;
  try {
    db = held?.db ?? (await StateDb.open(statePath));
  } catch (e) {
    if (!(e instanceof StateFileError)) throw e;
    return { errors: [], stateError: e.message };
  }
  const errors: string[] = [];
  let stateError: string | null = null;
  try {
    db.pruneAcks(now);
    for (const d of round.results) {
      // A provider error is kept apart from the drift it interrupts: STALE, then a gcloud
      // timeout, then the same STALE again alerts the drift once (and the error once).
      const unknownKey = unknownRow(d.service);
      if (d.state === "CURRENT") {
        db.clearDrift(d.service);
        db.clearDrift(unknownKey);
        continue;
      }
      if (d.state === "STALE") db.clearDrift(unknownKey);
      const key = d.state === "UNKNOWN" ? unknownKey : d.service;
      const fp = fingerprint(d);
      let row = db.getDrift(key);
      if (!row || row.fingerprint !== fp) row = { service: key, fingerprint: fp, state: d.state, summary: "", firstSeen: now.toISOString(), lastSeen: "", alertedAt: null, channels: [] };
      row.state = d.state;
      row.summary = headline(d);
      row.lastSeen = now.toISOString();
      const ack = db.activeAck(d.service, fp, now);
      d.acknowledged = ack ? { until: ack.until, reason: ack.reason } : null;
      if (!ack) {
        for (const ch of channels) {
          if (row.channels.includes(ch)) continue;
          try {
            await sendAlert(ch, d, fp, round.config.alerts);
            row.channels.push(ch);
            row.alertedAt = now.toISOString();
          } catch (e) {
            if (!(e instanceof AlertError)) throw e;
            errors.push(`${d.service}: ${e.message}`);
          }
        }
      }
      db.putDrift(row);
    }
    try {
      db.save();
    } catch (e) {
      if (!(e instanceof StateFileError)) throw e;
      stateError = e.message;
    }
  } finally {
    const keep = stateError !== null && held !== undefined;
    if (held) held.db = keep ? db : null;
    if (!keep) db.close();
  }
  return { errors, stateError };
}

/** recordRound for callers that treat the state file as required: its problems throw StateFileError. Returns the delivery errors. */
export async function alertRound(round: Round, channels: AlertChannel[], statePath: string, now = new Date(), held?: HeldState): Promise<string[]> {
  const r = await recordRound(round, channels, statePath, now, held);
  if (r.stateError) throw new StateFileError(r.stateError);
  return r.errors;
}

/** `--until`: an ISO date or date-time, or a duration from now (`7d`, `12h`). */
export function parseUntil(v: string, now = new Date()): Date {
  const ms = parseDuration(v);
  const d = ms !== null && /[a-z]$/i.test(v.trim()) ? new Date(now.getTime() + ms) : /^\d{4}-\d{2}-\d{2}/.test(v) ? new Date(v) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--until: not a date or duration: ${v} (use 2026-12-01, 2026-12-01T18:00:00Z or 7d)`);
  if (d.getTime() <= now.getTime()) throw new UsageError(`--until: ${v} is in the past`);
  return d;
}

export function parseChannels(values: string[] | undefined): AlertChannel[] {
  const out: AlertChannel[] = [];
  for (const v of values ?? [])
    for (const c of v.split(",").map((s) => s.trim()).filter(Boolean)) {
      if (c !== "slack" && c !== "webhook") throw new UsageError(`--alert: unknown channel ${c} (choose slack or webhook)`);
      if (!out.includes(c)) out.push(c);
    }
  return out;
}

