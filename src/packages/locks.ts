// Lock files → one plain shape: `uv.lock` and `poetry.lock` (TOML, via smol-toml), and
// pip-compile style locks (`requirements.txt`/`requirements.lock` fully pinned, with `# via`
// comments) via parseRequirements. Never throws: a file that cannot be read gives `errors`.
import { parse as parseToml } from "smol-toml";
import path from "node:path";
import { logicalLines, normalizeName, parseRequirements, Requirement } from "./requirements.js";
import { pinnedVersion } from "./pep440.js";

export type LockKind = "uv" | "poetry" | "pdm" | "pip";

export interface LockPackage {
  /** PEP 503-normalised. */
  name: string;
  version: string;
  /** Normalised names of the packages this one depends on (from the lock's own graph). */
  dependencies: string[];
  /** Markers on the package (poetry.lock `markers`, a pip lock line's `; ...`). */
  markers?: string;
  /** Markers on individual dependency edges (uv.lock), by dependency name. */
  dependencyMarkers?: Record<string, string>;
  /** Where it comes from: "registry", "editable", "virtual", "directory", "git", "url", "path". */
  source?: string;
  /** uv.lock: the workspace project itself (editable/virtual source). */
  isProject?: boolean;
  /** uv.lock: a project's folder relative to the lock ("." for the root, "packages/a" for a workspace member). */
  projectPath?: string;
  /** poetry.lock groups / categories ("main", "dev", ...). */
  groups?: string[];
  /** pip lock: who pulled it in (`# via` names, normalised), and the input files named there. */
  requiredBy?: string[];
  viaFiles?: string[];
  /** 1-based line of the package in the lock (pip locks: the requirement line; TOML: the `name =` line). */
  line?: number;
  /** pip lock: the requirement as parsed (specifier, hashes...). */
  requirement?: Requirement;
}

export interface LockFile {
  kind: LockKind;
  file: string;
  packages: LockPackage[];
  /** uv.lock `[package.metadata].requires-dist` of project packages: the direct requirements. */
  directRequirements?: { name: string; specifier: string; marker: string | null; extras: string[] }[];
  errors: { line: number; message: string }[];
  requiresPython?: string;
}

/** Kind of a lock by file name: uv.lock, poetry.lock, or else a pip requirements-style lock. */
export function lockKindForFile(file: string): LockKind {
  const b = path.basename(file).toLowerCase();
  if (b === "uv.lock") return "uv";
  if (b === "poetry.lock") return "poetry";
  if (b === "pdm.lock") return "pdm";
  return "pip";
}

export function parseLockFile(text: string, file: string, kind: LockKind = lockKindForFile(file)): LockFile {
  try {
    if (kind === "uv") return parseUvLock(text, file);
    if (kind === "poetry") return parsePoetryLock(text, file);
    if (kind === "pdm") return parsePdmLock(text, file);
    return parsePipLock(text, file);
  } catch (e) {
    return { kind, file, packages: [], errors: [{ line: 1, message: String((e as Error)?.message ?? e) }] };
  }
}

type Tbl = Record<string, unknown>;
const isTbl = (x: unknown): x is Tbl => typeof x === "object" && x !== null && !Array.isArray(x);
const str = (x: unknown): string | undefined => (typeof x === "string" ? x : undefined);

function tomlOrError(text: string, kind: LockKind, file: string): Tbl | LockFile {
  try {
    return parseToml(text) as Tbl;
  } catch (e) {
    const err = e as { line?: number; message?: string };
    return { kind, file, packages: [], errors: [{ line: err.line ?? 1, message: `not valid TOML: ${String(err.message ?? e).split("\n")[0]}` }] };
  }
}

/** Line numbers of each `[[package]]`'s `name = "..."` in order. */
function packageNameLines(text: string): number[] {
  const lines = text.split(/\r?\n/);
  const out: number[] = [];
  let inPkg = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    if (l.startsWith("[")) inPkg = l === "[[package]]";
    else if (inPkg && /^name\s*=/.test(l)) {
      out.push(i + 1);
      inPkg = false;
    }
  }
  return out;
}

export function parseUvLock(text: string, file: string): LockFile {
  const doc = tomlOrError(text, "uv", file);
  if ("kind" in doc && "errors" in doc) return doc as LockFile;
  const d = doc as Tbl;
  const res: LockFile = { kind: "uv", file, packages: [], errors: [], directRequirements: [] };
  res.requiresPython = str(d["requires-python"]);
  const pkgs = Array.isArray(d.package) ? d.package : [];
  if (d.version === undefined && !pkgs.length) res.errors.push({ line: 1, message: "no `version` and no [[package]] tables: not a uv.lock" });
  const lines = packageNameLines(text);
  pkgs.forEach((p, i) => {
    if (!isTbl(p) || !str(p.name)) {
      res.errors.push({ line: lines[i] ?? 1, message: "a [[package]] without a name" });
      return;
    }
    const source = isTbl(p.source) ? Object.keys(p.source)[0] : undefined;
    const deps: string[] = [];
    const depMarkers: Record<string, string> = {};
    const addDeps = (arr: unknown) => {
      if (!Array.isArray(arr)) return;
      for (const x of arr) {
        if (!isTbl(x) || !str(x.name)) continue;
        const n = normalizeName(x.name as string);
        if (!deps.includes(n)) deps.push(n);
        if (str(x.marker)) depMarkers[n] = x.marker as string;
      }
    };
    addDeps(p.dependencies);
    for (const sect of ["optional-dependencies", "dev-dependencies"]) if (isTbl(p[sect])) for (const v of Object.values(p[sect] as Tbl)) addDeps(v);
    const isProject = source === "editable" || source === "virtual";
    const version = str(p.version) ?? "";
    if (!version && !isProject && source !== "directory" && source !== "git" && source !== "url" && source !== "path") res.errors.push({ line: lines[i] ?? 1, message: `package '${p.name}' has no version` });
    const pkg: LockPackage = { name: normalizeName(p.name as string), version, dependencies: deps, source, line: lines[i] };
    if (Object.keys(depMarkers).length) pkg.dependencyMarkers = depMarkers;
    if (isProject) {
      pkg.isProject = true;
      const where = (p.source as Tbl)[source!];
      if (typeof where === "string") pkg.projectPath = where;
      const meta = isTbl(p.metadata) ? p.metadata : {};
      const rd = Array.isArray(meta["requires-dist"]) ? meta["requires-dist"] : [];
      for (const r of rd) {
        if (!isTbl(r) || !str(r.name)) continue;
        res.directRequirements!.push({
          name: normalizeName(r.name as string),
          specifier: str(r.specifier) ?? "",
          marker: str(r.marker) ?? null,
          extras: Array.isArray(r.extras) ? (r.extras as unknown[]).filter((e): e is string => typeof e === "string") : [],
        });
      }
    }
    res.packages.push(pkg);
  });
  return res;
}

/**
 * The `[[package]]` tables of a TOML lock, each with its `name =` line, checked for a name and a
 * version; `each` fills in what the lock format adds (dependencies, groups, markers, source).
 */
function tomlPackages(text: string, d: Tbl, res: LockFile, each: (p: Tbl, pkg: LockPackage) => void): void {
  const pkgs = Array.isArray(d.package) ? d.package : [];
  const lines = packageNameLines(text);
  pkgs.forEach((p, i) => {
    if (!isTbl(p) || !str(p.name)) {
      res.errors.push({ line: lines[i] ?? 1, message: "a [[package]] without a name" });
      return;
    }
    const version = str(p.version) ?? "";
    if (!version) res.errors.push({ line: lines[i] ?? 1, message: `package '${p.name}' has no version` });
    const pkg: LockPackage = { name: normalizeName(p.name as string), version, dependencies: [], line: lines[i] };
    each(p, pkg);
    res.packages.push(pkg);
  });
}

/** The start of a poetry.lock or pdm.lock: its TOML, and its `[metadata]` Python range; or the lock of its errors. */
function metadataLock(text: string, kind: "poetry" | "pdm", file: string, pythonKey: string): LockFile | { d: Tbl; res: LockFile } {
  const doc = tomlOrError(text, kind, file);
  if ("kind" in doc && "errors" in doc) return doc as LockFile;
  const d = doc as Tbl;
  const res: LockFile = { kind, file, packages: [], errors: [] };
  const pkgs = Array.isArray(d.package) ? d.package : [];
  if (!isTbl(d.metadata) && !pkgs.length) res.errors.push({ line: 1, message: `no [metadata] and no [[package]] tables: not a ${kind}.lock` });
  if (isTbl(d.metadata)) res.requiresPython = str(d.metadata[pythonKey]);
  return { d, res };
}

export function parsePoetryLock(text: string, file: string): LockFile {
  const head = metadataLock(text, "poetry", file, "python-versions");
  if ("kind" in head) return head;
  const { d, res } = head;
  tomlPackages(text, d, res, (p, pkg) => {
    pkg.dependencies = isTbl(p.dependencies) ? Object.keys(p.dependencies).map(normalizeName).filter((n) => n !== "python") : [];
    // Poetry 1.x: `category = "main"`; Poetry 2: `groups = ["main"]`, `markers = "..."` or `{ main = "..." }`.
    if (Array.isArray(p.groups)) pkg.groups = p.groups.filter((g): g is string => typeof g === "string");
    else if (str(p.category)) pkg.groups = [p.category as string];
    if (str(p.markers)) pkg.markers = p.markers as string;
    else if (isTbl(p.markers)) {
      const ms = Object.values(p.markers).filter((m): m is string => typeof m === "string");
      if (ms.length) pkg.markers = ms.length === 1 ? ms[0] : ms.map((m) => `(${m})`).join(" or ");
    }
    pkg.source = isTbl(p.source) && str(p.source.type) ? (p.source.type as string) : "registry";
  });
  return res;
}

/**
 * pdm.lock: `[metadata]` and `[[package]]` tables with `name`, `version`, `groups` and
 * `dependencies` as PEP 508 strings (`"starlette<0.37,>=0.36.3"`, with markers after `;`).
 */
export function parsePdmLock(text: string, file: string): LockFile {
  const head = metadataLock(text, "pdm", file, "requires_python");
  if ("kind" in head) return head;
  const { d, res } = head;
  tomlPackages(text, d, res, (p, pkg) => {
    const depMarkers: Record<string, string> = {};
    for (const dep of Array.isArray(p.dependencies) ? p.dependencies : []) {
      if (typeof dep !== "string") continue;
      const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(dep);
      if (!m) continue;
      const n = normalizeName(m[1]);
      pkg.dependencies.push(n);
      const semi = dep.indexOf(";");
      if (semi >= 0) depMarkers[n] = dep.slice(semi + 1).trim();
    }
    pkg.source = "registry";
    if (Object.keys(depMarkers).length) pkg.dependencyMarkers = depMarkers;
    if (Array.isArray(p.groups)) pkg.groups = p.groups.filter((g): g is string => typeof g === "string");
    if (str(p.marker)) pkg.markers = p.marker as string;
  });
  return res;
}

/** A pip-compile style lock: every line `name==version`, with `# via` comments naming parents. */
export function parsePipLock(text: string, file: string): LockFile {
  const rf = parseRequirements(text, file);
  const res: LockFile = { kind: "pip", file, packages: [], errors: [...rf.errors] };
  // `# via` comments: the block after a requirement, until the next requirement.
  const via = new Map<number, { names: string[]; files: string[] }>();
  let current: number | null = null;
  let inVia = false;
  const reqLines = new Set(rf.requirements.map((r) => r.line));
  for (const ll of logicalLines(text)) {
    if (ll.text) {
      current = reqLines.has(ll.line) ? ll.line : null;
      inVia = false;
      if (current !== null && ll.comment !== null) addVia(via, current, ll.comment, true);
      continue;
    }
    if (current === null || ll.comment === null) continue;
    const c = ll.comment.trim();
    if (/^via\b/.test(c)) {
      inVia = true;
      addVia(via, current, c, true);
    } else if (inVia) addVia(via, current, c, false);
  }
  for (const r of rf.requirements) {
    const v = pinnedVersion(r.specifier) ?? "";
    const pkg: LockPackage = { name: r.name, version: v, dependencies: [], line: r.line, requirement: r, source: r.path ? "path" : r.url ? "url" : "registry" };
    if (r.marker) pkg.markers = r.marker;
    const vv = via.get(r.line);
    if (vv) {
      pkg.requiredBy = vv.names;
      pkg.viaFiles = vv.files;
    }
    res.packages.push(pkg);
  }
  // Invert `# via` into each parent's dependencies.
  const byName = new Map(res.packages.map((p) => [p.name, p]));
  for (const p of res.packages) for (const parent of p.requiredBy ?? []) {
    const pp = byName.get(parent);
    if (pp && !pp.dependencies.includes(p.name)) pp.dependencies.push(p.name);
  }
  return res;
}

function addVia(via: Map<number, { names: string[]; files: string[] }>, line: number, comment: string, head: boolean): void {
  let c = comment.trim();
  if (head) {
    const m = /^via\b(.*)$/.exec(c);
    if (!m) return;
    c = m[1].trim();
  }
  if (!c) {
    if (!via.has(line)) via.set(line, { names: [], files: [] });
    return;
  }
  const e = via.get(line) ?? { names: [], files: [] };
  via.set(line, e);
  // `-r requirements.in`, `-c constraints.txt`, `pkg`, `pkg (pyproject.toml)`, a comma list.
  for (const part of c.split(",").map((x) => x.trim()).filter(Boolean)) {
    const f = /^-[rc]\s+(.+)$/.exec(part);
    if (f) e.files.push(f[1].trim());
    else if (/\(.*\)$/.test(part) || /\.(toml|in|txt|cfg|py)$/.test(part)) e.files.push(part.replace(/^.*\((.*)\)$/, "$1"));
    else if (/^[A-Za-z0-9][A-Za-z0-9._-]*(\[[^\]]*\])?$/.test(part)) e.names.push(normalizeName(part.replace(/\[.*$/, "")));
  }
}
