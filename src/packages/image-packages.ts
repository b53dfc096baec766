// The distributions and system packages the final image really contains, from the install
// records of its stages (src/packages/image-installs.ts): requirement files as they were copied
// into the image before the RUN (following -r includes, with markers evaluated for the image's
// Python), inline packages, local projects' pyproject.toml dependencies, uv.lock/poetry.lock,
// and apt/apk packages. Transitive dependencies come from locks (exact) and from
// data/known-dependencies.json (well-known edges) for loose requirement files.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { BuildContext, FsCache } from "../context/context.js";
import type { ImageModel } from "../image/model.js";
import { normalizeImagePath, dirnameImage, joinImage } from "../image/tree.js";
import type { FileRef, InstallRecord } from "./image-installs.js";
import type { ProjectInstall } from "./install-commands.js";
import { localProjectPath, normalizeName, parseRequirements, parseRequirementString, Requirement } from "./requirements.js";
import { defaultEnvironment, tryEvaluateMarker, MarkerEnv } from "./markers.js";
import { parseLockFile, LockFile } from "./locks.js";
import { parsePyproject } from "./pyproject.js";

const DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "data");

export interface InstalledDist {
  /** Normalised name. */
  name: string;
  /** As written in the requirement. */
  display: string;
  /** Listed by the user (requirements file, inline, project dependency), not only pulled in. */
  direct: boolean;
  /** Where it comes from, for messages: "requirements.txt:3 (RUN at Dockerfile line 7)". */
  via: string;
  /** For transitive entries: the direct distribution that pulls it in. */
  parent?: string;
  /** Transitive entry known from a lock (exact) or from the known-dependencies table. */
  transitiveSource?: "lock" | "table";
  /** Installed from a loose specification (no lock): its dependencies are not known exactly. */
  loose?: boolean;
  /** From a compiled lock (pip-compile, uv pip compile): the input file to edit, and the lock to regenerate. */
  lockInput?: { input: string; lock: string; tool: string };
  /** Extras asked for (`uvicorn[standard]`): their packages are requested too. */
  extras?: string[];
  version?: string;
  /** A project of the repository (`pip install .`): its code is in the image tree, or nowhere. */
  localProject?: boolean;
  /** The install that put it in the image. */
  record?: InstallRecord;
}

export interface ImagePackages {
  dists: Map<string, InstalledDist>;
  /** apt/apk packages installed by the Dockerfile (the base image's are in BaseImageInfo). */
  system: Map<string, number>;
  /** Installs whose packages cannot be known statically: each makes SS201 a warning. */
  opaque: { line: number; reason: string }[];
  /** Requirement files a RUN reads that are not in the image at that point (the build fails). */
  missingFiles: { line: number; written: string; image: string; repoHint: string | null }[];
  /** Unparsable requirement/lock lines: reported by the lock rules, noted here. */
  /** Unreadable requirement files, pyproject.toml files and locks the image installs. `run` is the installing RUN line. */
  errors: { file: string; line: number; message: string; kind: "requirements" | "pyproject" | "lock"; run: number; inContext: boolean }[];
  /** Did the image install any Python packages at all (else third-party checks have no basis)? */
  anyPythonInstall: boolean;
  /** Install records that are not "system" packages, for executables and locations. */
  records: InstallRecord[];
  /** Requirements of projects installed with `pip install --no-deps` (not installed), by name. */
  skippedByNoDeps: Map<string, { file: string; line: number }>;
}

/** Is this a distribution data/known-dependencies.json names (as a package or a dependency)? */
let knownNames: Set<string> | null = null;
export function isKnownDistribution(name: string): boolean {
  if (!knownNames) {
    knownNames = new Set();
    for (const [k, v] of knownDependencies()) {
      knownNames.add(k.replace(/\[.*$/, ""));
      for (const c of v) knownNames.add(c);
    }
  }
  return knownNames.has(normalizeName(name));
}

let knownDeps: Map<string, string[]> | null = null;
export function knownDependencies(): Map<string, string[]> {
  if (knownDeps) return knownDeps;
  knownDeps = new Map();
  try {
    const d = JSON.parse(readFileSync(path.join(DATA, "known-dependencies.json"), "utf8")) as { requires: Record<string, string[]> };
    for (const [k, v] of Object.entries(d.requires)) {
      const m = /^([^[]+)(?:\[(.+)\])?$/.exec(k)!;
      knownDeps.set(m[2] ? `${normalizeName(m[1])}[${normalizeName(m[2])}]` : normalizeName(k), v.map(normalizeName));
    }
  } catch {
    /* no table */
  }
  return knownDeps;
}

export interface PackageInputs {
  model: ImageModel;
  ctx: BuildContext;
  fs: FsCache;
  /** Repository-relative Dockerfile path, for messages. */
  dfRepo: string;
  python: string | null;
}

export function imagePackages(inp: PackageInputs): ImagePackages {
  const out: ImagePackages = { dists: new Map(), system: new Map(), opaque: [], missingFiles: [], errors: [], anyPythonInstall: false, records: [], skippedByNoDeps: new Map() };
  const env: MarkerEnv = defaultEnvironment(inp.python ?? "3.12");
  const markerOk = (m: string | null) => {
    if (!m) return true;
    const r = tryEvaluateMarker(m, env);
    return typeof r === "boolean" ? r : true;
  };
  const readRef = (ref: FileRef): string | null => {
    if (ref.content !== undefined) return ref.content;
    if (ref.ctx === undefined) return null;
    const abs = inp.ctx.abs(ref.ctx);
    inp.fs.noteFile(abs);
    try {
      return readFileSync(abs, "utf8");
    } catch {
      return null;
    }
  };
  /**
   * The line of an earlier RUN that writes a file of this name (`poetry export -o requirements.txt`,
   * `uv export > requirements.txt`, `pip-compile --output-file …`), which the image model cannot
   * follow; or null.
   */
  const writtenByRun = (image: string, before: number): number | null => {
    const base = image.slice(image.lastIndexOf("/") + 1).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const re = new RegExp(`(?:>|\\s-o|--output(?:-file)?)(?:=|\\s*)["']?\\S*${base}(?:["'\\s;&|)]|$)`);
    for (const st of inp.model.dockerfile.stages) {
      for (const ins of st.instructions) {
        if (ins.keyword !== "RUN" || ins.range.line >= before) continue;
        const text = [ins.args.join(" "), ...(ins.heredocs ?? []).map((h) => h.content)].join("\n");
        if (re.test(text)) return ins.range.line;
      }
    }
    return null;
  };
  const label = (ref: FileRef) => (ref.ctx !== undefined ? inp.ctx.repoPath(ref.ctx) : ref.image);
  let current: InstallRecord | undefined;
  const addDist = (d: InstalledDist) => {
    d.record ??= current;
    const prev = out.dists.get(d.name);
    if (!prev || (!prev.direct && d.direct)) out.dists.set(d.name, d);
  };
  // `pip install --no-deps`: what is named is installed, not its dependencies (no table edges).
  let noDeps = false;
  const addReq = (r: Requirement, via: string) => {
    if (!r.name || !markerOk(r.marker)) return;
    addDist({ name: r.name, display: r.rawName || r.name, direct: true, via, version: r.specifier.startsWith("==") ? r.specifier.slice(2) : undefined, loose: !noDeps, extras: r.extras.map((e) => normalizeName(e)) });
  };
  const addLock = (lock: LockFile, via: string, direct: Set<string> | null, input?: { input: string; lock: string; tool: string }) => {
    // A project install (uv sync, poetry/pdm install) gets what its requested requirements reach
    // through the lock's graph — not every package of the lock (dev groups, other extras).
    let reached: Set<string> | null = null;
    if (direct) {
      const byName = new Map(lock.packages.map((p) => [p.name, p]));
      reached = new Set();
      const todo = [...direct];
      while (todo.length) {
        const n = todo.pop()!;
        if (reached.has(n)) continue;
        reached.add(n);
        const q = byName.get(n);
        for (const d of q?.dependencies ?? []) {
          const m = q?.dependencyMarkers?.[d];
          if (!m || markerOk(m)) todo.push(d);
        }
      }
    }
    for (const p of lock.packages) {
      if (p.isProject) continue;
      if (reached && !reached.has(p.name)) continue;
      if (p.markers && !markerOk(p.markers)) continue;
      const isDirect = direct ? direct.has(p.name) : !(p.requiredBy && p.requiredBy.length && !(p.viaFiles && p.viaFiles.length));
      // Who pulls it in: `# via` of a pip lock, else a package of the lock depending on it (direct ones first).
      const parents = p.requiredBy?.length ? p.requiredBy : lock.packages.filter((q) => q.dependencies.includes(p.name)).map((q) => q.name);
      const parent = parents.find((n) => direct?.has(n)) ?? parents.find((n) => !lock.packages.find((q) => q.name === n)?.isProject) ?? parents[0];
      addDist({ name: p.name, display: p.name, direct: isDirect, via, version: p.version, parent: isDirect ? undefined : parent, transitiveSource: isDirect ? undefined : "lock", ...(input ? { lockInput: input } : {}) });
    }
  };

  /** A requirements file in the image, with its -r includes (relative to the including file). */
  const readRequirementsFile = (ref: FileRef, rec: InstallRecord, depth: number, seen: Set<string>) => {
    if (seen.has(ref.image) || depth > 10) return;
    seen.add(ref.image);
    const text = readRef(ref);
    const where = `RUN at ${inp.dfRepo}:${rec.line}`;
    if (text === null) {
      out.opaque.push({ line: rec.line, reason: ref.external ? `${ref.image} comes from outside the build context (a URL or another image), so its requirements cannot be read` : `${ref.image} is created inside the image (RUN or another stage), so its requirements cannot be read` });
      return;
    }
    // `uv pip install -r pyproject.toml` (also setup.cfg, setup.py): the project's requirements,
    // not the project itself.
    const base = ref.image.slice(ref.image.lastIndexOf("/") + 1);
    if (base === "pyproject.toml") {
      const pp = parsePyproject(text, label(ref));
      for (const e of pp.errors) out.errors.push({ file: label(ref), line: e.line, message: e.message, kind: "pyproject", run: rec.line, inContext: ref.ctx !== undefined });
      for (const r of pp.dependencies) addReq(r, `${label(ref)} (${where})`);
      return;
    }
    if (base === "setup.cfg" || base === "setup.py") {
      out.opaque.push({ line: rec.line, reason: `${label(ref)} is read as requirements by uv, but shipshape does not read ${base} files` });
      return;
    }
    const rf = parseRequirements(text, label(ref), { env: inp.model.env });
    for (const e of rf.errors) out.errors.push({ file: label(ref), line: e.line, message: e.message, kind: "requirements", run: rec.line, inContext: ref.ctx !== undefined });
    // A fully pinned pip-compile output with `# via` comments is a lock: its via lines are exact.
    const isCompiled = /#\s+via\b/.test(text) && rf.requirements.length > 0 && rf.requirements.every((r) => r.specifier.startsWith("==") || r.path || r.url);
    if (isCompiled) {
      const lock = parseLockFile(text, label(ref), "pip");
      // The file it was compiled from: the header's command, else the first `# via -r FILE`.
      const hdr = /^#\s+(uv pip compile|pip-compile)\b[^\n]*?\s([^\s-][^\s]*\.(?:in|txt|toml))\b/m.exec(text);
      const via = /#\s+(?:via\s+)?-r\s+(\S+)/.exec(text);
      const input = hdr?.[2] ?? via?.[1];
      addLock(lock, `${label(ref)} (${where})`, null, input ? { input: ref.ctx !== undefined ? path.posix.join(path.posix.dirname(label(ref)), input) : input, lock: label(ref), tool: hdr?.[1] ?? "pip-compile" } : undefined);
    } else {
      for (const r of rf.requirements) {
        // A local project (`-e .`) is read as a project of the install (see image/model.ts).
        const local = r.path ? localProjectPath(r.path) : null;
        const localDir = local ? normalizeImagePath(local.path, rec.cwd) : null;
        if (localDir !== null && (rec.projects.some((p) => p.dir === localDir) || rec.notProjects?.some((p) => p.dir === localDir))) continue;
        if (r.path || (r.url && !r.name)) {
          out.opaque.push({ line: rec.line, reason: `${label(ref)}:${r.line} installs ${r.text}, whose package names are not read` });
          continue;
        }
        addReq(r, `${label(ref)}:${r.line} (${where})`);
      }
    }
    for (const inc of rf.includes) {
      if (inc.kind !== "requirement") continue;
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(inc.path)) {
        // pip fetches `-r https://…` at build time: its requirements cannot be read here.
        out.opaque.push({ line: rec.line, reason: `${label(ref)}:${inc.line} includes ${inc.path}, which pip downloads at build time, so its requirements cannot be read` });
        continue;
      }
      const img = normalizeImagePath(inc.path, dirnameImage(ref.image));
      const n = (rec.tree ?? inp.model.tree).resolve(img);
      if (!n || n.node.type !== "file") {
        out.missingFiles.push({ line: rec.line, written: inc.path, image: img, repoHint: `-r ${inc.path} in ${label(ref)}:${inc.line}` });
        continue;
      }
      const o = n.node.origin;
      const sub: FileRef = o?.via === "heredoc" ? { image: img, content: o.content ?? "" } : o?.ctx !== undefined ? { image: img, ctx: o.ctx } : { image: img, opaque: true };
      readRequirementsFile(sub, rec, depth + 1, seen);
    }
  };

  for (const rec of inp.model.installs) {
    const cmd = rec.cmd;
    if (cmd.kind === "system") {
      for (const p of cmd.packages) if (!out.system.has(p)) out.system.set(p, rec.line);
      continue;
    }
    out.records.push(rec);
    out.anyPythonInstall = true;
    current = rec;
    noDeps = cmd.kind === "pip" && cmd.noDeps;
    const where = `RUN at ${inp.dfRepo}:${rec.line}`;
    if (cmd.kind === "pip") {
      for (const f of rec.files) {
        if (f.role !== "requirement") continue;
        if (!f.ref) {
          const by = writtenByRun(f.image, rec.line);
          if (by) out.opaque.push({ line: rec.line, reason: `${f.written} is written by the RUN at ${inp.dfRepo}:${by} (${f.image}), so its requirements cannot be read` });
          else out.missingFiles.push({ line: rec.line, written: f.written, image: f.image, repoHint: null });
          continue;
        }
        readRequirementsFile(f.ref, rec, 0, new Set());
      }
      for (const spec of cmd.packages) {
        let r: ReturnType<typeof parseRequirementString> | null = null;
        try {
          r = parseRequirementString(spec);
        } catch {
          r = null;
        }
        if (!r || !r.name) {
          if (/\$|`/.test(spec)) out.opaque.push({ line: rec.line, reason: `\`${spec}\` is only known when the build runs` });
          else if (/^[a-z+]+:\/\//i.test(spec) || /\.whl$/i.test(spec)) out.opaque.push({ line: rec.line, reason: `${spec} is installed by URL or file name` });
          continue;
        }
        addReq({ name: r.name, rawName: r.rawName, specifier: r.specifier, extras: r.extras, marker: r.marker, url: r.url, editable: false, path: null, hashes: [], file: inp.dfRepo, line: rec.line, text: spec }, where);
      }
      for (const w of [...cmd.localPaths, ...cmd.editable]) {
        if (rec.builtWheels?.includes(w)) continue; // read from what `pip wheel` built them from
        if (/\.whl$|\*/.test(w) || /^[a-z+]+:\/\//i.test(w)) out.opaque.push({ line: rec.line, reason: `${w} is installed by file name or URL; its packages are not read` });
      }
    }
    // Local paths that are no project pip can build: the build fails there (SS206), unless
    // something shipshape cannot see provides the files, which makes the install opaque.
    for (const np of rec.notProjects ?? []) {
      if (np.fails) continue;
      out.opaque.push({ line: rec.line, reason: `${np.missing ? `${np.dir} is not in the image` : `${np.dir} has neither pyproject.toml nor setup.py`} as far as shipshape can see, but ${np.unsure ?? "something it cannot see may provide them"}` });
    }
    for (const p of rec.projects) {
      if (!p.pyproject) {
        if (rec.notProjects?.some((np) => np.dir === p.dir)) continue;
        out.opaque.push({ line: rec.line, reason: `the project in ${p.dir} has no pyproject.toml in the image (setup.py projects are not read)` });
        continue;
      }
      const text = readRef(p.pyproject);
      if (text === null) {
        out.opaque.push({ line: rec.line, reason: `${p.pyproject.image} is created inside the image` });
        continue;
      }
      const pp = parsePyproject(text, label(p.pyproject));
      for (const e of pp.errors) out.errors.push({ file: label(p.pyproject), line: e.line, message: e.message, kind: "pyproject", run: rec.line, inContext: p.pyproject.ctx !== undefined });
      const extras = /\[([^\]]*)\]$/.exec(p.written)?.[1]?.split(",").map((s) => s.trim()) ?? [];
      const project = cmd.kind !== "pip" ? cmd : null;
      const groups = project ? installedGroups(project, pp) : [];
      const mainGroup = project?.kind === "pdm-install" ? "default" : "main";
      const withMain = !project || !project.onlyGroups.length || project.onlyGroups.includes(mainGroup);
      const directReqs: Requirement[] = [
        ...(withMain ? pp.dependencies : []),
        ...extras.flatMap((e) => pp.optional[e] ?? []),
        ...(project?.allExtras ? Object.values(pp.optional).flat() : (project?.extras ?? []).flatMap((e) => pp.optional[e] ?? [])),
        ...groups.flatMap((g) => pp.groups[g] ?? []),
      ];
      const directNames = new Set(directReqs.filter((r) => markerOk(r.marker)).map((r) => r.name));
      if (p.root && pp.name) addDist({ name: pp.name, display: pp.name, direct: true, via: `${label(p.pyproject)} (${where})`, localProject: true });
      let lockRead = false;
      if (p.lock) {
        const lt = readRef(p.lock);
        if (lt !== null) {
          const lock = parseLockFile(lt, label(p.lock));
          for (const e of lock.errors) out.errors.push({ file: label(p.lock), line: e.line, message: e.message, kind: "lock", run: rec.line, inContext: p.lock!.ctx !== undefined });
          if (!lock.errors.length || lock.packages.length) {
            lockRead = true;
            // Poetry and PDM locks say which groups need each package: keep those of the installed groups.
            const byGroup = project?.kind === "poetry-install" || project?.kind === "pdm-install";
            const keep = new Set([...(withMain ? [mainGroup] : []), ...groups]);
            const filtered: LockFile = byGroup ? { ...lock, packages: lock.packages.filter((x) => !x.groups || x.groups.some((g) => keep.has(normalizeName(g)))) } : lock;
            addLock(filtered, `${label(p.lock)} (${where})`, directNames);
          }
        }
      }
      // With --no-deps the project is installed without its requirements.
      if (!lockRead && !noDeps) for (const r of directReqs) addReq(r, `${label(p.pyproject)} (${where})`);
      if (noDeps) for (const r of directReqs) if (r.name && !out.skippedByNoDeps.has(r.name)) out.skippedByNoDeps.set(r.name, { file: label(p.pyproject), line: rec.line });
    }
  }
  // Well-known transitive edges for loose installs: mark children as present (transitively).
  const table = knownDependencies();
  const queue = [...out.dists.values()].filter((d) => d.direct && d.loose);
  for (let i = 0; i < queue.length; i++) {
    const d = queue[i];
    // An extra the user asked for (`uvicorn[standard]`) requests its packages as much as a line would.
    for (const extra of d.extras ?? []) {
      for (const child of table.get(`${d.name}[${extra}]`) ?? []) {
        const prev = out.dists.get(child);
        if (prev?.direct) continue;
        const t: InstalledDist = { name: child, display: child, direct: true, via: `${d.display}[${extra}], ${d.via}`, loose: true, record: d.record };
        out.dists.set(child, t);
        queue.push(t);
      }
    }
    for (const child of table.get(d.name) ?? []) {
      if (out.dists.has(child)) continue;
      const t: InstalledDist = { name: child, display: child, direct: false, via: d.via, parent: d.parent ?? d.name, transitiveSource: "table", record: d.record };
      out.dists.set(child, t);
      queue.push(t);
    }
  }
  return out;
}

export { joinImage };

/**
 * The dependency groups a project install installs. Poetry: every group not marked optional,
 * minus `--without`, plus `--with`; `--only` alone. uv: `[tool.uv].default-groups` (else "dev"),
 * minus `--no-dev`/`--no-group`, plus `--group`; `--only-group` alone. PDM: every group unless
 * `--prod`, plus `-G`.
 */
function installedGroups(project: ProjectInstall, pp: ReturnType<typeof parsePyproject>): string[] {
  const all = Object.keys(pp.groups);
  const norm = (l: string[]) => l.map(normalizeName);
  if (project.onlyGroups.length) return norm(project.onlyGroups).filter((g) => all.includes(g) || g === "dev");
  let defaults: string[];
  if (project.kind === "poetry-install") defaults = all.filter((g) => !pp.optionalGroups.includes(g));
  else if (project.kind === "uv-sync") defaults = pp.uvDefaultGroups === "all" ? all : pp.uvDefaultGroups ?? ["dev"];
  else defaults = project.noDev ? [] : all;
  const without = new Set(norm(project.withoutGroups));
  if (project.noDev) without.add("dev");
  return [...new Set([...defaults.filter((g) => !without.has(g)), ...norm(project.groups)])];
}
