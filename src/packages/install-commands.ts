// The package installs one RUN instruction performs, read from its shell script: pip (and
// pip3, `python -m pip`, `uv pip`), pip-sync / `uv pip sync`, `uv sync`, `poetry install`,
// `pdm install|sync`, and system packages (`apt-get install`, `apt install`, `apk add`).
// Commands are split with the shell lexer of src/entry/argv.ts; `cd DIR` changes the cwd of
// the commands after it in the same script (subshells are not scoped: `(cd x && ...)` leaks).
// Paths are reported as written; the caller resolves them against `cwd` or the WORKDIR.
import { commandsFromShellScript } from "../entry/argv.js";

export interface PipInstall {
  kind: "pip";
  tool: "pip" | "uv";
  /**
   * "install", or "sync" for pip-sync / `uv pip sync` (positional arguments are requirement
   * files), or "wheel" for `pip wheel` (builds wheels into `wheelDir`, installs nothing; only
   * returned when asked for).
   */
  mode: "install" | "sync" | "wheel";
  /** `pip wheel -w DIR` (null: the current directory). */
  wheelDir?: string | null;
  /** Directory from an earlier `cd` in the same RUN, as written (null: the WORKDIR). */
  cwd: string | null;
  requirementFiles: string[];
  constraintFiles: string[];
  /** Requirement specifiers and URLs as written (`pkg==1`, `pkg[extra]>=2`, `git+https://...`). */
  packages: string[];
  /** Non-editable local paths (`.`, `./libs/x`, `dist/x.whl`). */
  localPaths: string[];
  /** `-e` targets (local paths or VCS URLs). */
  editable: string[];
  target: string | null;
  prefix: string | null;
  user: boolean;
  /** uv `--system`. */
  system: boolean;
  noDeps: boolean;
  noIndex: boolean;
  findLinks: string[];
  indexUrls: string[];
  upgrade: boolean;
  argv: string[];
}

export interface ProjectInstall {
  kind: "uv-sync" | "poetry-install" | "pdm-install";
  cwd: string | null;
  /** `--directory` / `--project` / `-C` / `-p`: the project folder, as written. */
  project: string | null;
  /** The project itself is not installed (`--no-root`, `--no-install-project`, `--no-self`). */
  noRoot: boolean;
  /** The project is installed editable (a path file to its folder), unless `--no-editable`. */
  editable: boolean;
  /** The lock is used as is (`--frozen`, `--locked`, pdm `--frozen-lockfile`; poetry always installs its lock). */
  frozen: boolean;
  /** Fails when the lock is out of date (`uv sync --locked`, `pdm install --check`). */
  locked: boolean;
  /** Development dependencies left out (`--no-dev`, `--without dev`, `--only main`, `--prod`). */
  noDev: boolean;
  /** Groups asked for with `--group`/`--with`/`-G`. */
  groups: string[];
  /** Only these groups (`--only`, `--only-group`). */
  onlyGroups: string[];
  withoutGroups: string[];
  extras: string[];
  allExtras: boolean;
  argv: string[];
}

export interface SystemInstall {
  kind: "system";
  manager: "apt" | "apk";
  /** Package names without versions. */
  packages: string[];
  /** Versions asked for (`pkg=1.2`), by name. */
  versions: Record<string, string>;
  noInstallRecommends: boolean;
  argv: string[];
}

export type InstallCommand = PipInstall | ProjectInstall | SystemInstall;

/** `$X`, `${X}`, `${X:-d}`, `${X-d}` from env; unknown references stay as written; `\$` is a literal `$`. */
export function expandVars(word: string, env: Record<string, string>): string {
  return word.replace(/\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, n1?: string, colon?: string, def?: string, n2?: string) => {
    if (all === "\\$") return "$";
    const name = (n1 ?? n2)!;
    const v = env[name];
    if (def !== undefined) {
      if (v === undefined || (colon && v === "")) return expandVars(def, env);
      return v;
    }
    return v === undefined ? all : v;
  });
}

const PIP_RE = /^pip(\d+(\.\d+)?)?$/;
const PYTHON_RE = /^python(\d+(\.\d+)?)?$/;
const base = (w: string) => w.split("/").pop() ?? w;

// pip/uv pip options that take a value (everything else starting with `-` is a flag).
const PIP_VALUE_OPTS = new Set([
  "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-t", "--target", "--prefix", "--root",
  "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--src", "--upgrade-strategy",
  "--python-version", "--platform", "--implementation", "--abi", "--only-binary", "--no-binary",
  "--progress-bar", "--log", "--log-file", "--cache-dir", "--trusted-host", "--proxy", "--retries", "--timeout",
  "--exists-action", "--cert", "--client-cert", "--global-option", "--install-option", "-C", "--config-settings",
  "--report", "--root-user-action", "--python", "-p", "--index-strategy", "--keyring-provider", "--resolution",
  "--prerelease", "--index", "--default-index", "--extra", "--group", "--reinstall-package", "--upgrade-package",
  "-P", "--no-build-isolation-package", "-b", "--build-constraint", "--build-constraints", "--override", "--overrides",
  "--exclude-newer", "--link-mode", "--config-setting", "--refresh-package", "--no-binary-package", "--only-binary-package",
  "--directory", "--project", "--color", "--torch-backend", "--target-platform", "-w", "--wheel-dir",
]);

function splitOpt(w: string): [string, string | null] {
  if (w.startsWith("--")) {
    const eq = w.indexOf("=");
    return eq > 0 ? [w.slice(0, eq), w.slice(eq + 1)] : [w, null];
  }
  // Short option with the value attached: `-rreq.txt`, `-e.`.
  if (/^-[a-zA-Z]./.test(w) && PIP_VALUE_OPTS.has(w.slice(0, 2))) return [w.slice(0, 2), w.slice(2)];
  return [w, null];
}

const URL_RE = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;
function isLocalPath(arg: string): boolean {
  if (URL_RE.test(arg) || arg.startsWith("file:")) return false;
  if (/^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@/.test(arg)) return false;
  if (arg === "." || arg === ".." || /^[.~/]/.test(arg)) return true;
  const head = arg.split(/[;\s[]/)[0];
  return head.includes("/") || /\.(whl|tar\.gz|zip|tgz)$/i.test(head);
}

function pipInstall(args: string[], tool: "pip" | "uv", mode: PipInstall["mode"], cwd: string | null, argv: string[]): PipInstall {
  const r: PipInstall = {
    kind: "pip", tool, mode, cwd, requirementFiles: [], constraintFiles: [], packages: [], localPaths: [], editable: [],
    target: null, prefix: null, user: false, system: false, noDeps: false, noIndex: false, findLinks: [], indexUrls: [], upgrade: false, argv,
  };
  if (mode === "wheel") r.wheelDir = null;
  for (let i = 0; i < args.length; i++) {
    const w = args[i];
    if (w === "--") {
      for (const x of args.slice(i + 1)) positional(r, x);
      break;
    }
    if (!w.startsWith("-") || w === "-") {
      positional(r, w);
      continue;
    }
    let [name, value] = splitOpt(w);
    if (PIP_VALUE_OPTS.has(name) && value === null) value = args[++i] ?? "";
    switch (name) {
      case "-r": case "--requirement": r.requirementFiles.push(value!); break;
      case "-c": case "--constraint": r.constraintFiles.push(value!); break;
      case "-e": case "--editable": r.editable.push(value!); break;
      case "-t": case "--target": r.target = value; break;
      case "--prefix": r.prefix = value; break;
      case "--user": r.user = true; break;
      case "--system": r.system = true; break;
      case "--no-deps": r.noDeps = true; break;
      case "--no-index": r.noIndex = true; break;
      case "-f": case "--find-links": r.findLinks.push(value!); break;
      case "-i": case "--index-url": case "--extra-index-url": case "--index": case "--default-index": r.indexUrls.push(value!); break;
      case "-U": case "--upgrade": r.upgrade = true; break;
      case "-w": case "--wheel-dir": r.wheelDir = value; break;
    }
  }
  return r;
}

function positional(r: PipInstall, w: string): void {
  if (r.mode === "sync") r.requirementFiles.push(w);
  else if (isLocalPath(w)) r.localPaths.push(w);
  else r.packages.push(w);
}

function projectInstall(kind: ProjectInstall["kind"], args: string[], cwd: string | null, argv: string[]): ProjectInstall {
  const r: ProjectInstall = { kind, cwd, project: null, noRoot: false, editable: true, frozen: kind === "poetry-install", locked: false, noDev: false, groups: [], onlyGroups: [], withoutGroups: [], extras: [], allExtras: false, argv };
  const valueOpts = new Set(["--directory", "--project", "-C", "-P", "-p", "--group", "--only-group", "--no-group", "--extra", "-E", "--extras", "--only", "--with", "--without", "-G", "--python", "--package", "--index", "--index-url", "--extra-index-url", "-f", "--find-links", "-L", "--lockfile", "--venv", "--config-setting", "--config-settings", "--exclude-newer", "--link-mode", "--no-extra", "--color", "--cache-dir"]);
  const list = (v: string) => v.split(",").map((x) => x.trim()).filter(Boolean);
  for (let i = 0; i < args.length; i++) {
    let [name, value] = args[i].startsWith("--") ? splitOpt(args[i]) : [args[i], null as string | null];
    if (!name.startsWith("--") && /^-[A-Za-z]./.test(name) && valueOpts.has(name.slice(0, 2))) {
      value = name.slice(2);
      name = name.slice(0, 2);
    }
    if (valueOpts.has(name) && value === null) value = args[++i] ?? "";
    const v = value ?? "";
    switch (name) {
      case "--directory": case "--project": case "-C": r.project = v; break;
      case "-P": if (kind === "poetry-install") r.project = v; break;
      case "-p": if (kind === "pdm-install") r.project = v; break;
      case "--no-root": case "--no-install-project": case "--no-self": r.noRoot = true; break;
      case "--no-editable": r.editable = false; break;
      case "--only-root": r.onlyGroups.push(":root"); break;
      case "--frozen": case "--frozen-lockfile": r.frozen = true; break;
      case "--locked": case "--check": r.locked = true; r.frozen = true; break;
      case "--no-dev": case "--prod": case "--production": r.noDev = true; break;
      case "--only-dev": r.onlyGroups.push("dev"); break;
      case "--group": case "--with": case "-G": r.groups.push(...list(v)); break;
      case "--only-group": case "--only": r.onlyGroups.push(...list(v)); break;
      case "--no-group": case "--without": r.withoutGroups.push(...list(v)); break;
      case "--extra": case "-E": case "--extras": r.extras.push(...list(v)); break;
      case "--all-extras": r.allExtras = true; break;
    }
  }
  if (r.withoutGroups.includes("dev")) r.noDev = true;
  if (r.onlyGroups.length && !r.onlyGroups.includes("dev")) r.noDev = true;
  return r;
}

function systemInstall(manager: "apt" | "apk", args: string[], argv: string[]): SystemInstall {
  const r: SystemInstall = { kind: "system", manager, packages: [], versions: {}, noInstallRecommends: false, argv };
  const valueOpts = manager === "apt" ? new Set(["-o", "-t", "--target-release", "-c", "--config-file"]) : new Set(["-t", "--virtual", "-X", "--repository", "--root", "-p", "--arch", "--cache-dir", "--keys-dir", "--repositories-file"]);
  for (let i = 0; i < args.length; i++) {
    const w = args[i];
    if (w.startsWith("-")) {
      if (w === "--no-install-recommends") r.noInstallRecommends = true;
      if (valueOpts.has(w)) i++;
      continue;
    }
    const m = /^([A-Za-z0-9][A-Za-z0-9.+_-]*?)(?::[a-z0-9]+)?(?:(=|>=|<=|>|<|~)(.+))?$/.exec(w);
    if (!m) continue;
    if (!r.packages.includes(m[1])) r.packages.push(m[1]);
    if (m[3]) r.versions[m[1]] = m[3];
  }
  return r;
}

/** Interpret one simple command's argv (already split); null when it installs nothing. */
export function installFromArgv(argv0: string[], cwd: string | null, env: Record<string, string> = {}, wheels = false): InstallCommand | null {
  let argv = argv0.map((w) => expandVars(w, env));
  // Leading assignments and wrappers: `FOO=1 pip ...`, `sudo`, `env X=1`, `exec`, `time`, `nice`.
  for (;;) {
    if (argv.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[0])) argv = argv.slice(1);
    else if (argv.length && ["sudo", "env", "exec", "time", "nice", "nohup", "command"].includes(base(argv[0]))) {
      argv = argv.slice(1);
      while (argv.length && argv[0].startsWith("-")) argv = argv.slice(1);
    } else break;
  }
  if (!argv.length) return null;
  const cmd = base(argv[0]);
  let rest = argv.slice(1);
  // python -m pip install ..., python3.11 -I -m pip install ...
  if (PYTHON_RE.test(cmd)) {
    let i = 0;
    while (i < rest.length && rest[i].startsWith("-") && rest[i] !== "-m" && !rest[i].startsWith("-m")) i++;
    const mod = rest[i] === "-m" ? rest[i + 1] : rest[i]?.startsWith("-m") ? rest[i].slice(2) : undefined;
    if (mod !== "pip") return null;
    rest = rest.slice(rest[i] === "-m" ? i + 2 : i + 1);
    return pipSub(rest, "pip", cwd, argv, wheels);
  }
  if (PIP_RE.test(cmd)) return pipSub(rest, "pip", cwd, argv, wheels);
  if (cmd === "pip-sync") return pipInstall(rest, "pip", "sync", cwd, argv);
  if (cmd === "uv") {
    const i = subcommandIndex(rest);
    if (i < 0) return null;
    if (rest[i] === "pip") return pipSub(rest.slice(i + 1), "uv", cwd, argv);
    if (rest[i] === "sync") return projectInstall("uv-sync", [...rest.slice(0, i), ...rest.slice(i + 1)], cwd, argv);
    return null;
  }
  if (cmd === "poetry") {
    const i = subcommandIndex(rest);
    if (i >= 0 && (rest[i] === "install" || rest[i] === "sync")) return projectInstall("poetry-install", [...rest.slice(0, i), ...rest.slice(i + 1)], cwd, argv);
    return null;
  }
  if (cmd === "pdm") {
    const i = subcommandIndex(rest);
    if (i >= 0 && (rest[i] === "install" || rest[i] === "sync")) return projectInstall("pdm-install", [...rest.slice(0, i), ...rest.slice(i + 1)], cwd, argv);
    return null;
  }
  if (cmd === "apt-get" || cmd === "apt" || cmd === "aptitude") {
    const i = rest.findIndex((w, k) => !w.startsWith("-") && !(k > 0 && ["-o", "-t", "-c"].includes(rest[k - 1])));
    if (i >= 0 && rest[i] === "install") return systemInstall("apt", [...rest.slice(0, i), ...rest.slice(i + 1)], argv);
    return null;
  }
  if (cmd === "apk") {
    const i = rest.findIndex((w) => !w.startsWith("-"));
    if (i >= 0 && rest[i] === "add") return systemInstall("apk", [...rest.slice(0, i), ...rest.slice(i + 1)], argv);
    return null;
  }
  return null;
}

// Global options of uv / poetry / pdm that take a value (before the subcommand).
const TOOL_GLOBAL_VALUE_OPTS = new Set(["--directory", "--project", "-C", "-P", "-p", "--python", "--cache-dir", "--config-file", "--color"]);

/** Index of the subcommand word, skipping global options and their values; -1 if none. */
function subcommandIndex(rest: string[]): number {
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i];
    if (!w.startsWith("-")) return i;
    if (TOOL_GLOBAL_VALUE_OPTS.has(w)) i++;
  }
  return -1;
}

function pipSub(rest: string[], tool: "pip" | "uv", cwd: string | null, argv: string[], wheels = false): PipInstall | null {
  // Global options before the subcommand (`pip --no-cache-dir install`, `pip -q install`).
  let i = 0;
  while (i < rest.length && rest[i].startsWith("-")) {
    const [n, v] = splitOpt(rest[i]);
    i += PIP_VALUE_OPTS.has(n) && v === null ? 2 : 1;
  }
  const sub = rest[i];
  if (sub !== "install" && sub !== "sync" && !(sub === "wheel" && wheels && tool === "pip")) return null;
  const r = pipInstall(rest.slice(i + 1), tool, sub, cwd, argv);
  // pip refuses an install with nothing to install.
  if (!r.requirementFiles.length && !r.packages.length && !r.localPaths.length && !r.editable.length) return null;
  return r;
}

/**
 * Every package install a RUN script performs, in order. `env` holds the stage's ARG/ENV
 * values for `$VAR` references; `export X=...` and `X=...` in the script add to it. With
 * `wheels`, `pip wheel` commands are returned too (mode "wheel").
 */
export function installCommands(script: string, env: Record<string, string> = {}, wheels = false): InstallCommand[] {
  const out: InstallCommand[] = [];
  const vars = { ...env };
  let cwd: string | null = null;
  for (const argv of commandsFromShellScript(script)) {
    if (!argv.length) continue;
    const cmd = base(argv[0]);
    if (cmd === "cd") {
      const dir = argv.slice(1).find((w) => !w.startsWith("-"));
      const d = dir === undefined ? null : expandVars(dir, vars);
      cwd = d === null ? null : cwd && !d.startsWith("/") ? `${cwd.replace(/\/$/, "")}/${d}` : d;
      continue;
    }
    if (cmd === "export" || argv.every((w) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(w))) {
      for (const w of argv) {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(w);
        if (m) vars[m[1]] = expandVars(m[2], vars);
      }
      continue;
    }
    if ((cmd === "sh" || cmd === "bash" || cmd === "dash") && argv.includes("-c")) {
      const s = argv[argv.indexOf("-c") + 1];
      if (s !== undefined) for (const c of installCommands(expandVars(s, vars), vars, wheels)) out.push(c.kind === "system" ? c : { ...c, cwd: c.cwd ?? cwd });
      continue;
    }
    const ic = installFromArgv(argv, cwd, vars, wheels);
    if (ic) out.push(ic);
  }
  return out;
}
