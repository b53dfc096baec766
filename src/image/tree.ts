// A virtual file tree of an image: only what the Dockerfile puts there from the build context
// (and from other stages), each file knowing where it came from.

export interface Origin {
  /** How the file got into the image. */
  via: "context" | "stage" | "heredoc" | "tar" | "external" | "run";
  /** Path relative to the build context, when the bytes come from the context (possibly through another stage). */
  ctx?: string;
  /** The Dockerfile line of the instruction that placed it in this stage's tree. */
  line: number;
  /** For heredoc files: the content, and the Dockerfile line its first line is on. */
  content?: string;
  contentLine: number;
}

export interface INode {
  type: "dir" | "file" | "symlink";
  children?: Map<string, INode>;
  origin?: Origin;
  target?: string;
}

// Nodes and origins are made only by these functions, with every field present (undefined when
// unused), so that the lookups the analysis makes millions of times see one object shape each
// (V8 then compiles them once instead of deoptimising on each new shape).

export function makeOrigin(via: Origin["via"], line: number, ctx?: string, content?: string, contentLine = 0): Origin {
  return { via, ctx, line, content, contentLine };
}

export function newDir(origin?: Origin): INode {
  return { type: "dir", children: new Map(), origin, target: undefined };
}

export function fileNode(origin?: Origin): INode {
  return { type: "file", children: undefined, origin, target: undefined };
}

export function symlinkNode(target: string | undefined, origin?: Origin): INode {
  return { type: "symlink", children: undefined, origin, target };
}

const CLEAN_ABS = /^\/(?:[^/.][^/]*(?:\/[^/.][^/]*)*)?$/;

export function normalizeImagePath(p: string, cwd = "/"): string {
  // Fast path: already absolute and clean (no empty, "." or ".." segments, no trailing "/").
  if (CLEAN_ABS.test(p)) return p;
  const abs = p.startsWith("/") ? p : (cwd.endsWith("/") ? cwd : cwd + "/") + p;
  const out: string[] = [];
  for (const seg of abs.split("/")) {
    if (!seg || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return "/" + out.join("/");
}

export function joinImage(a: string, b: string): string {
  return normalizeImagePath(b, a);
}

export function dirnameImage(p: string): string {
  const i = p.lastIndexOf("/");
  return i <= 0 ? "/" : p.slice(0, i);
}

function segs(p: string): string[] {
  return p === "/" ? [] : p.slice(1).split("/");
}

export function cloneNode(n: INode): INode {
  if (n.type !== "dir") return { type: n.type, children: undefined, origin: n.origin, target: n.target };
  const c = new Map<string, INode>();
  for (const [k, v] of n.children!) c.set(k, cloneNode(v));
  return { type: "dir", children: c, origin: n.origin, target: undefined };
}

export class ImageTree {
  root: INode = newDir();

  clone(): ImageTree {
    const t = new ImageTree();
    t.root = cloneNode(this.root);
    return t;
  }

  /** The node at an absolute path, following symlinks (with a hop limit) unless `noFollowLast`. */
  get(p: string, noFollowLast = false): INode | null {
    // The hot path: walk the names without building the real path; a symlink on the way
    // hands over to resolve().
    const np = normalizeImagePath(p);
    let node = this.root;
    if (np === "/") return node;
    let start = 1;
    for (;;) {
      if (node.type !== "dir") return null;
      const slash = np.indexOf("/", start);
      const child = node.children!.get(slash < 0 ? np.slice(start) : np.slice(start, slash));
      if (!child) return null;
      if (child.type === "symlink" && !(slash < 0 && noFollowLast)) return this.resolve(np, noFollowLast)?.node ?? null;
      if (slash < 0) return child;
      node = child;
      start = slash + 1;
    }
  }

  /** Resolve a path to its real path and node, following symlinks like the kernel does. */
  resolve(p: string, noFollowLast = false, hops = { n: 0 }): { node: INode; real: string } | null {
    const parts = segs(normalizeImagePath(p));
    let node = this.root;
    let real: string[] = [];
    for (let i = 0; i < parts.length; i++) {
      if (node.type !== "dir") return null;
      const child = node.children!.get(parts[i]);
      if (!child) return null;
      const last = i === parts.length - 1;
      if (child.type === "symlink" && !(last && noFollowLast)) {
        if (++hops.n > 40) return null; // ELOOP
        const t = child.target ?? "";
        const base = "/" + real.join("/");
        const targetPath = t.startsWith("/") ? t : joinImage(base, t);
        const r = this.resolve(targetPath, false, hops);
        if (!r) return null;
        node = r.node;
        real = segs(r.real);
        continue;
      }
      node = child;
      real.push(parts[i]);
    }
    return { node, real: "/" + real.join("/") };
  }

  /** Create the directory (and parents) at p; returns it. A file in the way is replaced. */
  mkdirp(p: string, origin?: Origin): INode {
    let node = this.root;
    for (const s of segs(normalizeImagePath(p))) {
      let child = node.children!.get(s);
      if (child && child.type === "symlink") {
        const r = this.resolve(joinImage("/", s), false);
        if (r && r.node.type === "dir") child = r.node;
      }
      if (!child || child.type !== "dir") {
        child = newDir(origin);
        node.children!.set(s, child);
      }
      node = child;
    }
    return node;
  }

  /** Put a node at p (parents created), replacing what was there (merging directories). */
  put(p: string, n: INode, origin?: Origin): void {
    const parts = segs(normalizeImagePath(p));
    if (parts.length === 0) {
      if (n.type === "dir") mergeInto(this.root, n);
      return;
    }
    const parent = this.mkdirp("/" + parts.slice(0, -1).join("/"), origin);
    const name = parts[parts.length - 1];
    const existing = parent.children!.get(name);
    if (existing && existing.type === "dir" && n.type === "dir") mergeInto(existing, n);
    else parent.children!.set(name, n);
  }

  /** Every node below (and including) p, depth first, with absolute paths; symlinks not followed. */
  *walk(p = "/"): Generator<[string, INode]> {
    const start = this.get(p);
    if (!start) return;
    const stack: [string, INode][] = [[normalizeImagePath(p), start]];
    while (stack.length) {
      const [q, n] = stack.pop()!;
      yield [q, n];
      if (n.type === "dir") for (const [k, v] of n.children!) stack.push([q === "/" ? "/" + k : q + "/" + k, v]);
    }
  }
}

function mergeInto(dst: INode, src: INode): void {
  for (const [k, v] of src.children!) {
    const e = dst.children!.get(k);
    if (e && e.type === "dir" && v.type === "dir") mergeInto(e, v);
    else dst.children!.set(k, v);
  }
  if (src.origin && !dst.origin) dst.origin = src.origin;
}

/** Clean a COPY source the way the builder does; null if it escapes the context. */
export function cleanSource(src: string): string | null {
  const parts: string[] = [];
  for (const seg of src.split("/")) {
    if (!seg || seg === ".") continue;
    if (seg === "..") {
      if (!parts.length) return null;
      parts.pop();
    } else parts.push(seg);
  }
  return parts.join("/");
}
