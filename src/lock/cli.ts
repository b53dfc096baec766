// `shipshape lock check` and `shipshape lock generate`, registered on the main program.
import path from "node:path";
import { existsSync } from "node:fs";
import { Command, Option } from "commander";
import { UsageError, discover } from "../discover.js";
import { FsCache } from "../context/context.js";
import { ParseCache } from "../parse-cache.js";
import type { AnalyzeOptions } from "../analyze.js";
import { toJson, toText, toSarif, toGithub } from "../report.js";
import type { LockPair } from "./pairs.js";
import type { ResolverName } from "./generate.js";
// The package libraries (PEP 508 grammar, TOML) load only when a lock command runs.

const toPosix = (p: string) => p.split(path.sep).join("/");

export function registerLockCommands(program: Command, setExit: (code: number) => void, version: string): void {
  const lock = program.command("lock").description("lock files: every direct requirement pinned and consistent, the Dockerfile installs the lock, regeneration");

  lock
    .command("check")
    .description("check each lock against its loose requirements, and what each Dockerfile installs")
    .argument("[paths...]", "repository, folders or Dockerfiles (default: the current directory)")
    .addOption(new Option("-f, --format <format>", "output format").choices(["text", "json", "sarif", "github"]).default("text"))
    .option("-q, --quiet", "only findings, no summary")
    .action(async (paths: string[], o: { format: string; quiet?: boolean }) => {
      const { runLockCheck } = await import("./check.js");
      const res = runLockCheck(paths, process.cwd());
      const report = { repoRoot: res.repoRoot, results: [], findings: res.findings };
      let out: string;
      if (o.format === "json") out = toJson(report);
      else if (o.format === "sarif") out = toSarif(report, version);
      else if (o.format === "github") out = toGithub(report);
      else {
        out = toText(report, { color: false, quiet: true });
        if (!o.quiet) {
          const e = res.findings.filter((f) => f.severity === "error").length;
          const w = res.findings.length - e;
          out += `${res.pairs.length} lock pair${res.pairs.length === 1 ? "" : "s"} (${res.pairs.map((p) => `${p.loose} -> ${p.lock}`).join(", ") || "none"}), ${res.services.length} service${res.services.length === 1 ? "" : "s"}: ${e || w ? `${e} error${e === 1 ? "" : "s"}, ${w} warning${w === 1 ? "" : "s"}` : "no problems found"}\n`;
        }
      }
      process.stdout.write(out);
      setExit(res.findings.some((f) => f.severity === "error") ? 1 : 0);
    });

  lock
    .command("generate")
    .description("regenerate a service's lock with uv, pip-compile, pip inside the base image (Docker), or a local pip")
    .argument("<service>", "service name, Dockerfile, or folder")
    .option("-i, --input <file>", "loose requirements file (default: what the service installs, or its pair)")
    .option("-o, --output <file>", "lock file to write (default: the pair's lock, or by convention)")
    .addOption(new Option("--resolver <name>", "resolver").choices(["auto", "uv", "pip-compile", "docker", "pip"]).default("auto"))
    .option("-f, --find-links <dir...>", "folders of wheels/sdists to resolve from")
    .option("--no-index", "do not use any package index")
    .option("--python <version>", "Python version to resolve for (default: the base image's)")
    .option("--python-exe <path>", "pip resolver: the Python to use", "python3")
    .action(async (service: string, o: { input?: string; output?: string; resolver: string; findLinks?: string[]; index: boolean; python?: string; pythonExe: string }) => {
      const { imageInstalls, pythonVersionOfImage } = await import("./check.js");
      const { loadLockConfig, findLockPairs } = await import("./pairs.js");
      const { generateLock, GenerateError } = await import("./generate.js");
      const cwd = process.cwd();
      const fs = new FsCache();
      const asPath = path.resolve(cwd, service);
      const disc = discover(existsSync(asPath) ? [service] : [], cwd, fs, false);
      const svc = existsSync(asPath) ? disc.services[0] : disc.services.find((s) => s.name === service);
      if (!svc) throw new UsageError(`no service named '${service}' (known: ${disc.services.map((s) => s.name).join(", ") || "none"})`);
      const repoRoot = disc.repoRoot;
      const aopts: AnalyzeOptions = { repoRoot, fs, parseCache: new ParseCache(null), stdlib: new Set(), severities: {}, contexts: new Map() };
      const { prepareService } = await import("../analyze.js");
      const prepared = prepareService(svc, aopts);
      const inst = imageInstalls(svc, prepared, repoRoot);
      const pairs = findLockPairs(repoRoot, loadLockConfig(repoRoot));
      const { input, output } = chooseFiles(repoRoot, cwd, svc.dockerfile, pairs, inst?.installs.map((i) => i.file) ?? [], o.input, o.output);
      const base = !("readError" in prepared) && prepared.model ? prepared.model.baseImage : null;
      try {
        const r = generateLock({
          input: path.join(repoRoot, input),
          output: path.join(repoRoot, output),
          resolver: o.resolver as ResolverName | "auto",
          findLinks: (o.findLinks ?? []).map((d) => path.resolve(cwd, d)),
          noIndex: !o.index,
          pythonVersion: o.python ?? (base ? pythonVersionOfImage(base) : null),
          baseImage: base,
          pythonExe: o.pythonExe,
        });
        process.stdout.write(`wrote ${output} from ${input} with ${r.resolver}: ${r.packages} package${r.packages === 1 ? "" : "s"}\n`);
        setExit(0);
      } catch (e) {
        if (e instanceof GenerateError) throw new UsageError(e.message);
        throw e;
      }
    });
}

/** Input and output (repository-relative) for a service's lock. */
function chooseFiles(repoRoot: string, cwd: string, dockerfile: string, pairs: LockPair[], installed: string[], input?: string, output?: string): { input: string; output: string } {
  const rel = (p: string) => toPosix(path.relative(repoRoot, path.resolve(cwd, p)));
  let inp = input ? rel(input) : null;
  let out = output ? rel(output) : null;
  if (!inp) {
    const pair = pairs.find((p) => installed.includes(p.loose) || installed.includes(p.lock));
    if (pair && !pair.loose.endsWith("pyproject.toml")) {
      inp = pair.loose;
      out = out ?? pair.lock;
    } else {
      const req = installed.find((f) => /\.(txt|in)$/.test(f));
      const dir = toPosix(path.relative(repoRoot, path.dirname(dockerfile)));
      const cand = [req, ...["requirements.in", "requirements.txt"].map((n) => (dir ? `${dir}/${n}` : n))].filter((x): x is string => Boolean(x));
      inp = cand.find((c) => existsSync(path.join(repoRoot, c))) ?? null;
    }
  }
  if (!inp) throw new UsageError("no requirements file found for this service: pass --input FILE");
  if (!out) {
    const pair = pairs.find((p) => p.loose === inp);
    out = pair ? pair.lock : inp.endsWith(".in") ? inp.slice(0, -3) + ".txt" : inp.replace(/\.txt$/, "") + ".lock";
  }
  if (out === inp) throw new UsageError(`the lock would overwrite its input ${inp}: pass --output FILE`);
  return { input: inp, output: out };
}
