// `shipshape drift`: is production running the code in the repository? The command, its
// `ack` subcommand, alert dedupe through the state file, and `--watch`.
import path from "node:path";
import { Command, Option } from "commander";
import { UsageError, findRepoRoot } from "../discover.js";
import { parseDuration } from "./config.js";
import type { ClosureMode } from "./closure.js";
import type { HeldState } from "./actions.js";
import { sleep } from "../timers.js";

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

export function registerDrift(program: Command, setCode: (code: number) => void): void {
  const drift = program
    .command("drift")
    .description("compare each deployed revision with the last commit that changed what its image is built from")
    .argument("[services...]", "services to check (default: every service with a [services.NAME.drift] table)")
    .addOption(new Option("-f, --format <format>", "output format").choices(["text", "json"]).default("text"))
    .addOption(new Option("--closure <mode>", "what counts as the image's sources: every copied file, or reachable Python + non-Python files + build files").choices(["image", "reachable"]))
    .option("--ref <ref>", "compare with this git ref (default: [drift] ref, else HEAD)")
    .option("--alert <channel>", "send alerts for new drift: slack or webhook (repeat, or slack,webhook; URLs from the environment variables named in config)", (v: string, prev: string[] = []) => [...prev, v])
    .option("--watch <interval>", "run again every interval (30s, 15m, 2h) until SIGINT/SIGTERM; alerts are deduplicated across rounds")
    .option("--warn-only", "report, but exit 0 even when something is stale or unknown (an undelivered alert or an unusable state file still exits 2)")
    .option("--state <file>", "alert state database (default: [drift] state, else .shipshape/state.db)")
    .option("--fetch", "git fetch before each round (use with --ref origin/main)")
    // `drift ack SERVICE --state FILE`: options after the subcommand are the subcommand's own, not
    // taken by drift's --state (which would leave ack writing to the default state file).
    .enablePositionalOptions()
    .action(async (services: string[], o: DriftOptions) => {
      const { parseChannels, prepareRound, channelUrl, runRound, recordRound, driftJson, driftText, exitCode, GitError } = await import("./actions.js");
      const cwd = process.cwd();
      const channels = parseChannels(o.alert);
      const intervalMs = o.watch !== undefined ? parseDuration(o.watch) : null;
      if (o.watch !== undefined && (intervalMs === null || intervalMs < 1000 || !Number.isFinite(intervalMs))) throw new UsageError(`--watch: not an interval of at least 1s: ${o.watch} (use 30s, 15m, 2h)`);
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
      // --watch: while the state file cannot be written, its content is kept here between rounds.
      const held: HeldState = { db: null };
      /** One round: the report always comes first; then delivery errors, then a state file problem. */
      const once = async (): Promise<{ code: number; stateError: string | null; alertFailed: boolean }> => {
        const round = await runRound({ cwd, services, closure: o.closure, ref: o.ref, fetch: o.fetch });
        const { errors, stateError } = await recordRound(round, channels, statePath, new Date(), intervalMs ? held : undefined);
        if (o.format === "json") process.stdout.write(JSON.stringify(driftJson(round), null, intervalMs ? undefined : 2) + "\n");
        else process.stdout.write((intervalMs ? `--- ${new Date().toISOString()}\n` : "") + driftText(round));
        for (const e of errors) process.stderr.write(`shipshape: error: ${e}\n`);
        if (stateError) process.stderr.write(`shipshape: ${stateError}\n`);
        return { code: exitCode(round, errors.length > 0), stateError, alertFailed: errors.length > 0 };
      };
      if (intervalMs === null) {
        const { code, stateError, alertFailed } = await once();
        // --warn-only waives the verdicts only. A state file that cannot be used, or an alert that
        // could not be delivered, is a setup problem: exit 2, --warn-only or not.
        setCode(stateError || alertFailed ? 2 : o.warnOnly ? 0 : code);
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
        held.db?.close();
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
    .action(async (service: string, o: { until: string; reason: string; state?: string }, cmd: Command) => {
      const { loadDriftConfig, parseUntil, StateDb, unknownRow } = await import("./actions.js");
      const cwd = process.cwd();
      const repoRoot = findRepoRoot(cwd);
      const config = loadDriftConfig(repoRoot);
      if (!config.services.has(service)) throw new UsageError(`unknown service ${service} (configured for drift: ${[...config.services.keys()].join(", ") || "none"})`);
      if (!o.reason.trim()) throw new UsageError("--reason must not be empty");
      const until = parseUntil(o.until);
      // `drift --state FILE ack ...` puts the option on the parent command.
      const stateOpt = o.state ?? (cmd.parent?.opts() as DriftOptions | undefined)?.state;
      const statePath = stateOpt ? path.resolve(cwd, stateOpt) : config.statePath;
      const db = await StateDb.open(statePath);
      try {
        const row = db.getDrift(service);
        if (!row) {
          // A provider error is not acknowledged away: it says drift cannot be judged (exit 2).
          if (db.getDrift(unknownRow(service))) throw new UsageError(`${service} is UNKNOWN (its deployed state could not be read): fix the provider; only a known drift (STALE) can be acknowledged`);
          throw new UsageError(`no known drift for ${service}: run shipshape drift first (a current service has nothing to acknowledge)`);
        }
        db.addAck({ service, fingerprint: row.fingerprint, until: until.toISOString(), reason: o.reason.trim(), createdAt: new Date().toISOString() });
        db.save();
        process.stdout.write(`acknowledged ${service} (${row.summary}) until ${until.toISOString()}: ${o.reason.trim()}\n`);
      } finally {
        db.close();
      }
      setCode(0);
    });
}
