// `shipshape verify`, registered on the CLI program.
import { Command, InvalidArgumentError, Option } from "commander";
import { UsageError } from "../discover.js";
import { MAX_TIMER_MS } from "../timers.js";

const positive = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive number`);
  return n;
};

/** setTimeout's limit (2^31-1 ms, about 24.8 days): a longer time limit would fire at once. */
const MAX_SECONDS = Math.floor(MAX_TIMER_MS / 1000);
const seconds = (what: string) => (v: string) => {
  const n = positive(what)(v);
  if (n > MAX_SECONDS) throw new InvalidArgumentError(`${what} must be at most ${MAX_SECONDS} seconds (about 24 days)`);
  return n;
};

/** SHIPSHAPE_VERIFY_CLEANUP_TIMEOUT: seconds the cleanup after an interruption may take (default 20). */
function cleanupTimeoutMs(): number | undefined {
  const v = process.env.SHIPSHAPE_VERIFY_CLEANUP_TIMEOUT;
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > MAX_SECONDS) throw new UsageError(`SHIPSHAPE_VERIFY_CLEANUP_TIMEOUT must be a positive number of seconds, at most ${MAX_SECONDS} (got '${v}')`);
  return n * 1000;
}

/** Add the `verify` command; `setCode` receives the exit status. */
export function registerVerify(program: Command, setCode: (code: number) => void): void {
  program
    .command("verify")
    .description("build each service's image with your Docker engine and prove its imports inside it; compare with check")
    .argument("[services...]", "service names, or paths as for check (default: every service)")
    .addOption(new Option("-f, --format <format>", "output format").choices(["text", "json", "junit"]).default("text"))
    .option("--import", "really import each module inside the container (runs application code); default: locate only")
    .option("--keep", "keep the built images (and print their tags)")
    .option("-j, --jobs <n>", "services built and probed in parallel", positive("--jobs"), 2)
    .option("--build-timeout <seconds>", "time limit of one image build", seconds("--build-timeout"), 1800)
    .option("--probe-timeout <seconds>", "time limit of one probe run", seconds("--probe-timeout"), 120)
    .option("--build-network <mode>", "docker build --network (e.g. none, host)")
    .action(async (args: string[], o: { format: string; import?: boolean; keep?: boolean; jobs: number; buildTimeout: number; probeTimeout: number; buildNetwork?: string }) => {
      // Loaded on use: `shipshape check` does not pay for verify's modules.
      const { exitCode, runVerify, VerifyInterrupted } = await import("./run.js");
      const { verifyToJson, verifyToJunit, verifyToText } = await import("./report.js");
      const report = await runVerify({
        args,
        cwd: process.cwd(),
        mode: o.import ? "import" : "find",
        keep: Boolean(o.keep),
        jobs: Math.floor(o.jobs),
        buildTimeoutMs: o.buildTimeout * 1000,
        probeTimeoutMs: o.probeTimeout * 1000,
        buildNetwork: o.buildNetwork,
        log: o.format === "text" && process.stderr.isTTY ? (l) => process.stderr.write(l + "\n") : undefined,
        handleSignals: true,
        cleanupTimeoutMs: cleanupTimeoutMs(),
      }).catch((e: unknown) => {
        if (!(e instanceof VerifyInterrupted)) throw e;
        // Interrupted (SIGINT, SIGTERM, SIGHUP): one line, no report, 128 + the signal's number.
        // Exit now: a docker CLI the cleanup gave up on must not keep the process alive.
        process.stderr.write(`shipshape verify: ${e.message}\n`);
        process.exit(e.exitCode);
      });
      process.stdout.write(o.format === "json" ? verifyToJson(report) : o.format === "junit" ? verifyToJunit(report) : verifyToText(report));
      setCode(exitCode(report));
    });
}
