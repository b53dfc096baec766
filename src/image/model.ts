// Evaluate a parsed Dockerfile, stage by stage, against its build context: the virtual file tree
// of the target stage (each file knowing the context path it came from), WORKDIR, ENV, USER,
// the container's command, local projects installed with pip, and the problems the build
// itself would hit (sources missing or escaping the context).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { dockerignore } from "../context/dockerignore.js";
import type { DfInstruction, DfStage, ParsedDockerfile } from "../types.js";
import { BuildContext, hasWildcard } from "../context/context.js";
import { ImageTree, INode, Origin, cloneNode, fileNode, joinImage, makeOrigin, newDir, normalizeImagePath, dirnameImage, symlinkNode } from "./tree.js";
import { carryInstalls, carryWheels, copiesLocation, fileRef, FileRef, InstallRecord, isUserInstall, locationPath, notProject, NotProject, recordInstalls, relocatedBase, WheelBuild } from "../packages/image-installs.js";
import { localProjectPath, parseRequirements } from "../packages/requirements.js";
import { commandsFromShellScript } from "../entry/argv.js";
import type { Fix } from "../findings.js";
import { baseAccounts, baseImageInfo } from "./base.js";
import { AccountEntry, pythonUserBase, readAccountCommands, UserBase } from "./users.js";

export interface CopyRecord {
  line: number;
  keyword: "COPY" | "ADD";
  /** Context-relative sources after cleaning (for context copies). */
  sources: string[];
  /** The sources as written. */
  rawSources: string[];
  /** Absolute destination in the image, as written after WORKDIR resolution (keeps a trailing "/"). */
  dest: string;
  from: string | null;
  parents: boolean;
  stage: number;
}

export interface ModelProblem {
  code: "SS005" | "SS006" | "SS009" | "SS206";
  line: number;
  severity?: "warning";
  message: string;
  /** Context-relative path concerned, if any. */
  path?: string;
  /** A line to insert in the Dockerfile (the analysis adds the file). */
  fix?: Omit<Fix, "dockerfile">;
  notes?: string[];
}

export interface StageState {
  tree: ImageTree;
  env: Record<string, string>;
  workdir: string;
  user: string | null;
  shell: string[];
  entrypoint: { args: string[]; json: boolean; line: number } | null;
  cmd: { args: string[]; json: boolean; line: number } | null;
  /**
   * Local projects installed with `pip install <dir>` / `-e <dir>` (or a project installer's own
   * project): image directories. A non-editable install copies the project's packages into
   * site-packages at that RUN: `snapshot` is the directory as it was then (later COPYs do not
   * reach site-packages). `location` is where the install went (as in InstallRecord);
   * `carriedBy`, the COPY --from line that brought it from another stage.
   */
  pipProjects: { dir: string; line: number; editable: boolean; snapshot?: INode; location?: string; carriedBy?: number; /** Installed with `pip install --user`. */ user?: boolean; /** Set by the analysis: the site-packages folder it was installed into. */ site?: string }[];
  /** RUN lines that may create or move files we do not model. */
  fileRuns: { line: number; text: string }[];
  copies: CopyRecord[];
  /** The external base image at the root of this stage's FROM chain. */
  baseImage: string;
  /** Package installs (pip, uv, poetry, pdm, apt, apk) this stage ran or inherited. */
  installs: InstallRecord[];
  /** Folders of wheels built with `pip wheel` (moved along by COPY --from). */
  wheels: WheelBuild[];
  /** Virtual environments created with `python -m venv DIR` (image folders). */
  venvs: string[];
  /** The accounts of /etc/passwd: the base image's (when known) and those RUN useradd/adduser made. */
  accounts: AccountEntry[];
  /** `accounts` is all /etc/passwd holds: a known base image, and no RUN that may have changed it unseen. */
  accountsKnown: boolean;
  /**
   * Folders whose content may differ from `tree`: a RUN shipshape cannot read may have written
   * files anywhere ("/"), or a COPY --from brought a folder from an image it does not know.
   */
  unsure: { path: string; line: number; why: string }[];
  /** A RUN may have changed the permissions of /root (mode 700 in the known base images). */
  rootOpened: boolean;
}

export interface ImageModel extends StageState {
  dockerfile: ParsedDockerfile;
  stageIndex: number;
  stage: DfStage;
  /** The effective container argv (ENTRYPOINT + CMD), or null when there is none. */
  argv: string[] | null;
  /** The line of the instruction that set the command (CMD or ENTRYPOINT). */
  argvLine: number;
  /** Set when the command comes from elsewhere (a compose file): that file, repo-relative; argvLine is its line. */
  argvFile?: string;
  problems: ModelProblem[];
  /** Line after which a new COPY for the final stage belongs. */
  insertAfterLine: number;
  /** COPY/ADD records of every evaluated stage (the final one's are in `copies`). */
  allCopies: CopyRecord[];
}

const TAR_RE = /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2|tar\.xz|txz)$/i;

function emptyState(base: string): StageState {
  const accounts = baseAccounts(base);
  const known = baseImageInfo(base).known;
  return {
    tree: new ImageTree(),
    env: {},
    workdir: "/",
    user: null,
    shell: ["/bin/sh", "-c"],
    entrypoint: null,
    cmd: null,
    pipProjects: [],
    fileRuns: [],
    copies: [],
    baseImage: base,
    installs: [],
    wheels: [],
    venvs: [],
    accounts: (accounts ?? []).map((a) => ({ ...a, sure: true })),
    accountsKnown: accounts !== null,
    unsure: known ? [] : [{ path: "/", line: 0, why: `the base image ${base} is not one shipshape knows, and may hold files there` }],
    rootOpened: false,
  };
}

function cloneState(s: StageState): StageState {
  return {
    ...s,
    tree: s.tree.clone(),
    env: { ...s.env },
    pipProjects: [...s.pipProjects],
    fileRuns: [...s.fileRuns],
    copies: [...s.copies],
    shell: [...s.shell],
    installs: [...s.installs],
    wheels: [...s.wheels],
    venvs: [...s.venvs],
    accounts: [...s.accounts],
    unsure: [...s.unsure],
  };
}

/** Find a stage by name or numeric index, among stages before `before`. */
export function findStage(df: ParsedDockerfile, ref: string, before: number): DfStage | null {
  const lower = ref.toLowerCase();
  for (const s of df.stages) {
    if (s.index >= before) break;
    if (s.name === lower || String(s.index) === ref) return s;
  }
  return null;
}

export { cleanSource } from "./tree.js";
import { cleanSource } from "./tree.js";

/** Stages that make up the target image: the target, its FROM ancestors and the stages it copies from. */
export function neededStages(df: ParsedDockerfile, target: number): DfStage[] {
  const needed = new Set<number>();
  const need = (i: number) => {
    if (needed.has(i) || !df.stages[i]) return;
    needed.add(i);
    const st = df.stages[i];
    const base = findStage(df, st.baseImage, i);
    if (base) need(base.index);
    for (const ins of st.instructions) {
      const from = ins.flags.find((f) => f.name === "from")?.value;
      if ((ins.keyword === "COPY" || ins.keyword === "ADD") && from) {
        const s = findStage(df, from, i);
        if (s) need(s.index);
      }
    }
  };
  need(target);
  return df.stages.filter((s) => needed.has(s.index));
}

export function evaluateImage(df: ParsedDockerfile, ctx: BuildContext, target?: string | null): ImageModel {
  const problems: ModelProblem[] = [];
  const states = new Map<number, StageState>();
  let targetIndex = df.stages.length - 1;
  if (target) {
    const t = df.stages.find((s) => s.name === target.toLowerCase());
    if (t) targetIndex = t.index;
  }
  // Which stages are needed: the target, its FROM ancestors and every stage copied --from.
  const needed = new Set(neededStages(df, targetIndex).map((st) => st.index));

  for (const st of df.stages) {
    if (st.index > targetIndex) break;
    if (!needed.has(st.index)) continue;
    const baseStage = findStage(df, st.baseImage, st.index);
    const state = baseStage && states.has(baseStage.index) ? cloneState(states.get(baseStage.index)!) : emptyState(st.baseImage);
    if (baseStage) state.cmd = state.cmd ? { ...state.cmd, line: state.cmd.line } : null;
    let cmdSetHere = false;
    // ARG values are environment variables of the RUN commands of the stage (not of the container).
    const argEnv: Record<string, string> = {};
    // Local projects pip cannot build at their RUN (SS206), made into findings once the stage's
    // later instructions show where the project comes from.
    const failing: FailingProject[] = [];
    for (const ins of st.instructions) {
      switch (ins.keyword) {
        case "ARG":
          for (const p of ins.properties ?? []) if (p.value !== null) argEnv[p.name] = p.value;
          break;
        case "WORKDIR": {
          if (ins.args.length) {
            state.workdir = normalizeImagePath(ins.args.join(" "), state.workdir);
            state.tree.mkdirp(state.workdir, makeOrigin("run", ins.range.line));
          }
          break;
        }
        case "ENV":
          for (const p of ins.properties ?? []) state.env[p.name] = p.value ?? "";
          break;
        case "USER":
          state.user = ins.args[0] ?? null;
          break;
        case "SHELL":
          if (ins.args.length) state.shell = [...ins.args];
          break;
        case "CMD":
          state.cmd = { args: ins.args, json: ins.jsonForm, line: ins.range.line };
          cmdSetHere = true;
          break;
        case "ENTRYPOINT":
          state.entrypoint = { args: ins.args, json: ins.jsonForm, line: ins.range.line };
          if (!cmdSetHere) state.cmd = null;
          break;
        case "RUN":
          evalRun(ins, state, st.index, argEnv, ctx, failing);
          break;
        case "COPY":
        case "ADD":
          evalCopy(ins, st, df, ctx, state, states, problems);
          break;
      }
    }
    for (const f of failing) problems.push(projectProblem(f, state, ctx));
    states.set(st.index, state);
  }

  const stage = df.stages[targetIndex];
  const final = states.get(targetIndex) ?? emptyState("scratch");
  judgeUserSites(final);
  const { argv, line: argvLine } = effectiveArgv(final);
  let insertAfterLine = stage ? stage.range.line : 1;
  if (stage) {
    for (const ins of stage.instructions) {
      if (ins.keyword === "COPY" || ins.keyword === "ADD" || ins.keyword === "WORKDIR") insertAfterLine = ins.range.endLine;
    }
  }
  return {
    ...final,
    dockerfile: df,
    stageIndex: targetIndex,
    stage,
    argv,
    argvLine,
    problems,
    insertAfterLine,
    allCopies: [...new Set([...states.values()].flatMap((s) => s.copies))],
  };
}

function effectiveArgv(s: StageState): { argv: string[] | null; line: number } {
  const asArgv = (c: { args: string[]; json: boolean }) => (c.json ? c.args : [...s.shell, c.args.join(" ")]);
  if (s.entrypoint) {
    const ep = asArgv(s.entrypoint);
    if (!s.entrypoint.json) return { argv: ep, line: s.entrypoint.line };
    return { argv: [...ep, ...(s.cmd ? asArgv(s.cmd) : [])], line: s.cmd?.line ?? s.entrypoint.line };
  }
  if (s.cmd) return { argv: asArgv(s.cmd), line: s.cmd.line };
  return { argv: null, line: 0 };
}

/** Does a RUN script run a command that copies, moves, links, downloads or unpacks files? */
export function writesFiles(script: string): boolean {
  for (const cmd of script.split(/&&|\|\||;|\||\n/)) {
    const words = cmd.trim().split(/\s+/).filter((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w) && w !== "sudo" && w !== "exec");
    const w0 = (words[0] ?? "").split("/").pop();
    if (!w0) continue;
    if (["cp", "mv", "ln", "rsync", "tar", "unzip", "wget", "install"].includes(w0)) return true;
    if (w0 === "git" && words[1] === "clone") return true;
    if (w0 === "curl" && words.some((w) => /^-[a-zA-Z]*[oO]/.test(w) || w === "--output")) return true;
  }
  return false;
}

function evalRun(ins: DfInstruction, state: StageState, stage: number, argEnv: Record<string, string> = {}, ctx?: BuildContext, failing: FailingProject[] = []): void {
  const text = [ins.args.join(" "), ...(ins.heredocs ?? []).map((h) => h.content)].join("\n");
  const line = ins.range.line;
  const before = state.installs.length;
  const wheelsBefore = state.wheels.length;
  readAccountCommands(text, state.accounts, line, baseImageInfo(state.baseImage).family === "alpine");
  // `RUN --mount=type=bind,source=X,target=Y`: during this RUN, Y holds the context's X (a
  // requirements file, uv.lock and pyproject.toml, the project itself), then it is gone again.
  const binds = ctx ? contextBindMounts(ins, state.workdir) : [];
  let view: StageState = state;
  // Folders this RUN may see with files the tree does not show: other mounts (a cache, another
  // stage or image, a bind whose source is not in the context), and anything its own commands write.
  const unsureHere: { path: string; why: string }[] = [];
  for (const m of otherMounts(ins, state.workdir)) unsureHere.push({ path: m, why: `the RUN mounts something at ${m} that shipshape does not read` });
  const writer = mayCreateFiles(text);
  if (writer) unsureHere.push({ path: "/", why: `\`${writer}\` in this RUN may create files shipshape does not see` });
  if (binds.length) {
    view = { ...state, tree: state.tree.clone() };
    for (const b of binds) {
      const node = ctxNode(ctx!, b.source.replace(/^\.?\/+|\/+$/g, "").replace(/^\.$/, ""), line, null);
      if (node) view.tree.put(b.target, node);
      else unsureHere.push({ path: b.target, why: `the RUN bind-mounts ${b.source || "."} at ${b.target}` });
    }
  }
  recordInstalls(ins, text, stage, view, argEnv);
  const made = state.installs.slice(before);
  if (ctx) for (const rec of made) projectsInRequirementFiles(rec, view, ctx);
  // Local paths pip cannot build (no pyproject.toml, no setup.py): the build fails, unless
  // something shipshape cannot see may have put the files there.
  const judge = (np: NotProject, tool: "pip" | "uv", wheel: boolean, projects: { dir: string }[]) => {
    const why = unsureAbout(np.dir, state, view, unsureHere);
    if (why) {
      np.unsure = why;
      return;
    }
    np.fails = true;
    // pip stops there: nothing of the project is installed.
    for (let i = projects.length - 1; i >= 0; i--) if (projects[i].dir === np.dir) projects.splice(i, 1);
    failing.push({ ...np, line, tool, wheel, workdir: state.workdir });
  };
  for (const rec of made) for (const np of rec.notProjects ?? []) judge(np, rec.cmd.kind === "pip" ? rec.cmd.tool : "pip", false, rec.projects);
  for (const w of state.wheels.slice(wheelsBefore)) for (const np of w.notProjects ?? []) judge(np, "pip", true, w.projects);
  // Local projects installed (`pip install .`, `-e .`, `uv sync`, `poetry install`, wheels that
  // `pip wheel` built): a non-editable install puts the project's packages in site-packages as the
  // folder is at this RUN (a wheel: as it was when built); an editable one points at the folder.
  for (const rec of made) {
    for (const p of rec.projects) {
      if (!p.root || state.pipProjects.some((x) => x.dir === p.dir && x.line === line)) continue;
      let snapshot = p.snapshot;
      if (!snapshot) {
        // An editable install of a bind-mounted folder points at nothing once the RUN is over.
        const node = (p.editable ? state : view).tree.get(p.dir);
        if (node?.type !== "dir" || (rec.cmd.kind !== "pip" && !p.pyproject)) continue;
        if (!p.editable) snapshot = cloneNode(node);
      }
      state.pipProjects.push({ dir: p.dir, line, editable: p.editable && !p.snapshot, snapshot, location: rec.location, ...(isUserInstall(rec) ? { user: true } : {}) });
    }
  }
  if (writesFiles(text)) state.fileRuns.push({ line, text: text.length > 120 ? text.slice(0, 117) + "..." : text });
  // What this RUN may have written stays unknown for the instructions after it.
  if (writer) {
    state.unsure.push({ path: "/", line, why: `the RUN at line ${line} (\`${writer}\`) may create files shipshape does not see` });
    state.accountsKnown = false;
  }
  if (/\bch(mod|own)\b[^\n;&|]*\s\/root(\/|\s|$)/m.test(text)) state.rootOpened = true;
}

/**
 * `pip install --user` puts packages in the user base (~/.local) of the user the RUN runs as;
 * Python adds a user base to sys.path only for the user whose base it is (PYTHONUSERBASE, else
 * $HOME/.local), and only if that user can read it. Installs of the final image (made there or
 * copied in with COPY --from) whose user base is not the one of the user the container runs as
 * are marked, and the projects they installed dropped: their packages are not importable (SS205).
 */
function judgeUserSites(final: StageState): void {
  if (!final.installs.some(isUserInstall)) return;
  const rt = pythonUserBase(final.user, final.env, final.accounts, final.accountsKnown);
  const verdicts = new Map<string, ReturnType<typeof userSiteVerdict>>();
  const verdict = (location: string) => {
    if (!verdicts.has(location)) verdicts.set(location, userSiteVerdict(locationPath(location), rt, final));
    return verdicts.get(location)!;
  };
  final.installs = final.installs.map((rec) => {
    if (!isUserInstall(rec)) return rec;
    const v = verdict(rec.location);
    if (!v) return rec;
    const where = rec.carriedBy !== undefined ? `they are in ${locationPath(rec.location)}` : `pip install --user put them in ${locationPath(rec.location)}`;
    return { ...rec, userSiteHidden: { why: `${where}, but ${v.why}`, line: rec.carriedBy ?? rec.line, sure: v.sure, unsure: v.unsure, fix: rec.carriedBy !== undefined || !v.sameStage ? v.fix : v.sameStage } };
  });
  final.pipProjects = final.pipProjects.filter((pp) => !(pp.user && pp.location !== undefined && verdict(pp.location)));
}

/** Why the container's python does not read the user base at `loc`, or null when it does. */
function userSiteVerdict(loc: string, rt: UserBase, final: StageState): { why: string; sure: boolean; unsure: string[]; fix: string; sameStage?: string } | null {
  // A user base moved into the system prefix is no user site any more.
  if (loc === "/usr/local" || loc === "/usr") return null;
  const env = final.env;
  const site = new RegExp(`^${loc.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/lib/python\\d+(\\.\\d+)?/site-packages$`);
  const onPath = (env.PYTHONPATH ?? "").split(":").some((p) => site.test(normalizeImagePath(p || ".", final.workdir)));
  const userSite = !env.PYTHONNOUSERSITE && rt.base === loc;
  // /root is mode 700 in the official images: no other user reads what is under it.
  const underRoot = loc === "/root" || loc.startsWith("/root/");
  const unreadable = underRoot && !rt.root;
  if ((onPath || userSite) && !unreadable) return null;
  const unsure: string[] = [];
  const known = baseImageInfo(final.baseImage).known;
  let why: string;
  if (onPath || userSite) {
    why = `the container runs as ${rt.who}, and /root is readable only by root (mode 700), so python cannot read them, although ${onPath ? "PYTHONPATH names their site-packages" : `${loc} is the user site of ${rt.who} (${rt.how})`}`;
    if (!known) unsure.push(`the base image ${final.baseImage} is not one shipshape knows: its /root may be readable by others`);
    if (final.rootOpened) unsure.push(`a RUN changes the mode or owner of /root`);
  } else if (env.PYTHONNOUSERSITE) {
    why = `PYTHONNOUSERSITE is set, so python reads no user site (and PYTHONPATH does not name ${loc}/lib/pythonX.Y/site-packages)`;
  } else {
    why = `the container runs as ${rt.who}, whose python looks for its user site in ${rt.base} (${rt.how})${unreadable ? `; and /root is readable only by root` : ""}`;
    if (!rt.sure && !(unreadable && known && !final.rootOpened)) unsure.push(`the HOME of ${rt.who} is not known for certain: ${rt.how}`);
    if (unreadable && !known) unsure.push(`the base image ${final.baseImage} is not one shipshape knows`);
  }
  const baseUnderRoot = rt.base === "/root" || rt.base.startsWith("/root/");
  const elsewhere = `install them without --user (into a virtualenv on PATH, or the system site-packages)`;
  let fix: string;
  if (rt.root) fix = `copy them to ${rt.base} (COPY --from=… ${loc} ${rt.base}), or set ENV PYTHONUSERBASE=${loc}, or ${elsewhere}`;
  else if (baseUnderRoot) fix = `copy them to a folder outside /root and point PYTHONUSERBASE at it (COPY --from=… ${loc} /opt/pyuser with ENV PYTHONUSERBASE=/opt/pyuser), or ${elsewhere}`;
  else fix = `copy them to ${rt.base}, the user site of ${rt.who} (COPY --from=… ${loc} ${rt.base})${underRoot ? "" : `, or set ENV PYTHONUSERBASE=${loc}`}, or ${elsewhere}${underRoot ? `; under /root they stay unreadable for ${rt.who} whatever PYTHONUSERBASE or PYTHONPATH say` : ""}`;
  // Installed in this stage as another user: installing as the container's user puts them in its site.
  const sameStage = !baseUnderRoot && !env.PYTHONNOUSERSITE && final.user ? `run the install as ${rt.who} (put USER ${final.user} before it) so that it goes to ${rt.base}, or ${elsewhere}` : undefined;
  return { why, sure: unsure.length === 0, unsure, fix, sameStage };
}

/** A local path pip could not build at its RUN (SS206). */
interface FailingProject extends NotProject {
  line: number;
  tool: "pip" | "uv";
  /** `pip wheel`, not an install. */
  wheel: boolean;
  workdir: string;
}

/**
 * Why the files of `dir` may be other than the tree shows at this RUN, or null when the tree is
 * all there is: the base image is one shipshape knows, and no earlier RUN, mount or COPY from an
 * unknown image may have put files there.
 */
function unsureAbout(dir: string, state: StageState, view: StageState, here: { path: string; why: string }[]): string | null {
  const overlaps = (p: string) => p === "/" || p === dir || dir.startsWith(p + "/") || p.startsWith(dir + "/");
  for (const u of here) if (overlaps(u.path)) return u.why;
  for (const u of state.unsure) if (overlaps(u.path)) return u.why;
  // A path through something shipshape cannot see into: a file from an unknown image, a symlink.
  let cur = "";
  for (const part of dir.split("/").filter(Boolean)) {
    cur += "/" + part;
    const n = view.tree.get(cur, true);
    if (!n) break;
    if (n.type === "symlink") return `${cur} is a symbolic link`;
    if (n.type === "file") return n.origin?.via === "external" ? `${cur} comes from an image shipshape does not read` : null;
  }
  return null;
}

/** Commands that cannot create the files of a Python project in an arbitrary folder. */
const QUIET_COMMANDS = new Set([
  "apt-get", "apt", "aptitude", "apk", "yum", "dnf", "microdnf", "dpkg", "apt-mark", "rm", "rmdir", "mkdir", "chmod", "chown", "chgrp",
  "useradd", "adduser", "groupadd", "addgroup", "usermod", "groupmod", "userdel", "passwd", "chpasswd", "echo", "printf", "true", "false",
  "set", "export", "unset", "cd", "ls", "cat", "which", "test", "[", "[[", "sleep", "id", "whoami", "umask", "ulimit", "exit", "ldconfig",
  "update-ca-certificates", "locale-gen", "update-alternatives", "pip-compile", "sed", "grep", "pwd", "type", "hash", "trap", ":", "uname",
  "nproc", "du", "df", "head", "tail", "wc", "sort",
]);
/** Words that run the command after them (`sudo cp …`). */
const WRAPPERS = new Set(["sudo", "env", "exec", "command", "time", "nice", "nohup", "su-exec", "gosu", "chroot"]);

/**
 * The first command of a RUN script that may create files in an arbitrary folder (a copy, a
 * download, a generator, a redirect, a script shipshape does not read), or null when every command is
 * one that cannot: package managers, pip/uv installs, file removal, account commands, echo.
 */
export function mayCreateFiles(script: string): string | null {
  if (/(^|[^<>&0-9=-])[0-9]?>>?\s*(?!&|\/dev\/null\b)[^\s;&|>]/.test(script.replace(/<<-?\s*['"]?\w+['"]?/g, ""))) return script.match(/[^\n;&|]*>[^\n;&|]*/)?.[0].trim() ?? ">";
  for (let argv of commandsFromShellScript(script)) {
    const said = argv.join(" ");
    for (;;) {
      if (argv.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[0])) argv = argv.slice(1);
      else if (argv.length && WRAPPERS.has(argv[0].split("/").pop()!)) {
        // gosu/su-exec/chroot take a user or folder first; the others, options.
        const takesArg = ["gosu", "su-exec", "chroot"].includes(argv[0].split("/").pop()!);
        argv = argv.slice(1);
        while (argv.length && argv[0].startsWith("-")) argv = argv.slice(1);
        if (takesArg) argv = argv.slice(1);
      } else break;
    }
    if (!argv.length) continue;
    if (argv.some((w) => /\$\(|`/.test(w))) return said;
    const cmd = argv[0].split("/").pop()!;
    if ((cmd === "sh" || cmd === "bash" || cmd === "dash") && argv[1] === "-c" && argv[2] !== undefined) {
      const inner = mayCreateFiles(argv[2]);
      if (inner) return inner;
      continue;
    }
    if (cmd === "find") {
      if (argv.some((w) => /^-(exec|execdir|ok|okdir|fprint|fls|fprintf)$/.test(w))) return said;
      continue;
    }
    if (cmd === "xargs") {
      const run = argv.slice(1).find((w) => !w.startsWith("-"));
      if (run !== undefined && !QUIET_COMMANDS.has(run.split("/").pop()!)) return said;
      continue;
    }
    if (QUIET_COMMANDS.has(cmd)) {
      if (cmd === "sed" && argv.some((w) => /^-[a-zA-Z]*w|^w\s/.test(w))) return said;
      continue;
    }
    // pip/uv/poetry/pdm installs write into site-packages or a virtualenv, not into a project folder.
    const sub = argv.slice(1).find((w) => !w.startsWith("-"));
    if (/^pip(\d+(\.\d+)?)?$/.test(cmd) && ["install", "uninstall", "wheel", "config", "cache", "list", "freeze", "check", "show", "download"].includes(sub ?? "")) continue;
    if (/^python(\d+(\.\d+)?)?$/.test(cmd)) {
      const m = argv.indexOf("-m");
      if (m > 0 && (argv[m + 1] === "pip" || argv[m + 1] === "venv" || argv[m + 1] === "compileall" || argv[m + 1] === "ensurepip")) continue;
      return said;
    }
    if (cmd === "uv" && ["pip", "sync", "venv", "tool", "python", "cache", "export", "lock"].includes(sub ?? "")) continue;
    if ((cmd === "poetry" || cmd === "pdm") && ["install", "sync", "config", "export", "lock", "self", "use"].includes(sub ?? "")) continue;
    if (cmd === "virtualenv" || cmd === "pip-sync") continue;
    return said;
  }
  return null;
}

/** Targets of the RUN's mounts that the model does not read: caches, tmpfs, secrets, and binds from another stage or image. */
function otherMounts(ins: DfInstruction, workdir: string): string[] {
  const out: string[] = [];
  for (const f of ins.flags) {
    if (f.name !== "mount" || !f.value) continue;
    const kv: Record<string, string> = {};
    for (const part of f.value.split(",")) {
      const eq = part.indexOf("=");
      if (eq > 0) kv[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).trim();
    }
    const type = kv.type ?? "bind";
    if (type === "bind" && !kv.from) continue;
    const target = kv.target ?? kv.dst ?? kv.destination;
    if (target) out.push(normalizeImagePath(target, workdir));
  }
  return out;
}

/**
 * SS206 for a local path pip cannot build: the message names the folder pip looks at; the fix
 * copies the project there before the RUN, from where the stage (or the build context) has it.
 */
function projectProblem(f: FailingProject, end: StageState, ctx: BuildContext): ModelProblem {
  const verb = f.wheel ? "builds a wheel of" : "installs";
  const what = `${f.editable ? "-e " : ""}${f.written}`;
  const state = f.missing
    ? `${f.dir} is not in the image at that point`
    : `${f.dir} has neither pyproject.toml nor setup.py at that point${f.setupCfg ? " (a setup.cfg alone is not a project pip can build)" : ""}`;
  const said = f.missing
    ? f.tool === "uv" ? `uv: "Distribution not found at: file://${f.dir}"` : f.editable ? `pip: "${f.written} is not a valid editable requirement"` : `pip: "Invalid requirement: '${f.written}' … File '${f.written}' does not exist."`
    : f.tool === "uv" ? `uv: "${f.dir} does not appear to be a Python project, as neither \`pyproject.toml\` nor \`setup.py\` are present in the directory"` : f.editable ? `pip: "file://${f.dir} does not appear to be a Python project: neither 'setup.py' nor 'pyproject.toml' found."` : `pip: "Directory '${f.written.replace(/\[.*\]$/, "")}' is not installable. Neither 'setup.py' nor 'pyproject.toml' found."`;
  const notes: string[] = [];
  let src: string | null = null;
  // Where the stage gets the project later (a COPY after the RUN), else the build context.
  for (const name of ["pyproject.toml", "setup.py"]) {
    const n = end.tree.get(joinImage(f.dir, name));
    if (!n?.origin || n.origin.line <= f.line) continue;
    notes.push(`${joinImage(f.dir, name)} is copied into the image only later, at line ${n.origin.line}: copy the project before this RUN (move that COPY above it)`);
    if (n.origin.ctx !== undefined && (n.origin.via === "context" || n.origin.via === "stage")) src = path.posix.dirname(n.origin.ctx);
    break;
  }
  if (src === null) {
    const rel = f.dir === f.workdir ? "." : f.dir.startsWith(f.workdir + "/") ? f.dir.slice(f.workdir.length + 1) : null;
    for (const c of [f.dir.slice(1), rel]) {
      if (c === null || !c || c.startsWith("..")) continue;
      const cc = c === "." ? "" : c;
      if (["pyproject.toml", "setup.py"].some((n) => ctx.entry(cc ? `${cc}/${n}` : n)?.type === "file")) {
        src = c;
        break;
      }
    }
  }
  if (!f.missing) notes.push(`copying only pyproject.toml first (to keep the dependency layer cached) gets pip past this error, but not the build backend: without the package folder hatchling, flit-core and poetry-core fail, and setuptools installs the project without its modules (a non-editable install never sees code copied after it)`);
  return {
    code: "SS206",
    line: f.line,
    message: `RUN ${verb} the local project ${what}${f.in ? ` (from ${f.in})` : ""}, but ${state}; the build fails (${said})`,
    fix: src !== null ? { after_line: Math.max(1, f.line - 1), insert: `COPY ${src} ${f.dir}` } : undefined,
    notes,
  };
}

function ctxNode(ctx: BuildContext, rel: string, line: number, exclude: ((p: string) => boolean) | null, depth = 0): INode | null {
  const e = ctx.entry(rel);
  if (!e) return null;
  const origin: Origin = makeOrigin("context", line, rel);
  if (e.type === "file") return fileNode(origin);
  if (e.type === "symlink") return symlinkNode(e.target, origin);
  const dir = newDir(origin);
  // Build from the walk so Docker's ignore semantics (including `!` re-includes) apply.
  for (const child of ctx.walk(rel)) {
    const sub = rel ? child.rel.slice(rel.length + 1) : child.rel;
    if (exclude && exclude(sub)) continue;
    const parts = sub.split("/");
    let d = dir;
    for (let i = 0; i < parts.length - 1; i++) {
      let c = d.children!.get(parts[i]);
      if (!c || c.type !== "dir") {
        c = newDir(makeOrigin("context", line, (rel ? rel + "/" : "") + parts.slice(0, i + 1).join("/")));
        d.children!.set(parts[i], c);
      }
      d = c;
    }
    const name = parts[parts.length - 1];
    const o: Origin = makeOrigin("context", line, child.rel);
    if (child.type === "dir") {
      if (!d.children!.has(name)) d.children!.set(name, newDir(o));
    } else if (child.type === "symlink") d.children!.set(name, symlinkNode(child.target, o));
    else d.children!.set(name, fileNode(o));
  }
  void depth;
  return dir;
}

/**
 * Local projects a requirements file installs (`-e .`, `.[server]`, `./libs/x`), also through
 * its `-r` includes: pip reads such paths relative to its working directory (includes relative
 * to the including file). They install like the same argument on the command line.
 */
function projectsInRequirementFiles(rec: InstallRecord, state: StageState, ctx: BuildContext): void {
  if (rec.cmd.kind !== "pip" || rec.cmd.mode !== "install") return;
  const seen = new Set<string>();
  const read = (ref: FileRef, depth: number): void => {
    if (seen.has(ref.image) || depth > 10) return;
    seen.add(ref.image);
    const text = refText(ctx, ref);
    if (text === null) return;
    const rf = parseRequirements(text, ref.image);
    for (const r of rf.requirements) {
      const local = r.path ? localProjectPath(r.path) : null;
      if (!local) continue;
      const dir = normalizeImagePath(local.path, rec.cwd);
      if (rec.projects.some((p) => p.dir === dir) || rec.notProjects?.some((p) => p.dir === dir)) continue;
      const np = notProject(state.tree, local.path, dir, r.editable, `${refLabel(ctx, ref)}:${r.line}`);
      if (np) (rec.notProjects ??= []).push(np);
      if (state.tree.get(dir)?.type !== "dir") continue;
      const extras = [...new Set([...local.extras, ...r.extras])];
      rec.projects.push({ written: local.path + (extras.length ? `[${extras.join(",")}]` : ""), dir, pyproject: fileRef(state.tree, joinImage(dir, "pyproject.toml")), lock: null, editable: r.editable, root: true });
    }
    for (const inc of rf.includes) {
      if (inc.kind !== "requirement" || /^[a-z][a-z0-9+.-]*:\/\//i.test(inc.path)) continue;
      const sub = fileRef(state.tree, normalizeImagePath(inc.path, dirnameImage(ref.image)));
      if (sub) read(sub, depth + 1);
    }
  };
  for (const f of rec.files) if (f.role === "requirement" && f.ref) read(f.ref, 0);
}

function refLabel(ctx: BuildContext, ref: FileRef): string {
  return ref.ctx !== undefined ? ctx.repoPath(ref.ctx) : ref.image;
}

function refText(ctx: BuildContext, ref: FileRef): string | null {
  if (ref.content !== undefined) return ref.content;
  if (ref.ctx === undefined) return null;
  const abs = ctx.abs(ref.ctx);
  ctx.fs.noteFile(abs);
  try {
    return readFileSync(abs, "utf8");
  } catch {
    return null;
  }
}

/**
 * COPY --from of the folder a project was installed into (a virtualenv, a --prefix, ~/.local,
 * /usr/local) takes the installed project along: its packages in site-packages (non-editable),
 * or the path file pointing at its folder (editable: the folder must be in this image too).
 */
function carryProjects(src: StageState["pipProjects"], srcPath: string, into: StageState["pipProjects"], line: number, dest: string): void {
  for (const pp of src) {
    if (pp.location === undefined || into.some((x) => x.dir === pp.dir && x.line === pp.line)) continue;
    if (!copiesLocation(srcPath, pp.location)) continue;
    const moved = pp.user ? relocatedBase(pp.location, srcPath, dest) : null;
    into.push({ ...pp, carriedBy: line, ...(moved !== null ? { location: moved === "/root/.local" ? "user" : moved } : {}) });
  }
}

function retag(n: INode, line: number, via: Origin["via"]): INode {
  const c = cloneNode(n);
  const stack = [c];
  while (stack.length) {
    const x = stack.pop()!;
    x.origin = makeOrigin(x.origin?.via === "context" || x.origin?.via === "stage" ? "stage" : via, line, x.origin?.ctx, x.origin?.content, x.origin?.contentLine);
    if (x.type === "dir") for (const v of x.children!.values()) stack.push(v);
  }
  return c;
}

function listTar(abs: string): string[] | null {
  try {
    const out = execFileSync("tar", ["-tf", abs], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 10000 });
    return out.split("\n").filter(Boolean);
  } catch {
    return null;
  }
}

function evalCopy(
  ins: DfInstruction,
  st: DfStage,
  df: ParsedDockerfile,
  ctx: BuildContext,
  state: StageState,
  states: Map<number, StageState>,
  problems: ModelProblem[],
): void {
  const line = ins.range.line;
  const keyword = ins.keyword as "COPY" | "ADD";
  const from = ins.flags.find((f) => f.name === "from")?.value ?? null;
  const parents = ins.flags.some((f) => f.name === "parents" && f.value !== "false");
  const excludes = ins.flags.filter((f) => f.name === "exclude" && f.value).map((f) => f.value!);
  const exclude = excludes.length ? ((m) => (p: string) => m.ignores(p))(dockerignore().add(excludes)) : null;

  // Heredoc: COPY <<EOF /app/x.py
  if (ins.heredocs && ins.heredocs.length) {
    const dest = ins.args[ins.args.length - 1];
    const destAbs = normalizeImagePath(dest, state.workdir);
    for (const h of ins.heredocs) {
      const p = dest.endsWith("/") || ins.heredocs.length > 1 ? joinImage(destAbs, h.name) : destAbs;
      state.tree.put(p, fileNode(makeOrigin("heredoc", line, undefined, h.content, h.line)));
    }
    return;
  }
  if (ins.args.length < 2) return;
  const rawSources = ins.args.slice(0, -1);
  const destRaw = ins.args[ins.args.length - 1];
  const destAbs = normalizeImagePath(destRaw, state.workdir);
  const rec: CopyRecord = { line, keyword, sources: [], rawSources, dest: destAbs + (destRaw.endsWith("/") && destAbs !== "/" ? "/" : ""), from, parents, stage: st.index };
  state.copies.push(rec);

  // Collect (node, relative-path-for-parents, name) items to place.
  const items: { node: INode; name: string; parentsRel: string; isDirSource: boolean }[] = [];
  let multi = rawSources.length > 1;

  if (from !== null) {
    const srcStage = findStage(df, from, st.index);
    const srcState = srcStage ? states.get(srcStage.index) : undefined;
    for (const raw of rawSources) {
      if (!srcState) {
        // An external image (or unknown stage): contents unknown.
        const name = raw.split("/").filter(Boolean).pop() ?? "";
        state.unsure.push({ path: destAbs, line, why: `COPY --from=${from} at line ${line} copies from an image shipshape does not read` });
        items.push({ node: fileNode(makeOrigin("external", line)), name, parentsRel: name, isDirSource: false });
        continue;
      }
      const srcPath = normalizeImagePath(raw, "/");
      carryInstalls(srcState.installs, [srcPath], state.installs, line, destAbs);
      carryProjects(srcState.pipProjects, srcPath, state.pipProjects, line, destAbs);
      // What a RUN of that stage may have written there is unknown here too.
      const src = hasWildcard(raw) ? dirnameImage(srcPath.replace(/[*?[].*$/, "x")) : srcPath;
      const u = srcState.unsure.find((x) => x.path === "/" || x.path === src || src.startsWith(x.path + "/") || x.path.startsWith(src + "/"));
      if (u) state.unsure.push({ path: destAbs, line, why: `COPY --from=${from} at line ${line} copies ${src}, where ${u.why.replace(/^the RUN/, "the RUN of that stage")}` });
      carryWheels(srcState.wheels, srcPath, hasWildcard(raw), destAbs, state.wheels);
      const matches = hasWildcard(raw) ? globTree(srcState.tree, srcPath) : [srcPath];
      if (matches.length > 1) multi = true;
      for (const m of matches) {
        const n = srcState.tree.get(m);
        if (!n) continue; // the stage may have created it with RUN: unknown to us
        items.push({ node: retag(n, line, "stage"), name: m.split("/").pop() ?? "", parentsRel: m.slice(1), isDirSource: n.type === "dir" });
      }
    }
  } else {
    for (const raw of rawSources) {
      if (/^(https?:\/\/|git@|git:\/\/)/.test(raw)) {
        const name = keyword === "ADD" ? raw.split("/").filter(Boolean).pop()!.replace(/[?#].*$/, "") : raw;
        items.push({ node: fileNode(makeOrigin("external", line)), name, parentsRel: name, isDirSource: false });
        continue;
      }
      // `--parents` pivot: everything before a "/./" is dropped from the kept path.
      let pivot = "";
      let src = raw;
      const pv = raw.indexOf("/./");
      if (parents && pv >= 0) {
        pivot = cleanSource(raw.slice(0, pv)) ?? "";
        src = raw.slice(0, pv) + "/" + raw.slice(pv + 3);
      }
      const clean = cleanSource(src);
      if (clean === null) {
        problems.push({ code: "SS005", line, message: `${keyword} source '${raw}' is outside the build context (${ctx.repoPath("")}); the build fails or copies something else`, path: raw });
        continue;
      }
      let matches: string[];
      if (hasWildcard(clean)) {
        matches = ctx.glob(clean);
        if (matches.length > 1) multi = true;
        if (!matches.length) {
          problems.push({ code: "SS006", line, severity: "warning", message: `${keyword} source '${raw}' matches no file in the build context ${ctx.repoPath("")}: BuildKit copies nothing, the classic builder fails`, path: clean });
          continue;
        }
      } else matches = [clean];
      for (let m of matches) {
        rec.sources.push(m);
        // Follow a symlinked source inside the context.
        let e = ctx.entry(m);
        let hops = 0;
        while (e && e.type === "symlink" && hops++ < 40) {
          const t = e.target ?? "";
          const next = cleanSource(t.startsWith("/") ? t.slice(1) : path.posix.join(path.posix.dirname(m), t));
          if (next === null) {
            problems.push({ code: "SS005", line, message: `${keyword} source '${raw}' is a symlink pointing outside the build context`, path: m });
            e = null;
            break;
          }
          m = next;
          e = ctx.entry(m);
        }
        if (e && e.type === "symlink") {
          problems.push({ code: "SS009", line, message: `${keyword} source '${raw}' is a symlink loop`, path: m });
          continue;
        }
        if (!e || (m && ctx.ignored(m, e.type === "dir") && !(e.type === "dir" && ctx.walk(m).length))) {
          const ign = e && m ? ctx.ignored(m, e.type === "dir") : null;
          problems.push({
            code: "SS006",
            line,
            message: ign
              ? `${keyword} source '${raw}' is excluded by ${ign.file}; the build fails with "not found"`
              : `${keyword} source '${raw}' does not exist in the build context ${ctx.repoPath("")}; the build fails`,
            path: m,
          });
          continue;
        }
        if (keyword === "ADD" && e.type === "file" && TAR_RE.test(m)) {
          const entries = listTar(ctx.abs(m));
          const dir = newDir(makeOrigin("tar", line, m));
          for (const ent of entries ?? []) {
            const p = normalizeImagePath(ent, "/");
            if (ent.endsWith("/")) {
              const t = new ImageTree();
              t.root = dir;
              t.mkdirp(p, makeOrigin("tar", line, m));
            } else {
              const t = new ImageTree();
              t.root = dir;
              t.put(p, fileNode(makeOrigin("tar", line, m)));
            }
          }
          items.push({ node: dir, name: "", parentsRel: "", isDirSource: true });
          continue;
        }
        const node = ctxNode(ctx, m, line, exclude);
        if (!node) continue;
        const keep = pivot && m.startsWith(pivot + "/") ? m.slice(pivot.length + 1) : m;
        items.push({ node, name: m.split("/").pop() ?? "", parentsRel: keep, isDirSource: node.type === "dir" });
      }
    }
  }

  const destIsDir = destRaw.endsWith("/") || multi || state.tree.get(destAbs)?.type === "dir" || parents;
  for (const it of items) {
    if (parents) {
      const p = it.isDirSource ? joinImage(destAbs, it.parentsRel) : joinImage(destAbs, it.parentsRel);
      state.tree.put(p, it.node);
      continue;
    }
    if (it.isDirSource) {
      // A directory copies its contents.
      const target = state.tree.mkdirp(destAbs, makeOrigin(it.node.origin?.via ?? "context", line));
      const tmp = new ImageTree();
      tmp.root = target;
      tmp.put("/", it.node);
    } else {
      const p = destIsDir ? joinImage(destAbs, it.name) : destAbs;
      state.tree.put(p, it.node);
    }
  }
  void dirnameImage;
}

function globTree(tree: ImageTree, pattern: string): string[] {
  const parts = pattern.split("/").filter(Boolean);
  let cur = ["/"];
  for (const part of parts) {
    const next: string[] = [];
    const re = hasWildcard(part) ? new RegExp("^" + part.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]") + "$") : null;
    for (const d of cur) {
      const n = tree.get(d);
      if (!n || n.type !== "dir") continue;
      for (const name of n.children!.keys()) if (re ? re.test(name) : name === part) next.push(d === "/" ? "/" + name : d + "/" + name);
    }
    cur = next;
  }
  return cur;
}

/** Context bind mounts of a RUN (`--mount=type=bind,source=...,target=...`, no `from=`). */
export function contextBindMounts(ins: DfInstruction, workdir: string): { source: string; target: string }[] {
  const out: { source: string; target: string }[] = [];
  for (const f of ins.flags) {
    if (f.name !== "mount" || !f.value) continue;
    const kv: Record<string, string> = {};
    for (const part of f.value.split(",")) {
      const eq = part.indexOf("=");
      if (eq > 0) kv[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).trim();
    }
    if ((kv.type ?? "bind") !== "bind" || kv.from) continue;
    const target = kv.target ?? kv.dst ?? kv.destination;
    if (!target) continue;
    out.push({ source: kv.source ?? kv.src ?? "", target: normalizeImagePath(target, workdir) });
  }
  return out;
}
