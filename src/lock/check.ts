// `shipshape lock check`: a lock next to its loose requirements, and what the Dockerfile installs.
//
// Pair rules (per loose/lock pair, see pairs.ts):
//   SS501 a direct requirement missing from the lock (or locked only under a marker that is
//         false in the image), SS502 locked version outside the specifier, SS503 a pip lock line
//   not pinned with ==, SS504 a locked package nothing requires, SS507 a bad requirement line
//   or marker, SS508 a lock that cannot be read.
// Image rules (per service, from the RUN instructions of the stages that make the image):
//   SS505 the Dockerfile installs the loose file (or a project whose lock is never installed),
//   SS506 two installed files pin one package to two versions.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Finding, Severity } from "../findings.js";
import { RULES } from "../findings.js";
import type { ServiceSpec } from "../service.js";
import type { DfInstruction, DfStage, ParsedDockerfile } from "../types.js";
import { prepareService, Prepared, AnalyzeOptions, imagePython } from "../analyze.js";
import { baseImageInfo } from "../image/base.js";
import { discover, findRepoRoot, loadConfig, UsageError, Discovery } from "../discover.js";
import { FsCache } from "../context/context.js";
import { ParseCache } from "../parse-cache.js";
import { contextBindMounts, findStage, evaluateImage, ImageModel, neededStages } from "../image/model.js";
import { normalizeImagePath } from "../image/tree.js";
import { parseRequirements, parseRequirementString, Requirement } from "../packages/requirements.js";
import { parseLockFile, LockPackage } from "../packages/locks.js";
import { parsePyproject } from "../packages/pyproject.js";
import { satisfies, pinnedVersion, versionsEqual } from "../packages/pep440.js";
import { defaultEnvironment, evaluateMarker, MarkerEnv } from "../packages/markers.js";
import { installCommands, installFromArgv, InstallCommand } from "../packages/install-commands.js";
import { LockPair, LockConfig, loadLockConfig, findLockPairs } from "./pairs.js";

const toPosix = (p: string) => p.split(path.sep).join("/");

export interface LockCheckOptions {
  repoRoot: string;
  /** Pairs of the repository (default: found from config and conventions). */
  pairs?: LockPair[];
  config?: LockConfig;
  /** Python version for markers when the base image does not tell (default: config, then 3.12). */
  pythonVersion?: string;
  severities?: Record<string, Severity | "off">;
}

function finding(code: string, service: string, file: string, line: number, module: string, message: string, notes?: string[]): Finding {
  const f: Finding = { code, severity: RULES[code].severity, service, file, line: Math.max(1, line), module, message, chain: [] };
  if (notes?.length) f.notes = notes;
  return f;
}

function readText(abs: string): string | null {
  try {
    return readFileSync(abs, "utf8");
  } catch {
    return null;
  }
}

/** Marker evaluation that reports a bad marker instead of throwing. */
function markerHolds(marker: string | null | undefined, env: MarkerEnv, onError: (msg: string) => void): boolean {
  if (!marker) return true;
  try {
    return evaluateMarker(marker, env);
  } catch (e) {
    onError((e as Error).message);
    return true;
  }
}

/** The Python version an image's base names (`python:3.11-slim` → "3.11"), or null. */
export function pythonVersionOfImage(baseImage: string): string | null {
  const info = baseImageInfo(baseImage);
  if (!info.python) return null;
  // Keep a patch version the tag names (python:3.12.4-bookworm): python_full_version markers use it.
  const full = /^(\d+\.\d+\.\d+)(?:\D|$)/.exec(info.tag ?? "");
  return full && full[1].startsWith(info.python + ".") ? full[1] : info.python;
}

/** Requirements of a requirements file and the files it includes with -r (recursively), with errors. */
export function readRequirementsTree(repoRoot: string, rel: string, seen = new Set<string>()): { requirements: Requirement[]; constraints: Requirement[]; errors: { file: string; line: number; message: string }[]; missing: { file: string; line: number; path: string }[] } {
  const out = { requirements: [] as Requirement[], constraints: [] as Requirement[], errors: [] as { file: string; line: number; message: string }[], missing: [] as { file: string; line: number; path: string }[] };
  if (seen.has(rel)) return out;
  seen.add(rel);
  const text = readText(path.join(repoRoot, rel));
  if (text === null) return out;
  const rf = parseRequirements(text, rel);
  out.requirements.push(...rf.requirements);
  for (const e of rf.errors) out.errors.push({ file: rel, ...e });
  for (const inc of rf.includes) {
    if (/^[a-z]+:\/\//.test(inc.path)) continue;
    const child = toPosix(path.normalize(path.join(path.dirname(rel), inc.path)));
    if (readText(path.join(repoRoot, child)) === null) {
      out.missing.push({ file: rel, line: inc.line, path: inc.path });
      continue;
    }
    const sub = readRequirementsTree(repoRoot, child, seen);
    if (inc.kind === "requirement") {
      out.requirements.push(...sub.requirements);
      out.constraints.push(...sub.constraints);
    } else out.constraints.push(...sub.requirements, ...sub.constraints);
    out.errors.push(...sub.errors);
    out.missing.push(...sub.missing);
  }
  return out;
}

/** Direct requirements of the loose side of a pair. */
function looseRequirements(repoRoot: string, rel: string, findings: Finding[], service: string): Requirement[] | null {
  const abs = path.join(repoRoot, rel);
  const text = readText(abs);
  if (text === null) return null;
  if (path.basename(rel) === "pyproject.toml") {
    const p = parsePyproject(text, rel);
    for (const e of p.errors) findings.push(finding("SS507", service, rel, e.line, "", e.message));
    return [...p.dependencies, ...Object.values(p.optional).flat(), ...Object.values(p.groups).flat()];
  }
  const t = readRequirementsTree(repoRoot, rel);
  for (const e of t.errors) findings.push(finding("SS507", service, e.file, e.line, "", `cannot parse requirement: ${e.message}`));
  return t.requirements;
}

/** The rules on one loose/lock pair. `service` labels the findings ("" outside a service). */
export function checkPair(repoRoot: string, pair: LockPair, env: MarkerEnv, service = ""): Finding[] {
  const out: Finding[] = [];
  const lockText = readText(path.join(repoRoot, pair.lock));
  if (lockText === null) return out;
  const direct = looseRequirements(repoRoot, pair.loose, out, service);
  if (direct === null) return out;
  const lock = parseLockFile(lockText, pair.lock);
  if (lock.kind !== "pip") {
    for (const e of lock.errors) out.push(finding("SS508", service, pair.lock, e.line, "", `${pair.lock} cannot be read as a ${lock.kind === "uv" ? "uv" : lock.kind === "pdm" ? "PDM" : "Poetry"} lock: ${e.message}`, ["regenerate it with `" + (lock.kind === "uv" ? "uv lock" : lock.kind === "pdm" ? "pdm lock" : "poetry lock") + "`"]));
    if (!lock.packages.length) return out;
  } else {
    for (const e of lock.errors) out.push(finding("SS507", service, pair.lock, e.line, "", `cannot parse lock line: ${e.message}`));
  }
  const universal = lock.kind !== "pip";
  const byName = new Map<string, LockPackage[]>();
  for (const p of lock.packages) if (p.name) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const badMarker = (file: string, line: number, name: string) => (msg: string) => out.push(finding("SS507", service, file, line, name, `bad environment marker: ${msg}`));

  // SS503: every pip lock line pinned with == (local paths and URLs are what they are).
  if (lock.kind === "pip") {
    for (const p of lock.packages) {
      const r = p.requirement!;
      if (r.path || r.url || r.editable) continue;
      if (!pinnedVersion(r.specifier)) out.push(finding("SS503", service, pair.lock, r.line, r.name, `'${r.text}' in ${pair.lock} is not pinned to one version with ==`, [`a lock names exact versions: regenerate it (shipshape lock generate), or pin it as ${r.rawName}==<version>`]));
    }
    // The same package twice in one pip lock: pip refuses ("Double requirement given"). Entries
    // whose markers are false here are skipped by pip (`uv pip compile --universal` writes one
    // line per Python range).
    for (const [name, all] of byName) if (all.length > 1) {
      const ps = all.filter((p) => markerHolds(p.markers, env, () => undefined));
      const vs = [...new Set(ps.map((p) => p.version))];
      if (vs.length > 1) out.push(finding("SS506", service, pair.lock, ps[1].line ?? 1, name, `'${name}' is pinned twice in ${pair.lock}: ${vs.join(" and ")}`));
    }
  }

  // SS501 / SS502: every direct requirement locked, at a version inside its specifier.
  for (const r of direct) {
    if (!r.name) continue; // a local path without a name: nothing to match
    if (!markerHolds(r.marker, env, badMarker(r.file, r.line, r.name))) continue;
    const entries = byName.get(r.name) ?? [];
    const applicable = universal ? entries : entries.filter((p) => markerHolds(p.markers, env, badMarker(pair.lock, p.line ?? 1, p.name)));
    if (!applicable.length) {
      const why = entries.length ? ` only for '${entries[0].markers}', which is false on Linux/CPython ${env.python_version}` : "";
      out.push(finding("SS501", service, r.file, r.line, r.name, `'${r.rawName || r.name}' is required here but ${pair.lock} ${why ? "locks it" + why : "does not lock it"}`, [`regenerate the lock: shipshape lock generate (or the resolver that made ${path.basename(pair.lock)})`]));
      continue;
    }
    if (!r.specifier || r.url) continue;
    const versions = applicable.map((p) => p.version).filter(Boolean);
    if (versions.length && !versions.some((v) => satisfies(v, r.specifier))) {
      const p = applicable[0];
      out.push(finding("SS502", service, pair.lock, p.line ?? 1, r.name, `${pair.lock} locks ${r.name} ${versions.join(", ")}, but ${r.file}:${r.line} requires '${r.specifier}'`, ["the lock is older than the requirement: regenerate it"]));
    }
  }

  // SS504: locked packages that nothing requires (only when the lock records its graph).
  const graphKnown = lock.kind !== "pip" || (lock.packages.length > 0 && lock.packages.every((p) => p.requiredBy?.length || p.viaFiles?.length || p.requirement?.path || p.requirement?.url || p.requirement?.editable));
  if (graphKnown) {
    // Project packages (uv workspace members) are never orphans, but their own lock edges are
    // not followed: a dependency dropped from pyproject.toml is still listed there until re-lock.
    const reach = new Set<string>();
    const stack = direct.map((r) => r.name).filter(Boolean);
    for (const p of lock.packages) if (p.requirement?.path || p.requirement?.url || p.requirement?.editable) stack.push(p.name);
    // uv workspace members: what their own pyproject.toml requires (their lock edges when it cannot be read).
    for (const p of lock.packages) {
      if (!p.isProject || p.projectPath === undefined || p.projectPath === ".") continue;
      const rel = toPosix(path.join(path.dirname(pair.lock), p.projectPath, "pyproject.toml"));
      const text = readText(path.join(repoRoot, rel));
      const member = text === null ? null : parsePyproject(text, rel);
      if (member && !member.errors.length) for (const r of [...member.dependencies, ...Object.values(member.optional).flat(), ...Object.values(member.groups).flat()]) r.name && stack.push(r.name);
      else stack.push(...p.dependencies);
    }
    while (stack.length) {
      const n = stack.pop()!;
      if (reach.has(n)) continue;
      reach.add(n);
      for (const p of byName.get(n) ?? []) for (const d of p.dependencies) if (!reach.has(d)) stack.push(d);
    }
    for (const p of lock.packages) {
      if (reach.has(p.name) || p.isProject || !p.name) continue;
      out.push(finding("SS504", service, pair.lock, p.line ?? 1, p.name, `${pair.lock} locks ${p.name} ${p.version}, but nothing in ${pair.loose} requires it, directly or through another locked package`, ["the lock is stale: regenerate it"]));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// What an image installs
// ---------------------------------------------------------------------------

export interface InstalledFile {
  /** Repository-relative path of the file in the build context. */
  file: string;
  role: "requirement" | "constraint" | "project" | "lock";
  /** Dockerfile line of the RUN. */
  line: number;
  stage: number;
  command: InstallCommand;
}

export interface ImageInstalls {
  /** Repository-relative Dockerfile path. */
  dockerfile: string;
  installs: InstalledFile[];
  /** Inline requirement specs of pip installs, with their RUN line. */
  inline: { spec: string; line: number }[];
  /** Project installs (uv sync, poetry install, pip install DIR) whose folder is not known in the context. */
  commands: { command: InstallCommand; line: number; stage: number }[];
  pythonVersion: string | null;
}


/** The file tree at the end of a stage (the final model for the target; evaluated for others). */
function stageModel(df: ParsedDockerfile, p: { ctx: import("../context/context.js").BuildContext; model: ImageModel }, stage: DfStage, memo: Map<number, ImageModel>): ImageModel {
  if (stage.index === p.model.stageIndex) return p.model;
  const hit = memo.get(stage.index);
  if (hit) return hit;
  // evaluateImage targets stages by name: give an unnamed stage a private one.
  const name = stage.name ?? `__shipshape_stage_${stage.index}`;
  const df2: ParsedDockerfile = stage.name ? df : { ...df, stages: df.stages.map((s) => (s.index === stage.index ? { ...s, name } : s)) };
  const m = evaluateImage(df2, p.ctx, name);
  memo.set(stage.index, m);
  return m;
}

/** Every package install of the image's RUN instructions, with the context files they read. */
export function imageInstalls(svc: ServiceSpec, prepared: Prepared, repoRoot: string): ImageInstalls | null {
  if ("readError" in prepared || !prepared.model) return null;
  const { df, ctx, model } = prepared;
  const res: ImageInstalls = { dockerfile: toPosix(path.relative(repoRoot, svc.dockerfile)), installs: [], inline: [], commands: [], pythonVersion: null };
  const py = imagePython(model).python;
  const tagged = pythonVersionOfImage(model.baseImage);
  res.pythonVersion = tagged && py && tagged.startsWith(py + ".") ? tagged : py;
  const memo = new Map<number, ImageModel>();
  const stages = neededStages(df, model.stageIndex);
  const envOf = new Map<number, { env: Record<string, string>; workdir: string }>();
  for (const st of stages) {
    const base = findStage(df, st.baseImage, st.index);
    const start = base && envOf.has(base.index) ? envOf.get(base.index)! : { env: {}, workdir: "/" };
    const env: Record<string, string> = { ...start.env };
    let workdir = start.workdir;
    const sm = stageModel(df, { ctx, model }, st, memo);
    const toRepo = (imagePath: string): string | null => {
      const n = sm.tree.get(imagePath) ?? model.tree.get(imagePath);
      if (!n || n.origin?.ctx === undefined) return null;
      return toPosix(path.relative(repoRoot, ctx.abs(n.origin.ctx)));
    };
    for (const ins of st.instructions) {
      if (ins.keyword === "ENV" || ins.keyword === "ARG") {
        for (const p of ins.properties ?? []) {
          const v = p.value ?? svc.buildArgs[p.name];
          if (v !== undefined && v !== null) env[p.name] = v;
        }
      } else if (ins.keyword === "WORKDIR" && ins.args.length) workdir = normalizeImagePath(ins.args.join(" "), workdir);
      else if (ins.keyword === "RUN") {
        // `RUN --mount=type=bind,source=X,target=Y`: files under Y come from the context's X.
        const binds = contextBindMounts(ins, workdir);
        const viaMount = (img: string): string | null => {
          for (const b of binds) {
            if (img !== b.target && !img.startsWith(b.target.replace(/\/$/, "") + "/")) continue;
            const rest = img.slice(b.target.replace(/\/$/, "").length).replace(/^\//, "");
            const src = [b.source.replace(/^\/+|\/+$/g, ""), rest].filter(Boolean).join("/");
            return toPosix(path.relative(repoRoot, ctx.abs(src)));
          }
          return toRepo(img);
        };
        collectRun(ins, st.index, env, workdir, binds.length ? viaMount : toRepo, res);
      }
    }
    envOf.set(st.index, { env, workdir });
  }
  return res;
}


function runCommands(ins: DfInstruction, env: Record<string, string>): InstallCommand[] {
  if (ins.jsonForm) {
    const a = ins.args;
    if (a.length >= 3 && /(^|\/)(ba|da)?sh$/.test(a[0]) && a[1] === "-c") return installCommands(a[2], env);
    const one = installFromArgv(a, null, env);
    return one ? [one] : [];
  }
  const head = ins.args.join(" ").trim();
  // `RUN <<EOF` runs the heredoc as the script; `RUN python3 <<EOF` feeds it to python (not ours).
  if (ins.heredocs?.length && /^<<-?\s*["']?[A-Za-z_][A-Za-z0-9_]*["']?$/.test(head)) return installCommands(ins.heredocs.map((h) => h.content).join("\n"), env);
  return installCommands(head, env);
}

function collectRun(ins: DfInstruction, stage: number, env: Record<string, string>, workdir: string, toRepo: (img: string) => string | null, res: ImageInstalls): void {
  const line = ins.range.line;
  for (const c of runCommands(ins, env)) {
    if (c.kind === "system") continue;
    const dir = c.cwd ? normalizeImagePath(c.cwd, workdir) : workdir;
    const push = (imgPath: string, role: InstalledFile["role"]) => {
      const repo = toRepo(normalizeImagePath(imgPath, dir));
      if (repo) res.installs.push({ file: repo, role, line, stage, command: c });
      return repo;
    };
    if (c.kind === "pip") {
      for (const f of c.requirementFiles) push(f, "requirement");
      for (const f of c.constraintFiles) push(f, "constraint");
      for (const s of c.packages) res.inline.push({ spec: s, line });
      for (const p of [...c.localPaths, ...c.editable]) {
        if (/\.(whl|tar\.gz|zip)$/.test(p) || /^[a-z+]+:/.test(p)) continue;
        const pdir = p.replace(/\[[^\]]*\]$/, "");
        if (!push(pdir.replace(/\/$/, "") + "/pyproject.toml", "project")) res.commands.push({ command: c, line, stage });
      }
    } else {
      const pdir = c.project ? normalizeImagePath(c.project, dir) : dir;
      const py = push(pdir + "/pyproject.toml", "project");
      const lockName = c.kind === "uv-sync" ? "uv.lock" : c.kind === "poetry-install" ? "poetry.lock" : "pdm.lock";
      push(pdir + "/" + lockName, "lock");
      if (!py) res.commands.push({ command: c, line, stage });
    }
  }
}

/** Image-side rules (SS505, SS506) and the pair rules for the pairs this image installs. */
export function lockFindings(svc: ServiceSpec, prepared: Prepared, opts: LockCheckOptions): Finding[] {
  const cfg = opts.config ?? loadLockConfig(opts.repoRoot);
  const pairs = opts.pairs ?? findLockPairs(opts.repoRoot, cfg);
  const inst = imageInstalls(svc, prepared, opts.repoRoot);
  if (!inst) return [];
  const py = opts.pythonVersion ?? inst.pythonVersion ?? cfg.python ?? "3.12";
  const env = defaultEnvironment(py);
  const out: Finding[] = [];
  const installed = new Set(inst.installs.map((i) => i.file));
  const df = inst.dockerfile;

  // SS505: a loose file installed while its lock never is.
  for (const i of inst.installs) {
    const pair = pairs.find((p) => p.loose === i.file);
    if (!pair) continue;
    if (installed.has(pair.lock) && inst.installs.some((j) => j.file === pair.lock)) continue;
    if (i.role === "project") {
      const c = i.command;
      if (c.kind === "pip" && c.noDeps) continue;
      if (c.kind !== "pip") {
        out.push(finding("SS505", svc.name, df, i.line, "", `${c.kind === "uv-sync" ? "uv sync" : c.kind === "poetry-install" ? "poetry install" : "pdm install"} runs without ${pair.lock} in the image, so it resolves ${pair.loose} afresh instead of installing the lock`, [`fix: COPY ${path.posix.basename(pair.lock)} next to pyproject.toml before line ${i.line}${c.kind === "uv-sync" ? ", and run uv sync --locked" : ""}`]));
        continue;
      }
      out.push(finding("SS505", svc.name, df, i.line, "", `pip installs the project at ${path.posix.dirname(i.file) || "."} with the loose dependencies of ${pair.loose}; ${pair.lock} is never installed`, [`fix: install the locked versions first (export ${path.posix.basename(pair.lock)} to a requirements file and pip install -r it), or install the project with --no-deps`]));
      continue;
    }
    if (i.role !== "requirement") continue;
    out.push(finding("SS505", svc.name, df, i.line, "", `the image installs ${i.file}, the loose requirements, not their lock ${pair.lock}`, [`fix: install -r ${path.posix.relative(path.posix.dirname(i.file), pair.lock)} instead (COPY it into the image), or add -c ${path.posix.basename(pair.lock)}`]));
  }

  // SS506: one package pinned to two versions by files installed into the same image.
  type Pin = { name: string; version: string; file: string; line: number; run: number };
  const pins: Pin[] = [];
  const seenFiles = new Set<string>();
  for (const i of inst.installs) {
    if (i.role === "requirement" || i.role === "constraint") {
      // `uv pip install -r pyproject.toml`: not a requirements file (its pins are not checked here).
      if (/(^|\/)(pyproject\.toml|setup\.cfg|setup\.py)$/.test(i.file)) continue;
      if (seenFiles.has(i.file)) continue;
      seenFiles.add(i.file);
      const t = readRequirementsTree(opts.repoRoot, i.file);
      for (const e of t.errors) out.push(finding("SS507", svc.name, e.file, e.line, "", `cannot parse requirement: ${e.message}`));
      for (const r of [...t.requirements, ...t.constraints]) {
        const v = pinnedVersion(r.specifier);
        if (!v || !r.name) continue;
        if (!markerHolds(r.marker, env, () => undefined)) continue;
        pins.push({ name: r.name, version: v, file: r.file, line: r.line, run: i.line });
      }
    } else if (i.role === "lock") {
      const text = readText(path.join(opts.repoRoot, i.file));
      if (text === null || seenFiles.has(i.file)) continue;
      seenFiles.add(i.file);
      const l = parseLockFile(text, i.file);
      const counts = new Map<string, number>();
      for (const p of l.packages) counts.set(p.name, (counts.get(p.name) ?? 0) + 1);
      for (const p of l.packages) if (p.version && !p.isProject && counts.get(p.name) === 1) pins.push({ name: p.name, version: p.version, file: i.file, line: p.line ?? 1, run: i.line });
    }
  }
  for (const s of inst.inline) {
    let r: ReturnType<typeof parseRequirementString> | null = null;
    try {
      r = parseRequirementString(s.spec);
    } catch {
      continue; // not a requirement (a path, a URL): nothing pinned
    }
    const v = r.name ? pinnedVersion(r.specifier) : null;
    if (v && markerHolds(r.marker, env, () => undefined)) pins.push({ name: r.name, version: v, file: df, line: s.line, run: s.line });
  }
  const reported = new Set<string>();
  for (let a = 0; a < pins.length; a++) {
    for (let b = a + 1; b < pins.length; b++) {
      const x = pins[a];
      const y = pins[b];
      if (x.name !== y.name || x.file === y.file || versionsEqual(x.version, y.version)) continue;
      const key = `${x.name}\0${y.file}`;
      if (reported.has(key)) continue;
      reported.add(key);
      out.push(finding("SS506", svc.name, y.file, y.line, x.name, `${x.name} is pinned to ${y.version} here and to ${x.version} by ${x.file}:${x.line}; both are installed into the image of ${svc.name} (${df} ${x.run === y.run ? `line ${x.run}: in one pip command the build fails with ResolutionImpossible, in two the later one wins` : `lines ${x.run} and ${y.run}: the later install silently replaces the earlier pin`})`, ["install one lock per image, or regenerate both from one input"]));
    }
  }

  // The pair rules for every pair this image touches.
  for (const pair of pairs) {
    if (!installed.has(pair.loose) && !installed.has(pair.lock)) continue;
    out.push(...checkPair(opts.repoRoot, pair, env, svc.name));
  }
  return applySeverities(dedupe(out), opts.severities ?? {}, svc.ignore);
}

function dedupe(fs: Finding[]): Finding[] {
  const seen = new Set<string>();
  return fs.filter((f) => {
    const k = `${f.code}\0${f.file}\0${f.line}\0${f.module}\0${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function applySeverities(fs: Finding[], sev: Record<string, Severity | "off">, ignore: string[] = []): Finding[] {
  const out: Finding[] = [];
  for (const f of fs) {
    if (ignore.includes(f.code)) continue;
    const s = sev[f.code];
    if (s === "off") continue;
    out.push(s ? { ...f, severity: s } : f);
  }
  return out;
}

export interface LockCheckResult {
  repoRoot: string;
  pairs: LockPair[];
  services: string[];
  findings: Finding[];
}

/** The whole `lock check`: every pair of the repository, and every discovered service's image. */
export function runLockCheck(targets: string[], cwd: string): LockCheckResult {
  const fs = new FsCache();
  let disc: Discovery;
  try {
    disc = discover(targets, cwd, fs, false);
  } catch (e) {
    // Lock pairs are checked in a repository without any Dockerfile too.
    if (!(e instanceof UsageError) || !/^no Dockerfile found/.test(e.message)) throw e;
    const repoRoot = findRepoRoot(path.resolve(cwd, targets[0] ?? "."));
    disc = { repoRoot, config: loadConfig(repoRoot), services: [] };
  }
  const repoRoot = disc.repoRoot;
  const cfg = loadLockConfig(repoRoot);
  const pairs = findLockPairs(repoRoot, cfg);
  const aopts: AnalyzeOptions = { repoRoot, fs, parseCache: new ParseCache(null), stdlib: new Set(), severities: disc.config.severity, contexts: new Map() };
  const findings: Finding[] = [];
  const images: { svc: ServiceSpec; inst: ImageInstalls | null; prepared: Prepared }[] = [];
  for (const svc of disc.services) {
    const prepared = prepareService(svc, aopts);
    images.push({ svc, prepared, inst: imageInstalls(svc, prepared, repoRoot) });
    findings.push(...lockFindings(svc, prepared, { repoRoot, pairs, config: cfg, severities: disc.config.severity }));
  }
  // Pairs no service installs: checked once, with the configured Python.
  const scoped = targets.length ? targets.map((t) => toPosix(path.relative(repoRoot, path.resolve(cwd, t)))) : null;
  const inScope = (rel: string) => !scoped || scoped.some((s) => s === "" || rel === s || rel.startsWith(s + "/"));
  const touched = new Set(images.flatMap((i) => i.inst?.installs.map((x) => x.file) ?? []));
  const env = defaultEnvironment(cfg.python ?? "3.12");
  for (const pair of pairs) {
    if (touched.has(pair.loose) || touched.has(pair.lock)) continue;
    if (!inScope(pair.loose)) continue;
    // Labelled like a service would be: by the pair's folder (the repository's name at the root).
    const label = path.posix.dirname(pair.lock) === "." ? path.basename(repoRoot) : path.posix.basename(path.posix.dirname(pair.lock));
    findings.push(...applySeverities(checkPair(repoRoot, pair, env, label), disc.config.severity, disc.config.ignore));
  }
  const all = dedupe(findings);
  all.sort((a, b) => (b.severity === "error" ? 1 : 0) - (a.severity === "error" ? 1 : 0) || a.file.localeCompare(b.file) || a.line - b.line || a.code.localeCompare(b.code));
  return { repoRoot, pairs, services: disc.services.map((s) => s.name), findings: all };
}
