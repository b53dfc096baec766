// The command line: a thin layer over the stages.
import { readFileSync } from "node:fs";
import path from "node:path";
import { Command, CommanderError, Option } from "commander";
import { runCheckParallel, applyFixes, DATA_DIR } from "./check.js";
import { UsageError } from "./discover.js";
import { toJson, toText, toSarif, toGithub } from "./report.js";
import { registerLockCommands } from "./lock/cli.js";
import { registerDrift } from "./drift/command.js";
import { registerVerify } from "./verify/index.js";

function version(): string {
  try {
    return (JSON.parse(readFileSync(path.join(DATA_DIR, "..", "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "0.0.0";
  }
}

export async function main(argv: string[]): Promise<number> {
  // `shipshape check --format json | head`: the reader went away. Stop quietly, as other
  // command-line tools do, instead of dying on an unhandled EPIPE.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE") process.stderr.write(`shipshape: error: cannot write output: ${e.message}\n`);
      process.exit(e.code === "EPIPE" ? (typeof process.exitCode === "number" ? process.exitCode : 0) : 2);
    });
  }
  let code = 0;
  const program = new Command();
  program
    .name("shipshape")
    .description("Stop silent-failure deploys: prove every import resolves inside the image its Dockerfile builds.")
    .version(version())
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command("check")
    .description("statically check that every import reachable from each service's entry point resolves inside its image")
    .argument("[paths...]", "repository, folders or Dockerfiles to check (default: the current directory)")
    .addOption(new Option("-f, --format <format>", "output format").choices(["text", "json", "sarif", "github"]).default("text"))
    .option("--fix", "insert the suggested COPY lines into the Dockerfiles, then check again")
    .option("--no-cache", "do not read or write .shipshape_cache/")
    .option("--color", "force colours")
    .option("--no-color", "disable colours")
    .option("-q, --quiet", "only findings, no summary")
    .action(async (paths: string[], o: { format: string; fix?: boolean; cache: boolean; color?: boolean; quiet?: boolean }) => {
      const cwd = process.cwd();
      let res = await runCheckParallel({ targets: paths, cwd, cache: o.cache });
      if (o.fix) {
        const applied = applyFixes(res.repoRoot, res.findings);
        for (const a of applied) process.stderr.write(`fixed ${a.file}: ${a.inserted.map((i) => JSON.stringify(i)).join(", ")}\n`);
        if (applied.length) res = await runCheckParallel({ targets: paths, cwd, cache: o.cache });
      }
      for (const w of res.warnings) process.stderr.write(`shipshape: warning: ${w}\n`);
      const report = { repoRoot: res.repoRoot, results: res.results, findings: res.findings };
      const useColor = o.color ?? (Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && !process.env.CI);
      const out =
        o.format === "json" ? toJson(report) : o.format === "sarif" ? toSarif(report, version()) : o.format === "github" ? toGithub(report) : toText(report, { color: useColor, quiet: o.quiet });
      process.stdout.write(out);
      code = res.findings.some((f) => f.severity === "error") ? 1 : 0;
    });

  registerLockCommands(program, (c) => (code = c), version());
  registerDrift(program, (c) => (code = c));
  registerVerify(program, (c) => (code = c));

  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return 0;
      return 2;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`shipshape: error: ${e.message}\n`);
      return 2;
    }
    const err = e as NodeJS.ErrnoException;
    process.stderr.write(`shipshape: error: ${err.code === "ELOOP" ? "symlink loop: " : ""}${err.message?.split("\n")[0] ?? String(e)}\n`);
    if (process.env.SHIPSHAPE_DEBUG) process.stderr.write(String(err.stack) + "\n");
    return 2;
  }
  return code;
}
