// What each RUN instruction installs, resolved against the image tree as it is at that point
// of the build: requirement files must already be in the image (copied before the RUN), local
// projects are read from their pyproject.toml, and packages built in one stage reach another
// only when the folder they were installed into is copied across with COPY --from.
import type { DfInstruction } from "../types.js";
import { expandVars, installCommands, InstallCommand, PipInstall, ProjectInstall } from "./install-commands.js";
import { ImageTree, INode, cloneNode, joinImage, normalizeImagePath, dirnameImage } from "../image/tree.js";
import { AccountEntry, pythonUserBase } from "../image/users.js";

/** A file the install reads, as found in the image at the time of the RUN. */
export interface FileRef {
  /** Image path. */
  image: string;
  /** Context-relative source, when the file was copied from the build context. */
  ctx?: string;
  /** Inline content (COPY heredoc). */
  content?: string;
  /** The file is in the image, but made by RUN or another stage we cannot read. */
  opaque?: boolean;
  /** It came from outside the build context (ADD of a URL, COPY --from an external image). */
  external?: boolean;
}

export interface InstallRecord {
  line: number;
  stage: number;
  cmd: InstallCommand;
  /** Where the cmd ran (WORKDIR, or a `cd` in the same RUN). */
  cwd: string;
  /** Requirement (-r) and constraint (-c) files; `ref` null when the file is not in the image. */
  files: { role: "requirement" | "constraint"; written: string; image: string; ref: FileRef | null }[];
  /**
   * Local projects installed (`pip install .`, `uv sync`, `poetry install`): their pyproject.toml
   * and lock. `snapshot` (a project installed from a wheel that `pip wheel` built): the project
   * folder as it was when the wheel was built.
   */
  projects: { written: string; dir: string; pyproject: FileRef | null; lock: FileRef | null; editable: boolean; root: boolean; snapshot?: INode }[];
  /**
   * Where the packages go: "system", or an image folder (venv, --target, --prefix, ~/.local;
   * "user" for root's ~/.local). For a --user install carried by COPY --from, the folder it
   * was copied to.
   */
  location: string;
  /** Set by COPY --from when the record was carried over from another stage. */
  carriedBy?: number;
  /** The image tree as it was when the RUN ran (for -r includes inside requirement files). */
  tree?: ImageTree;
  /** Wheel files or globs of the command that name wheels a `pip wheel` built (not opaque). */
  builtWheels?: string[];
  /** Local paths the command installs that are not a project pip can build at that point. */
  notProjects?: NotProject[];
  /**
   * Set by the image model for a `pip install --user` whose user site the container's python
   * never reads (another user's home, a HOME other than the one assumed): SS205.
   */
  userSiteHidden?: UserSiteHidden;
}

/**
 * A local path given to pip (`pip install .`, `-e ./libs/x`, `-e .` in a requirements file,
 * `pip wheel .`) that is, at that RUN, not a folder with pyproject.toml or setup.py: pip stops
 * with an error and the build fails, unless something shipshape cannot see puts the files there.
 */
export interface NotProject {
  /** As written (`.`, `./libs/x[dev]`). */
  written: string;
  /** The image folder pip looks at. */
  dir: string;
  editable: boolean;
  /** The folder itself is not in the image (else: it is, without pyproject.toml or setup.py). */
  missing: boolean;
  /** The folder has a setup.cfg, which pip does not accept alone. */
  setupCfg: boolean;
  /** Where it was written when not on the command line: the requirements file and line ("requirements.txt:1"). */
  in?: string;
  /** Set by the image model: the build fails here (nothing shipshape cannot see may provide the files). */
  fails?: boolean;
  /** Set by the image model: why the files may be there after all. */
  unsure?: string;
}

export interface UserSiteHidden {
  /** Why the container's python does not read them (for SS205 and the SS201 that points at it). */
  why: string;
  /** The line SS205 points at: the COPY --from that brought them, else the RUN. */
  line: number;
  /** Known for certain; else SS205 and the SS201 findings are warnings, with `unsure` as notes. */
  sure: boolean;
  unsure: string[];
  /** What to do instead. */
  fix: string;
}

/**
 * `pip wheel` into a folder: what the wheels there were built from (requirement files, named
 * packages, local projects), so that a later `pip install /wheels/*.whl` (in this stage, or in
 * another one that copies the folder) installs the same.
 */
export interface WheelBuild {
  line: number;
  /** The image folder the wheels are in (moved by COPY --from). */
  dir: string;
  packages: string[];
  files: InstallRecord["files"];
  projects: InstallRecord["projects"];
  tree?: ImageTree;
  notProjects?: NotProject[];
}

export function fileRef(tree: ImageTree, image: string): FileRef | null {
  const r = tree.resolve(image);
  if (!r || r.node.type !== "file") return null;
  return nodeRef(r.node, r.real);
}

function nodeRef(n: INode, image: string): FileRef {
  const o = n.origin;
  if (o?.via === "heredoc") return { image, content: o.content ?? "" };
  if (o && o.ctx !== undefined && (o.via === "context" || o.via === "stage")) return { image, ctx: o.ctx };
  return { image, opaque: true, external: o?.via === "external" };
}

/** The virtualenv a pip in PATH belongs to, if the stage activated one (VIRTUAL_ENV or PATH). */
function activeVenv(env: Record<string, string>, venvs: Set<string>): string | null {
  if (env.VIRTUAL_ENV) return normalizeImagePath(env.VIRTUAL_ENV, "/");
  for (const dir of (env.PATH ?? "").split(":")) {
    if (!dir.endsWith("/bin")) continue;
    const root = dir.slice(0, -4);
    if (venvs.has(root)) return root;
  }
  return null;
}

/** Record the installs of one RUN instruction. `venvs` collects `python -m venv DIR` folders. */
export function recordInstalls(
  ins: DfInstruction,
  text: string,
  stage: number,
  state: { tree: ImageTree; env: Record<string, string>; workdir: string; installs: InstallRecord[]; venvs: string[]; wheels?: WheelBuild[]; user?: string | null; accounts?: AccountEntry[]; accountsKnown?: boolean },
  argEnv: Record<string, string> = {},
): void {
  const venvSet = new Set(state.venvs);
  for (const m of text.matchAll(/(?:^|[\s;&|(])(?:\S*\/)?(?:python[0-9.]*\s+-m\s+(?:venv|virtualenv)|virtualenv|uv\s+venv)\s+(?:--?[\w-]+(?:=\S+)?\s+)*([^\s;&|)]+)/g)) {
    const dir = normalizeImagePath(expandVars(m[1].replace(/^["']|["']$/g, ""), { ...argEnv, ...state.env }), state.workdir);
    if (!venvSet.has(dir)) {
      venvSet.add(dir);
      state.venvs.push(dir);
    }
  }
  // `poetry config virtualenvs.create false` (and in-project) in a RUN set what the env vars would.
  for (const m of text.matchAll(/poetry\s+config\s+(?:--local\s+)?virtualenvs\.(create|in-project)\s+(true|false|1|0)/g)) {
    state.env[m[1] === "create" ? "POETRY_VIRTUALENVS_CREATE" : "POETRY_VIRTUALENVS_IN_PROJECT"] = m[2];
  }
  let cmds: InstallCommand[];
  try {
    cmds = installCommands(text, { ...argEnv, ...state.env }, true);
  } catch {
    return;
  }
  for (const cmd of cmds) {
    if (cmd.kind === "system") {
      state.installs.push({ line: ins.range.line, stage, cmd, cwd: state.workdir, files: [], projects: [], location: "system" });
      continue;
    }
    const cwd = cmd.cwd ? normalizeImagePath(cmd.cwd, state.workdir) : state.workdir;
    const rec: InstallRecord = { line: ins.range.line, stage, cmd, cwd, files: [], projects: [], location: "system" };
    if (cmd.kind === "pip" && cmd.mode === "wheel") {
      state.wheels?.push(wheelBuild(cmd, cwd, ins.range.line, state.tree));
      continue;
    }
    if (cmd.kind === "pip") {
      rec.location = pipLocation(cmd, state.env, venvSet, cwd, state.user ?? null, state.accounts ?? [], state.accountsKnown ?? false);
      for (const [role, list] of [["requirement", cmd.requirementFiles], ["constraint", cmd.constraintFiles]] as const) {
        for (const w of list) {
          if (/^[a-z]+:\/\//i.test(w)) continue;
          const image = normalizeImagePath(w, cwd);
          rec.files.push({ role, written: w, image, ref: fileRef(state.tree, image) });
        }
      }
      const built = state.wheels?.length ? builtBy(cmd, cwd, state.wheels) : null;
      if (built) {
        // `pip install /wheels/*.whl`: the wheels of an earlier `pip wheel`. It installs what they
        // were built from, read as the install itself would read it.
        rec.builtWheels = built.paths;
        rec.cmd = { ...cmd, packages: [...cmd.packages, ...built.builds.flatMap((b) => b.packages)] };
        for (const b of built.builds) {
          rec.files.push(...b.files);
          rec.projects.push(...b.projects);
          if (b.tree && !rec.tree) rec.tree = b.tree;
        }
      }
      for (const [list, editable] of [[cmd.localPaths, false], [cmd.editable, true]] as const) {
        for (const w of list) {
          if (/^[a-z+]+:\/\//i.test(w) || /\.(whl|tar\.gz|zip)$/i.test(w)) continue;
          const dir = normalizeImagePath(w.replace(/\[.*\]$/, ""), cwd);
          const np = notProject(state.tree, w, dir, editable);
          if (np) (rec.notProjects ??= []).push(np);
          if (state.tree.get(dir)?.type !== "dir") continue;
          rec.projects.push({ written: w, dir, pyproject: fileRef(state.tree, joinImage(dir, "pyproject.toml")), lock: null, editable, root: true });
        }
      }
    } else {
      const p = cmd as ProjectInstall;
      const dir = p.project ? normalizeImagePath(p.project, cwd) : cwd;
      const lockName = p.kind === "uv-sync" ? "uv.lock" : p.kind === "poetry-install" ? "poetry.lock" : "pdm.lock";
      rec.projects.push({ written: p.project ?? ".", dir, pyproject: fileRef(state.tree, joinImage(dir, "pyproject.toml")), lock: fileRef(state.tree, joinImage(dir, lockName)), editable: p.editable, root: !p.noRoot });
      if (p.kind === "uv-sync") rec.location = state.env.UV_PROJECT_ENVIRONMENT ? normalizeImagePath(state.env.UV_PROJECT_ENVIRONMENT, dir) : joinImage(dir, ".venv");
      else if (p.kind === "poetry-install") rec.location = /^(false|0)$/i.test(state.env.POETRY_VIRTUALENVS_CREATE ?? "") ? "system" : state.env.POETRY_VIRTUALENVS_IN_PROJECT && /^(true|1)$/i.test(state.env.POETRY_VIRTUALENVS_IN_PROJECT) ? joinImage(dir, ".venv") : "poetry-cache";
      else rec.location = joinImage(dir, ".venv");
    }
    if (rec.files.length && !rec.tree) rec.tree = state.tree.clone();
    state.installs.push(rec);
  }
}

function wheelBuild(cmd: PipInstall, cwd: string, line: number, tree: ImageTree): WheelBuild {
  const b: WheelBuild = { line, dir: normalizeImagePath(cmd.wheelDir ?? ".", cwd), packages: [...cmd.packages], files: [], projects: [] };
  for (const [role, list] of [["requirement", cmd.requirementFiles], ["constraint", cmd.constraintFiles]] as const) {
    for (const w of list) {
      if (/^[a-z]+:\/\//i.test(w)) continue;
      const image = normalizeImagePath(w, cwd);
      b.files.push({ role, written: w, image, ref: fileRef(tree, image) });
    }
  }
  for (const w of [...cmd.localPaths, ...cmd.editable]) {
    if (/^[a-z+]+:\/\//i.test(w) || /\.(whl|tar\.gz|zip)$/i.test(w)) continue;
    const dir = normalizeImagePath(w.replace(/\[.*\]$/, ""), cwd);
    const np = notProject(tree, w, dir, false);
    if (np) (b.notProjects ??= []).push(np);
    const node = tree.get(dir);
    if (node?.type !== "dir") continue;
    // A wheel holds the project as it was at this RUN (later changes to the folder are not in it).
    b.projects.push({ written: w, dir, pyproject: fileRef(tree, joinImage(dir, "pyproject.toml")), lock: null, editable: false, root: true, snapshot: cloneNode(node) });
  }
  if (b.files.length) b.tree = tree.clone();
  return b;
}

/**
 * A local path pip cannot build at this point: no folder there, or a folder with neither
 * pyproject.toml nor setup.py (pip's `is_installable_dir`; a setup.cfg alone does not count).
 * Null when it is a project, or when the path is not one to judge (a wildcard, `~`, `$VAR`).
 */
export function notProject(tree: ImageTree, written: string, dir: string, editable: boolean, where?: string): NotProject | null {
  if (/[*?$`~]/.test(written)) return null;
  const node = tree.get(dir);
  if (node && node.type !== "dir") return null; // a file (an archive, or something from an image shipshape does not know)
  const isFile = (name: string) => tree.get(joinImage(dir, name))?.type === "file";
  if (node && (isFile("pyproject.toml") || isFile("setup.py"))) return null;
  return { written, dir, editable, missing: !node, setupCfg: Boolean(node) && isFile("setup.cfg"), ...(where ? { in: where } : {}) };
}

/**
 * The wheel builds a `pip install` takes its wheels from: wheel files or globs in a build's
 * folder (`/wheels/*.whl`, `/wheels/*`, `/wheels/app-1.0-py3-none-any.whl`), or the folder
 * given to `--find-links`.
 */
function builtBy(cmd: PipInstall, cwd: string, wheels: WheelBuild[]): { builds: WheelBuild[]; paths: string[] } | null {
  const builds: WheelBuild[] = [];
  const paths: string[] = [];
  for (const w of cmd.localPaths) {
    if (!/\.whl$|\*$/.test(w)) continue;
    const p = normalizeImagePath(w, cwd);
    const b = wheels.filter((x) => x.dir === dirnameImage(p));
    if (!b.length) continue;
    paths.push(w);
    for (const x of b) if (!builds.includes(x)) builds.push(x);
  }
  // `--find-links /wheels name`: pip takes name and its dependencies from the wheels there. Which
  // project `name` is needs its pyproject.toml read, so every build in that folder counts.
  if (cmd.packages.length || cmd.requirementFiles.length) {
    for (const f of cmd.findLinks) {
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(f)) continue;
      const dir = normalizeImagePath(f, cwd);
      for (const x of wheels) if (x.dir === dir && !builds.includes(x)) builds.push(x);
    }
  }
  return builds.length ? { builds, paths } : null;
}

/**
 * COPY --from=<stage> <src> <dest>: wheel folders of the source stage that the copy takes
 * along, at their new place.
 */
export function carryWheels(src: WheelBuild[], srcPath: string, glob: boolean, dest: string, into: WheelBuild[]): void {
  for (const b of src) {
    let dir: string | null = null;
    if (glob) {
      if (dirnameImage(srcPath) === b.dir) dir = dest;
    } else if (srcPath === "/" || b.dir === srcPath || b.dir.startsWith(srcPath + "/")) {
      dir = joinImage(dest, b.dir.slice(srcPath === "/" ? 1 : srcPath.length).replace(/^\//, "") || ".");
    }
    if (dir !== null) into.push({ ...b, dir: normalizeImagePath(dir, "/") });
  }
}

function pipLocation(cmd: PipInstall, env: Record<string, string>, venvs: Set<string>, cwd: string, user: string | null, accounts: AccountEntry[], accountsKnown: boolean): string {
  if (cmd.target) return normalizeImagePath(cmd.target, cwd);
  if (cmd.prefix) return normalizeImagePath(cmd.prefix, cwd);
  if (cmd.user) {
    const b = pythonUserBase(user, env, accounts, accountsKnown).base;
    return b === "/root/.local" ? "user" : b;
  }
  // `/opt/venv/bin/pip install`, `/opt/venv/bin/python -m pip install`
  const exe = cmd.argv[0] ?? "";
  if (exe.includes("/")) {
    const root = dirnameImage(dirnameImage(normalizeImagePath(exe, cwd)));
    if (venvs.has(root) || !root.startsWith("/usr")) return root;
    return "system";
  }
  if (cmd.tool === "uv" && cmd.system) return "system";
  return activeVenv(env, venvs) ?? "system";
}

/** A `pip install --user`: its packages go to the user base of the user the RUN runs as (~/.local). */
export function isUserInstall(rec: InstallRecord): boolean {
  return rec.cmd.kind === "pip" && rec.cmd.user && !rec.cmd.target && !rec.cmd.prefix;
}

/**
 * Where the folder `location` lands when COPY --from copies `src` to `dest` (a source folder's
 * contents go into `dest`): `/root/.local` copied as `/root` → `/home/app` is `/home/app/.local`.
 * Copying a folder inside it (`/root/.local/lib/python3.11/site-packages` to
 * `/usr/local/lib/python3.11/site-packages`) moves it when `dest` ends the same way. Null when
 * the copy does not take the folder as a whole.
 */
export function relocatedBase(location: string, src: string, dest: string): string | null {
  const loc = locationPath(location);
  if (src === "/") return joinImage(dest, loc.slice(1));
  if (loc === src) return dest;
  if (loc.startsWith(src + "/")) return joinImage(dest, loc.slice(src.length + 1));
  if (src.startsWith(loc + "/")) {
    const rest = src.slice(loc.length);
    return dest.endsWith(rest) ? dest.slice(0, dest.length - rest.length) || "/" : null;
  }
  return null;
}

/**
 * Does a COPY --from of `src` take the packages installed at `location` along? It does when it
 * copies the folder or one above it, or the way down to site-packages inside it (`lib/...`;
 * copying only its `bin/` does not).
 */
export function copiesLocation(src: string, location: string): boolean {
  const loc = locationPath(location);
  if (src === "/" || loc === src || loc.startsWith(src + "/")) return true;
  return location === "system" ? src.startsWith(loc + "/") : src === loc + "/lib" || src.startsWith(loc + "/lib/") || src.startsWith(loc + "/lib64");
}

/** Image folder a location stands for, for COPY --from matching. */
export function locationPath(location: string): string {
  if (location === "system") return "/usr/local/lib";
  if (location === "user") return "/root/.local";
  if (location === "poetry-cache") return "/root/.cache/pypoetry";
  return location;
}

/**
 * COPY --from=<stage> <src...> <dest>: carry the installs of the source stage whose location
 * is inside (or contains) a copied folder. Packages installed with --prefix/--target into a
 * staging folder and copied to /usr/local are the common multi-stage pattern.
 */
export function carryInstalls(src: InstallRecord[], sources: string[], into: InstallRecord[], line: number, dest?: string): void {
  const have = new Set(into);
  for (const rec of src) {
    if (have.has(rec) || rec.cmd.kind === "system") continue;
    const hit = sources.map((s) => normalizeImagePath(s, "/")).find((s) => copiesLocation(s, rec.location));
    if (hit === undefined) continue;
    // A --user install is read from the user base it lands in (whose home that is matters).
    const moved = dest !== undefined && isUserInstall(rec) ? relocatedBase(rec.location, hit, dest) : null;
    into.push({ ...rec, carriedBy: line, ...(moved !== null ? { location: moved === "/root/.local" ? "user" : moved } : {}) });
  }
}

/**
 * Is an install's location importable by the container's Python? A virtualenv counts when the
 * command runs its interpreter (VIRTUAL_ENV, PATH with its bin/ before the system's, an explicit
 * path, or `uv run`/`poetry run`/`pdm run`); a --target folder when it is on PYTHONPATH.
 * Returns null when visible, or the reason it is not.
 */
export function invisibleReason(rec: InstallRecord, env: Record<string, string>, argv: string[] | null, venvs: string[], workdir = "/"): string | null {
  if (rec.userSiteHidden) return rec.userSiteHidden.why;
  if (rec.cmd.kind === "system" || rec.carriedBy !== undefined || isUserInstall(rec)) return null;
  const loc = rec.location;
  if (loc === "system" || loc === "user") return null;
  const words = (argv ?? []).join(" ").split(/\s+/);
  const runner = words.findIndex((w) => /(^|\/)(uv|poetry|pdm)$/.test(w));
  if (runner >= 0 && words[runner + 1] === "run") return null;
  const path = (env.PATH ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(":");
  const isVenv = loc === "poetry-cache" || venvs.includes(loc) || loc.endsWith("/.venv") || rec.cmd.kind !== "pip";
  if (rec.cmd.kind === "pip" && (rec.cmd.target || rec.cmd.prefix)) {
    if (rec.cmd.prefix && /^\/usr(\/local)?\/?$/.test(loc)) return null;
    const pp = (env.PYTHONPATH ?? "").split(":").filter(Boolean);
    if (rec.cmd.target && pp.some((p) => normalizeImagePath(p, "/") === loc)) return null;
    if (rec.cmd.prefix) return null; // a prefix install's site-packages path depends on the version: not judged
    return `pip installed into --target ${loc}, which is not on PYTHONPATH (${env.PYTHONPATH ?? "unset"})`;
  }
  if (!isVenv) return null;
  if (loc === "poetry-cache") return `poetry install created its own virtualenv (POETRY_VIRTUALENVS_CREATE is not false), and the container does not run through \`poetry run\``;
  if (env.VIRTUAL_ENV && normalizeImagePath(env.VIRTUAL_ENV, "/") === loc) {
    // VIRTUAL_ENV alone does not change which python runs; PATH does. Fall through.
  }
  // A program of the virtualenv named anywhere in the command (`/app/.venv/bin/gunicorn`, also
  // through `sh -c "exec …"` or relative to WORKDIR) runs with its packages.
  if (words.some((w) => normalizeImagePath(w.replace(/^["']|["';]$/g, ""), workdir).startsWith(loc + "/bin/"))) return null;
  const venvAt = path.indexOf(loc + "/bin");
  const sysAt = path.findIndex((d) => d === "/usr/local/bin" || d === "/usr/bin" || d === "/bin");
  if (venvAt >= 0 && (sysAt < 0 || venvAt <= sysAt)) return null;
  return `the packages went into the virtualenv ${loc}, but the container's PATH (${env.PATH ?? "the default"}) finds python in the system folders first`;
}
