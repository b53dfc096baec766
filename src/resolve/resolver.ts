// Python's import system over the image tree: PathFinder/FileFinder rules for regular packages,
// modules and implicit namespace packages, across the sys.path of one entry point.
import { ImageTree, INode } from "../image/tree.js";

export const SOURCE_SUFFIXES = [".py", ".pyc"];
// Extension modules: any `name.<tag>.so` or `name.so` / `.pyd`.
const EXT_RE = /^(.+?)(\.[A-Za-z0-9_-]+)?\.(so|pyd)$/;

export type Resolved =
  | { kind: "module"; file: string; node: INode }
  | { kind: "package"; init: string; dirs: string[]; node: INode }
  | { kind: "namespace"; dirs: string[] };

function childFile(tree: ImageTree, dir: string, name: string): string | null {
  const d = tree.get(dir);
  if (!d || d.type !== "dir") return null;
  for (const suf of SOURCE_SUFFIXES) {
    const n = d.children!.get(name + suf);
    if (n) {
      const p = (dir === "/" ? "" : dir) + "/" + name + suf;
      const r = tree.get(p);
      if (r && r.type === "file") return p;
    }
  }
  for (const k of d.children!.keys()) {
    const m = EXT_RE.exec(k);
    if (m && m[1] === name) return (dir === "/" ? "" : dir) + "/" + k;
  }
  return null;
}

/** FileFinder.find_spec for one directory: package > module > namespace portion. */
function findIn(tree: ImageTree, dir: string, name: string): Resolved | { kind: "portion"; dir: string } | null {
  const sub = (dir === "/" ? "" : dir) + "/" + name;
  const d = tree.get(sub);
  if (d && d.type === "dir") {
    const init = childFile(tree, sub, "__init__");
    if (init) return { kind: "package", init, dirs: [sub], node: tree.get(init)! };
  }
  const f = childFile(tree, dir, name);
  if (f) return { kind: "module", file: f, node: tree.get(f)! };
  if (d && d.type === "dir") return { kind: "portion", dir: sub };
  return null;
}

/** PathFinder over a list of directories (sys.path or a package's __path__). */
export function findSpec(tree: ImageTree, name: string, path: string[]): Resolved | null {
  const portions: string[] = [];
  for (const dir of path) {
    const r = findIn(tree, dir, name);
    if (!r) continue;
    if (r.kind === "portion") portions.push(r.dir);
    else return r;
  }
  return portions.length ? { kind: "namespace", dirs: portions } : null;
}

export interface ResolveStep {
  /** Dotted name of this step (a, a.b, a.b.c). */
  name: string;
  spec: Resolved;
}

/** Resolve every prefix of a dotted name; stops at the first component that is not found. */
export function resolveDotted(tree: ImageTree, dotted: string, sysPath: string[]): { steps: ResolveStep[]; missing: string | null } {
  const parts = dotted.split(".");
  const steps: ResolveStep[] = [];
  let path = sysPath;
  for (let i = 0; i < parts.length; i++) {
    const name = parts.slice(0, i + 1).join(".");
    if (i > 0) {
      const prev = steps[i - 1].spec;
      if (prev.kind === "module") return { steps, missing: name }; // a module has no submodules
      path = prev.dirs;
    }
    const spec = findSpec(tree, parts[i], path);
    if (!spec) return { steps, missing: name };
    steps.push({ name, spec });
  }
  return { steps, missing: null };
}
