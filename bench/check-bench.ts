// Benchmark of `shipshape check` on a generated monorepo (see docs/benchmark.md).
//
//   node dist/bench/check-bench.js [--files N] [--keep DIR] [--dockerfiles D] [--seed S] [--cold N] [--warm N]
//
// Generates the repository (bench/gen-monorepo.ts) into a temporary folder, or into DIR with
// --keep (kept afterwards), then runs `node bin/shipshape.js check <dir> --format json` as a
// child process: cold (after deleting <dir>/.shipshape_cache) 3 times, then warm 5 times. Prints
// figures only; no assertions. Exit 0 when the CLI exits 0 or 1 (findings), 2 when it exits 2 or
// crashes.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateMonorepo, type InjectedProblem } from "./gen-monorepo.js";

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = path.join(PROJECT_ROOT, "bin", "shipshape.js");
const CLI_MODULE = path.join(PROJECT_ROOT, "dist", "src", "cli.js");
const GNU_TIME = "/usr/bin/time";

interface Args {
  files?: number;
  dockerfiles?: number;
  seed?: number;
  keep?: string;
  cold: number;
  warm: number;
}

function usage(msg?: string): never {
  if (msg) process.stderr.write(`check-bench: ${msg}\n`);
  process.stderr.write("usage: node dist/bench/check-bench.js [--files N] [--keep DIR] [--dockerfiles D] [--seed S] [--cold N] [--warm N]\n");
  process.exit(2);
}

function parseArgs(argv: string[]): Args {
  const a: Args = { cold: 3, warm: 5 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) usage(`${k} needs a non-negative integer`);
      return v;
    };
    if (k === "--files") a.files = num();
    else if (k === "--dockerfiles") a.dockerfiles = num();
    else if (k === "--seed") a.seed = num();
    else if (k === "--cold") a.cold = Math.max(1, num());
    else if (k === "--warm") a.warm = num();
    else if (k === "--keep") {
      const d = argv[++i];
      if (!d) usage("--keep needs a folder");
      a.keep = path.resolve(d);
    } else if (k === "-h" || k === "--help") usage();
    else usage(`unknown argument ${k}`);
  }
  return a;
}

interface Run {
  ms: number;
  /** Peak resident set size of the CLI process, in KiB (null when it could not be measured). */
  rssKb: number | null;
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI once; wall time measured here, peak RSS by GNU time or by an in-process wrapper. */
function runCli(dir: string, useGnuTime: boolean): Run {
  const cliArgs = ["check", dir, "--format", "json"];
  const rssFile = path.join(tmpdir(), `shipshape-bench-rss-${process.pid}.txt`);
  rmSync(rssFile, { force: true });
  let cmd: string;
  let args: string[];
  const env = { ...process.env };
  if (useGnuTime) {
    cmd = GNU_TIME;
    args = ["-v", "-o", rssFile, process.execPath, BIN, ...cliArgs];
  } else {
    // Same as bin/shipshape.js, plus the process's own peak RSS written at exit.
    cmd = process.execPath;
    args = [
      "--input-type=module",
      "-e",
      [
        'import { writeFileSync } from "node:fs";',
        'import { pathToFileURL } from "node:url";',
        "const { main } = await import(pathToFileURL(process.env.SHIPSHAPE_BENCH_CLI).href);",
        'process.on("exit", () => writeFileSync(process.env.SHIPSHAPE_BENCH_RSS, String(process.resourceUsage().maxRSS)));',
        'process.exitCode = await main([process.execPath, "shipshape", ...JSON.parse(process.env.SHIPSHAPE_BENCH_ARGS)]);',
      ].join("\n"),
    ];
    env.SHIPSHAPE_BENCH_CLI = CLI_MODULE;
    env.SHIPSHAPE_BENCH_RSS = rssFile;
    env.SHIPSHAPE_BENCH_ARGS = JSON.stringify(cliArgs);
  }
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: PROJECT_ROOT, env, encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
  const ms = performance.now() - t0;
  let rssKb: number | null = null;
  if (existsSync(rssFile)) {
    const t = readFileSync(rssFile, "utf8");
    const m = useGnuTime ? /Maximum resident set size \(kbytes\):\s*(\d+)/.exec(t) : /^(\d+)/.exec(t.trim());
    if (m) rssKb = Number(m[1]);
    rmSync(rssFile, { force: true });
  }
  if (r.error) return { ms, rssKb, status: null, signal: null, stdout: "", stderr: String(r.error) };
  // GNU time reports a child killed by a signal as 128+N in its own status.
  return { ms, rssKb, status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

interface JsonReport {
  services: { name: string; files_checked?: number }[];
  findings: { code: string; severity: string; service: string; file: string; line: number; module: string }[];
}

function fail(run: Run, what: string): never {
  const how = run.signal ? `was killed by ${run.signal}` : run.status === null ? "could not be started" : `exited with status ${run.status}`;
  process.stdout.write(`\nshipshape check ${how} (${what}); its stderr:\n`);
  process.stdout.write((run.stderr.trim() || "(empty)") + "\n");
  process.exit(2);
}

function parseReport(run: Run, what: string): JsonReport {
  if (run.status !== 0 && run.status !== 1) fail(run, what);
  try {
    const j = JSON.parse(run.stdout) as JsonReport;
    if (!Array.isArray(j.services) || !Array.isArray(j.findings)) throw new Error("no services/findings arrays");
    return j;
  } catch (e) {
    process.stdout.write(`\nshipshape check exited ${run.status} but its output is not the expected JSON (${(e as Error).message}); first 400 characters:\n${run.stdout.slice(0, 400)}\n`);
    process.stdout.write((run.stderr.trim() || "(stderr empty)") + "\n");
    process.exit(2);
  }
}

const median = (xs: number[]): number => {
  const s = xs.slice().sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const secs = (ms: number): string => (ms / 1000).toFixed(2) + " s";
const mb = (kb: number | null): string => (kb === null ? "n/a" : `${Math.round(kb / 1024)} MB`);
const peak = (runs: Run[]): number | null => (runs.some((r) => r.rssKb !== null) ? Math.max(...runs.map((r) => r.rssKb ?? 0)) : null);
const fmt = (n: number): string => n.toLocaleString("en-US");

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(path.join(PROJECT_ROOT, "dist", "src", "cli.js"))) {
    process.stdout.write("dist/src/cli.js is missing: run `npm run build` first (npm run bench does).\n");
    process.exit(2);
  }
  const dir = args.keep ?? mkdtempSync(path.join(tmpdir(), "shipshape-bench-"));
  const cleanup = (): void => {
    if (!args.keep) rmSync(dir, { recursive: true, force: true });
  };
  process.on("exit", cleanup);

  process.stdout.write("shipshape check benchmark\n");
  const tg = performance.now();
  let gen: ReturnType<typeof generateMonorepo>;
  try {
    gen = generateMonorepo(dir, { files: args.files, dockerfiles: args.dockerfiles, seed: args.seed });
  } catch (e) {
    process.stdout.write(`cannot generate the repository: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const genMs = performance.now() - tg;
  // SHIPSHAPE_BENCH_NO_GNU_TIME=1 forces the in-process wrapper (what runs where /usr/bin/time is absent).
  const useGnuTime = existsSync(GNU_TIME) && !process.env.SHIPSHAPE_BENCH_NO_GNU_TIME;
  process.stdout.write(`  repo           ${dir}${args.keep ? " (kept)" : " (temporary)"}, generated in ${secs(genMs)}\n`);
  process.stdout.write(`  size           ${fmt(gen.files)} Python files, ${(gen.bytes / 1e6).toFixed(1)} MB, ${gen.dockerfiles} Dockerfiles\n`);
  process.stdout.write(`  injected       ${gen.problems.length} known problems: ${describeProblems(gen.problems)}\n`);
  process.stdout.write(`  command        node bin/shipshape.js check <repo> --format json  (peak RSS via ${useGnuTime ? "/usr/bin/time -v" : "process.resourceUsage() in a wrapper"})\n`);

  const cacheDir = path.join(dir, ".shipshape_cache");
  const cold: Run[] = [];
  let report: JsonReport | null = null;
  for (let i = 0; i < args.cold; i++) {
    rmSync(cacheDir, { recursive: true, force: true });
    const r = runCli(dir, useGnuTime);
    report = parseReport(r, `cold run ${i + 1}`);
    cold.push(r);
    process.stdout.write(`    cold ${i + 1}: ${secs(r.ms)}  ${mb(r.rssKb)}  exit ${r.status}\n`);
  }
  const warm: Run[] = [];
  let warmReport: JsonReport | null = null;
  for (let i = 0; i < args.warm; i++) {
    const r = runCli(dir, useGnuTime);
    warmReport = parseReport(r, `warm run ${i + 1}`);
    warm.push(r);
    process.stdout.write(`    warm ${i + 1}: ${secs(r.ms)}  ${mb(r.rssKb)}  exit ${r.status}\n`);
  }
  const rep = report!;
  const coldMs = cold.map((r) => r.ms);
  const warmMs = warm.map((r) => r.ms);
  process.stdout.write(`  cold (${cold.length} runs)   median ${secs(median(coldMs))}, min ${secs(Math.min(...coldMs))}, peak RSS ${mb(peak(cold))}\n`);
  if (warm.length) process.stdout.write(`  warm (${warm.length} runs)   median ${secs(median(warmMs))}, min ${secs(Math.min(...warmMs))}, peak RSS ${mb(peak(warm))}\n`);
  const filesChecked = rep.services.reduce((a, s) => a + (typeof s.files_checked === "number" ? s.files_checked : 0), 0);
  const bySeverity = countBy(rep.findings.map((f) => f.severity));
  const byCode = countBy(rep.findings.map((f) => f.code));
  process.stdout.write(`  services       ${rep.services.length}\n`);
  process.stdout.write(
    `  findings       ${rep.findings.length}` +
      (rep.findings.length ? ` (${Object.entries(bySeverity).map(([k, v]) => `${v} ${k}`).join(", ")}; ${Object.entries(byCode).map(([k, v]) => `${k} ×${v}`).join(", ")})` : "") +
      "\n",
  );
  process.stdout.write(`  files checked  ${fmt(filesChecked)} (sum of services[].files_checked)\n`);
  // Which injected problems the CLI reported (same importing file and module), and what else it said.
  const found = gen.problems.filter((p) => rep.findings.some((f) => f.file === p.file && (f.module === p.module || p.module.startsWith(f.module + ".") || f.module.startsWith(p.module))));
  process.stdout.write(`  injected found ${found.length}/${gen.problems.length}\n`);
  for (const p of gen.problems.filter((x) => !found.includes(x))) process.stdout.write(`    not reported: ${p.file}:${p.line} ${p.module} (${p.kind})\n`);
  const other = rep.findings.filter((f) => !gen.problems.some((p) => p.file === f.file && (f.module === p.module || p.module.startsWith(f.module + ".") || f.module.startsWith(p.module))));
  if (other.length) {
    process.stdout.write(`  other findings ${other.length}, first ones:\n`);
    for (const f of other.slice(0, 8)) process.stdout.write(`    ${f.code} ${f.severity} ${f.service}: ${f.file}:${f.line} ${f.module}\n`);
  }
  if (warmReport && JSON.stringify(warmReport.findings) !== JSON.stringify(rep.findings)) process.stdout.write("  note: warm runs reported different findings from cold runs\n");
  process.stdout.write(
    `cold median ${secs(median(coldMs))}, warm median ${warm.length ? secs(median(warmMs)) : "n/a"} (targets: 2 s / 0.3 s)\n`,
  );
}

function describeProblems(ps: InjectedProblem[]): string {
  const c = countBy(ps.map((p) => p.kind));
  return Object.entries(c).map(([k, v]) => `${v} ${k}`).join(", ");
}

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}

main();
