// Whole-service results cached between runs, each with the exact file-system facts it was
// computed from (every lstat, readdir and file read the analysis made, recorded by FsCache).
// On the next run a service is reused only if every one of those facts is unchanged; an edit
// to any file a service copied, read or looked for recomputes that service and no other.
// Facts are stored once in a shared table, since services of a monorepo share most of them.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { DepSet, FsCache } from "./context/context.js";

const FORMAT = "svc-3";

interface Disk {
  format: string;
  /**
   * Dependency keys ("t:/abs", "d:/abs", "f:/abs", "l:/abs") and their values as FsCache.depValue
   * gives them (short strings: a type, a stat signature, a link target, a directory listing).
   */
  deps: string[];
  values: string[];
  entries: Record<string, { deps: number[]; result: unknown }>;
}

function h(s: string): string {
  return createHash("sha1").update(s).digest("base64").slice(0, 16);
}

export class DepCache<T> {
  private disk: Disk = { format: FORMAT, deps: [], values: [], entries: {} };
  private valid: (boolean | undefined)[] = [];
  private current = new Map<string, string>();
  private fresh = new Map<string, { deps: string[]; result: unknown }>();
  private reused = new Set<string>();
  hits = 0;

  constructor(private readonly file: string | null) {
    if (!file) return;
    try {
      const d = JSON.parse(readFileSync(file, "utf8")) as Disk;
      if (d.format === FORMAT && d.entries && Array.isArray(d.deps)) this.disk = d;
    } catch {
      /* no cache yet */
    }
  }

  static key(parts: unknown): string {
    return h(JSON.stringify(parts));
  }

  private currentValue(dep: string, fs: FsCache): string {
    let v = this.current.get(dep);
    if (v === undefined) {
      v = fs.depValue(dep);
      this.current.set(dep, v);
    }
    return v;
  }

  /** The cached value for `key` if every recorded dependency still has its recorded value. */
  lookup(key: string, fs: FsCache): T | null {
    const e = this.disk.entries[key];
    if (!e) return null;
    for (const i of e.deps) {
      let ok = this.valid[i];
      if (ok === undefined) ok = this.valid[i] = this.currentValue(this.disk.deps[i], fs) === this.disk.values[i];
      if (!ok) return null;
    }
    this.reused.add(key);
    this.hits++;
    return e.result as T;
  }

  /** Keep `value` (plain JSON) with the dependencies recorded while computing it. */
  store(key: string, deps: DepSet, fs: FsCache, value: T): void {
    if (!this.file) return;
    const kept = deps.keys();
    for (const d of kept) this.currentValue(d, fs);
    this.fresh.set(key, { deps: kept, result: value });
  }

  save(): void {
    if (!this.file || (this.fresh.size === 0 && this.reused.size === Object.keys(this.disk.entries).length)) return;
    // Rebuild the table from this run's services: reused entries keep their facts, fresh ones add theirs.
    const out: Disk = { format: FORMAT, deps: [], values: [], entries: {} };
    const index = new Map<string, number>();
    const idx = (dep: string, value: string): number => {
      let i = index.get(dep);
      if (i === undefined) {
        i = out.deps.length;
        out.deps.push(dep);
        out.values.push(value);
        index.set(dep, i);
      }
      return i;
    };
    for (const key of this.reused) {
      const e = this.disk.entries[key];
      out.entries[key] = { deps: e.deps.map((i) => idx(this.disk.deps[i], this.disk.values[i])), result: e.result };
    }
    for (const [key, e] of this.fresh) out.entries[key] = { deps: e.deps.map((d) => idx(d, this.current.get(d)!)), result: e.result };
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = this.file + "." + process.pid + ".tmp";
      writeFileSync(tmp, JSON.stringify(out));
      renameSync(tmp, this.file);
    } catch {
      /* a cache that cannot be written is not an error */
    }
  }
}
