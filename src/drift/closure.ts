// The closure of a service: the repository paths its image is built from, taken from the image
// model (not from a hand-kept list of folders, which is how the old detectors went blind when a
// folder moved). Two modes:
//
//   image      every context file any evaluated stage copies (after the ignore files and the
//              COPY's --exclude patterns) or bind-mounts into a RUN, plus the
//              build files: the Dockerfile, its ignore files (.dockerignore / <name>.dockerignore,
//              .gcloudignore and .gitignore for gcloud builds), and the service's build
//              settings in the config file (dockerfile, context, target, build_args, build).
//   reachable  the Python files reachable from the entry points, the non-Python files copied
//              except documentation (README, *.md, docs/ ...), and the build files; so a README
//              or a test file copied by `COPY . .` does not make a service stale.
//
// Which files: `repoRoot` holds the compared ref's files. run.ts passes the working tree when the
// ref is the checked-out commit, else a temporary copy of the ref's own tree (git archive).
//
// Deletions: a file deleted since the deployed commit is no longer among those files. A changed
// path that no longer exists still counts when it lies under a source a COPY names (a directory,
// a file or a wildcard) and the ignore files do not exclude it; git is asked about those sources
// as pathspecs, so deletions are seen. In reachable mode a deleted Python file does not count by
// itself: whatever imported it had to change too, and that change is judged.
import { existsSync } from "node:fs";
import path from "node:path";
import type { ServiceSpec } from "../service.js";
import { FsCache, BuildContext, hasWildcard, globToRegExp } from "../context/context.js";
import { prepareService, analyzeService, AnalyzeOptions } from "../analyze.js";
import { ParseCache } from "../parse-cache.js";
import { stdlibNames } from "../check.js";
import { cleanSource } from "../image/model.js";
import { dockerignore, DockerIgnore } from "../context/dockerignore.js";
import { CONFIG_FILES } from "./build-settings.js";

export type ClosureMode = "image" | "reachable";

export interface Closure {
  mode: ClosureMode;
  /** Repository-relative files in the closure now. */
  files: Set<string>;
  /** Dockerfile and ignore files (always in the closure). */
  buildFiles: Set<string>;
  /** The service, whose build settings the config files declare. */
  service: string;
  /**
   * The files that may declare the service's build settings (shipshape.toml, pyproject.toml): a
   * change to them counts when it changes those settings (see build-settings.ts).
   */
  configFiles: string[];
  /** Repository-relative paths to give git (copied sources, build files). */
  pathspecs: string[];
  /** Is a changed path (repository-relative) part of what the image is built from? */
  contains(p: string): boolean;
  /** Why the closure may be incomplete (e.g. the Dockerfile does not parse). */
  problems: string[];
}

const DOC_EXT = /\.(md|markdown|rst|adoc|asciidoc)$/i;
const DOC_BASE = /^(readme|changelog|changes|history|license|licence|notice|authors|contributing|code_of_conduct)(\.[^/]*)?$/i;

/** Documentation that never changes what a service does (reachable mode only). */
export function isDocumentation(p: string): boolean {
  const parts = p.split("/");
  const base = parts[parts.length - 1];
  if (DOC_EXT.test(base) || DOC_BASE.test(base)) return true;
  return parts.slice(0, -1).some((s) => s === "docs" || s === "doc");
}

/** Git's own folder: never in history, whatever a COPY without .dockerignore sends. */
const isGitInternal = (p: string) => p === ".git" || p.startsWith(".git/") || p.includes("/.git/");

interface SourceMatcher {
  /** Context-relative literal prefix (a file or directory). */
  prefix: string;
  /** For wildcard sources: per-component regexes (a path matches when a prefix of its components matches). */
  glob: RegExp[] | null;
  /** The COPY's --exclude patterns, relative to the source. */
  exclude: DockerIgnore | null;
}

function matchesSource(m: SourceMatcher, ctxRel: string): boolean {
  if (!m.glob) {
    if (!(m.prefix === "" || ctxRel === m.prefix || ctxRel.startsWith(m.prefix + "/"))) return false;
    const sub = m.prefix === "" ? ctxRel : ctxRel.slice(m.prefix.length + 1);
    return !(m.exclude && sub && m.exclude.ignores(sub));
  }
  const parts = ctxRel.split("/");
  if (parts.length < m.glob.length) return false;
  return m.glob.every((re, i) => re.test(parts[i]));
}

const toPosix = (p: string) => p.split(path.sep).join("/");

export function computeClosure(svc: ServiceSpec, repoRoot: string, mode: ClosureMode, shared?: { fs: FsCache; parseCache: ParseCache; contexts: Map<string, BuildContext> }): Closure {
  const fs = shared?.fs ?? new FsCache();
  const aopts: AnalyzeOptions = {
    repoRoot,
    fs,
    parseCache: shared?.parseCache ?? new ParseCache(null),
    stdlib: stdlibNames(),
    severities: {},
    contexts: shared?.contexts ?? new Map(),
    prepared: new Map(),
  };
  const repoRel = (abs: string) => toPosix(path.relative(repoRoot, abs));
  const problems: string[] = [];
  const buildFiles = new Set<string>([repoRel(svc.dockerfile)]);
  const files = new Set<string>();
  const matchers: SourceMatcher[] = [];
  const specs = new Set<string>([repoRel(svc.dockerfile)]);
  // Both possible ignore files: one may be created, the other deleted, since the deploy.
  buildFiles.add(repoRel(svc.dockerfile + ".dockerignore"));
  buildFiles.add(repoRel(path.join(svc.context, ".dockerignore")));
  if (svc.build === "gcloud") {
    buildFiles.add(repoRel(path.join(svc.context, ".gcloudignore")));
    buildFiles.add(repoRel(path.join(svc.context, ".gitignore")));
  }
  for (const b of buildFiles) specs.add(b);
  for (const c of CONFIG_FILES) specs.add(c);

  const prep = prepareService(svc, aopts);
  if ("readError" in prep) {
    problems.push(`cannot read ${repoRel(svc.dockerfile)}: ${prep.readError}`);
    return finish();
  }
  const { ctx, model } = prep;
  if (!model) {
    problems.push(`${repoRel(svc.dockerfile)} has no stage to evaluate${svc.target ? ` (target ${svc.target})` : ""}`);
    return finish();
  }
  const ctxRepo = repoRel(svc.context);
  const toRepo = (ctxRel: string) => (ctxRel ? (ctxRepo && ctxRepo !== "" ? `${ctxRepo}/${ctxRel}` : ctxRel) : ctxRepo);

  // Every context source of every evaluated stage (builder stages included: a requirements file
  // installed in a builder whose virtualenv is copied into the final stage counts), with the
  // COPY's own --exclude patterns; and the context files RUN --mount=type=bind reads (uv and pip
  // installs from a bind-mounted lock file never COPY it).
  const sources: { raw: string; matched: string[]; exclude: DockerIgnore | null }[] = [];
  for (const rec of model.allCopies) {
    if (rec.from !== null) continue;
    const ins = model.dockerfile.stages[rec.stage]?.instructions.find((i) => i.range.line === rec.line && (i.keyword === "COPY" || i.keyword === "ADD"));
    const ex = (ins?.flags ?? []).filter((f) => f.name === "exclude" && f.value).map((f) => f.value!);
    const exclude = ex.length ? dockerignore().add(ex) : null;
    for (const raw of rec.rawSources) sources.push({ raw, matched: raw === rec.rawSources[0] ? rec.sources : [], exclude });
  }
  for (const st of model.dockerfile.stages) {
    if (st.index > model.stageIndex) break;
    for (const ins of st.instructions) {
      if (ins.keyword !== "RUN") continue;
      for (const f of ins.flags) {
        if (f.name !== "mount" || !f.value) continue;
        const kv = new Map(f.value.split(",").map((p) => [p.split("=")[0].trim(), p.slice(p.indexOf("=") + 1).trim()] as [string, string]));
        if ((kv.get("type") ?? "bind") !== "bind" || kv.has("from")) continue;
        const src = kv.get("source") ?? kv.get("src") ?? ".";
        const clean = cleanSource(src);
        if (clean !== null) sources.push({ raw: src, matched: hasWildcard(clean) ? ctx.glob(clean) : [clean], exclude: null });
      }
    }
  }
  for (const { raw, exclude } of sources) {
    if (/^(https?:\/\/|git@|git:\/\/)/.test(raw)) continue;
    const clean = cleanSource(raw.replace("/./", "/"));
    if (clean === null) continue;
    if (hasWildcard(clean)) {
      const parts = clean.split("/");
      const firstWild = parts.findIndex((p) => hasWildcard(p));
      const prefix = parts.slice(0, firstWild).join("/");
      matchers.push({ prefix, glob: parts.map((p) => (hasWildcard(p) ? globToRegExp(p) : new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`))), exclude });
      specs.add(toRepo(prefix));
    } else {
      matchers.push({ prefix: clean, glob: null, exclude });
      specs.add(toRepo(clean));
    }
  }
  // rec.sources holds every matched source of a COPY (all its arguments): expand each once.
  for (const { matched, exclude } of sources) {
    for (const src of matched) {
      const e = ctx.entry(src);
      if (!e) continue;
      if (e.type === "dir") {
        for (const c of ctx.walk(src)) {
          if (c.type === "dir" || isGitInternal(toRepo(c.rel))) continue;
          if (exclude && exclude.ignores(src ? c.rel.slice(src.length + 1) : c.rel)) continue;
          files.add(toRepo(c.rel));
        }
      } else if (!ctx.ignored(src)) files.add(toRepo(src));
    }
  }

  let reachable: Set<string> | null = null;
  if (mode === "reachable") {
    aopts.prepared!.set(svc, prep);
    const res = analyzeService(svc, aopts);
    reachable = new Set(res.reachable.map((r) => r.repoFile).filter((f): f is string => f !== null));
    if (!res.entryPoints.length) problems.push(`no entry point found in ${repoRel(svc.dockerfile)}: reachable mode has no Python files to follow`);
    for (const f of [...files]) {
      if (buildFiles.has(f)) continue;
      if (f.endsWith(".py") ? !reachable.has(f) : isDocumentation(f)) files.delete(f);
    }
    // Reachable files outside the copied sources (e.g. installed projects) belong too.
    for (const f of reachable) files.add(f);
  }

  const contains = (p: string): boolean => {
    if (buildFiles.has(p) || files.has(p)) return true;
    if (existsSync(path.join(repoRoot, p))) return false; // present at the ref and not part of the image
    // Gone from the compared tree: judge by the sources the COPY lines name and the ignore files.
    if (mode === "reachable" && (p.endsWith(".py") || isDocumentation(p))) return false;
    let ctxRel: string;
    if (ctxRepo === "" || ctxRepo === ".") ctxRel = p;
    else if (p.startsWith(ctxRepo + "/")) ctxRel = p.slice(ctxRepo.length + 1);
    else return false;
    if (!matchers.some((m) => matchesSource(m, ctxRel))) return false;
    return !ctx.ignored(ctxRel);
  };
  return finish(contains);

  function finish(contains?: (p: string) => boolean): Closure {
    return {
      mode,
      files,
      buildFiles,
      service: svc.name,
      configFiles: CONFIG_FILES,
      pathspecs: [...specs].map((s) => (s === "" ? "." : s)),
      contains: contains ?? ((p: string) => buildFiles.has(p) || files.has(p)),
      problems,
    };
  }
}
