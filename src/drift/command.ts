// `shipshape drift`: is production running the code in the repository? The command, its
// `ack` subcommand, alert dedupe through the state file, and `--watch`.
import path from "node:path";
import { Command, Option } from "commander";
import { UsageError, findRepoRoot } from "../discover.js";
import { parseDuration } from "./config.js";
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
    .option("--alert <channel>", "send alerts for new drift: slack or webhook (repeat, or slack,webhook; URLs from the environment variables named in config)", (v: string, prev: string[] = []) => [...prev, v])
    .option("--watch <interval>", "run again every interval (30s, 15m, 2h) until SIGINT/SIGTERM; alerts are deduplicated across rounds")
    .option("--warn-only", "report, but exit 0 even when something is stale or unknown")
    .option("--state <file>", "alert state database (default: [drift] state, else .shipshape/state.db)")
    .option("--fetch", "git fetch before each round (use with --ref origin/main)")
    .action(async (services: string[], o: DriftOptions) => {
      const { parseChannels, prepareRound, channelUrl, runRound, alertRound, driftJson, driftText, exitCode, GitError } = await import("./actions.js");
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
      const { loadDriftConfig, parseUntil, StateDb } = await import("./actions.js");
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
