// `shipshape check`: discover services, analyse each, gather findings.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DepSet, FsCache } from "./context/context.js";
import { environmentStamp } from "./packages/import-map.js";
import { discover, findRepoRoot } from "./discover.js";
import { SharedParse } from "./parse-shared.js";
import type { Worker } from "node:worker_threads";
import type { AnalyzeOptions, ServiceResult } from "./analyze.js";

/** The analysis stages (src/analyze.ts), loaded only when some service is not in the cache. */
export type Engine = Pick<typeof import("./analyze.js"), "analyzeService" | "prepareService" | "imagePythonFiles">;
let engine: Engine | null = null;
/** Give check.ts the analysis module (check-sync.ts does, for callers that cannot await). */
export function useEngine(e: Engine): void {
  engine = e;
}
async function loadEngine(): Promise<Engine> {
  return (engine ??= await import("./analyze.js"));
}
import type { ServiceSpec } from "./service.js";
import { availableParallelism } from "node:os";
import { ParseCache } from "./parse-cache.js";
import { DepCache } from "./service-cache.js";
import { PARSER_VERSION } from "./python/imports.js";
import type { Finding, Fix } from "./findings.js";
import { severityRank } from "./findings.js";

export interface CheckOptions {
  targets: string[];
  cwd: string;
  cache: boolean;
  /** Record every stdlib and third-party import in ServiceResult.externals (for verify). */
  keepExternals?: boolean;
}

export interface CheckResult {
  repoRoot: string;
  results: ServiceResult[];
  findings: Finding[];
  parsed: number;
  cacheHits: number;
  servicesFromCache: number;
  /** Inputs discovery skipped (an unparsable compose file), one line each. */
  warnings: string[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
export const DATA_DIR = path.resolve(here, "..", "..", "data");

export const TOOL_VERSION = (() => {
  try {
    return (JSON.parse(readFileSync(path.join(DATA_DIR, "..", "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "0.0.0";
  }
})();

/**
 * Part of every cached service's key besides the package version: bump it when the analysis
 * gives a different result for the same inputs, so that a cache written by an older build (of the
 * same package version) is not reused. 2: projects carried across stages, wheels, requirement-file
 * projects; 3: bind mounts, dependency groups, --no-deps, console scripts, local-folder names;
 * 4: entry modules installed distributions provide (SS110); 5: local folders pip cannot build
 * (SS206), --user sites judged for the container's user, heredoc findings at Dockerfile lines;
 * 6: findings on configured entry points at their configuration line.
 */
export const ANALYSIS_VERSION = 6;

let stdlibMemo: Set<string> | null = null;
/** Standard-library top-level names: the union over the shipped per-version lists. */
export function stdlibNames(): Set<string> {
  if (stdlibMemo) return stdlibMemo;
  const s = new Set<string>();
  const dir = path.join(DATA_DIR, "stdlib");
  for (const v of ["3.11"]) {
    try {
      const d = JSON.parse(readFileSync(path.join(dir, v + ".json"), "utf8")) as { names: string[] };
      for (const n of d.names) s.add(n);
    } catch {
      /* missing data: nothing is treated as stdlib */
    }
  }
  // Modules removed in recent versions that older images still have.
  for (const n of ["distutils", "imp", "asynchat", "asyncore", "smtpd", "cgi", "cgitb", "crypt", "nntplib", "telnetlib", "pipes", "sndhdr", "spwd", "sunau", "uu", "xdrlib", "msilib", "nis", "ossaudiodev", "audioop", "chunk", "imghdr", "mailcap", "aifc", "lib2to3", "tkinter"]) s.add(n);
  stdlibMemo = s;
  return s;
}

const timing = process.env.SHIPSHAPE_TIMING ? (label: string, t0: number) => process.stderr.write(`timing: ${label} ${(performance.now() - t0).toFixed(1)} ms${threadCpu()}\n`) : null;

/** CPU time of every thread of the process so far, by thread name (Linux only; for SHIPSHAPE_TIMING). */
function allThreadsCpu(): string {
  try {
    const out: string[] = [];
    for (const t of readdirSync("/proc/self/task")) {
      const f = readFileSync(`/proc/self/task/${t}/stat`, "utf8");
      const name = f.slice(f.indexOf("(") + 1, f.lastIndexOf(")"));
      const v = f.slice(f.lastIndexOf(")") + 2).split(" ");
      const ms = (Number(v[11]) + Number(v[12])) * 10;
      if (ms > 0) out.push(`${name}=${ms}`);
    }
    return out.join(" ");
  } catch {
    return "";
  }
}

/** CPU time of this thread so far (Linux only; for SHIPSHAPE_TIMING). */
function threadCpu(): string {
  try {
    const f = readFileSync("/proc/thread-self/stat", "utf8");
    const v = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return ` (thread cpu ${(Number(v[11]) + Number(v[12])) * 10} ms)`;
  } catch {
    return "";
  }
}

interface Plan {
  disc: ReturnType<typeof discover>;
  fs: FsCache;
  parseCache: ParseCache;
  serviceCache: DepCache<Stored>;
  aopts: AnalyzeOptions;
  /** Per service: the cached result, or the recorded dependencies of its preparation. */
  hits: Map<ServiceSpec, ServiceResult>;
  deps: Map<ServiceSpec, DepSet>;
  keys: Map<ServiceSpec, string>;
  /** When planning started (the plan phase ends after prepare). */
  t0: number;
}

type Stored = Omit<ServiceResult, "model">;

/** A parse worker, started when the run looks cold: no parse cache at the repository root. */
function coldWorker(opts: CheckOptions): Worker | null {
  try {
    const root = findRepoRoot(path.resolve(opts.cwd, opts.targets[0] ?? opts.cwd));
    if (opts.cache && existsSync(ParseCache.fileIn(path.join(root, ".shipshape_cache")))) return null;
    return SharedParse.spawn();
  } catch {
    return null; // discovery reports the bad path
  }
}

/**
 * Top-level names the repository's own Python code could be imported as, each with where it is
 * (repository-relative): a regular package anywhere (`libs/shared/__init__.py` → `shared`) and a
 * module at the repository root (`utils.py` → `utils`). Used to tell a local package the image
 * lacks from a missing distribution. A folder that merely holds scripts (`infra/redis/*.py`) is
 * not one: `import redis` there means the distribution.
 */
function localModules(repoRoot: string, pyFiles: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const abs of pyFiles) {
    const rel = path.relative(repoRoot, abs).split(path.sep).join("/");
    const slash = rel.lastIndexOf("/");
    const stem = rel.slice(slash + 1, -3);
    if (slash < 0) {
      if (stem !== "__init__" && stem !== "__main__" && !out.has(stem)) out.set(stem, rel);
    } else if (stem === "__init__") {
      const dir = rel.slice(0, slash);
      const name = dir.slice(dir.lastIndexOf("/") + 1);
      if (!out.has(name)) out.set(name, dir + "/");
    }
  }
  return out;
}

/** Below this many files to parse, a worker thread costs more than it saves. */
const PARALLEL_MIN_FILES = 150;

/**
 * Discover, look services up in the cache, and evaluate the images of the others. With
 * `parallel`, a cold run (no parse cache on disk) starts parsing the repository's Python files on
 * a worker thread as soon as discovery has walked it, while this thread goes on planning.
 */
function plan(opts: CheckOptions, parallel = false): Plan {
  const fs = new FsCache();
  let t0 = performance.now();
  const early: { parseCache: ParseCache | null; localModules: Map<string, string> } = { parseCache: null, localModules: new Map() };
  // A cold run (no parse cache yet) starts the parse worker first thing, so that it has booted
  // by the time the walk has listed the Python files.
  let worker = parallel && availableParallelism() > 1 ? coldWorker(opts) : null;
  const disc = (() => {
    try {
      return discover(opts.targets, opts.cwd, fs, opts.cache, (repoRoot, pyFiles) => {
        early.localModules = localModules(repoRoot, pyFiles);
        const pc = (early.parseCache = new ParseCache(opts.cache ? path.join(repoRoot, ".shipshape_cache") : null));
        if (worker && pyFiles.length >= PARALLEL_MIN_FILES && !(pc.file && existsSync(pc.file))) {
          pc.attachWorker(pyFiles, worker);
          worker = null;
        }
      });
    } finally {
      if (worker) void worker.terminate(); // not needed after all
    }
  })();
  timing?.("discover", t0);
  t0 = performance.now();
  const parseCache = early.parseCache ?? new ParseCache(opts.cache ? path.join(disc.repoRoot, ".shipshape_cache") : null);
  // The service cache records the stat of the content each parse actually read.
  parseCache.onStat = (abs, size, ctimeMs, ino) => fs.seedSig(abs, size, ctimeMs, ino);
  const serviceCache = new DepCache<Stored>(opts.cache ? path.join(disc.repoRoot, ".shipshape_cache", "services-v2.json") : null);
  const stdlib = stdlibNames();
  const envStamp = environmentStamp(disc.config.packages.environments);
  const aopts: AnalyzeOptions = { repoRoot: disc.repoRoot, fs, parseCache, stdlib, severities: disc.config.severity, contexts: new Map(), prepared: new Map(), packagesConfig: disc.config.packages, images: disc.config.images, implicitRules: disc.config.implicit, keepExternals: opts.keepExternals, localModules: early.localModules };
  // A local folder appearing or disappearing changes how a missing import is explained.
  const localStamp = DepCache.key([...early.localModules.keys()].sort());
  const p: Plan = { disc, fs, parseCache, serviceCache, aopts, hits: new Map(), deps: new Map(), keys: new Map(), t0 };
  for (const svc of disc.services) {
    const key = DepCache.key({ svc, severities: disc.config.severity, repoRoot: disc.repoRoot, parser: PARSER_VERSION, version: `${TOOL_VERSION}+${ANALYSIS_VERSION}`, stdlib: stdlib.size, packages: disc.config.packages, images: disc.config.images, implicit: disc.config.implicit, envStamp, localStamp });
    p.keys.set(svc, key);
    const hit = serviceCache.lookup(key, fs);
    if (hit) {
      p.hits.set(svc, { ...hit, model: null, fromCache: true });
      continue;
    }
    p.deps.set(svc, new DepSet());
  }
  return p;
}

/** Evaluate the images of the services the cache did not answer (needs the engine). */
function prepare(p: Plan, parallel: boolean, t0: number): Plan {
  const { fs, aopts, parseCache } = p;
  for (const [svc, deps] of p.deps) {
    fs.recorder = deps;
    try {
      aopts.prepared!.set(svc, engine!.prepareService(svc, aopts));
    } finally {
      fs.recorder = null;
    }
  }
  if (parallel) {
    // The Python files of the images to analyse: the worker parses those (and only those).
    const needed = new Set<string>();
    for (const prep of aopts.prepared!.values()) for (const f of engine!.imagePythonFiles(prep)) needed.add(f);
    const shared = parseCache.worker;
    if (shared) shared.skipUnless((f) => needed.has(f));
    else {
      const todo = [...needed].filter((f) => parseCache.needsParse(f));
      if (todo.length >= PARALLEL_MIN_FILES && availableParallelism() > 1) parseCache.attachWorker(todo);
    }
  }
  timing?.("plan", t0);
  return p;
}

function finish(p: Plan): CheckResult {
  let t0 = performance.now();
  const { disc, fs, parseCache, serviceCache } = p;
  const results: ServiceResult[] = [];
  for (const svc of disc.services) {
    const hit = p.hits.get(svc);
    if (hit) {
      results.push(hit);
      continue;
    }
    const deps = p.deps.get(svc)!;
    fs.recorder = deps;
    try {
      const r = engine!.analyzeService(svc, p.aopts);
      results.push(r);
      fs.recorder = null;
      // Kept: findings and entry points; not the image model nor the reachable-module list.
      const { model: _m, reachable: _r, ...rest } = r;
      void _m;
      void _r;
      serviceCache.store(p.keys.get(svc)!, deps, fs, JSON.parse(JSON.stringify({ ...rest, reachable: [] })) as Stored);
    } finally {
      fs.recorder = null;
    }
  }
  const w = parseCache.worker;
  parseCache.detachWorker();
  timing?.(w ? `analyse (worker parsed ${w.received} of ${w.files.length} files, this thread ${w.parsedHere}, waited ${w.waitedMs.toFixed(0)} ms, worker cpu ${w.workerCpuMs} ms)` : "analyse", t0);
  t0 = performance.now();
  parseCache.save();
  serviceCache.save();
  timing?.("save", t0);
  if (timing) process.stderr.write(`timing: threads ${allThreadsCpu()}\n`);
  const findings = results.flatMap((r) => r.findings);
  // Case-insensitive first, like localeCompare, whose first call loads ICU collation (~20 ms).
  const cmp = (x: string, y: string) => {
    const a = x.toLowerCase();
    const b = y.toLowerCase();
    return a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0;
  };
  findings.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || cmp(a.service, b.service) || cmp(a.file, b.file) || a.line - b.line || cmp(a.code, b.code));
  return { repoRoot: disc.repoRoot, results, findings, parsed: parseCache.parsed, cacheHits: parseCache.hits, servicesFromCache: serviceCache.hits, warnings: disc.warnings ?? [] };
}

/** The whole check on one thread, with an engine given by useEngine (see check-sync.ts). */
export function runCheckWith(e: Engine, opts: CheckOptions): CheckResult {
  engine = e;
  const p = plan(opts);
  return finish(prepare(p, false, p.t0));
}

/**
 * The whole check, parsing Python files on a worker thread at the same time as discovery,
 * planning and the analysis on this one, when there are enough of them. Same result as runCheck.
 */
export async function runCheckParallel(opts: CheckOptions): Promise<CheckResult> {
  const p = plan(opts, true);
  if (p.deps.size) await loadEngine();
  return finish(prepare(p, true, p.t0));
}

/** Apply fixes: insert lines after the given line of each file, once per distinct insert. */
export function applyFixes(repoRoot: string, findings: Finding[]): { file: string; inserted: string[] }[] {
  const byFile = new Map<string, Fix[]>();
  for (const f of findings) {
    if (!f.fix) continue;
    const l = byFile.get(f.fix.dockerfile) ?? [];
    if (!l.some((x) => x.insert === f.fix!.insert)) l.push(f.fix);
    byFile.set(f.fix.dockerfile, l);
  }
  const out: { file: string; inserted: string[] }[] = [];
  for (const [file, fixes] of byFile) {
    const abs = path.join(repoRoot, file);
    let text: string;
    try {
      text = readFileSync(abs, "utf8");
    } catch {
      continue;
    }
    const eol = text.includes("\r\n") ? "\r\n" : "\n";
    const lines = text.split(/\r?\n/);
    const trailing = lines.length > 0 && lines[lines.length - 1] === "";
    if (trailing) lines.pop();
    // Keep the order of fixes for the same line; apply from the bottom up.
    const sorted = fixes.map((f, i) => ({ f, i })).sort((a, b) => b.f.after_line - a.f.after_line || b.i - a.i);
    for (const { f } of sorted) {
      if (lines.includes(f.insert)) continue;
      lines.splice(Math.min(f.after_line, lines.length), 0, f.insert);
    }
    writeFileSync(abs, lines.join(eol) + (trailing ? eol : ""));
    out.push({ file, inserted: fixes.map((f) => f.insert) });
  }
  return out;
}
