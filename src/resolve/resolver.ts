// Python's import system over the image tree: PathFinder/FileFinder rules for regular packages,
// modules and implicit namespace packages, across the sys.path of one entry point.
// Results are memoised per image: the tree does not change once the image is evaluated.
import { ImageTree, INode } from "../image/tree.js";

// Extension modules: `name.<tag>.so`, `name.so`, `name.pyd`.
const EXT_RE = /^([^.]+)(\.[A-Za-z0-9_-]+)?\.(so|pyd)$/;

export type Resolved =
  | { kind: "module"; file: string; node: INode }
  | { kind: "package"; init: string; dirs: string[]; node: INode }
  | { kind: "namespace"; dirs: string[] };

type Found = Resolved | { kind: "portion"; dir: string } | null;

const NO_DIRS: string[] = [];

/**
 * Every spec is made here, with all fields of every kind (unused ones empty): one object shape,
 * so the code that reads specs stays monomorphic and V8 does not deoptimise it when a new kind
 * first shows up.
 */
function makeSpec(kind: Resolved["kind"], file: string, init: string, dirs: string[], node: INode | null): Resolved {
  return { kind, file, init, dirs, node } as unknown as Resolved;
}

export interface ResolveStep {
  /** Dotted name of this step (a, a.b, a.b.c). */
  name: string;
  spec: Resolved;
}

export class Resolver {
  private dirMemo = new Map<string, INode | null>();
  private extMemo = new WeakMap<INode, Map<string, string>>();
  private findInMemo = new Map<string, Found>();
  // Memo tables keyed first by the path array object (sys.path lists and __path__ lists are
  // shared objects), then by name: no string building on the hot path.
  private specMemo = new WeakMap<string[], Map<string, Resolved | null>>();
  private dottedMemo = new WeakMap<string[], Map<string, { steps: ResolveStep[]; missing: string | null }>>();

  constructor(readonly tree: ImageTree) {}

  /** The directory node at an image path (symlinks followed), memoised. */
  dir(p: string): INode | null {
    let d = this.dirMemo.get(p);
    if (d !== undefined) return d;
    const n = this.tree.get(p);
    d = n && n.type === "dir" ? n : null;
    this.dirMemo.set(p, d);
    return d;
  }

  /** A file child `name + suffix` of a directory, as an image path, or null. */
  private childFile(dirPath: string, d: INode, name: string): string | null {
    const base = dirPath === "/" ? "/" : dirPath + "/";
    for (const suf of [".py", ".pyc"]) {
      const n = d.children!.get(name + suf);
      if (!n) continue;
      if (n.type === "file") return base + name + suf;
      if (n.type === "symlink" && this.tree.get(base + name + suf)?.type === "file") return base + name + suf;
    }
    let ext = this.extMemo.get(d);
    if (!ext) {
      ext = new Map();
      for (const k of d.children!.keys()) {
        const m = EXT_RE.exec(k);
        if (m && !ext.has(m[1])) ext.set(m[1], k);
      }
      this.extMemo.set(d, ext);
    }
    const e = ext.get(name);
    return e ? base + e : null;
  }

  /** FileFinder.find_spec for one directory: package > module > namespace portion. */
  private findIn(dirPath: string, name: string): Found {
    const key = dirPath + "\0" + name;
    const memo = this.findInMemo.get(key);
    if (memo !== undefined) return memo;
    let r: Found = null;
    const d = this.dir(dirPath);
    if (d) {
      const sub = (dirPath === "/" ? "" : dirPath) + "/" + name;
      const sd = d.children!.has(name) ? this.dir(sub) : null;
      let init: string | null = null;
      if (sd) init = this.childFile(sub, sd, "__init__");
      if (sd && init) r = makeSpec("package", "", init, [sub], this.tree.get(init)!);
      else {
        const f = this.childFile(dirPath, d, name);
        if (f) r = makeSpec("module", f, "", NO_DIRS, this.tree.get(f)!);
        else if (sd) r = { kind: "portion", dir: sub };
      }
    }
    this.findInMemo.set(key, r);
    return r;
  }

  /** PathFinder over a list of directories (sys.path or a package's __path__). */
  findSpec(name: string, path: string[]): Resolved | null {
    let table = this.specMemo.get(path);
    if (!table) {
      table = new Map();
      this.specMemo.set(path, table);
    }
    const memo = table.get(name);
    if (memo !== undefined) return memo;
    const portions: string[] = [];
    let out: Resolved | null = null;
    for (const dir of path) {
      const r = this.findIn(dir, name);
      if (!r) continue;
      if (r.kind === "portion") portions.push(r.dir);
      else {
        out = r;
        break;
      }
    }
    if (!out && portions.length) out = makeSpec("namespace", "", "", portions, null);
    table.set(name, out);
    return out;
  }

  /** Resolve every prefix of a dotted name; stops at the first component that is not found. */
  resolveDotted(dotted: string, sysPath: string[]): { steps: ResolveStep[]; missing: string | null } {
    let table = this.dottedMemo.get(sysPath);
    if (!table) {
      table = new Map();
      this.dottedMemo.set(sysPath, table);
    }
    const memo = table.get(dotted);
    if (memo) return memo;
    const parts = dotted.split(".");
    const steps: ResolveStep[] = [];
    let path = sysPath;
    let missing: string | null = null;
    for (let i = 0; i < parts.length; i++) {
      const name = i === 0 ? parts[0] : steps[i - 1].name + "." + parts[i];
      if (i > 0) {
        const prev = steps[i - 1].spec;
        if (prev.kind === "module") {
          missing = name; // a module has no submodules
          break;
        }
        path = prev.dirs;
      }
      const spec = this.findSpec(parts[i], path);
      if (!spec) {
        missing = name;
        break;
      }
      steps.push({ name, spec });
    }
    const r = { steps, missing };
    table.set(dotted, r);
    return r;
  }
}

/** One-shot helpers (tests and callers without a shared Resolver). */
export function findSpec(tree: ImageTree, name: string, path: string[]): Resolved | null {
  return new Resolver(tree).findSpec(name, path);
}

export function resolveDotted(tree: ImageTree, dotted: string, sysPath: string[]) {
  return new Resolver(tree).resolveDotted(dotted, sysPath);
}
