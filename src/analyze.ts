// One service, end to end: parse the Dockerfile, evaluate the image, find the entry points,
// walk every import reachable from them over the image tree, and explain each failure.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { EntrySpec, ParsedDockerfile, ParsedPython, PyCond, PyImport } from "./types.js";
import type { ServiceSpec } from "./service.js";
import { BuildContext, FsCache } from "./context/context.js";
import { parseDockerfile } from "./dockerfile/parse.js";
import { normalizeName } from "./packages/requirements.js";
import { interpretCommand, interpretShellScript, splitShellWords } from "./entry/argv.js";
import { evaluateImage, ImageModel, CopyRecord } from "./image/model.js";
import { INode, normalizeImagePath, dirnameImage, joinImage } from "./image/tree.js";
import { Resolver, Resolved, ResolveStep } from "./resolve/resolver.js";
import { ParseCache, ParseResult } from "./parse-cache.js";
import { Finding, Fix, RULES, Severity } from "./findings.js";
import { baseImageInfo, BaseImageInfo, distroPython, parseImageRef } from "./image/base.js";
import { stdlibFor, Stdlib } from "./python/stdlib.js";
import { ImportMap } from "./packages/import-map.js";
import { imagePackages, isKnownDistribution } from "./packages/image-packages.js";
import { judgeExternal, providerIn, RUNNER_DISTRIBUTIONS, uncertainty, ExternalContext } from "./packages/check-externals.js";
import { implicitFindings, triggerTops } from "./packages/implicit.js";
import { invisibleReason, InstallRecord, locationPath } from "./packages/image-installs.js";
import { parsePyproject } from "./packages/pyproject.js";
import { lockFindings } from "./lock/check.js";
import { findLockPairs, loadLockConfig, LockPair, LockConfig } from "./lock/pairs.js";

export interface AnalyzeOptions {
  repoRoot: string;
  fs: FsCache;
  parseCache: ParseCache;
  stdlib: Set<string>;
  /** Per-code severity overrides ("off" drops the finding). */
  severities: Record<string, Severity | "off">;
  /** Build contexts shared between services of one run (same root, ignore file and build path). */
  contexts?: Map<string, BuildContext>;
  /** Images evaluated ahead of the analysis (see check.ts). */
  prepared?: Map<ServiceSpec, Prepared>;
  /** [packages] configuration: import-name mappings, environments with installed metadata. */
  packagesConfig?: { importNames: Record<string, string[]>; environments: string[] };
  /** [images."ref"] configuration: what internal base images contain. */
  images?: Record<string, { python?: string; packages?: string[]; systemPackages?: string[] }>;
  /** Keep every stdlib import in ServiceResult.externals (verify compares them). */
  keepExternals?: boolean;
  /** [[implicit]] rules from configuration. */
  implicitRules?: import("./packages/implicit.js").ImplicitRule[];
  /** Top-level names of the repository's own Python folders and modules → where (see check.ts). */
  localModules?: Map<string, string>;
}

const lockPairsMemo = new WeakMap<object, { pairs: LockPair[]; config: LockConfig }>();
/** Lock pairs of the repository, found once per run (per options object). */
function lockPairsFor(opts: AnalyzeOptions): { pairs: LockPair[]; config: LockConfig } {
  let v = lockPairsMemo.get(opts);
  if (!v) {
    const config = loadLockConfig(opts.repoRoot);
    lockPairsMemo.set(opts, (v = { pairs: findLockPairs(opts.repoRoot, config), config }));
  }
  return v;
}

const importMaps = new WeakMap<object, ImportMap>();
const defaultMapKey = {};
function importMapFor(opts: AnalyzeOptions): ImportMap {
  const k = opts.packagesConfig ?? defaultMapKey;
  let m = importMaps.get(k);
  if (!m) importMaps.set(k, (m = new ImportMap({ config: opts.packagesConfig?.importNames, environments: opts.packagesConfig?.environments, root: opts.repoRoot })));
  return m;
}

/** The final image's base, Python version and standard library. */
export function imagePython(model: ImageModel, images: AnalyzeOptions["images"] = {}): { base: BaseImageInfo; python: string | null; pythonSource: string; stdlib: Stdlib | null } {
  const ref = model.baseImage;
  const { repo, registry } = parseImageRef(ref);
  const declared = Object.entries(images ?? {}).find(([k]) => k === ref.toLowerCase() || ref.toLowerCase().startsWith(k + ":") || k === repo || k === (registry ? registry + "/" + repo : repo))?.[1];
  const base = baseImageInfo(ref, declared);
  let python = base.python;
  let pythonSource = base.pythonSource;
  if (!python) {
    const apt = model.installs.find((r) => r.cmd.kind === "system" && r.cmd.packages.some((p) => /^python3(\.\d+)?$/.test(p)));
    if (apt && apt.cmd.kind === "system") {
      const exact = apt.cmd.packages.map((p) => /^python(3\.\d+)$/.exec(p)?.[1]).find(Boolean);
      python = exact ?? distroPython(base);
      if (python) pythonSource = `${exact ? "the" : base.ref + "'s"} python3 package installed at line ${apt.line}`;
    }
  }
  return { base, python, pythonSource, stdlib: stdlibFor(python) };
}

export interface EntryPoint {
  /** Human label: `gunicorn app.main:app`, `python /app/main.py`. */
  label: string;
  /** Image path of the file that runs first. */
  file: string | null;
  module: string | null;
  sysPath: string[];
}

export interface ReachableModule {
  /** Dotted name as Python knows it ("__main__" for a script). */
  module: string;
  /** Image path. */
  file: string;
  /** Repository path when the file comes from the context. */
  repoFile: string | null;
  /** Imported only inside functions (no import-time path to it). */
  deferredOnly: boolean;
  /** The sys.path it was resolved with (of the entry point that first reached it). */
  sysPath?: string[];
}

export interface ServiceResult {
  service: ServiceSpec;
  dockerfileRepoPath: string;
  contextRepoPath: string;
  findings: Finding[];
  entryPoints: EntryPoint[];
  reachable: ReachableModule[];
  model: ImageModel | null;
  /** Files parsed for this service (reachable Python files). */
  filesVisited: number;
  /** Reused from the service cache: `model` is null and `reachable` empty. */
  fromCache?: boolean;
  /**
   * Imports of modules not in the repository and what check judged of each: `ok` when the
   * standard library (`stdlib`) or an installed distribution (`via`: where it comes from)
   * provides it. Missing ones are also findings (SS201, SS202, SS301).
   */
  externals?: { module: string; ok: boolean; stdlib?: boolean; via?: string }[];
}

const rel = (root: string, abs: string) => path.relative(root, abs).split(path.sep).join("/") || ".";

interface QueueItem {
  img: string; // real image path of the file
  module: string | null; // dotted module name; null for a script run as __main__ without a package
  isInit: boolean;
  isMain: boolean;
  /** The file that imported this one first (null for an entry point): the import chain. */
  parent: QueueItem | null;
  deferred: boolean;
  /** The package relative imports start from (`__package__`): null when none. */
  pkg: string | null;
  /** Filled when visited: repository path and candidate-roots key ("" until then: every item
   * has one shape and one field type, so the walk's property loads stay monomorphic). */
  repo: string;
  candKey: string;
  /** For a file a Dockerfile heredoc writes: the Dockerfile line its first line is on (else 0). */
  hereLine: number;
}

function queueItem(img: string, module: string | null, isInit: boolean, isMain: boolean, parent: QueueItem | null, deferred: boolean): QueueItem {
  const pkg = module === null ? null : isInit ? module : module.lastIndexOf(".") < 0 ? null : module.slice(0, module.lastIndexOf("."));
  return { img, module, isInit, isMain, parent, deferred, pkg, repo: "", candKey: "", hereLine: 0 };
}

/** The import chain down to `item`'s importer (repository paths, the entry point first). */
function chainTo(item: QueueItem): string[] {
  const out: string[] = [];
  for (let p = item.parent; p !== null; p = p.parent) out.push(p.repo);
  return out.reverse();
}

/** The import chain down to `item` itself: for findings on the imports of a visited file. */
function chainThrough(item: QueueItem): string[] {
  const out = chainTo(item);
  out.push(item.repo);
  return out;
}

interface Candidate {
  ctxRoot: string; // context-relative dir ("" = context root)
  imageDir: string; // the sys.path entry it corresponds to
  outside?: boolean; // the root is outside the build context (repo-relative then)
}

export type Prepared = { readError: string; line?: number } | { df: ParsedDockerfile; ctx: BuildContext; model: ImageModel | null };

/** Read and parse the Dockerfile, and evaluate its image against the build context. */
export function prepareService(svc: ServiceSpec, opts: AnalyzeOptions): Prepared {
  let text: string;
  try {
    opts.fs.noteFile(svc.dockerfile);
    const buf = readFileSync(svc.dockerfile);
    if (buf.includes(0)) throw new Error("binary file");
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(buf);
    } catch {
      // Docker reads the bytes as they are: a Latin-1 byte in a comment builds fine. Elsewhere
      // (a path, an argument) shipshape cannot know the name it stands for: say which line.
      text = new TextDecoder("utf-8").decode(buf);
      const lines = text.split(/\r?\n/);
      // Only a path (COPY/ADD source) is something shipshape must read exactly; a LABEL or an
      // `echo` with a Latin-1 é builds and changes nothing here.
      const bad = lines.findIndex((l) => l.includes("\ufffd") && /^\s*(COPY|ADD)\b/i.test(l));
      if (bad >= 0) return { readError: `line ${bad + 1} is not valid UTF-8, so the paths it copies cannot be read`, line: bad + 1 };
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { readError: err.code === "ERR_ENCODING_INVALID_ENCODED_DATA" ? "not valid UTF-8" : err.code ?? err.message };
  }
  const df = parseDockerfile(svc.dockerfile, text, svc.buildArgs, svc.target ?? undefined);
  const perDockerfileIgnore = svc.dockerfile + ".dockerignore";
  const rootIgnore = path.join(svc.context, ".dockerignore");
  const exists = (abs: string) => opts.fs.typeOf(abs) !== null;
  const ignoreFile = exists(perDockerfileIgnore) ? perDockerfileIgnore : exists(rootIgnore) ? rootIgnore : null;
  if (ignoreFile) opts.fs.noteFile(ignoreFile);
  if (svc.build === "gcloud") {
    for (const f of [".gcloudignore", ".gitignore"]) if (exists(path.join(svc.context, f))) opts.fs.noteFile(path.join(svc.context, f));
  }
  const ctxKey = `${svc.context}\0${ignoreFile}\0${svc.build}`;
  let ctx = opts.contexts?.get(ctxKey);
  if (!ctx) {
    ctx = new BuildContext({ root: svc.context, repoRoot: opts.repoRoot, dockerignoreFile: ignoreFile, gcloud: svc.build === "gcloud", fs: opts.fs });
    opts.contexts?.set(ctxKey, ctx);
  }
  if (!df.stages.length || (svc.target && !df.stages.some((s) => s.name === svc.target!.toLowerCase()))) return { df, ctx, model: null };
  return { df, ctx, model: withRun(evaluateImage(df, ctx, svc.target), svc, opts.repoRoot) };
}

/**
 * A compose service's `command:` replaces the image's CMD (a JSON ENTRYPOINT still runs first;
 * a shell-form one ignores it); its `entrypoint:` replaces ENTRYPOINT and drops CMD.
 */
function withRun(model: ImageModel, svc: ServiceSpec, repoRoot: string): ImageModel {
  const r = svc.run;
  if (!r) return model;
  // `environment:` and `working_dir:` change the container's environment and cwd either way.
  const base = { ...model, env: r.env ? { ...model.env, ...r.env } : model.env, workdir: r.workdir ? normalizeImagePath(r.workdir, model.workdir) : model.workdir };
  let argv: string[] | null;
  if (r.entrypoint) argv = [...r.entrypoint, ...(r.command ?? [])];
  else if (!r.command || (model.entrypoint && !model.entrypoint.json)) return base;
  else argv = [...(model.entrypoint?.args ?? []), ...r.command];
  return { ...base, argv, argvLine: r.line, argvFile: rel(repoRoot, r.file) };
}

/** Absolute paths of the context's Python files that an image contains. */
export function imagePythonFiles(p: Prepared): string[] {
  if ("readError" in p || !p.model) return [];
  const out: string[] = [];
  const ctx = p.ctx;
  // A plain recursion over the nodes (no image paths built): this runs on every cold check.
  const visit = (n: INode, name: string): void => {
    if (n.type === "dir") for (const [k, v] of n.children!) visit(v, k);
    else if (n.type === "file" && name.endsWith(".py") && n.origin?.ctx !== undefined && n.origin.via !== "tar") out.push(ctx.abs(n.origin.ctx));
  };
  visit(p.model.tree.root, "");
  return out;
}

export function analyzeService(svc: ServiceSpec, opts: AnalyzeOptions): ServiceResult {
  const { repoRoot } = opts;
  const dfRepo = rel(repoRoot, svc.dockerfile);
  const result: ServiceResult = {
    service: svc,
    dockerfileRepoPath: dfRepo,
    contextRepoPath: rel(repoRoot, svc.context),
    findings: [],
    entryPoints: [],
    reachable: [],
    model: null,
    filesVisited: 0,
    externals: [],
  };
  const seen = new Set<string>();
  const parseAbs = (abs: string): ParseResult => {
    opts.fs.noteFile(abs);
    return opts.parseCache.parseFile(abs);
  };
  const lineCache = new Map<string, string[] | null>();
  const sourceLine = (repoFile: string, line: number): string => {
    let lines = lineCache.get(repoFile);
    if (lines === undefined) {
      try {
        const abs = path.join(repoRoot, repoFile);
        opts.fs.noteFile(abs);
        lines = readFileSync(abs, "utf8").split(/\r?\n/);
      } catch {
        lines = null;
      }
      lineCache.set(repoFile, lines);
    }
    return lines?.[line - 1] ?? "";
  };
  const emit = (f: Omit<Finding, "severity" | "service"> & { severity?: Severity }) => {
    if (svc.ignore.includes(f.code)) return;
    const override = opts.severities[f.code];
    if (override === "off") return;
    const severity = override ?? f.severity ?? RULES[f.code].severity;
    // Inline suppression on the reported line: `# shipshape: ignore` or `# shipshape: ignore[SS101,SS102]`.
    const text = sourceLine(f.file, f.line);
    const m = /#\s*shipshape:\s*ignore(?:\[([^\]]*)\])?/.exec(text);
    if (m && (!m[1] || m[1].split(",").map((s) => s.trim()).includes(f.code))) return;
    const key = `${f.code}|${f.file}|${f.line}|${f.module}`;
    if (seen.has(key)) return;
    seen.add(key);
    result.findings.push({ ...f, severity, service: svc.name });
  };

  // 1-2. The Dockerfile, the context and the image (prepared once, maybe ahead of time).
  let prep = opts.prepared?.get(svc);
  if (!prep) prep = prepareService(svc, opts);
  if ("readError" in prep) {
    emit({ code: "SS001", file: dfRepo, line: prep.line ?? 1, module: "", message: `cannot read Dockerfile: ${prep.readError}`, chain: [] });
    return result;
  }
  const { df, ctx } = prep;
  const exists = (abs: string) => opts.fs.typeOf(abs) !== null;
  for (const e of df.errors) emit({ code: "SS001", file: dfRepo, line: e.range.line, module: "", message: e.message, chain: [] });
  if (!prep.model) return result;
  const model = prep.model;
  result.model = model;
  for (const p of model.problems) emit({ code: p.code, file: dfRepo, line: p.line, module: "", message: p.message, chain: [], severity: p.severity, fix: p.fix && { dockerfile: dfRepo, ...p.fix }, notes: p.notes });

  const tree = model.tree;
  const resolver = new Resolver(tree);
  const py = imagePython(model, opts.images);
  const externals: ExternalImport[] = [];
  // Findings emitted on imports so far: tells whether one import failed (see visitTryBody).
  let importFailures = 0;
  let pkgCtx: PackageContext | null = null;
  const packages = (): PackageContext => (pkgCtx ??= packageContext(opts, model, ctx, dfRepo, py, env, result));
  let protoc: boolean | null = null;
  /** Does an import outside the repository fail in the image (what the package phase will judge)? */
  const externalFails = (e: ExternalImport): boolean => {
    if (/_pb2(_grpc)?$/.test(e.absName.split(".").pop() ?? "") && (protoc ??= runsProtoc(df))) return false;
    const v = packages().judge(e.absName, e.imp.kind === "from" ? e.imp.names : []);
    // SS202: installed, as a dependency of another distribution only; it imports.
    return v !== null && v.code !== "SS202";
  };
  const pyVersion = versionOf(py.python);
  // sys.platform in the container: Linux, unless the base is a Windows image.
  const platform = /windowsservercore|nanoserver/i.test(py.base.ref) ? null : "linux";
  /** Does an import's condition hold in the image? null: it depends on a Python version that is unknown. */
  const condHolds = (c: PyCond): boolean | null => {
    if (c.platform !== null && platform !== null && !platformHolds(c.platform, platform)) return false;
    if (c.version === null) return true;
    return pyVersion === null ? null : versionHolds(c.version, pyVersion);
  };
  const versionUnknown = (imp: PyImport): boolean => imp.cond !== null && imp.cond.version !== null && condHolds(imp.cond) === null;
  const soft = (imp: PyImport): boolean => imp.guarded || imp.fallback !== 0 || versionUnknown(imp);
  const stdlibImports: { module: string; file: string; line: number }[] = [];
  const tops = triggerTops(opts.implicitRules);
  const runners = new Map<string, string>(); // program -> label
  const moduleRuns = new Map<string, string>(); // `python -m X` of a module not in the repository -> label
  const workdir = model.workdir;
  const env = { ...model.env };
  const pythonpath = env.PYTHONPATH ? env.PYTHONPATH.split(":").map((p) => normalizeImagePath(p || ".", workdir)) : [];
  const sitePath: string[] = [];
  // Non-editable installs: what the project folder held at that RUN, as pip put it in site-packages.
  const copiedLate: { pp: ImageModel["pipProjects"][number]; root: string; site: string }[] = [];
  for (const pp of model.pipProjects) {
    if (pp.snapshot) {
      const site = pipSiteDir(py.python);
      const srcNode = pp.snapshot.children?.get("src");
      const useSrc = srcNode?.type === "dir" && !srcNode.children?.has("__init__.py");
      const from = useSrc ? srcNode! : pp.snapshot;
      const siteNode = tree.mkdirp(site);
      for (const [name, child] of from.children ?? []) {
        if (siteNode.children!.has(name)) continue;
        if (child.type === "dir" ? isIdentifier(name) : name.endsWith(".py")) siteNode.children!.set(name, child);
      }
      pp.site = site;
      if (!sitePath.includes(site)) sitePath.push(site);
      // Where the project's packages are in the final image (src layout or flat), to explain a miss.
      const finalSrc = joinImage(pp.dir, "src");
      const srcLayout = tree.get(finalSrc)?.type === "dir" && !tree.get(joinImage(finalSrc, "__init__.py"));
      copiedLate.push({ pp, root: srcLayout ? finalSrc : pp.dir, site });
      continue;
    }
    const src = joinImage(pp.dir, "src");
    sitePath.push(tree.get(src)?.type === "dir" && !tree.get(joinImage(src, "__init__.py")) ? src : pp.dir);
  }
  const tail = [...pythonpath, ...sitePath];

  const repoOf = (n: INode | null): string | null => (n?.origin?.ctx !== undefined && n.origin.via !== "tar" ? ctx.repoPath(n.origin.ctx) : null);
  const fileRepo = (img: string): string => repoOf(tree.get(img)) ?? `${dfRepo} (image ${img})`;

  // 3. Entry points.
  const entries: { ep: EntryPoint; item: QueueItem; dfLine: number }[] = [];
  let entryAttempted = false;
  const entryFix = (imgPath: string): { fix?: Fix; repoHint: string } => {
    // Is there a file of that name in the repo? Suggest copying it.
    const base = imgPath.split("/").pop()!;
    const tryCtx = [imgPath.replace(/^\/+/, ""), imgPath.slice(workdir.length + 1), base];
    for (const c of tryCtx) {
      if (c && !c.startsWith("..") && ctx.entry(c)) {
        return { fix: { dockerfile: dfRepo, after_line: model.insertAfterLine, insert: `COPY ${c} ${imgPath}` }, repoHint: ` (${ctx.repoPath(c)} exists in the build context)` };
      }
    }
    return { repoHint: "" };
  };
  const addScript = (file: string, label: string, runner: string, isMain: boolean, at?: { file: string; line: number }) => {
    entryAttempted = true;
    const img = normalizeImagePath(file, workdir);
    const r = tree.resolve(img);
    if (!r || r.node.type !== "file") {
      const { fix, repoHint } = entryFix(img);
      emit({ code: "SS110", file: at?.file ?? model.argvFile ?? dfRepo, line: at?.line ?? (model.argvLine || 1), module: "", message: `the container runs ${label}, but ${img} is not in the image${repoHint}`, chain: [], fix });
      return;
    }
    const sp = runner === "functions-framework" ? [...tail, dirnameImage(r.real)] : [dirnameImage(r.real), ...tail];
    const ep: EntryPoint = { label, file: r.real, module: null, sysPath: sp };
    entries.push({ ep, item: queueItem(r.real, runner === "functions-framework" ? baseName(r.real) : null, false, isMain, null, false), dfLine: model.argvLine });
  };
  /** Entry modules whose top level the image lacks, but the repository has: decided after all entry points. */
  const pendingEntries: { module: string; label: string; asMain: boolean; pkgDir: string | null; finding: Omit<Finding, "severity" | "service"> }[] = [];
  const addModule = (module: string, label: string, sysPath: string[], asMain: boolean, at?: { file: string; line: number }) => {
    entryAttempted = true;
    const { steps, missing } = resolver.resolveDotted(module, sysPath);
    const ep: EntryPoint = { label, file: null, module, sysPath };
    if (missing) {
      if (asMain && !steps.length) {
        // `python -m http.server`, `python -m flask run`: the standard library or a package.
        const top = module.split(".")[0];
        if (py.stdlib ? py.stdlib.names.has(top) : opts.stdlib.has(top)) {
          result.entryPoints.push(ep);
          return;
        }
        const modPath = module.replace(/\./g, "/");
        const direct = [svc.context, path.join(svc.context, "src"), repoRoot].some((root) => exists(path.join(root, modPath + ".py")) || exists(path.join(root, modPath)));
        const inRepo = direct || ctx.walk("").some((e) => {
          const r = "/" + e.rel;
          return r.endsWith("/" + modPath + ".py") || r.endsWith("/" + modPath + "/__init__.py") || (e.type === "dir" && r.endsWith("/" + modPath));
        });
        if (!inRepo) {
          moduleRuns.set(module, label);
          result.entryPoints.push(ep);
          return;
        }
      }
      // A missing package is copied as a folder (its __init__.py and siblings too), a module as a file.
      const missingRel = missing.replace(/\./g, "/");
      const base = sysPath[0] ?? workdir;
      const pkgDir = [missingRel, "src/" + missingRel].find((c) => ctx.entry(c)?.type === "dir");
      const { fix, repoHint } = pkgDir
        ? { fix: { dockerfile: dfRepo, after_line: model.insertAfterLine, insert: `COPY ${pkgDir}/ ${joinImage(base, missingRel)}/` } as Fix, repoHint: ` (${ctx.repoPath(pkgDir)}/ exists in the build context)` }
        : entryFix(joinImage(base, missingRel + ".py"));
      const unexpanded = module.includes("$") ? `; exec-form (JSON) CMD/ENTRYPOINT arguments are not expanded, so Python sees the literal '${module}' — use the shell form or a literal name` : "";
      const finding = { code: "SS110", file: at?.file ?? model.argvFile ?? dfRepo, line: at?.line ?? (model.argvLine || 1), module, message: `the container runs ${label}, but module '${missing}' is not importable in the image (sys.path: ${sysPath.join(", ")})${repoHint}${unexpanded}`, chain: [], fix: unexpanded ? undefined : fix };
      // Not even its top level is in the image: an installed distribution may provide it
      // (`python -m alembic` next to an alembic/ folder of migrations, `gunicorn superset.app:app`),
      // which the package rules tell once every entry point is known.
      if (!steps.length && !unexpanded) pendingEntries.push({ module, label, asMain, pkgDir: pkgDir ?? null, finding });
      else emit(finding);
      result.entryPoints.push(ep);
      return;
    }
    // The parents' __init__ run first; then the module (or a package's __main__).
    const final = steps[steps.length - 1].spec;
    let first: QueueItem | null = null;
    const items: QueueItem[] = [];
    for (const s of steps) {
      const f = specFile(s.spec);
      if (f) items.push(queueItem(f, s.name, s.spec.kind === "package", false, null, false));
    }
    if (asMain && final.kind !== "module") {
      const main = resolver.findSpec("__main__", final.dirs);
      if (main && main.kind === "module") items.push(queueItem(main.file, module + ".__main__", false, true, null, false));
    } else if (asMain && items.length) items[items.length - 1].isMain = true;
    first = items[items.length - 1] ?? null;
    ep.file = first?.img ?? null;
    for (const it of items) entries.push({ ep, item: it, dfLine: model.argvLine });
    if (!items.length) result.entryPoints.push(ep);
  };

  const handleSpec = (spec: EntrySpec, depth: number, cmdArgv: string[]) => {
    if ((spec.kind === "script" || spec.kind === "module") && RUNNER_DISTRIBUTIONS[spec.runner] && !runners.has(spec.runner)) {
      runners.set(spec.runner, spec.kind === "module" ? `${spec.argv.slice(0, 3).some((a) => a === "-m") ? "python -m " : ""}${spec.runner} ${spec.module}${spec.attr ? ":" + spec.attr : ""}` : `${spec.runner} ${spec.file}`);
    }
    if (spec.kind === "script") {
      addScript(spec.file, `${spec.runner} ${spec.file}`, spec.runner, spec.runner === "python");
    } else if (spec.kind === "module") {
      const chdir = spec.chdir ? normalizeImagePath(spec.chdir, workdir) : workdir;
      const extra = (spec.pythonpath ?? []).map((p) => normalizeImagePath(p, chdir));
      let module = spec.module;
      let sp = spec.runner === "uvicorn" && extra.length ? [...extra, ...tail] : [...extra, chdir, ...tail];
      if (spec.configFile) {
        if (spec.configFile.startsWith("python:")) {
          addModule(spec.configFile.slice(7), `${spec.runner} config ${spec.configFile}`, sp, false);
        } else {
          const cfg = normalizeImagePath(spec.configFile, workdir);
          const node = tree.resolve(cfg);
          if (node && node.node.type === "file") {
            addScript(cfg, `${spec.runner} --config ${spec.configFile}`, "config", false);
            const src = readImageText(node.node);
            if (src) {
              const lit = (name: string) => new RegExp(`^${name}\\s*=\\s*(["'])(.*?)\\1\\s*(#.*)?$`, "m").exec(src)?.[2];
              const wsgi = lit("wsgi_app");
              if (!module && wsgi) module = wsgi.split(":")[0];
              const cd = lit("chdir");
              const ppath = lit("pythonpath");
              if (cd || ppath) {
                const c2 = cd ? normalizeImagePath(cd, workdir) : chdir;
                sp = [...(ppath ? ppath.split(",").map((p) => normalizeImagePath(p.trim(), c2)) : []), ...extra, c2, ...tail];
              }
            }
          } else if (!spec.configImplicit) {
            const { fix, repoHint } = entryFix(cfg);
            emit({ code: "SS110", file: model.argvFile ?? dfRepo, line: model.argvLine || 1, module: "", message: `the container runs ${spec.runner} with config ${spec.configFile}, but ${cfg} is not in the image${repoHint}`, chain: [], fix });
          }
        }
      }
      if (!module) {
        if (spec.runner !== "python") emit({ code: "SS004", file: model.argvFile ?? dfRepo, line: model.argvLine || 1, module: "", message: `${spec.runner} is started without an application module shipshape can see (no positional app, no wsgi_app in a config file)`, chain: [] });
        return;
      }
      const label = `${spec.runner}${spec.runner === "python" ? " -m" : ""} ${module}${spec.attr ? ":" + spec.attr : ""}`;
      addModule(module, label, sp, spec.runner === "python");
    } else if (spec.kind === "other") {
      // A bare program name that is a console script of a project the image installs.
      const prog = spec.argv[0] ?? "";
      if (prog && !prog.includes("/")) consoleScript(prog, null);
    } else if (spec.kind === "shell-script") {
      if (depth > 3) return;
      // A bare program name is found through PATH, like the kernel's execvp.
      let img: string | null = null;
      if (!spec.file.includes("/")) {
        for (const dir of (env.PATH ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
          const cand = joinImage(dir || workdir, spec.file);
          if (tree.resolve(cand)?.node.type === "file") {
            img = cand;
            break;
          }
        }
        if (!img && consoleScript(spec.file, null)) return;
        if (!img) {
          // From the base image or a package, not ours to read: such wrappers
          // (docker-entrypoint.sh, tini) conventionally `exec "$@"`, so check the arguments.
          if (spec.argv.length) for (const s of interpretCommand(spec.argv, env, { expand: false })) handleSpec(s, depth + 1, cmdArgv);
          return;
        }
      } else img = normalizeImagePath(spec.file, workdir);
      const node = tree.resolve(img);
      if (!node || node.node.type !== "file") {
        if (consoleScript(img.split("/").pop()!, dirnameImage(img))) return;
        entryAttempted = true;
        const { fix, repoHint } = entryFix(img);
        emit({ code: "SS110", file: model.argvFile ?? dfRepo, line: model.argvLine || 1, module: "", message: `the container runs ${spec.file}, but ${img} is not in the image${repoHint}`, chain: [], fix });
        return;
      }
      const src = readImageText(node.node);
      if (!src) return;
      for (const s of interpretShellScript(src, env, spec.argv, { cwd: workdir, scriptPath: img })) handleSpec(s, depth + 1, cmdArgv);
    }
  };

  /**
   * A console script (`[project.scripts]`) of a project the image installs: pip writes the
   * program into the bin/ folder of the install (a virtualenv, a prefix, ~/.local, /usr/local).
   * Its module is the entry point. `binDir` null: found through PATH.
   */
  const consoleScript = (name: string, binDir: string | null): boolean => {
    for (const rec of model.installs) {
      if (rec.cmd.kind === "system") continue;
      const bin = rec.location === "system" ? "/usr/local/bin" : locationPath(rec.location) + "/bin";
      if (binDir !== null && binDir !== bin) continue;
      if (binDir === null && !(env.PATH ?? "/usr/local/bin").split(":").includes(bin)) continue;
      for (const p of rec.projects) {
        if (!p.root || !p.pyproject) continue;
        const text = p.pyproject.content ?? (p.pyproject.ctx !== undefined ? readCtxText(p.pyproject.ctx) : null);
        const ref = text === null ? undefined : parsePyproject(text, p.pyproject.image).scripts[name];
        if (!ref) continue;
        const [module, attr] = ref.split(":");
        addModule(module, `${name} (console script ${module}${attr ? ":" + attr : ""} of ${ctx.repoPath(p.pyproject.ctx ?? "pyproject.toml")})`, [bin, ...tail], false);
        return true;
      }
    }
    return false;
  };
  const readCtxText = (rel: string): string | null => {
    try {
      opts.fs.noteFile(ctx.abs(rel));
      return readFileSync(ctx.abs(rel), "utf8");
    } catch {
      return null;
    }
  };

  const readImageText = (n: INode): string | null => {
    if (n.origin?.via === "heredoc") return n.origin.content ?? null;
    if (n.origin?.ctx !== undefined && n.origin.via !== "tar") {
      try {
        opts.fs.noteFile(ctx.abs(n.origin.ctx));
        return readFileSync(ctx.abs(n.origin.ctx), "utf8");
      } catch {
        return null;
      }
    }
    return null;
  };

  // `CMD ['python', 'app.py']` or a missing bracket: not JSON, so Docker runs the text with
  // /bin/sh -c, and the shell cannot find a program named `[python,`.
  let brokenJson = false;
  if (!svc.run?.command && !svc.run?.entrypoint) {
    for (const [kw, ins] of [["ENTRYPOINT", model.entrypoint], ["CMD", model.cmd]] as const) {
      const text = ins && !ins.json ? ins.args.join(" ").trim() : "";
      // An attempted JSON array: `[` then a quote. (`[ -f x ] && …` is the shell's test command.)
      if (!/^\[\s*["']/.test(text)) continue;
      if (kw === "CMD" && model.entrypoint && !model.entrypoint.json) continue; // never runs
      brokenJson = true;
      const first = splitShellWords(text)?.[0] ?? text.split(/\s+/)[0];
      const why = /'/.test(text) && !/"/.test(text) ? "JSON needs double quotes" : "it is not valid JSON";
      emit({ code: "SS110", file: dfRepo, line: ins!.line, module: "", message: `${kw} ${text} looks like exec form, but ${why}, so Docker runs the whole line with /bin/sh -c, and the container exits at once with "/bin/sh: 1: ${first}: not found"`, chain: [], notes: [`write it as JSON: ${kw} [${text.replace(/^\[|\]$/g, "").split(",").map((w) => JSON.stringify(w.trim().replace(/^['"]|['"]$/g, ""))).join(", ")}]`] });
    }
  }
  // Docker does not expand exec-form arguments; a `sh -c` string is expanded by the shell.
  const specs: EntrySpec[] = model.argv && !brokenJson ? interpretCommand(model.argv, env, { expand: false }) : [];
  if (brokenJson) entryAttempted = true;
  for (const s of specs) handleSpec(s, 0, model.argv ?? []);
  for (const e of svc.entryPoints) {
    // A finding on an entry point of the configuration points at the line that declares it.
    const at = svc.configFile ? { file: svc.configFile, line: configLine(path.join(repoRoot, svc.configFile), svc.name, e, opts.fs) } : undefined;
    if (e.includes("/") || e.endsWith(".py")) addScript(e, `entry point ${e} (config)`, "python", true, at);
    else addModule(e, `entry point ${e} (config)`, [workdir, ...tail], false, at);
  }
  const seenEp = new Set<EntryPoint>();
  for (const e of entries) if (!seenEp.has(e.ep)) {
    seenEp.add(e.ep);
    result.entryPoints.push(e.ep);
  }
  for (const p of pendingEntries) {
    const top = p.module.split(".")[0];
    // A distribution the image installs provides it: that is what Python imports (the
    // repository's folder is not in the image). A folder of scripts without __init__.py named
    // like a well-known distribution is not the module either: the package rules judge the run.
    const pc = packages();
    const provided = pc.judge(p.module, []) === null && !providerIn(pc.pkgs, pc.map, p.module)?.dist.localProject;
    const scriptsFolder = p.asMain && p.pkgDir !== null && isKnownDistribution(top) && ctx.entry(p.pkgDir + "/__init__.py") === null;
    if (provided || scriptsFolder) {
      if (p.asMain) moduleRuns.set(p.module, p.label);
      continue;
    }
    emit(p.finding);
  }
  const hasPython = () => {
    for (const [p, n] of tree.walk("/")) if (n.type === "file" && p.endsWith(".py")) return true;
    return false;
  };
  if (!result.entryPoints.length && !entryAttempted && hasPython()) {
    const what = model.argv ? `\`${model.argv.join(" ")}\`` : "no CMD or ENTRYPOINT";
    const reasons = specs.filter((s) => s.kind === "other").map((s) => (s as { reason: string }).reason);
    emit({ code: "SS004", file: model.argvFile ?? dfRepo, line: model.argvLine || df.stages[model.stageIndex].range.line, module: "", message: `no Python entry point found: the image runs ${what}${reasons.length ? " (" + reasons[0] + ")" : ""}; declare entry_points in [tool.shipshape] to check it`, chain: [] });
  }

  // 4. Walk the import graph.
  const reverse = lazyReverseIndex(model);
  const rootsMemo = new Map<string, string[]>();
  const rootsFor = (imageDir: string): string[] => {
    let r = rootsMemo.get(imageDir);
    if (r) return r;
    const votes = new Map<string, number>();
    let n = 0;
    for (const [p, node] of tree.walk(imageDir)) {
      if (++n > 2000) break;
      if (p === imageDir || node.origin?.ctx === undefined || node.origin.via === "tar") continue;
      const under = p.slice(imageDir === "/" ? 1 : imageDir.length + 1);
      const c = node.origin.ctx;
      if (c === under) votes.set("", (votes.get("") ?? 0) + 1);
      else if (c.endsWith("/" + under)) {
        const root = c.slice(0, c.length - under.length - 1);
        votes.set(root, (votes.get(root) ?? 0) + 1);
      }
    }
    r = [...votes.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => k);
    rootsMemo.set(imageDir, r);
    return r;
  };

  const visited = new Map<string, QueueItem>();
  const reachable = new Map<string, ReachableModule>();
  const namespaceWarned = new Set<string>();
  const queue: { item: QueueItem; sysPath: string[] }[] = entries.map((e) => ({ item: e.item, sysPath: e.ep.sysPath }));

  const needsVisit = (img: string, deferred: boolean) => {
    const prev = visited.get(img);
    return !prev || (!deferred && prev.deferred);
  };
  const enqueue = (item: QueueItem, sysPath: string[]) => {
    const prev = visited.get(item.img);
    if (prev && (item.deferred || !prev.deferred)) return; // nothing new to learn
    queue.push({ item, sysPath });
  };

  const ctxFileExists = (p: string) => ctx.entry(p)?.type === "file";
  const ctxDirExists = (p: string) => ctx.entry(p)?.type === "dir";

  /** Where a dotted module would be in the repository, from a root: ".py" file or package dir. */
  const findInCtx = (root: string, dotted: string): { path: string; isDir: boolean } | null => {
    const p = (root ? root + "/" : "") + dotted.replace(/\./g, "/");
    if (ctxDirExists(p)) {
      // A directory counts as a Python package if it holds __init__.py or any .py below (namespace).
      if (ctxFileExists(p + "/__init__.py") || ctx.children(p).some((c) => c.endsWith(".py") || ctxDirExists(p + "/" + c))) return { path: p, isDir: true };
    }
    if (ctxFileExists(p + ".py")) return { path: p + ".py", isDir: false };
    return null;
  };

  const repoInit = (ctxDir: string): ParsedPython | null => {
    const p = ctxDir + "/__init__.py";
    if (!ctxFileExists(p)) return null;
    return parseAbs(ctx.abs(p)).parsed;
  };

  const candidatesFor = (importerImg: string, sysPath: string[]): Candidate[] => {
    const out: Candidate[] = [];
    const seenC = new Set<string>();
    const add = (c: Candidate) => {
      const k = c.ctxRoot + "|" + c.imageDir + "|" + (c.outside ? 1 : 0);
      if (!seenC.has(k)) {
        seenC.add(k);
        out.push(c);
      }
    };
    const importerNode = tree.get(importerImg);
    const ic = importerNode?.origin?.ctx;
    for (const s of sysPath) {
      if (ic !== undefined && (importerImg.startsWith(s === "/" ? "/" : s + "/"))) {
        const under = importerImg.slice(s === "/" ? 1 : s.length + 1);
        if (ic === under) add({ ctxRoot: "", imageDir: s });
        else if (ic.endsWith("/" + under)) add({ ctxRoot: ic.slice(0, ic.length - under.length - 1), imageDir: s });
      }
    }
    for (const s of sysPath) for (const r of rootsFor(s)) add({ ctxRoot: r, imageDir: s });
    // A project installed (not editable) into site-packages: its folder's sources map there.
    for (const c of copiedLate) if (sysPath.includes(c.site)) for (const r of rootsFor(c.root)) add({ ctxRoot: r, imageDir: c.site });
    const first = sysPath[0] ?? workdir;
    add({ ctxRoot: "", imageDir: first });
    return out;
  };

  const ctxRel = path.relative(repoRoot, svc.context);
  const ctxInRepo = ctxRel !== "" && !ctxRel.startsWith("..");
  const outsideMemo = new Map<string, string | null>();
  const candMemo = new Map<string, Candidate[]>();
  const foundMemo = new Map<string, Map<string, { cand: Candidate; loc: { path: string; isDir: boolean } } | null>>();
  const explainMissing = (imp: PyImport, importer: QueueItem, absName: string, missing: string, sysPath: string[], steps: ResolveStep[]) => {
    if (!steps.length) {
      const dot = absName.indexOf(".");
      const top = dot < 0 ? absName : absName.slice(0, dot);
      // The standard library of the image's Python provides it (any version's, when unknown).
      if (py.stdlib ? py.stdlib.names.has(top) : opts.stdlib.has(top)) {
        // Kept for the implicit rules (zoneinfo) and for verify's list.
        if (tops.has(top) || opts.keepExternals) stdlibImports.push({ module: absName, file: importer.repo, line: imp.line });
        return;
      }
    }
    // Where is it in the repository?
    let candKey = importer.candKey;
    if (candKey === "") {
      const ic = tree.get(importer.img)?.origin?.ctx ?? "";
      candKey = importer.candKey = dirnameImage(importer.img) + "\0" + ic.slice(0, ic.lastIndexOf("/") + 1) + "\0" + sysPath.join("\0");
    }
    let cands = candMemo.get(candKey);
    if (!cands) {
      cands = candidatesFor(importer.img, sysPath);
      candMemo.set(candKey, cands);
    }
    let foundTable = foundMemo.get(candKey);
    if (!foundTable) {
      foundTable = new Map();
      foundMemo.set(candKey, foundTable);
    }
    let found = foundTable.get(missing);
    if (found === undefined) {
      found = null;
      for (const cand of cands) {
        const loc = findInCtx(cand.ctxRoot, missing);
        if (loc) {
          found = { cand, loc };
          break;
        }
      }
      foundTable.set(missing, found);
    }
    // A folder of scripts (no __init__.py) named like a well-known distribution (docker/, redis/)
    // is not what `import docker` means: judge it as the distribution.
    if (found && !steps.length && found.loc.isDir && missing === absName && !missing.includes(".") && isKnownDistribution(missing) && !ctxFileExists(found.loc.path + "/__init__.py")) found = null;
    if (!found) {
      // Outside the build context but in the repository?
      if (ctxInRepo && !steps.length) {
        let where = outsideMemo.get(missing);
        if (where === undefined) {
          const p = missing.replace(/\./g, "/");
          where = exists(path.join(repoRoot, p + ".py")) ? p + ".py" : exists(path.join(repoRoot, p, "__init__.py")) ? p + "/" : null;
          outsideMemo.set(missing, where);
        }
        if (where) emitImport(imp, importer, "SS101", absName, `module '${missing}' is not in the image: ${where} is outside the build context ${ctx.repoPath("")}, so no COPY can reach it; build from a higher context (docker build -f ${dfRepo} .)`, chainThrough(importer));
      }
      // Not a repository module: the standard library of another version, or a distribution.
      if (!steps.length) {
        externals.push({ imp, importer, absName });
      } else missingSubmodule(imp, importer, absName, missing, steps);
      return;
    }
    missingLocal(imp, importer, absName, missing, sysPath, steps, found.cand, found.loc);
  };

  /**
   * A missing module that the repository has (`loc`, found from `cand`): why the image lacks it.
   * Apart from explainMissing, which runs for every standard-library and third-party import,
   * so that V8 compiles that hot part small.
   */
  const missingLocal = (imp: PyImport, importer: QueueItem, absName: string, missing: string, sysPath: string[], steps: ResolveStep[], cand: Candidate, loc: { path: string; isDir: boolean }) => {
    const chain = chainThrough(importer);
    const missingRel = missing.replace(/\./g, "/");
    const expected = joinImage(cand.imageDir, missingRel + (loc.isDir ? "" : ".py"));
    const repoLoc = ctx.repoPath(loc.path) + (loc.isDir ? "/" : "");
    const fixFor = (): Fix => {
      const src = loc.isDir ? loc.path + "/" : loc.path;
      const dest = loc.isDir ? expected + "/" : dirnameImage(expected) + "/";
      return { dockerfile: dfRepo, after_line: model.insertAfterLine, insert: `COPY ${src} ${dest}` };
    };
    // Excluded by an ignore file? (Checked first: an excluded package may leave an empty folder behind.)
    let ign = ctx.ignored(loc.path, loc.isDir) ?? ancestorsIgnored(ctx, loc.path);
    let pyOnly = false;
    if (!ign && loc.isDir) {
      // The folder is sent, but every Python file directly in it is excluded (`lib/*.py`).
      const pys = ctx.children(loc.path).filter((c) => c.endsWith(".py") && ctxFileExists(loc.path + "/" + c));
      const verdicts = pys.map((c) => ctx.ignored(loc.path + "/" + c, false));
      if (pys.length && verdicts.every((v) => v)) {
        ign = verdicts[0];
        pyOnly = true;
      }
    }
    // Did it land somewhere else in the image?
    const landed = ign ? [] : landedAt(reverse(), loc.path, loc.isDir).filter((p) => !copiedLate.some((c) => p === c.site || p.startsWith(c.site + "/")));
    if (landed.length) {
      const at = landed[0];
      // Copied into a project folder after a non-editable pip install of it: site-packages has the old tree.
      const late = copiedLate.find((c) => at.startsWith(c.root + "/") && sysPath.includes(c.site));
      if (late) {
        emitImport(imp, importer, "SS103", absName, `module '${missing}' is in the image at ${at}, but it got there after line ${late.pp.line} installed ${late.pp.dir} with pip (not editable), which copied the project into ${late.site} without it; Python looks for it at ${joinImage(late.site, missingRel + (loc.isDir ? "" : ".py"))}`, chain, undefined, undefined, [`copy the project's code before the install line, or install it editable (pip install -e)`]);
        return;
      }
      // A directory source copied as contents?
      const dirCopy = findContentsCopy(model.copies, loc.path, cand.ctxRoot, (p) => ctxDirExists(p));
      if (dirCopy) {
        const src = dirCopy.src;
        const wanted = joinImage(cand.imageDir, src.slice(cand.ctxRoot ? cand.ctxRoot.length + 1 : 0));
        emitImport(imp, importer, "SS104", absName, `module '${missing}' is not importable: line ${dirCopy.rec.line} \`${dirCopy.rec.keyword} ${dirCopy.rec.rawSources.join(" ")} ${dirCopy.rec.dest}\` copies the *contents* of ${src}/ into ${dirCopy.rec.dest.replace(/\/$/, "")}, so the package directory '${src.split("/").pop()}' does not exist (${repoLoc} landed at ${at}; Python looks for ${expected})`, chain, { dockerfile: dfRepo, after_line: dirCopy.rec.line, insert: `COPY ${src}/ ${wanted}/` });
        return;
      }
      emitImport(imp, importer, "SS103", absName, `module '${missing}' is in the image at ${at}, but not on sys.path (${sysPath.join(", ")}); Python looks for it at ${expected}`, chain, fixFor());
      return;
    }
    if (ign) {
      const covering = model.copies.find((c) => c.sources.some((s) => s === "" || loc.path === s || loc.path.startsWith(s + "/")));
      const how = covering ? `line ${covering.line} copies ${covering.rawSources.join(" ")}, but ` : "";
      const fix: Fix | undefined =
        ign.kind === "dockerignore" && covering
          ? { dockerfile: ign.file, after_line: lineCount(path.join(repoRoot, ign.file), opts.fs), insert: `!${loc.path}` }
          : covering
            ? undefined
            : fixFor();
      emitImport(imp, importer, "SS102", absName, `module '${missing}' is not in the image: ${how}${pyOnly ? `the Python files of ${repoLoc} are` : `${repoLoc} is`} excluded by ${ign.file}${ign.kind === "gcloudignore" ? " (gcloud uploads the context through it before Docker sees it; gitignore rules cannot re-include a file inside an excluded folder)" : ""}`, chain, fix);
      return;
    }
    const finalCopies = new Set(model.copies);
    const elsewhere = model.allCopies.find((c) => !finalCopies.has(c) && c.from === null && c.sources.some((s) => s === "" || loc.path === s || loc.path.startsWith(s + "/")));
    const stageName = (i: number) => df.stages[i]?.name ?? String(i);
    const why = elsewhere
      ? `${repoLoc} is copied into stage '${stageName(elsewhere.stage)}' (line ${elsewhere.line}) but never reaches the final image (stage '${stageName(model.stageIndex)}')`
      : `${repoLoc} is never copied by ${dfRepo}`;
    // A top-level folder of scripts without __init__.py (`docker/`, `scripts/`) may be what
    // `import docker` means (a namespace package), or a distribution of that name may be: no
    // automatic COPY, and say both.
    if (!steps.length && !missing.includes(".") && loc.isDir && !ctxFileExists(loc.path + "/__init__.py")) {
      emitImport(imp, importer, "SS101", absName, `module '${missing}' is not in the image: ${why}; ${repoLoc} has Python files but no __init__.py — if '${missing}' is that folder, copy it into the image (${fixFor().insert}); if it is a distribution of that name, add it to the requirements the image installs`, chain);
      return;
    }
    emitImport(imp, importer, "SS101", absName, `module '${missing}' is not in the image: ${why}`, chain, fixFor());
  };

  /**
   * `import pkg.d` / `from pkg import d` where the local package `pkg` is in the image but `d` is
   * neither a submodule anywhere (image or build context) nor a name its __init__ defines.
   */
  const missingSubmodule = (imp: PyImport, importer: QueueItem, absName: string, missing: string, steps: ResolveStep[]) => {
    const top = steps[0].spec;
    const parent = steps[steps.length - 1];
    const sub = missing.slice(parent.name.length + 1).split(".")[0];
    const asName = imp.kind === "from" && absName === missing && imp.names.includes(sub);
    // A namespace top level may be completed by an installed distribution (google.*, a dags/
    // folder named like a package): that is the package rules' business. A name imported from
    // a namespace package is SS105/SS106's.
    if (top.kind === "namespace") {
      if (!asName) externals.push({ imp, importer, absName });
      return;
    }
    if (asName && parent.spec.kind === "namespace") return;
    if (/_pb2(_grpc)?$/.test(sub) && runsProtoc(df)) return; // generated during the build
    // Packages that extend their own __path__ (pkgutil/pkg_resources style) can find it elsewhere.
    for (const st of steps) {
      if (st.spec.kind !== "package") continue;
      const n = tree.get(st.spec.init);
      const initAbs = n?.origin?.ctx !== undefined && n.origin.via !== "tar" ? ctx.abs(n.origin.ctx) : null;
      const init = initAbs ? parseAbs(initAbs).parsed : null;
      if (!init || init.topLevelNames.includes("__path__") || init.topLevelNames.includes("__getattr__")) return;
      // Lazy-module packages (transformers style) replace themselves in sys.modules or fill
      // globals() at run time: the names they provide cannot be known statically.
      if (/sys\.modules\s*\[\s*__name__\s*\]\s*=|\bglobals\s*\(\s*\)\s*(\[|\.update\b)|setattr\s*\(\s*sys\.modules\s*\[\s*__name__/.test(initText(initAbs!))) return;
    }
    const pdirs = parent.spec.kind === "module" ? [] : parent.spec.dirs;
    const where = pdirs.map((d) => repoOf(tree.get(d)) ?? d).map((d) => d.replace(/\/?$/, "/"));
    const message =
      parent.spec.kind === "module"
        ? `module '${missing}' does not exist: '${parent.name}' is a module (${fileRepo(parent.spec.file)}), not a package, so it has no submodule '${sub}'`
        : asName
          ? `'${sub}' cannot be imported from '${parent.name}': ${where.join(", ")} has no ${sub}.py or ${sub}/, and its __init__.py does not define '${sub}' (ImportError at run time)`
          : `module '${missing}' does not exist: ${where.join(", ")} has no ${sub}.py or ${sub}/, in the image or in the build context (ModuleNotFoundError at run time)`;
    emitImport(imp, importer, "SS108", missing, message, chainThrough(importer));
  };

  const initText = (abs: string): string => {
    try {
      return readFileSync(abs, "utf8");
    } catch {
      return "";
    }
  };

  /**
   * Where a finding on a line of a visited file points: the file itself, or for a file a Dockerfile
   * heredoc writes (no file of the repository), the Dockerfile line it is on, with a note.
   */
  const locate = (item: QueueItem, line: number): { file: string; line: number; note?: string } => {
    if (item.hereLine === 0) return { file: item.repo, line };
    return { file: dfRepo, line: item.hereLine + line - 1, note: `the code is in ${item.img}, which a heredoc of ${dfRepo} writes (its line ${line} is line ${item.hereLine + line - 1} of ${dfRepo})` };
  };

  const emitImport = (imp: PyImport, importer: QueueItem, code: string, module: string, message: string, chain: string[], fix?: Fix, lowered?: Severity, extraNotes?: string[]) => {
    importFailures++;
    const notes: string[] = [...(extraNotes ?? [])];
    let severity: Severity | undefined = lowered;
    if (imp.guarded) {
      severity = "warning";
      notes.push("the import is guarded by try/except ImportError, so the service falls back instead of crashing");
    }
    if (imp.fallback !== 0) {
      severity = "warning";
      notes.push(`the import is in an except ImportError handler: it runs only if an import in the try: block at line ${imp.fallback} fails`);
    }
    if (versionUnknown(imp)) {
      severity = "warning";
      notes.push(`the import runs only on Python ${describeVersion(imp.cond!.version!)}, and the image's Python version is unknown: ${py.pythonSource || "no Python found in the image"}`);
    }
    if (imp.deferred || importer.deferred) notes.push("the import runs inside a function: the service starts, and fails when that code path first runs");
    if (model.fileRuns.length && (code === "SS101" || code === "SS102" || code === "SS108")) notes.push(`RUN at line ${model.fileRuns[0].line} may create files shipshape does not model (\`${model.fileRuns[0].text}\`)`);
    const at = locate(importer, imp.line);
    if (at.note) notes.push(at.note);
    emit({ code, file: at.file, line: at.line, col: imp.col, module, message, chain, fix, notes: notes.length ? notes : undefined, severity: severity ?? RULES[code].severity });
  };

  const nsInfo = new Map<string, { ctxDir: string; init: ParsedPython; pkgRepo: string } | null>();
  const checkNamespace = (step: ResolveStep, imp: PyImport, importer: QueueItem, names: string[] | null) => {
    if (step.spec.kind !== "namespace") return;
    for (const dir of step.spec.dirs) {
      let info = nsInfo.get(dir);
      if (info === undefined) {
        info = null;
        const n = tree.get(dir);
        const c = n?.origin?.ctx;
        // Find the repo dir this image dir came from: its own origin, or its children's.
        const ctxDir = c !== undefined && n?.origin?.via === "context" ? c : ctxDirOf(tree, dir);
        if (ctxDir !== null) {
          const init = repoInit(ctxDir);
          if (init && hasCode(ctx.abs(ctxDir + "/__init__.py"), opts.fs)) info = { ctxDir, init, pkgRepo: ctx.repoPath(ctxDir + "/__init__.py") };
        }
        nsInfo.set(dir, info);
      }
      if (!info) continue;
      const { ctxDir, init, pkgRepo } = info;
      if (names) {
        for (const nm of names) {
          if (resolver.findSpec(nm, step.spec.dirs)) continue;
          if (init.topLevelNames.includes(nm) || init.topLevelNames.includes("*")) {
            emitImport(imp, importer, "SS105", step.name, `'${nm}' cannot be imported from '${step.name}': ${pkgRepo} defines it but is not copied, so '${step.name}' is a namespace package in the image`, chainThrough(importer), { dockerfile: dfRepo, after_line: model.insertAfterLine, insert: `COPY ${ctxDir}/__init__.py ${dir}/` });
          }
        }
      }
      const key = dir;
      if (!namespaceWarned.has(key) && !result.findings.some((f) => f.code === "SS105" && f.module === step.name)) {
        namespaceWarned.add(key);
        emit({ code: "SS106", file: fileRepo(importer.img), line: imp.line, module: step.name, message: `${pkgRepo} is not copied, so '${step.name}' runs as a namespace package: the code in its __init__.py never runs`, chain: chainThrough(importer), fix: { dockerfile: dfRepo, after_line: model.insertAfterLine, insert: `COPY ${ctxDir}/__init__.py ${dir}/` } });
      }
    }
  };

  // One import of a visited file: resolve it, follow what it reaches, explain what is missing.
  const visitImport = (imp: PyImport, item: QueueItem, sysPath: string[]): void => {
    let absName = imp.module;
    if (imp.level > 0) {
      // `__package__` minus (level - 1) trailing components.
      let base = item.pkg;
      for (let up = imp.level - 1; up > 0 && base !== null; up--) {
        const dot = base.lastIndexOf(".");
        base = dot < 0 ? null : base.slice(0, dot);
      }
      if (base === null) {
        relativeFails(imp, item);
        return;
      }
      absName = imp.module ? base + "." + imp.module : base;
    }
    const { steps, missing } = resolver.resolveDotted(absName, sysPath);
    const childDeferred = item.deferred || imp.deferred;
    for (let k = 0; k < steps.length; k++) {
      const s = steps[k];
      const f = specFile(s.spec);
      if (f && needsVisit(f, childDeferred)) enqueue(queueItem(f, s.name, s.spec.kind === "package", false, item, childDeferred), sysPath);
    }
    if (missing) {
      explainMissing(imp, item, absName, missing, sysPath, steps);
      return;
    }
    const last = steps[steps.length - 1];
    for (let k = 0; k < steps.length - 1; k++) if (steps[k].spec.kind === "namespace") checkNamespace(steps[k], imp, item, null);
    if (imp.kind === "from" && last.spec.kind !== "module") fromNames(imp, item, sysPath, absName, steps, last);
    else if (last.spec.kind === "namespace") checkNamespace(last, imp, item, null);
  };

  /** A relative import that goes above the top-level package, or from a file without one (SS107). */
  const relativeFails = (imp: PyImport, item: QueueItem): void => {
    const thisRepo = item.repo;
    const pkg = item.pkg;
    const why = !pkg
      ? `${thisRepo} runs ${item.module === null ? "as a script" : "as a top-level module"} in the image, so it has no parent package ("attempted relative import with no known parent package")`
      : `it goes above the top-level package '${pkg.split(".")[0]}' ("attempted relative import beyond top-level package")`;
    emitImport(imp, item, "SS107", ".".repeat(imp.level) + imp.module, `relative import '${".".repeat(imp.level)}${imp.module}' fails: ${why}`, chainThrough(item));
  };

  /** `from pkg import a, b`: each name is a submodule to follow, or else something `pkg` defines. */
  const fromNames = (imp: PyImport, item: QueueItem, sysPath: string[], absName: string, steps: ResolveStep[], last: ResolveStep): void => {
    const lastSpec = last.spec as Exclude<Resolved, { kind: "module" }>;
    if (lastSpec.kind === "namespace") checkNamespace(last, imp, item, imp.names.filter((n) => n !== "*"));
    const childDeferred = item.deferred || imp.deferred;
    for (const nm of imp.names) {
      if (nm === "*") continue;
      const sub = resolver.findSpec(nm, lastSpec.dirs);
      const subName = absName + "." + nm;
      if (sub) {
        const f = specFile(sub);
        if (f) enqueue(queueItem(f, subName, sub.kind === "package", false, item, childDeferred), sysPath);
        continue;
      }
      // Not a submodule in the image: an attribute of the package, unless the repository has it
      // as a submodule that was not copied (and the __init__ does not define the name).
      if (lastSpec.kind === "package") {
        const initNode = tree.get(lastSpec.init);
        const initParsed = initNode?.origin?.ctx !== undefined ? parseAbs(ctx.abs(initNode.origin.ctx)).parsed : null;
        if (initParsed && (initParsed.topLevelNames.includes(nm) || initParsed.topLevelNames.includes("*") || initParsed.topLevelNames.includes("__getattr__"))) continue;
      }
      explainMissing(imp, item, subName, subName, sysPath, steps);
    }
  };

  // Fallback imports (in an `except ImportError:` handler) wait until the imports of their try
  // body are judged: when all of those resolve (or never run), the handler never runs.
  const postponed: Postponed[] = [];
  /** Visit an import of a try body, recording whether it failed (or what decides it) for its fallbacks. */
  const visitTryBody = (imp: PyImport, item: QueueItem, sysPath: string[], body: TryBody): void => {
    const f0 = importFailures;
    const x0 = externals.length;
    visitImport(imp, item, sysPath);
    if (importFailures > f0) body.failed = true;
    for (let k = x0; k < externals.length; k++) body.ext.push(externals[k]);
  };
  const bodyOf = (tries: Map<number, TryBody>, line: number): TryBody => {
    let b = tries.get(line);
    if (!b) tries.set(line, (b = { failed: false, ext: [], waits: [] }));
    return b;
  };
  /** Can the handler of a try run, given what its body's imports came to? */
  const handlerVerdict = (body: TryBody | undefined): "ordinary" | "live" | "dead" | "wait" => {
    // No import in the try body: whatever raises ImportError there is not an import shipshape sees.
    if (!body) return "ordinary";
    if (body.failed) return "live";
    for (const e of body.ext) if (externalFails(e)) return "live";
    for (const w of body.waits) if (w.state === 0) return "wait";
    return "dead";
  };
  /** Decide the postponed fallback imports that can be decided; true when any was visited. */
  const settle = (): boolean => {
    let visitedAny = false;
    for (let progress = true; progress; ) {
      progress = false;
      let stuck: Postponed | null = null;
      for (const p of postponed) {
        if (p.state !== 0) continue;
        const v = handlerVerdict(p.tries.get(p.imp.fallback));
        if (v === "wait") {
          stuck ??= p;
          continue;
        }
        progress = true;
        if (v === "dead") {
          p.state = 2;
          continue;
        }
        p.state = 1;
        visitedAny = true;
        // With no import in its try body, a handler import is checked like any other.
        const imp = v === "ordinary" ? { ...p.imp, fallback: 0 } : p.imp;
        if (imp.tryLine !== 0) visitTryBody(imp, p.item, p.sysPath, bodyOf(p.tries, imp.tryLine));
        else visitImport(imp, p.item, p.sysPath);
      }
      if (!progress && stuck) {
        // Cannot happen (a handler depends only on the code around it); never drop an import.
        stuck.state = 1;
        visitImport(stuck.imp, stuck.item, stuck.sysPath);
        progress = visitedAny = true;
      }
    }
    postponed.length = 0;
    return visitedAny;
  };

  // The walk is its own function: V8 optimises (and on-stack-replaces) this loop alone, not the
  // whole of analyzeService, whose repeated compilation cost more than the walk itself.
  const walk = (): number => {
  let visits = 0;
  let qi = 0;
  for (;;) {
  for (; qi < queue.length; qi++) {
    const { item, sysPath } = queue[qi];
    const prev = visited.get(item.img);
    if (prev) {
      if (prev.deferred && !item.deferred) {
        prev.deferred = false;
        const rm = reachable.get(item.img);
        if (rm) rm.deferredOnly = false;
      }
      continue;
    }
    visited.set(item.img, item);
    const node = tree.get(item.img);
    if (!node || node.type !== "file") continue;
    const repoFile = repoOf(node);
    reachable.set(item.img, { module: item.module ?? "__main__", file: item.img, repoFile, deferredOnly: item.deferred, sysPath });
    if (!item.img.endsWith(".py")) continue;
    let pr: ParseResult;
    if (node.origin?.via === "heredoc") pr = opts.parseCache.parseText(`${svc.dockerfile}:${item.img}`, node.origin.content ?? "");
    else if (node.origin?.ctx !== undefined && node.origin.via !== "tar") pr = parseAbs(ctx.abs(node.origin.ctx));
    else continue;
    visits++;
    const thisRepo = (item.repo = repoFile ?? `${dfRepo} (image ${item.img})`);
    if (node.origin?.via === "heredoc") item.hereLine = node.origin.contentLine;
    if (!pr.parsed) {
      emit({ code: "SS003", ...locate(item, 1), module: item.module ?? "__main__", message: `cannot read ${thisRepo} as Python source: ${pr.unreadable}; its imports are not checked`, chain: chainTo(item) });
      continue;
    }
    const parsed = pr.parsed;
    if (parsed.syntaxError) {
      emit({ code: "SS002", ...locate(item, parsed.syntaxError.line), col: parsed.syntaxError.col, module: item.module ?? "__main__", message: `syntax error in ${thisRepo}: ${parsed.syntaxError.message}; Python will refuse to import it, and imports after this point may be missed`, chain: chainTo(item) });
    }
    const imports = parsed.imports;
    // Only a file with fallback imports keeps track of what its try bodies came to.
    let tries: Map<number, TryBody> | null = null;
    for (let i = 0; i < imports.length; i++) {
      if (imports[i].fallback !== 0) {
        tries = new Map();
        break;
      }
    }
    for (let i = 0; i < imports.length; i++) {
      const imp = imports[i];
      // Imports that never run in this container: a body import of a try that never raises.
      if (imp.typeChecking || (imp.mainOnly && !item.isMain) || (imp.cond !== null && condHolds(imp.cond) === false)) {
        if (tries !== null && imp.tryLine !== 0) bodyOf(tries, imp.tryLine);
        continue;
      }
      if (tries === null) visitImport(imp, item, sysPath);
      else if (imp.fallback !== 0) {
        const p: Postponed = { imp, item, sysPath, tries, state: 0 };
        postponed.push(p);
        if (imp.tryLine !== 0) bodyOf(tries, imp.tryLine).waits.push(p);
      } else if (imp.tryLine !== 0) visitTryBody(imp, item, sysPath, bodyOf(tries, imp.tryLine));
      else visitImport(imp, item, sysPath);
    }
  }
  if (!postponed.length || !settle()) break;
  }
  return visits;
  };
  result.filesVisited = walk();
  result.reachable = [...reachable.values()];

  // 5-6. Packages, the Python version, the standard library and lock files (SS2xx-SS5xx).
  packagePhase({ svc, opts, model, ctx, df, dfRepo, repoRoot, py, env, tree, sitePath, externals, stdlibImports, runners, moduleRuns, tops, result, emit, emitImport, entryFix, repoOf, packages, soft });
  return result;
}

/** An import of a module that is not in the repository, judged in the package phase. */
type ExternalImport = { imp: PyImport; importer: QueueItem; absName: string };

/** What the imports of one try body came to, for the fallback imports of its handlers. */
interface TryBody {
  /** A finding was emitted on one of them. */
  failed: boolean;
  /** Imports outside the repository, judged when a fallback needs it. */
  ext: ExternalImport[];
  /** Body imports that are themselves fallbacks of an outer try, not decided yet. */
  waits: Postponed[];
}

/** A fallback import (in an `except ImportError:` handler) waiting for its try body's verdict. */
interface Postponed {
  imp: PyImport;
  item: QueueItem;
  sysPath: string[];
  /** The try bodies of the importing file, by the line of their `try:`. */
  tries: Map<number, TryBody>;
  /** 0 waiting, 1 visited, 2 skipped: the handler never runs. */
  state: 0 | 1 | 2;
}

/**
 * The line of a configuration file that declares entry point `entry` of service `name`: the first
 * line with the quoted entry after the service's table header (`[services.name]`,
 * `[tool.shipshape.services.name]`), else anywhere, else the header; 1 when none is found.
 */
function configLine(file: string, name: string, entry: string, fs: FsCache): number {
  let text: string;
  try {
    fs.noteFile(file);
    text = readFileSync(file, "utf8");
  } catch {
    return 1;
  }
  const lines = text.split("\n");
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const header = new RegExp(`^\\s*\\[\\s*(tool\\.shipshape\\.)?services\\.(${esc}|"${esc}"|'${esc}')\\s*\\]`);
  const quoted = (l: string) => l.includes(`"${entry}"`) || l.includes(`'${entry}'`);
  const start = lines.findIndex((l) => header.test(l));
  for (let i = Math.max(0, start); i < lines.length; i++) {
    if (i > start && start >= 0 && /^\s*\[/.test(lines[i])) break; // the next table
    if (quoted(lines[i])) return i + 1;
  }
  const any = lines.findIndex(quoted);
  return any >= 0 ? any + 1 : start >= 0 ? start + 1 : 1;
}

/** "3.11" -> [3, 11]; null when unknown. */
function versionOf(v: string | null): [number, number] | null {
  const m = v ? /^(\d+)\.(\d+)/.exec(v) : null;
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** Does `(major, minor) op (M, m)` hold for the image's version? */
function versionHolds(c: NonNullable<PyCond["version"]>, v: [number, number]): boolean {
  const d = v[0] - c[1] || v[1] - c[2];
  switch (c[0]) {
    case ">=":
      return d >= 0;
    case ">":
      return d > 0;
    case "<":
      return d < 0;
    case "<=":
      return d <= 0;
    case "==":
      return d === 0;
    case "!=":
      return d !== 0;
  }
}

function platformHolds(c: NonNullable<PyCond["platform"]>, platform: string): boolean {
  switch (c[0]) {
    case "==":
      return platform === c[1];
    case "!=":
      return platform !== c[1];
    case "startswith":
      return platform.startsWith(c[1]);
    case "!startswith":
      return !platform.startsWith(c[1]);
  }
}

/** `>= 3.11`, `3.10`, `other than 3.10`. */
function describeVersion(c: NonNullable<PyCond["version"]>): string {
  const v = `${c[1]}.${c[2]}`;
  return c[0] === "==" ? v : c[0] === "!=" ? `other than ${v}` : `${c[0]} ${v}`;
}

interface PackagePhase {
  svc: ServiceSpec;
  opts: AnalyzeOptions;
  model: ImageModel;
  ctx: BuildContext;
  df: ParsedDockerfile;
  dfRepo: string;
  repoRoot: string;
  py: ReturnType<typeof imagePython>;
  env: Record<string, string>;
  tree: import("./image/tree.js").ImageTree;
  sitePath: string[];
  externals: ExternalImport[];
  stdlibImports: { module: string; file: string; line: number }[];
  runners: Map<string, string>;
  moduleRuns: Map<string, string>;
  tops: Set<string>;
  result: ServiceResult;
  emit: (f: Omit<Finding, "severity" | "service"> & { severity?: Severity }) => void;
  emitImport: (imp: PyImport, importer: QueueItem, code: string, module: string, message: string, chain: string[], fix?: Fix, lowered?: Severity, extraNotes?: string[]) => void;
  entryFix: (imgPath: string) => { fix?: Fix; repoHint: string };
  repoOf: (n: INode | null) => string | null;
  /** What the image installs (computed once, maybe already during the walk). */
  packages: () => PackageContext;
  /** Does a finding on this import become a warning (guarded, a fallback, an unknown Python version)? */
  soft: (imp: PyImport) => boolean;
}

interface PackageContext {
  /** Installs the container's python never looks at, and why. */
  hidden: Map<InstallRecord, string>;
  pkgs: ReturnType<typeof imagePackages>;
  map: ImportMap;
  ectx: ExternalContext;
  /** The verdict on one import that is not a repository module (memoised); null when the image provides it. */
  judge: (absName: string, names: string[]) => ReturnType<typeof judgeExternal>;
}

/**
 * What the image installs, and how an import outside the repository is judged against it.
 * Computed once per service, when the walk first needs a verdict (a fallback import) or else in
 * the package phase.
 */
function packageContext(opts: AnalyzeOptions, model: ImageModel, ctx: BuildContext, dfRepo: string, py: ReturnType<typeof imagePython>, env: Record<string, string>, result: ServiceResult): PackageContext {
  // Installs into a virtualenv or folder the container's python never looks at count for nothing.
  const hidden = new Map<InstallRecord, string>();
  if (result.entryPoints.length) {
    for (const rec of model.installs) {
      const why = invisibleReason(rec, env, model.argv, model.venvs, model.workdir);
      if (why) hidden.set(rec, why);
    }
  }
  const pkgs = imagePackages({ model: hidden.size ? { ...model, installs: model.installs.filter((r) => !hidden.has(r)) } : model, ctx, fs: opts.fs, dfRepo, python: py.python });
  for (const p of py.base.pythonPackages ?? []) {
    const name = normalizeName(p);
    if (!pkgs.dists.has(name)) pkgs.dists.set(name, { name, display: p, direct: true, via: `the base image ${py.base.ref}` });
  }
  const map = importMapFor(opts);
  const ectx: ExternalContext = { python: py.python, pythonSource: py.pythonSource, stdlib: py.stdlib, base: py.base, packages: pkgs, map, dfRepo, hiddenInstalls: hidden.size > 0 && !pkgs.records.length, hiddenPackages: hidden.size ? imagePackages({ model: { ...model, installs: [...hidden.keys()] }, ctx, fs: opts.fs, dfRepo, python: py.python }) : undefined };
  const judged = new Map<string, ReturnType<typeof judgeExternal>>();
  const judge = (absName: string, names: string[]): ReturnType<typeof judgeExternal> => {
    const jk = absName + "\0" + names.join(",");
    let v = judged.get(jk);
    if (v === undefined) {
      let w = judgeExternal(absName, ectx, names);
      // No install provides it, and nothing but its own name says which package would: if the
      // repository has a folder or module of that name, the image lacks local code. Telling the
      // user to install the name from an index would fetch someone else's package.
      const top = absName.split(".")[0];
      const local = opts.localModules?.get(top);
      // A name shipshape knows as a distribution (redis, celery) is that distribution: a note only.
      const wellKnown = local !== undefined && isKnownDistribution(top);
      if (w?.code === "SS201" && local && wellKnown) w = { ...w, notes: [...w.notes, `the repository also has ${local}: if that is the code meant, copy it into the image where Python looks (sys.path) instead`] };
      else if (w?.code === "SS201" && local && map.providersOf(absName)[0]?.source === "name") {
        const ctxRepo = ctx.repoPath("");
        const outside = ctxRepo !== "." && !local.startsWith(ctxRepo + "/") ? ` (outside the build context ${ctxRepo}: build from a context that holds it)` : "";
        w = { ...w, code: "SS101", key: top, message: `module '${top}' is not in the image, and nothing it installs provides it; the repository has ${local}${outside} — copy it into the image where Python looks (sys.path), rather than installing '${top}' from a package index, which would fetch someone else's package of that name` };
      }
      judged.set(jk, (v = w));
    }
    return v;
  };
  return { hidden, pkgs, map, ectx, judge };
}

/** The package, Python-version and lock rules of one service, after its import graph is walked. */
function packagePhase(x: PackagePhase): void {
  const { svc, opts, model, ctx, df, dfRepo, repoRoot, py, env, tree, sitePath, externals, stdlibImports, runners, moduleRuns, tops, result, emit, emitImport, entryFix, repoOf, soft } = x;
  // 5. Packages, the Python version and the standard library (SS2xx, SS3xx, SS4xx).
  const { hidden, pkgs, map, ectx, judge } = x.packages();
  for (const [rec, why] of hidden) {
    const user = rec.userSiteHidden;
    if (user) {
      emit({ code: "SS205", file: dfRepo, line: user.line, module: "", message: `the packages ${user.line === rec.line ? "this RUN installs" : `this COPY brings (pip install --user, RUN at ${dfRepo}:${rec.line})`} are not importable when the container runs: ${why}`, chain: [], severity: user.sure ? undefined : "warning", notes: [...user.unsure, user.fix] });
      continue;
    }
    const binDir = rec.location === "poetry-cache" ? null : rec.location + "/bin";
    const fix: Fix | undefined = binDir && !(rec.cmd.kind === "pip" && rec.cmd.target) ? { dockerfile: dfRepo, after_line: model.insertAfterLine, insert: `ENV PATH="${binDir}:$PATH"` } : undefined;
    const unsure = py.base.known ? undefined : [`the base image ${py.base.ref} is not one shipshape knows: its own ENV PATH may already put ${rec.location}/bin first`];
    emit({ code: "SS205", file: dfRepo, line: rec.line, module: "", message: `the packages this RUN installs are not importable when the container runs: ${why}`, chain: [], fix, severity: unsure ? "warning" : undefined, notes: unsure });
  }
  // What the image installs but shipshape cannot read is a finding, not silence.
  for (const e of pkgs.errors) {
    const at = e.inContext ? { file: e.file, line: e.line } : { file: dfRepo, line: e.run };
    const where = e.inContext ? "" : `${e.file} (written in the image), line ${e.line}: `;
    // The same words as `shipshape lock check` uses for these files.
    if (e.kind === "lock") emit({ code: "SS508", file: at.file, line: at.line, module: "", message: `${where}${e.file} cannot be read as a lock: ${e.message}`, chain: [] });
    else emit({ code: "SS507", file: at.file, line: at.line, module: "", message: `${where}${e.kind === "pyproject" ? e.message : `cannot parse requirement: ${e.message}`}`, chain: [] });
  }
  for (const m of pkgs.missingFiles) {
    const { fix, repoHint } = entryFix(m.image);
    emit({ code: "SS204", file: dfRepo, line: m.line, module: m.image, message: `RUN installs requirements from ${m.written}${m.repoHint ? ` (${m.repoHint})` : ""}, but ${m.image} is not in the image at that point; the build fails ("Could not open requirements file")${repoHint}`, chain: [], fix: fix ? { ...fix, after_line: Math.max(1, m.line - 1) } : undefined });
  }
  const pkgNotes = uncertainty(ectx);
  if (!pkgs.anyPythonInstall && !hidden.size && !py.base.known && externals.length) {
    emit({ code: "SS209", file: dfRepo, line: df.stages[model.stageIndex].range.line, module: "", message: `third-party imports are not checked: the image installs no Python packages and its base image ${py.base.ref} is not one shipshape knows; declare what it contains in [images."${py.base.repo}"] packages = [...]`, chain: [] });
  }
  // One finding per missing distribution (or module) and service, at the first import that
  // fails hardest (unguarded before guarded or fallback, import time before deferred), with a count.
  const verdicts = new Map<string, { e: (typeof externals)[number]; v: NonNullable<ReturnType<typeof judgeExternal>>; n: number }[]>();
  const externalsSeen = new Map<string, { module: string; ok: boolean; stdlib?: boolean; via?: string }>();
  if (py.stdlib) for (const s of stdlibImports) externalsSeen.set(s.module, { module: s.module, ok: true, stdlib: true });
  // Protocol-buffer modules generated by a RUN (protoc, grpc_tools) are not in the repository.
  const generatesProtos = runsProtoc(df);
  for (const e of externals) {
    const names = e.imp.kind === "from" ? e.imp.names : [];
    if (generatesProtos && /_pb2(_grpc)?$/.test(e.absName.split(".").pop() ?? "")) continue;
    const v = judge(e.absName, names);
    if (opts.keepExternals && !externalsSeen.has(e.absName)) {
      // Null also means "nothing to go on" (SS209, an unknown Python version): recorded only when known.
      const stdlib = !v && Boolean(py.stdlib?.names.has(e.absName.split(".")[0]));
      const via = v || stdlib ? undefined : providerIn(pkgs, map, e.absName)?.dist.via;
      if (v || stdlib || via) externalsSeen.set(e.absName, { module: e.absName, ok: !v, stdlib: stdlib || undefined, via });
    }
    if (!v) continue;
    const k = v.code + "\0" + v.key;
    const l = verdicts.get(k);
    if (l) l.push({ e, v, n: 0 });
    else verdicts.set(k, [{ e, v, n: 0 }]);
  }
  const hardness = (x: { e: (typeof externals)[number] }) => (soft(x.e.imp) ? 2 : 0) + (x.e.imp.deferred || x.e.importer.deferred ? 1 : 0);
  for (const list of verdicts.values()) {
    const best = list.reduce((a, b) => (hardness(b) < hardness(a) ? b : a));
    const others = new Set(list.map((x) => `${x.e.importer.repo}:${x.e.imp.line}`)).size - 1;
    const notes = [...best.v.notes];
    if (others > 0) notes.push(`imported in ${others} more place${others > 1 ? "s" : ""} in this image`);
    emitImport(best.e.imp, best.e.importer, best.v.code, best.v.code === "SS201" || best.v.code === "SS202" ? judgedModule(best.v.message, best.e.absName) : best.e.absName, best.v.message, chainThrough(best.e.importer), undefined, best.v.uncertain ? "warning" : undefined, notes);
  }
  result.externals = [...externalsSeen.values()];
  for (const [runner, label] of runners) {
    const dist = RUNNER_DISTRIBUTIONS[runner];
    if (providerIn(pkgs, map, dist.replace(/-/g, "_")) || pkgs.dists.has(dist)) continue;
    if (!pkgs.anyPythonInstall && !py.base.known) continue;
    // A program file of that name put in the image by COPY counts.
    const onPath = (env.PATH ?? "/usr/local/bin:/usr/bin:/bin").split(":").some((d) => tree.resolve(joinImage(d || "/", runner))?.node.type === "file");
    if (onPath) continue;
    emit({ code: "SS203", file: model.argvFile ?? dfRepo, line: model.argvLine || 1, module: dist, message: `the container runs ${label}, but nothing the image installs provides ${runner} (distribution ${map.display(dist)}); the container exits with ${label.startsWith("python -m") ? `"No module named ${runner}"` : `"${runner}: not found"`}`, chain: [], severity: pkgNotes.length ? "warning" : undefined, notes: pkgNotes.length ? pkgNotes : undefined });
  }
  for (const [module, label] of moduleRuns) {
    if (providerIn(pkgs, map, module) || (!pkgs.anyPythonInstall && !py.base.known)) continue;
    const dist = map.providersOf(module)[0];
    emit({ code: "SS203", file: model.argvFile ?? dfRepo, line: model.argvLine || 1, module, message: `the container runs ${label}, but '${module}' is neither in the image nor provided by anything the image installs (distribution ${map.display(dist.dist)}); the container exits with "No module named ${module.split(".")[0]}"`, chain: [], severity: pkgNotes.length ? "warning" : undefined, notes: pkgNotes.length ? pkgNotes : undefined });
  }
  // A local module that shadows the standard library for everything in the container.
  const lib = py.stdlib;
  if (lib) {
    const shadowSeen = new Set<string>();
    for (const ep of result.entryPoints) {
      for (const dir of ep.sysPath) {
        if (sitePath.includes(dir)) continue;
        const n = tree.get(dir);
        if (!n || n.type !== "dir") continue;
        for (const [name, child] of n.children!) {
          const mod = child.type === "dir" ? name : name.endsWith(".py") ? name.slice(0, -3) : null;
          if (!mod || !lib.names.has(mod) || lib.unshadowable.has(mod)) continue;
          const img = joinImage(dir, name);
          if (child.type === "dir" && !tree.get(joinImage(img, "__init__.py"))) continue; // a plain folder: the stdlib package wins
          if (shadowSeen.has(img)) continue;
          shadowSeen.add(img);
          const repoPath = repoOf(child.type === "dir" ? tree.get(joinImage(img, "__init__.py")) : child);
          emit({ code: "SS302", file: repoPath ?? dfRepo, line: 1, module: mod, message: `${img} shadows the standard library module '${mod}' for all code in the container, including third-party packages (${dir} comes first on sys.path for ${ep.label}); rename it`, chain: [] });
        }
      }
    }
  } else if (result.entryPoints.length && externals.length) {
    const why = py.python ? `shipshape has no standard-library list for Python ${py.python} (${py.pythonSource})` : `the image's Python version is unknown: ${py.pythonSource}`;
    emit({ code: "SS303", file: dfRepo, line: df.stages[model.stageIndex].range.line, module: "", message: `${why}; standard-library checks accept a module from any Python 3 version`, chain: [] });
  }
  for (const f of implicitFindings({ model, ctx, fs: opts.fs, pkgs, base: py.base, map, reachable: result.reachable, externals: [...stdlibImports, ...externals.filter((e) => tops.has(e.absName.split(".")[0])).flatMap((e) => {
    const file = e.importer.repo;
    const subs = e.imp.kind === "from" ? e.imp.names.filter((n) => n !== "*").map((n) => ({ module: e.absName + "." + n, file, line: e.imp.line })) : [];
    return [{ module: e.absName, file, line: e.imp.line }, ...subs];
  })], dfRepo, repoRoot, extraRules: opts.implicitRules })) {
    emit({ ...f, chain: f.chain ?? [] });
  }
  // 6. Lock files this image installs (SS5xx).
  const { pairs, config: lockConfig } = lockPairsFor(opts);
  for (const pr of pairs) {
    opts.fs.noteFile(path.join(repoRoot, pr.loose));
    opts.fs.noteFile(path.join(repoRoot, pr.lock));
  }
  for (const f of lockFindings(svc, { df, ctx, model }, { repoRoot, pairs, config: lockConfig, pythonVersion: py.python ?? undefined, severities: opts.severities })) {
    emit({ code: f.code, file: f.file, line: f.line, col: f.col, module: f.module, message: f.message, chain: f.chain, fix: f.fix, notes: f.notes, severity: f.severity });
  }
}

/** Does a RUN generate protocol-buffer modules (protoc, grpc_tools, buf generate)? */
function runsProtoc(df: ParsedDockerfile): boolean {
  return df.stages.some((st) => st.instructions.some((i) => i.keyword === "RUN" && /protoc|grpc_tools|buf\s+generate/.test(i.args.join(" "))));
}

/** The module a package verdict names ('module X' / "'X' comes from"), else the import's own. */
function judgedModule(message: string, fallback: string): string {
  return /^module '([^']+)'/.exec(message)?.[1] ?? /^'([^']+)' comes from/.exec(message)?.[1] ?? fallback;
}

function specFile(s: Resolved): string | null {
  return s.kind === "module" ? s.file : s.kind === "package" ? s.init : null;
}

function baseName(p: string): string {
  return p.split("/").pop()!.replace(/\.py$/, "");
}

function lineCount(file: string, fs: FsCache): number {
  fs.noteFile(file);
  try {
    const t = readFileSync(file, "utf8");
    return t.split("\n").length - (t.endsWith("\n") ? 1 : 0);
  } catch {
    return 0;
  }
}

function hasCode(abs: string, fs: FsCache): boolean {
  fs.noteFile(abs);
  try {
    return readFileSync(abs, "utf8")
      .split("\n")
      .some((l) => l.trim() && !l.trim().startsWith("#"));
  } catch {
    return false;
  }
}

function ancestorsIgnored(ctx: BuildContext, p: string) {
  const parts = p.split("/");
  for (let i = parts.length - 1; i > 0; i--) {
    const v = ctx.ignored(parts.slice(0, i).join("/"), true);
    if (v) return v;
  }
  return null;
}

/** The context dir an image dir came from, from its children's origins. */
function ctxDirOf(tree: import("./image/tree.js").ImageTree, dir: string): string | null {
  const n = tree.get(dir);
  if (!n || n.type !== "dir") return null;
  for (const [name, child] of n.children!) {
    const c = child.origin?.ctx;
    if (c !== undefined && child.origin?.via !== "tar" && (c === name || c.endsWith("/" + name))) return c === name ? "" : c.slice(0, c.length - name.length - 1);
  }
  return null;
}

/** Where a context path ended up in the image; for a directory, where its files went. */
/** Where pip puts a project it installs without a virtualenv, in an image whose Python is `python` (minor version, or null). */
function pipSiteDir(python: string | null): string {
  return `/usr/local/lib/python${python ?? "3"}/site-packages`;
}

const isIdentifier = (s: string) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(s);

function landedAt(idx: Map<string, string[]>, ctxPath: string, isDir: boolean): string[] {
  const direct = idx.get(ctxPath);
  if (direct && direct.length) return direct;
  if (!isDir) return [];
  const out = new Set<string>();
  for (const [k, paths] of idx) {
    if (!k.startsWith(ctxPath + "/")) continue;
    const under = k.slice(ctxPath.length);
    for (const p of paths) if (p.endsWith(under)) out.add(p.slice(0, p.length - under.length) || "/");
  }
  return [...out];
}

function lazyReverseIndex(model: ImageModel): () => Map<string, string[]> {
  let idx: Map<string, string[]> | null = null;
  return () => {
    if (idx) return idx;
    idx = new Map();
    for (const [p, n] of model.tree.walk("/")) {
      const c = n.origin?.ctx;
      if (c === undefined || n.origin?.via === "tar" || c === "") continue;
      const l = idx.get(c);
      if (l) l.push(p);
      else idx.set(c, [p]);
    }
    return idx;
  };
}

/**
 * Was `target` (context path of the missing module/package) placed by a COPY whose directory
 * source is `target` or one of its ancestors, copied as contents to a destination that does
 * not keep the directory's name?
 */
function findContentsCopy(copies: CopyRecord[], target: string, ctxRoot: string, isDir: (p: string) => boolean): { rec: CopyRecord; src: string } | null {
  for (const rec of copies) {
    if (rec.from !== null || rec.parents) continue;
    for (const src of rec.sources) {
      if (!src) continue;
      if (!(target === src || target.startsWith(src + "/")) || !isDir(src)) continue;
      if (ctxRoot && !(src === ctxRoot || src.startsWith(ctxRoot + "/"))) continue;
      const name = src.split("/").pop()!;
      const dest = rec.dest.replace(/\/$/, "");
      if (dest.split("/").pop() !== name) return { rec, src };
    }
  }
  return null;
}
