// The build context: the files a build sees, after .gcloudignore (when the build goes through
// `gcloud builds submit`) and .dockerignore (Docker's own matcher), read lazily from disk.
import { lstatSync, readdirSync, readFileSync, readlinkSync, existsSync, statSync } from "node:fs";
import type { Dirent } from "node:fs";
import path from "node:path";
import { dockerignore, DockerIgnore } from "./dockerignore.js";
import { createRequire } from "node:module";
import type gitignoreType from "ignore";

// Loaded on first use (only gcloud builds need gitignore rules).
let gitignoreMemo: typeof gitignoreType | null = null;
function gitignore(): ReturnType<typeof gitignoreType> {
  if (!gitignoreMemo) {
    const m = createRequire(import.meta.url)("ignore") as typeof gitignoreType | { default: typeof gitignoreType };
    gitignoreMemo = typeof m === "function" ? m : m.default;
  }
  return gitignoreMemo();
}

export type EntryType = "file" | "dir" | "symlink";

export interface CtxEntry {
  /** Path relative to the context root, POSIX separators, no leading "./". "" is the root. */
  rel: string;
  type: EntryType;
  /** Symlink target as stored in the link. */
  target?: string;
}

export interface IgnoreVerdict {
  /** The ignore file that excluded the path, relative to the repository root. */
  file: string;
  /** The pattern-set kind. */
  kind: "dockerignore" | "gcloudignore";
}

/** What one path is known to be, memoised for the run. */
export class FsEntry {
  /** lstat type (undefined: not asked yet). */
  type: CtxEntryType | null | undefined = undefined;
  /** Sorted directory listing (null: not a readable directory). */
  list: string[] | null | undefined = undefined;
  /** The listing as a set, when it came from a walk that did not follow symlinks. */
  names: Set<string> | undefined = undefined;
  link: string | undefined = undefined;
  /** Stat signature of the content (size, ctime, inode): ctime changes with every write, also when a tool sets mtime back (cp -p, rsync -a, touch -d). */
  sig: string | undefined = undefined;
  private keys: string[] | undefined = undefined;
  constructor(readonly abs: string) {}
  /** Dependency key of one kind of fact about this path ("t", "d", "l" or "f"). */
  key(kind: "t" | "d" | "l" | "f"): string {
    const k = (this.keys ??= []);
    const i = kind === "t" ? 0 : kind === "d" ? 1 : kind === "l" ? 2 : 3;
    return (k[i] ??= kind + ":" + this.abs);
  }
}

/** The file-system facts one computation used: lstat types, listings, link targets, contents. */
export class DepSet {
  readonly t = new Set<FsEntry>();
  readonly d = new Set<FsEntry>();
  readonly l = new Set<FsEntry>();
  readonly f = new Set<FsEntry>();

  addAll(o: DepSet): void {
    for (const e of o.t) this.t.add(e);
    for (const e of o.d) this.d.add(e);
    for (const e of o.l) this.l.add(e);
    for (const e of o.f) this.f.add(e);
  }

  /** Dependency keys (see FsCache.depValue). A file whose content is a dependency needs no separate type check. */
  keys(): string[] {
    const out: string[] = [];
    for (const e of this.t) if (!this.f.has(e)) out.push(e.key("t"));
    for (const e of this.d) out.push(e.key("d"));
    for (const e of this.l) out.push(e.key("l"));
    for (const e of this.f) out.push(e.key("f"));
    return out;
  }
}

/**
 * Memoised lstat/readdir shared by every context of one run. Every query can be recorded
 * (`recorder`) so a service's result can be cached with the exact file-system facts it
 * depended on, and revalidated cheaply on the next run (see service-cache.ts).
 */
export class FsCache {
  private entries = new Map<string, FsEntry>();
  recorder: DepSet | null = null;

  private ent(abs: string): FsEntry {
    let e = this.entries.get(abs);
    if (e === undefined) {
      e = new FsEntry(abs);
      this.entries.set(abs, e);
    }
    return e;
  }

  /**
   * Take a directory listing made with `readdirSync(dir, { withFileTypes: true })` (lstat types)
   * by a walk that reached `dir` without following symlinks: its names and their types answer
   * later `readdir` and `typeOf` queries, and any other name in it does not exist.
   */
  seedDir(dir: string, ents: Dirent[]): void {
    const de = this.ent(dir);
    if (de.list !== undefined) return;
    const names: string[] = [];
    for (const e of ents) {
      names.push(e.name);
      const c = this.ent(path.join(dir, e.name));
      if (c.type === undefined) c.type = e.isSymbolicLink() ? "symlink" : e.isDirectory() ? "dir" : e.isFile() ? "file" : null;
    }
    names.sort();
    de.list = names;
    de.names = new Set(names);
  }

  /** The stat signature of a file whose content was just read (see `depValue`). */
  seedSig(abs: string, size: number, ctimeMs: number, ino: number): void {
    this.ent(abs).sig = `${size}:${ctimeMs}:${ino}`;
  }

  typeOf(abs: string): CtxEntryType | null {
    const e = this.ent(abs);
    if (this.recorder) this.recorder.t.add(e);
    if (e.type !== undefined) return e.type;
    const slash = abs.lastIndexOf(path.sep);
    if (slash > 0) {
      const names = this.entries.get(abs.slice(0, slash))?.names;
      const name = abs.slice(slash + 1);
      if (names && name !== "." && name !== ".." && name !== "" && !names.has(name)) return (e.type = null);
    }
    let t: CtxEntryType | null;
    try {
      const st = lstatSync(abs);
      t = st.isSymbolicLink() ? "symlink" : st.isDirectory() ? "dir" : st.isFile() ? "file" : null;
    } catch {
      t = null;
    }
    return (e.type = t);
  }

  readdir(abs: string): string[] | null {
    const e = this.ent(abs);
    if (this.recorder) this.recorder.d.add(e);
    if (e.list !== undefined) return e.list;
    let d: string[] | null;
    try {
      d = readdirSync(abs).sort();
    } catch {
      d = null;
    }
    return (e.list = d);
  }

  readlink(abs: string): string {
    const e = this.ent(abs);
    if (this.recorder) this.recorder.l.add(e);
    if (e.link === undefined) {
      try {
        e.link = readlinkSync(abs);
      } catch {
        e.link = "";
      }
    }
    return e.link;
  }

  /** Note that the content of a file was used (its size, ctime and inode become a dependency). */
  noteFile(abs: string): void {
    if (this.recorder) this.recorder.f.add(this.ent(abs));
  }

  /** Current value of a recorded dependency key. */
  depValue(key: string): string {
    const abs = key.slice(2);
    switch (key[0]) {
      case "t":
        return String(this.typeOf(abs));
      case "d":
        return (this.readdir(abs) ?? ["\0missing"]).join("/");
      case "l":
        return this.readlink(abs);
      default: {
        const e = this.ent(abs);
        if (e.sig === undefined) {
          try {
            const st = statSync(abs);
            e.sig = `${st.size}:${st.ctimeMs}:${st.ino}`;
          } catch {
            e.sig = "missing";
          }
        }
        return e.sig;
      }
    }
  }
}
type CtxEntryType = EntryType;

function readLines(file: string): string[] {
  try {
    return readFileSync(file, "utf8").split(/\r?\n/);
  } catch {
    return [];
  }
}

/** Parse a .dockerignore the way the Docker CLI does: comments, blank lines, trimmed, cleaned. */
export function readDockerignorePatterns(file: string): string[] {
  const out: string[] = [];
  for (let line of readLines(file)) {
    if (line.startsWith("#")) continue;
    line = line.trim();
    if (!line) continue;
    out.push(line);
  }
  return out;
}

/**
 * gcloud's .gcloudignore: gitignore syntax plus `#!include:FILE`. Without a .gcloudignore but
 * with a .gitignore, gcloud uses its default (ignore .gcloudignore, .git, .gitignore, then the
 * .gitignore rules).
 */
export function readGcloudignorePatterns(contextAbs: string): { patterns: string[]; file: string } | null {
  const gci = path.join(contextAbs, ".gcloudignore");
  const expand = (file: string, depth: number): string[] => {
    const out: string[] = [];
    for (const line of readLines(file)) {
      const m = /^#!include:(.*)$/.exec(line.trim());
      if (m && depth < 5) out.push(...expand(path.join(path.dirname(file), m[1].trim()), depth + 1));
      else out.push(line);
    }
    return out;
  };
  if (existsSync(gci)) return { patterns: expand(gci, 0), file: gci };
  const gi = path.join(contextAbs, ".gitignore");
  if (existsSync(gi)) return { patterns: [".gcloudignore", ".git", ".gitignore", ...expand(gi, 0)], file: gi };
  return null;
}

export interface ContextOptions {
  /** Absolute path of the context root. */
  root: string;
  /** Absolute repository root (paths in findings are relative to it). */
  repoRoot: string;
  /** Absolute path of the .dockerignore in force, or null. */
  dockerignoreFile: string | null;
  /** Model `gcloud builds submit`: apply .gcloudignore (gitignore rules) before .dockerignore. */
  gcloud: boolean;
  fs: FsCache;
}

export class BuildContext {
  readonly root: string;
  readonly repoRoot: string;
  readonly fs: FsCache;
  readonly dockerignoreFile: string | null;
  private docker: DockerIgnore | null = null;
  private dockerHasExceptions = false;
  private gcloud: ReturnType<typeof gitignoreType> | null = null;
  private gcloudFile = "";
  private ignoreMemo = new Map<string, IgnoreVerdict | null>();

  constructor(opts: ContextOptions) {
    this.root = opts.root;
    this.repoRoot = opts.repoRoot;
    this.fs = opts.fs;
    this.dockerignoreFile = opts.dockerignoreFile;
    if (opts.dockerignoreFile) {
      const pats = readDockerignorePatterns(opts.dockerignoreFile);
      this.docker = dockerignore().add(pats);
      this.dockerHasExceptions = pats.some((p) => p.startsWith("!"));
    }
    if (opts.gcloud) {
      const g = readGcloudignorePatterns(opts.root);
      if (g) {
        this.gcloud = gitignore().add(g.patterns);
        this.gcloudFile = g.file;
      }
    }
  }

  /** Path relative to the repository root, for messages. */
  private repoPathMemo = new Map<string, string>();
  repoPath(rel: string): string {
    let p = this.repoPathMemo.get(rel);
    if (p === undefined) {
      p = path.relative(this.repoRoot, path.join(this.root, rel)).split(path.sep).join("/") || ".";
      this.repoPathMemo.set(rel, p);
    }
    return p;
  }

  private absMemo = new Map<string, string>();
  abs(rel: string): string {
    if (!rel) return this.root;
    let a = this.absMemo.get(rel);
    if (a === undefined) {
      a = path.join(this.root, rel);
      this.absMemo.set(rel, a);
    }
    return a;
  }

  /** Why `rel` is not in the context (null when it is). Directories are checked as paths, not as `dir/`. */
  ignored(rel: string, isDir = false): IgnoreVerdict | null {
    if (!rel) return null;
    const key = isDir ? rel + "/" : rel;
    const memo = this.ignoreMemo.get(key);
    if (memo !== undefined) return memo;
    let v: IgnoreVerdict | null = null;
    if (this.gcloud) {
      // gitignore: a path inside an excluded folder cannot be re-included.
      const parts = rel.split("/");
      for (let i = 1; i <= parts.length && !v; i++) {
        const sub = parts.slice(0, i).join("/");
        const dir = i < parts.length || isDir;
        if (this.gcloud.ignores(dir ? sub + "/" : sub)) v = { file: this.rel2repo(this.gcloudFile), kind: "gcloudignore" };
      }
    }
    if (!v && this.docker && this.docker.ignores(rel)) {
      v = { file: this.rel2repo(this.dockerignoreFile!), kind: "dockerignore" };
    }
    this.ignoreMemo.set(key, v);
    return v;
  }

  private rel2repo(abs: string): string {
    return path.relative(this.repoRoot, abs).split(path.sep).join("/");
  }

  /** The entry at `rel`, ignoring the ignore files (lstat semantics). */
  entry(rel: string): CtxEntry | null {
    const t = this.fs.typeOf(this.abs(rel));
    if (!t) return null;
    const e: CtxEntry = { rel, type: t };
    if (t === "symlink") e.target = this.fs.readlink(this.abs(rel));
    return e;
  }

  /** Children names of a directory (ignore files not applied). */
  children(rel: string): string[] {
    return this.fs.readdir(this.abs(rel)) ?? [];
  }

  /**
   * Every entry below `rel` that the build sends, depth first, with Docker's rule that an
   * excluded directory is still entered when an exception pattern (`!`) might re-include
   * something below it. Symlinks are listed, never followed.
   */
  walk(rel: string, out?: CtxEntry[]): CtxEntry[] {
    if (out) return this.walkInto(rel, out);
    // Memoised per context, with the facts the walk used (replayed into each recorder).
    const fs = this.fs;
    let m = this.walkMemo.get(rel);
    if (!m) {
      const outer = fs.recorder;
      const deps = new DepSet();
      fs.recorder = deps;
      try {
        m = { out: this.walkInto(rel, []), deps };
      } finally {
        fs.recorder = outer;
      }
      this.walkMemo.set(rel, m);
    }
    if (fs.recorder) fs.recorder.addAll(m.deps);
    return m.out;
  }

  private walkMemo = new Map<string, { out: CtxEntry[]; deps: DepSet }>();

  private walkInto(rel: string, out: CtxEntry[]): CtxEntry[] {
    for (const name of this.children(rel)) {
      const child = rel ? rel + "/" + name : name;
      const e = this.entry(child);
      if (!e) continue;
      const ign = this.ignored(child, e.type === "dir");
      if (e.type === "dir") {
        if (ign && (!this.dockerHasExceptions || ign.kind === "gcloudignore")) continue;
        const before = out.length;
        out.push(e);
        this.walkInto(child, out);
        if (ign && out.length === before + 1) out.pop(); // excluded and nothing re-included below
      } else if (!ign) {
        out.push(e);
      }
    }
    return out;
  }

  /** All paths in the context matching a Docker COPY wildcard (path.Match per component). */
  glob(pattern: string): string[] {
    const parts = pattern.split("/").filter((p) => p && p !== ".");
    let current: string[] = [""];
    for (const part of parts) {
      const next: string[] = [];
      const re = hasWildcard(part) ? globToRegExp(part) : null;
      for (const dir of current) {
        if (!re) {
          const child = dir ? dir + "/" + part : part;
          if (this.entry(child)) next.push(child);
          continue;
        }
        if (dir && this.entry(dir)?.type !== "dir") continue;
        for (const name of this.children(dir)) if (re.test(name)) next.push(dir ? dir + "/" + name : name);
      }
      current = next;
    }
    return current.filter((p) => {
      if (!p) return false;
      const isDir = this.entry(p)?.type === "dir";
      if (!this.ignored(p, isDir)) return true;
      return isDir && this.walk(p).length > 0;
    });
  }
}

export function hasWildcard(s: string): boolean {
  return /[*?[]/.test(s);
}

/** Go's path.Match for a single path component. */
export function globToRegExp(part: string): RegExp {
  let re = "^";
  for (let i = 0; i < part.length; i++) {
    const c = part[i];
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = part.indexOf("]", i + 2);
      if (end < 0) {
        re += "\\[";
        continue;
      }
      let cls = part.slice(i + 1, end);
      if (cls.startsWith("^")) cls = "!" + cls.slice(1);
      if (cls.startsWith("!")) cls = "^" + cls.slice(1);
      re += "[" + cls.replace(/\\/g, "\\\\") + "]";
      i = end;
    } else if (c === "\\" && i + 1 < part.length) {
      re += "\\" + part[++i];
    } else re += c.replace(/[.+^${}()|\]\\]/g, "\\$&");
  }
  return new RegExp(re + "$");
}
