// `shipshape drift`: is production running the code in the repository? The command, its
// `ack` subcommand, alert dedupe through the state file, and `--watch`.
import path from "node:path";
import { Command, Option } from "commander";
import { UsageError, findRepoRoot } from "../discover.js";
import { loadDriftConfig, parseDuration } from "./config.js";
import { runRound, fingerprint, Round, prepareRound } from "./run.js";
import { driftJson, driftText } from "./report.js";
import { StateDb } from "./state.js";
import { AlertChannel, AlertError, channelUrl, headline, sendAlert } from "./alerts.js";
import { GitError } from "./git.js";
import type { ClosureMode } from "./closure.js";

interface DriftOptions {
  format: "text" | "json";
  closure?: ClosureMode;
  ref?: string;
  alert?: string[];
  watch?: string;
  warnOnly?: boolean;
  state?: string;
  fetch?: boolean;
}

/** Exit status of a round: 2 if anything is UNKNOWN (or an alert failed), 1 if anything is STALE, else 0. Acknowledged drift does not count. */
export function exitCode(round: Round, alertFailed: boolean): number {
  const live = round.results.filter((d) => !d.acknowledged);
  if (alertFailed || live.some((d) => d.state === "UNKNOWN")) return 2;
  if (live.some((d) => d.state === "STALE")) return 1;
  return 0;
}

function parseChannels(values: string[] | undefined): AlertChannel[] {
  const out: AlertChannel[] = [];
  for (const v of values ?? [])
    for (const c of v.split(",").map((s) => s.trim()).filter(Boolean)) {
      if (c !== "slack" && c !== "webhook") throw new UsageError(`--alert: unknown channel ${c} (choose slack or webhook)`);
      if (!out.includes(c)) out.push(c);
    }
  return out;
}

/** Record each service's drift; alert new ones once per channel unless acknowledged. Returns the delivery errors. */
export async function alertRound(round: Round, channels: AlertChannel[], statePath: string, now = new Date()): Promise<string[]> {
  const db = await StateDb.open(statePath);
  const errors: string[] = [];
  try {
    db.pruneAcks(now);
    for (const d of round.results) {
      if (d.state === "CURRENT") {
        db.clearDrift(d.service);
        continue;
      }
      const fp = fingerprint(d);
      let row = db.getDrift(d.service);
      if (!row || row.fingerprint !== fp) row = { service: d.service, fingerprint: fp, state: d.state, summary: "", firstSeen: now.toISOString(), lastSeen: "", alertedAt: null, channels: [] };
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
    db.save();
  } finally {
    db.close();
  }
  return errors;
}

/** `--until`: an ISO date or date-time, or a duration from now (`7d`, `12h`). */
export function parseUntil(v: string, now = new Date()): Date {
  const ms = parseDuration(v);
  const d = ms !== null && /[a-z]$/i.test(v.trim()) ? new Date(now.getTime() + ms) : /^\d{4}-\d{2}-\d{2}/.test(v) ? new Date(v) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--until: not a date or duration: ${v} (use 2026-12-01, 2026-12-01T18:00:00Z or 7d)`);
  if (d.getTime() <= now.getTime()) throw new UsageError(`--until: ${v} is in the past`);
  return d;
}

const sleep = (ms: number, stop: { wake?: () => void }) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    stop.wake = () => {
      clearTimeout(t);
      resolve();
    };
  });

export function registerDrift(program: Command, setCode: (code: number) => void): void {
  const drift = program
    .command("drift")
    .description("compare each deployed revision with the last commit that changed what its image is built from")
    .argument("[services...]", "services to check (default: every service with a [services.NAME.drift] table)")
    .addOption(new Option("-f, --format <format>", "output format").choices(["text", "json"]).default("text"))
    .addOption(new Option("--closure <mode>", "what counts as the image's sources: every copied file, or reachable Python + non-Python files + build files").choices(["image", "reachable"]))
    .option("--ref <ref>", "compare with this git ref (default: [drift] ref, else HEAD)")
    .option("--alert <channels...>", "send alerts for new drift: slack, webhook (URLs from the environment variables named in config)")
    .option("--watch <interval>", "run again every interval (30s, 15m, 2h) until SIGINT/SIGTERM; alerts are deduplicated across rounds")
    .option("--warn-only", "report, but exit 0 even when something is stale or unknown")
    .option("--state <file>", "alert state database (default: [drift] state, else .shipshape/state.db)")
    .option("--fetch", "git fetch before each round (use with --ref origin/main)")
    .action(async (services: string[], o: DriftOptions) => {
      const cwd = process.cwd();
      const channels = parseChannels(o.alert);
      const intervalMs = o.watch !== undefined ? parseDuration(o.watch) : null;
      if (o.watch !== undefined && (intervalMs === null || intervalMs < 1000)) throw new UsageError(`--watch: not an interval of at least 1s: ${o.watch} (use 30s, 15m, 2h)`);
      // Fail fast on configuration before any provider or webhook is touched.
      const prep = prepareRound({ cwd, services });
      for (const ch of channels) {
        try {
          channelUrl(ch, prep.config.alerts);
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
      }
      const statePath = o.state ? path.resolve(cwd, o.state) : prep.config.statePath;
      const once = async (): Promise<number> => {
        const round = await runRound({ cwd, services, closure: o.closure, ref: o.ref, fetch: o.fetch });
        const errors = await alertRound(round, channels, statePath);
        if (o.format === "json") process.stdout.write(JSON.stringify(driftJson(round), null, intervalMs ? undefined : 2) + "\n");
        else process.stdout.write((intervalMs ? `--- ${new Date().toISOString()}\n` : "") + driftText(round));
        for (const e of errors) process.stderr.write(`shipshape: error: ${e}\n`);
        return exitCode(round, errors.length > 0);
      };
      if (intervalMs === null) {
        const code = await once();
        setCode(o.warnOnly ? 0 : code);
        return;
      }
      const stop: { stopped: boolean; wake?: () => void } = { stopped: false };
      const onSignal = () => {
        stop.stopped = true;
        stop.wake?.();
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      try {
        while (!stop.stopped) {
          try {
            await once();
          } catch (e) {
            if (!(e instanceof UsageError || e instanceof GitError)) throw e;
            process.stderr.write(`shipshape: error: ${e.message}\n`);
          }
          if (stop.stopped) break;
          await sleep(intervalMs, stop);
        }
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
      process.stderr.write("shipshape: drift --watch stopped\n");
      setCode(0);
    });

  drift
    .command("ack")
    .description("silence the known drift of one service until a date (a new drift alerts again)")
    .argument("<service>", "the service")
    .requiredOption("--until <date>", "until when: 2026-12-01, 2026-12-01T18:00:00Z, or a duration such as 7d")
    .requiredOption("--reason <text>", "why (shown in reports)")
    .option("--state <file>", "alert state database (default: [drift] state, else .shipshape/state.db)")
    .action(async (service: string, o: { until: string; reason: string; state?: string }) => {
      const cwd = process.cwd();
      const repoRoot = findRepoRoot(cwd);
      const config = loadDriftConfig(repoRoot);
      if (!config.services.has(service)) throw new UsageError(`unknown service ${service} (configured for drift: ${[...config.services.keys()].join(", ") || "none"})`);
      if (!o.reason.trim()) throw new UsageError("--reason must not be empty");
      const until = parseUntil(o.until);
      const statePath = o.state ? path.resolve(cwd, o.state) : config.statePath;
      const db = await StateDb.open(statePath);
      try {
        const row = db.getDrift(service);
        if (!row) throw new UsageError(`no known drift for ${service}: run shipshape drift first (a current service has nothing to acknowledge)`);
        db.addAck({ service, fingerprint: row.fingerprint, until: until.toISOString(), reason: o.reason.trim(), createdAt: new Date().toISOString() });
        db.save();
        process.stdout.write(`acknowledged ${service} (${row.summary}) until ${until.toISOString()}: ${o.reason.trim()}\n`);
      } finally {
        db.close();
      }
      setCode(0);
    });
}
