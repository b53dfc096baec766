// Find the services of a repository: Dockerfiles (Dockerfile, *.Dockerfile, Dockerfile.*),
// their build contexts (declared in config or compose files, or inferred), and the settings of
// [tool.shipshape] in pyproject.toml / shipshape.toml.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { parse as parseToml } from "smol-toml";
import { createRequire } from "node:module";
import { dockerignore } from "./context/dockerignore.js";
import type { ServiceSpec } from "./service.js";
import type { Severity } from "./findings.js";
import { RULES } from "./findings.js";
import { KNOWN_INSTRUCTIONS, parseDockerfile } from "./dockerfile/parse.js";
import { BuildContext, DepSet, FsCache, hasWildcard } from "./context/context.js";
import { cleanSource } from "./image/tree.js";
import { DepCache } from "./service-cache.js";
import { splitShellWords } from "./entry/argv.js";

import type { ImplicitRule } from "./packages/implicit.js";

export class UsageError extends Error {}

// The YAML parser is loaded only when a compose file exists (it costs ~50 ms to load).
const requireCjs = createRequire(import.meta.url);

export interface Config {
  /** File the config came from (repo-relative), or null. */
  file: string | null;
  exclude: string[];
  severity: Record<string, Severity | "off">;
  ignore: string[];
  /** Only the declared services (no discovery). */
  discover: boolean;
  services: Partial<ServiceSpec & { name: string }>[];
  /** [packages]: import-name mappings and environments whose metadata to read. */
  packages: { importNames: Record<string, string[]>; environments: string[] };
  /** [images."repo"]: what internal base images contain. */
  images: Record<string, { python?: string; packages?: string[]; systemPackages?: string[] }>;
  /** [[implicit]]: extra implicit-dependency rules (same shape as data/implicit-deps.json). */
  implicit: ImplicitRule[];
}

const SKIP_DIRS = new Set([".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".shipshape_cache", ".hg", ".svn"]);

export function isDockerfileName(name: string): boolean {
  if (name.endsWith(".dockerignore")) return false;
  return name === "Dockerfile" || name.endsWith(".Dockerfile") || name.startsWith("Dockerfile.") || name === "dockerfile";
}

/** The repository root for a path: nearest ancestor with .git or a shipshape config. */
export function findRepoRoot(start: string): string {
  let dir = path.resolve(start);
  try {
    if (!statSync(dir).isDirectory()) dir = path.dirname(dir);
  } catch {
    throw new UsageError(`no such file or directory: ${start}`);
  }
  const first = dir;
  for (;;) {
    if (existsSync(path.join(dir, ".git")) || existsSync(path.join(dir, "shipshape.toml"))) return dir;
    const pp = path.join(dir, "pyproject.toml");
    if (existsSync(pp)) {
      try {
        if (/^\[tool\.shipshape/m.test(readFileSync(pp, "utf8"))) return dir;
      } catch {
        /* ignore */
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return first;
    dir = up;
  }
}

const TOP_KEYS = ["exclude", "ignore", "discover", "severity", "packages", "images", "implicit", "services", "drift", "lock"];
const SECTION_KEYS: Record<string, string[]> = { packages: ["import_names", "environments"], lock: ["python", "pairs", "conventions"] };
const SERVICE_KEYS = ["dockerfile", "context", "target", "build_args", "entry_points", "ignore", "build", "drift", "lock_pairs"];
const IMAGE_KEYS = ["python", "packages", "system_packages"];

/** Throw a usage error for a key that is not one of `keys`, suggesting the nearest. */
export function knownKeys(t: Record<string, unknown>, keys: string[], where: string, prefix: string): void {
  for (const k of Object.keys(t)) {
    if (keys.includes(k)) continue;
    const near = keys.map((c) => [c, editDistance(k.toLowerCase().replace(/-/g, "_"), c)] as const).sort((a, b) => a[1] - b[1])[0];
    const hint = near && near[1] <= Math.max(2, Math.floor(k.length / 3)) ? `; did you mean '${prefix}${near[0]}'?` : `; known keys: ${keys.join(", ")}`;
    throw new UsageError(`${where}: unknown key '${prefix}${k}'${hint}`);
  }
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

function asStringArray(v: unknown, what: string): string[] {
  if (v === undefined) return [];
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
  if (typeof v === "string") return [v];
  throw new UsageError(`${what} must be a list of strings`);
}

export function loadConfig(repoRoot: string): Config {
  const cfg: Config = { file: null, exclude: [], severity: {}, ignore: [], discover: true, services: [], packages: { importNames: {}, environments: [] }, images: {}, implicit: [] };
  for (const env of [".venv", "venv"]) if (existsSync(path.join(repoRoot, env, "pyvenv.cfg"))) cfg.packages.environments.push(path.join(repoRoot, env));
  let table: Record<string, unknown> | null = null;
  const st = path.join(repoRoot, "shipshape.toml");
  const pp = path.join(repoRoot, "pyproject.toml");
  const read = (file: string): Record<string, unknown> => {
    try {
      return parseToml(readFileSync(file, "utf8")) as Record<string, unknown>;
    } catch (e) {
      const msg = (e as Error).message.split("\n")[0];
      throw new UsageError(`${path.basename(file)}: invalid TOML: ${msg}`);
    }
  };
  if (existsSync(st)) {
    table = read(st);
    cfg.file = "shipshape.toml";
  } else if (existsSync(pp)) {
    // A pyproject.toml without [tool.shipshape] holds no configuration: if it is broken, the
    // package rules say so (SS507) instead of the whole run stopping.
    let ppText = "";
    try {
      ppText = readFileSync(pp, "utf8");
    } catch {
      /* unreadable: no configuration */
    }
    if (!/^\s*\[\s*tool\.shipshape\b/m.test(ppText)) return cfg;
    const t = read(pp);
    const tool = t.tool as Record<string, unknown> | undefined;
    if (tool && tool.shipshape) {
      table = tool.shipshape as Record<string, unknown>;
      cfg.file = "pyproject.toml";
    }
  }
  if (!table) return cfg;
  const where = cfg.file === "pyproject.toml" ? "[tool.shipshape]" : "shipshape.toml";
  // A misspelt key must not silently do nothing.
  knownKeys(table, TOP_KEYS, where, "");
  for (const [k, keys] of Object.entries(SECTION_KEYS)) {
    const v = table[k];
    if (v && typeof v === "object" && !Array.isArray(v)) knownKeys(v as Record<string, unknown>, keys, where, k + ".");
  }
  for (const [name, s] of Object.entries((table.services ?? {}) as Record<string, unknown>)) {
    if (s && typeof s === "object" && !Array.isArray(s)) knownKeys(s as Record<string, unknown>, SERVICE_KEYS, where, `services.${name}.`);
  }
  for (const [ref, v] of Object.entries((table.images ?? {}) as Record<string, unknown>)) {
    if (v && typeof v === "object" && !Array.isArray(v)) knownKeys(v as Record<string, unknown>, IMAGE_KEYS, where, `images."${ref}".`);
  }
  if (table.discover !== undefined && typeof table.discover !== "boolean") throw new UsageError(`${where} discover must be true or false (a TOML boolean, not a string)`);
  cfg.exclude = asStringArray(table.exclude, `${where} exclude`);
  cfg.ignore = asStringArray(table.ignore, `${where} ignore`);
  if (table.discover !== undefined) cfg.discover = table.discover as boolean;
  const sev = (table.severity ?? {}) as Record<string, unknown>;
  for (const [code, v] of Object.entries(sev)) {
    if (!RULES[code]) throw new UsageError(`${where} severity: unknown code ${code}`);
    if (v !== "error" && v !== "warning" && v !== "info" && v !== "off") throw new UsageError(`${where} severity.${code} must be "error", "warning", "info" or "off"`);
    cfg.severity[code] = v;
  }
  for (const c of cfg.ignore) if (!RULES[c]) throw new UsageError(`${where} ignore: unknown code ${c}`);
  const pk = table.packages;
  if (pk !== undefined) {
    if (typeof pk !== "object" || pk === null) throw new UsageError(`${where} packages must be a table`);
    const t = pk as Record<string, unknown>;
    const names = (t.import_names ?? {}) as Record<string, unknown>;
    if (typeof names !== "object" || names === null) throw new UsageError(`${where} packages.import_names must be a table of lists`);
    for (const [dist, v] of Object.entries(names)) cfg.packages.importNames[dist] = asStringArray(v, `${where} packages.import_names.${dist}`);
    for (const e of asStringArray(t.environments, `${where} packages.environments`)) cfg.packages.environments.push(path.resolve(repoRoot, e));
  }
  const im = (table.images ?? {}) as Record<string, unknown>;
  if (typeof im !== "object" || im === null) throw new UsageError(`${where} images must be a table`);
  for (const [ref, v] of Object.entries(im)) {
    if (typeof v !== "object" || v === null) throw new UsageError(`${where} images."${ref}" must be a table`);
    const t = v as Record<string, unknown>;
    if (t.python !== undefined && (typeof t.python !== "string" || !/^\d+\.\d+$/.test(t.python))) throw new UsageError(`${where} images."${ref}".python must be a version like "3.11"`);
    cfg.images[ref.toLowerCase()] = {
      python: t.python as string | undefined,
      packages: t.packages === undefined ? undefined : asStringArray(t.packages, `${where} images."${ref}".packages`),
      systemPackages: t.system_packages === undefined ? undefined : asStringArray(t.system_packages, `${where} images."${ref}".system_packages`),
    };
  }
  const imp = table.implicit ?? [];
  if (!Array.isArray(imp)) throw new UsageError(`${where} implicit must be an array of tables ([[implicit]])`);
  for (const [i, r] of imp.entries()) {
    const at = `${where} implicit[${i}]`;
    if (typeof r !== "object" || r === null) throw new UsageError(`${at} must be a table`);
    const t = r as Record<string, unknown>;
    if (typeof t.id !== "string") throw new UsageError(`${at}.id is required`);
    const trig = (t.trigger ?? {}) as Record<string, unknown>;
    const trigger = { imports: asStringArray(trig.imports, `${at}.trigger.imports`), calls: asStringArray(trig.calls, `${at}.trigger.calls`), distributions: asStringArray(trig.distributions, `${at}.trigger.distributions`) };
    if (!trigger.imports.length && !trigger.distributions.length) throw new UsageError(`${at}.trigger needs imports or distributions`);
    if (!Array.isArray(t.requires) || !t.requires.length) throw new UsageError(`${at}.requires must be a non-empty array`);
    const requires = t.requires.map((q: unknown, j: number) => {
      const qq = (q ?? {}) as Record<string, unknown>;
      const sys = (qq.system ?? undefined) as Record<string, unknown> | undefined;
      const req = {
        pip: qq.pip === undefined ? undefined : asStringArray(qq.pip, `${at}.requires[${j}].pip`),
        system: sys ? { apt: asStringArray(sys.apt, `${at}.requires[${j}].system.apt`), apk: asStringArray(sys.apk, `${at}.requires[${j}].system.apk`) } : undefined,
        why: typeof qq.why === "string" ? qq.why : "required at run time (configuration)",
      };
      if (!req.pip?.length && !req.system) throw new UsageError(`${at}.requires[${j}] needs pip or system`);
      return req;
    });
    const severity = t.severity;
    if (severity !== undefined && severity !== "error" && severity !== "warning" && severity !== "info") throw new UsageError(`${at}.severity must be "error", "warning" or "info"`);
    cfg.implicit.push({ id: t.id, trigger, requires, severity: severity as Severity | undefined });
  }
  const services = (table.services ?? {}) as Record<string, Record<string, unknown>>;
  for (const [name, s] of Object.entries(services)) {
    if (typeof s !== "object" || s === null) throw new UsageError(`${where} services.${name} must be a table`);
    const ba = s.build_args ?? {};
    if (typeof ba !== "object" || ba === null || Array.isArray(ba)) throw new UsageError(`${where} services.${name}.build_args must be a table (build_args = { NAME = "value" })`);
    const buildArgs: Record<string, string> = {};
    for (const [k, v] of Object.entries(ba as Record<string, unknown>)) {
      if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") throw new UsageError(`${where} services.${name}.build_args.${k} must be a string`);
      buildArgs[k] = String(v);
    }
    for (const k of ["context", "target"] as const) if (s[k] !== undefined && typeof s[k] !== "string") throw new UsageError(`${where} services.${name}.${k} must be a string`);
    if (s.build !== undefined && s.build !== "docker" && s.build !== "gcloud") throw new UsageError(`${where} services.${name}.build must be "docker" or "gcloud"`);
    if (typeof s.dockerfile !== "string") throw new UsageError(`${where} services.${name}.dockerfile is required`);
    cfg.services.push({
      name,
      dockerfile: path.resolve(repoRoot, s.dockerfile),
      context: typeof s.context === "string" ? path.resolve(repoRoot, s.context) : undefined,
      target: typeof s.target === "string" ? s.target : null,
      buildArgs,
      entryPoints: asStringArray(s.entry_points, `services.${name}.entry_points`),
      ignore: asStringArray(s.ignore, `services.${name}.ignore`),
      build: (s.build as "docker" | "gcloud" | undefined) ?? "docker",
    });
  }
  return cfg;
}

export function serviceName(repoRoot: string, dockerfile: string): string {
  const relDir = path.relative(repoRoot, path.dirname(dockerfile)).split(path.sep).join("/");
  const base = path.basename(dockerfile);
  let suffix = "";
  if (base.endsWith(".Dockerfile")) suffix = base.slice(0, -".Dockerfile".length);
  else if (base.startsWith("Dockerfile.")) suffix = base.slice("Dockerfile.".length);
  const parts = [relDir, suffix].filter(Boolean);
  return parts.length ? parts.join("/") : path.basename(repoRoot);
}

/**
 * The build context of a Dockerfile: the nearest ancestor (up to the repo root) where all its
 * COPY/ADD context sources exist; failing that, the one where most exist.
 */
export function inferContext(dockerfile: string, repoRoot: string, buildArgs: Record<string, string>, fs: FsCache): string {
  let text = "";
  try {
    text = readFileSync(dockerfile, "utf8");
  } catch {
    return path.dirname(dockerfile);
  }
  const df = parseDockerfile(dockerfile, text, buildArgs);
  const sources: string[] = [];
  for (const st of df.stages)
    for (const ins of st.instructions) {
      if ((ins.keyword !== "COPY" && ins.keyword !== "ADD") || ins.flags.some((f) => f.name === "from") || ins.heredocs?.length) continue;
      for (const s of ins.args.slice(0, -1)) {
        if (/^(https?:|git@|git:)/.test(s) || s.includes("$")) continue;
        const c = cleanSource(s.replace("/./", "/"));
        if (c) sources.push(c);
      }
    }
  let dir = path.dirname(dockerfile);
  if (!sources.length) return dir;
  let best = dir;
  let bestCount = -1;
  const root = path.resolve(repoRoot);
  for (;;) {
    const ctx = new BuildContext({ root: dir, repoRoot, dockerignoreFile: null, gcloud: false, fs });
    const count = sources.filter((s) => (hasWildcard(s) ? ctx.glob(s).length > 0 : ctx.entry(s) !== null)).length;
    if (count === sources.length) return dir;
    if (count > bestCount) {
      best = dir;
      bestCount = count;
    }
    if (path.resolve(dir) === root) break;
    const up = path.dirname(dir);
    if (up === dir || !path.resolve(up).startsWith(root)) break;
    dir = up;
  }
  return best;
}

interface ComposeBuild {
  dockerfile: string;
  context: string;
  target: string | null;
  args: Record<string, string>;
  name: string;
  /** `command:` / `entrypoint:` of the compose service, which replace the image's CMD / ENTRYPOINT. */
  command?: string[];
  entrypoint?: string[];
  /** `environment:` and `working_dir:` of the compose service. */
  env?: Record<string, string>;
  workdir?: string;
  /** Where the compose service is declared (absolute file, 1-based line). */
  file: string;
  line: number;
}

const COMPOSE_NAMES = ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"];

/**
 * A compose `command:`/`entrypoint:` value as argv: a list as is, a string split like a shell
 * would (compose does). Compose interpolates `${VAR}`, `${VAR:-default}` and `$VAR` from the
 * environment and the `.env` file first: here from `.env` and the defaults only. A variable
 * neither gives leaves the value unknown (undefined: the image's own command is checked).
 */
function composeArgv(v: unknown, env: Record<string, string>): string[] | undefined {
  let unknown = false;
  const interp = (x: string) =>
    x.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, braced?: string, op?: string, dflt?: string, bare?: string) => {
      if (m === "$$") return "$";
      const name = braced ?? bare!;
      const val = env[name];
      if (op === ":-" && !val) return dflt ?? "";
      if (op === "-" && val === undefined) return dflt ?? "";
      if (val === undefined) unknown = true;
      return val ?? "";
    });
  let out: string[] | undefined;
  if (Array.isArray(v)) out = v.map((x) => interp(String(x)));
  else if (typeof v === "string") {
    const s = interp(v);
    out = splitShellWords(s) ?? s.trim().split(/\s+/);
  }
  return unknown ? undefined : out;
}

interface ComposeService {
  build?: unknown;
  command?: unknown;
  entrypoint?: unknown;
  environment?: unknown;
  working_dir?: unknown;
}

/** One compose service with a `build:`, or why it cannot be read (wrong types). */
function composeService(name: string, s: ComposeService, dir: string, env: Record<string, string>): Omit<ComposeBuild, "name" | "file" | "line"> | string {
  const b = s.build;
  if (typeof b !== "string" && (typeof b !== "object" || b === null || Array.isArray(b))) return "build must be a path or a table";
  const bo = typeof b === "string" ? { context: b } : (b as { context?: unknown; dockerfile?: unknown; target?: unknown; args?: unknown });
  for (const k of ["context", "dockerfile", "target"] as const) if (bo[k] !== undefined && typeof bo[k] !== "string") return `build.${k} must be a string`;
  // Interpolated like command: (${VAR:-default} from .env and the defaults).
  const one = (k: "context" | "dockerfile" | "target"): string | undefined | null => {
    const v = bo[k] as string | undefined;
    return v === undefined ? undefined : composeArgv([v], env)?.[0] ?? null;
  };
  const [ctxV, dfV, targetV] = [one("context"), one("dockerfile"), one("target")];
  for (const [k, v] of [["context", ctxV], ["dockerfile", dfV], ["target", targetV]] as const) if (v === null) return `build.${k} (${String(bo[k])}) uses a variable that neither .env nor a default gives`;
  const context = path.resolve(dir, ctxV ?? ".");
  const dockerfile = path.resolve(context, dfV ?? "Dockerfile");
  if (!existsSync(dockerfile)) return `its Dockerfile ${path.relative(dir, dockerfile) || dockerfile} does not exist`;
  const args: Record<string, string> = {};
  // An argument whose variable has no value is left out: the Dockerfile's ARG default applies.
  const putArg = (k: string, v: string) => {
    const val = composeArgv([v], env)?.[0];
    if (val !== undefined) args[k] = val;
  };
  if (Array.isArray(bo.args)) {
    for (const a of bo.args) {
      const [k, ...v] = String(a).split("=");
      if (v.length) putArg(k, v.join("="));
    }
  } else if (bo.args && typeof bo.args === "object") for (const [k, v] of Object.entries(bo.args)) if (v !== null) putArg(k, String(v));
  const command = composeArgv(s.command, env);
  const entrypoint = composeArgv(s.entrypoint, env);
  // An override whose variables are unknown: check the image's own command rather than guess.
  const known = (s.command === undefined || command) && (s.entrypoint === undefined || entrypoint);
  // `environment:` (a table or KEY=VALUE list) and `working_dir:` apply to the container too.
  const environment: Record<string, string> = {};
  const putEnv = (k: string, v: unknown) => {
    if (v === null || v === undefined) return; // passed through from the deploying shell: unknown
    const val = composeArgv([String(v)], env)?.[0];
    if (val !== undefined) environment[k] = val;
  };
  if (Array.isArray(s.environment)) {
    for (const e of s.environment) {
      const [k, ...v] = String(e).split("=");
      if (v.length) putEnv(k, v.join("="));
    }
  } else if (s.environment && typeof s.environment === "object") for (const [k, v] of Object.entries(s.environment)) putEnv(k, v);
  const workdir = typeof s.working_dir === "string" ? composeArgv([s.working_dir], env)?.[0] : undefined;
  return {
    dockerfile,
    context,
    target: targetV ?? null,
    args,
    command: known ? command : undefined,
    entrypoint: known ? entrypoint : undefined,
    env: Object.keys(environment).length ? environment : undefined,
    workdir,
  };
}

/** KEY=VALUE lines of a compose project's `.env` file. */
function dotEnv(dir: string): Record<string, string> {
  const env: Record<string, string> = {};
  let text: string;
  try {
    text = readFileSync(path.join(dir, ".env"), "utf8");
  } catch {
    return env;
  }
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    const q = /^(["'])(.*)\1$/.exec(m[2]);
    env[m[1]] = q ? q[2] : m[2].replace(/\s+#.*$/, "");
  }
  return env;
}

/** `build:` sections of the given compose files, and one line per compose file that cannot be read. */
function composeBuildsOf(files: string[]): { builds: ComposeBuild[]; warnings: string[] } {
  const out: ComposeBuild[] = [];
  const warnings: string[] = [];
  for (const file of files) {
    const dir = path.dirname(file);
    const y = requireCjs("yaml") as typeof import("yaml");
    const lc = new y.LineCounter();
    let doc: unknown;
    let ydoc: import("yaml").Document.Parsed;
    try {
      const text = readFileSync(file, "utf8");
      ydoc = y.parseDocument(text, { lineCounter: lc });
      if (ydoc.errors.length) {
        const e = ydoc.errors[0];
        throw new Error(`line ${e.linePos?.[0].line ?? "?"}: ${e.message.split("\n")[0]}`);
      }
      doc = ydoc.toJS();
    } catch (e) {
      warnings.push(`${file}: not valid YAML (${(e as Error).message}); its build sections are not used for service contexts`);
      continue;
    }
    let env: Record<string, string> | undefined;
    const services = (doc as { services?: Record<string, ComposeService> } | null)?.services ?? {};
    if (typeof services !== "object") continue;
    for (const [name, s] of Object.entries(services)) {
      if (!s?.build) continue;
      env ??= dotEnv(dir);
      const read = composeService(name, s, dir, env);
      if (typeof read === "string") {
        warnings.push(`${file}: services.${name}: ${read}; this service is not checked from the compose file`);
        continue;
      }
      // The line of its command (or entrypoint), else of the service's first key.
      const at = (p: string[]) => (ydoc.getIn(p, true) as { range?: [number, number, number] } | undefined)?.range;
      const range = (s.command !== undefined ? at(["services", name, "command"]) : undefined) ?? (s.entrypoint !== undefined ? at(["services", name, "entrypoint"]) : undefined) ?? at(["services", name]);
      out.push({ ...read, name, file, line: range ? lc.linePos(range[0]).line : 1 });
    }
  }
  return { builds: out, warnings };
}

export interface RepoWalk {
  /** Every Dockerfile below the root (up to depth 25), except what `exclude` names. */
  dockerfiles: string[];
  /** Compose files up to 6 levels down (exclude patterns do not apply). */
  composeFiles: string[];
  /** Python files (not symlinks) in the folders walked, in walk order. */
  pyFiles: string[];
}

/**
 * One walk of the repository for everything discovery looks for: Dockerfiles, compose files,
 * and the Python files seen on the way (parsed ahead of the analysis on cold runs). The listings go into `fs`, so the analysis and the cache validation
 * do not list or stat those folders and files again.
 */
export function walkRepo(repoRoot: string, exclude: string[], fs?: FsCache): RepoWalk {
  const out: RepoWalk = { dockerfiles: [], composeFiles: [], pyFiles: [] };
  const ex = exclude.length ? dockerignore().add(exclude) : null;
  // A folder is read for Dockerfiles up to depth 25 unless excluded, for compose files up to depth 6.
  const walk = (dir: string, relDir: string, depth: number, excluded: boolean) => {
    const forDocker = !excluded && depth <= 25;
    const forCompose = depth <= 6;
    if (!forDocker && !forCompose) return;
    let ents;
    try {
      ents = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch {
      return;
    }
    fs?.seedDir(dir, ents);
    for (const e of ents) {
      const name = e.name;
      const r = relDir ? relDir + "/" + name : name;
      const exHere = excluded || (forDocker && ex !== null && ex.ignores(r));
      // Symlinked directories are not followed (loops); symlinked Dockerfiles are.
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(name)) walk(path.join(dir, name), r, depth + 1, exHere);
      } else if (e.isFile()) {
        if (name.endsWith(".py")) out.pyFiles.push(path.join(dir, name));
        else if (forCompose && COMPOSE_NAMES.includes(name)) out.composeFiles.push(path.join(dir, name));
      }
      if (forDocker && !exHere && (e.isFile() || e.isSymbolicLink()) && isDockerfileName(name)) {
        const abs = path.join(dir, name);
        try {
          if (e.isFile() || statSync(abs).isFile()) out.dockerfiles.push(abs);
        } catch {
          /* dangling link */
        }
      }
    }
  };
  walk(repoRoot, "", 0, false);
  return out;
}

export interface Discovery {
  repoRoot: string;
  config: Config;
  services: ServiceSpec[];
  /** What discovery could not read and skipped (one line each, for stderr). */
  warnings?: string[];
}

/**
 * Build the service list for `check [PATH...]`. Paths may be the repo, folders, or Dockerfiles.
 * `onWalk` is called as soon as the repository has been walked, with its Python files.
 */
export function discover(targets: string[], cwd: string, fs: FsCache, useCache = false, onWalk?: (repoRoot: string, pyFiles: string[]) => void): Discovery {
  const first = targets[0] ?? cwd;
  const abs0 = path.resolve(cwd, first);
  if (!existsSync(abs0)) throw new UsageError(`no such file or directory: ${first}`);
  const repoRoot = findRepoRoot(abs0);
  const config = loadConfig(repoRoot);
  const repoWalk = walkRepo(repoRoot, config.exclude, fs);
  onWalk?.(repoRoot, repoWalk.pyFiles);
  // Inferred contexts are cached with the file-system facts they were inferred from.
  const ctxCache = new DepCache<string>(useCache ? path.join(repoRoot, ".shipshape_cache", "contexts-v1.json") : null);
  const infer = (df: string, args: Record<string, string>): string => {
    const key = DepCache.key([df, args, repoRoot]);
    const hit = ctxCache.lookup(key, fs);
    if (hit) return hit;
    const deps = new DepSet();
    fs.recorder = deps;
    try {
      fs.noteFile(df);
      const c = inferContext(df, repoRoot, args, fs);
      fs.recorder = null;
      ctxCache.store(key, deps, fs, c);
      return c;
    } finally {
      fs.recorder = null;
    }
  };
  // Several services may build one Dockerfile (other targets, build args, commands): each is its own.
  const declared = new Map<string, ServiceSpec[]>();
  for (const s of config.services) {
    if (!existsSync(s.dockerfile!)) throw new UsageError(`${config.file}: services.${s.name}: no such Dockerfile ${path.relative(repoRoot, s.dockerfile!)}`);
    if (!statSync(s.dockerfile!).isFile()) throw new UsageError(`${config.file}: services.${s.name}: ${path.relative(repoRoot, s.dockerfile!)} is a directory, not a Dockerfile`);
    const list = declared.get(s.dockerfile!) ?? [];
    declared.set(s.dockerfile!, list);
    list.push({
      name: s.name!,
      dockerfile: s.dockerfile!,
      context: s.context ?? infer(s.dockerfile!, s.buildArgs ?? {}),
      contextSource: s.context ? "config" : "inferred",
      target: s.target ?? null,
      buildArgs: s.buildArgs ?? {},
      entryPoints: s.entryPoints ?? [],
      ...(config.file ? { configFile: config.file } : {}),
      ignore: [...config.ignore, ...(s.ignore ?? [])],
      build: s.build ?? "docker",
    });
  }
  const composeRead = composeBuildsOf(repoWalk.composeFiles);
  const compose = new Map<string, ComposeBuild[]>();
  for (const c of composeRead.builds) {
    const list = compose.get(c.dockerfile) ?? [];
    compose.set(c.dockerfile, list);
    // Compose services with the same build, command, environment and working directory run the
    // same image the same way: one service.
    const key = (x: ComposeBuild) => JSON.stringify([x.context, x.target, x.args, x.command, x.entrypoint, x.env, x.workdir]);
    const same = (a: ComposeBuild) => key(a) === key(c);
    if (!list.some(same)) list.push(c);
  }

  const wanted: string[] = [];
  const explicit = targets.length > 0;
  for (const t of explicit ? targets : [repoRoot]) {
    const abs = path.resolve(cwd, t);
    if (!existsSync(abs)) throw new UsageError(`no such file or directory: ${t}`);
    if (statSync(abs).isDirectory()) {
      // `exclude` is relative to the repository root whatever folder is checked: one walk serves all.
      const found = abs === repoRoot ? repoWalk.dockerfiles : repoWalk.dockerfiles.filter((f) => f.startsWith(abs + path.sep));
      // `discover = false`: a folder holds only the services the configuration declares.
      wanted.push(...(config.discover ? found : found.filter((f) => declared.has(f))));
      for (const d of declared.keys()) if (d.startsWith(abs + path.sep) && !wanted.includes(d)) wanted.push(d);
    } else {
      notADockerfile(abs, t);
      wanted.push(abs);
    }
  }
  const services: ServiceSpec[] = [];
  const seen = new Set<string>();
  for (const df of wanted) {
    if (seen.has(df)) continue;
    seen.add(df);
    const d = declared.get(df);
    if (d) {
      services.push(...d);
      continue;
    }
    const cs = compose.get(df);
    if (!cs) {
      services.push({ name: serviceName(repoRoot, df), dockerfile: df, context: infer(df, {}), contextSource: "inferred", target: null, buildArgs: {}, entryPoints: [], ignore: [...config.ignore], build: "docker" });
      continue;
    }
    for (const c of cs) {
      const spec: ServiceSpec = { name: c.name, dockerfile: df, context: c.context, contextSource: "compose", target: c.target, buildArgs: c.args, entryPoints: [], ignore: [...config.ignore], build: "docker" };
      if (c.command || c.entrypoint || c.env || c.workdir) spec.run = { command: c.command ?? null, entrypoint: c.entrypoint ?? null, env: c.env, workdir: c.workdir, file: c.file, line: c.line };
      services.push(spec);
    }
    // Every compose service overrides the command (a dev compose file running `runserver`): the
    // image's own CMD, which production runs, is checked as a service of its own.
    if (cs.every((c) => c.command || c.entrypoint)) {
      const c = cs[0];
      services.push({ name: serviceName(repoRoot, df), dockerfile: df, context: c.context, contextSource: "compose", target: c.target, buildArgs: c.args, entryPoints: [], ignore: [...config.ignore], build: "docker" });
    }
  }
  if (!services.length) {
    const where = explicit ? targets.join(", ") : path.relative(cwd, repoRoot) || ".";
    throw new UsageError(`no Dockerfile found in ${where} (looked for Dockerfile, *.Dockerfile, Dockerfile.*)`);
  }
  // Stable names: disambiguate duplicates.
  const counts = new Map<string, number>();
  for (const s of services) counts.set(s.name, (counts.get(s.name) ?? 0) + 1);
  for (const s of services) if ((counts.get(s.name) ?? 0) > 1) s.name = serviceName(repoRoot, s.dockerfile);
  const taken = new Map<string, number>();
  for (const s of services) {
    const n = (taken.get(s.name) ?? 0) + 1;
    taken.set(s.name, n);
    if (n > 1) s.name = `${s.name}${s.target ? "-" + s.target : ""}-${n}`;
  }
  ctxCache.save();
  return { repoRoot, config, services, warnings: composeRead.warnings.map((w) => path.relative(cwd, w.slice(0, w.indexOf(": "))) + w.slice(w.indexOf(": "))) };
}

/**
 * A file given on the command line is checked as a Dockerfile. One whose name does not say so
 * and whose first instruction is not one (`check main.py`, `check compose.yaml`) is a usage error,
 * not a page of SS001 findings. A broken Dockerfile (a known first keyword) still gets SS001.
 */
function notADockerfile(abs: string, written: string): void {
  if (/dockerfile|containerfile/i.test(path.basename(abs))) return;
  let head: string;
  try {
    head = readFileSync(abs).subarray(0, 65536).toString("latin1");
  } catch {
    return; // unreadable: SS001 says why
  }
  const first = head.split(/\r?\n/).map((l) => l.trim()).find((l) => l && !l.startsWith("#"));
  const words = first?.split(/\s+/) ?? [];
  const word = words[0]?.toUpperCase() ?? "";
  // `from x import y` is Python; `FROM image [AS name]` is a Dockerfile.
  const args = words.slice(1).filter((w) => !w.startsWith("--"));
  const pythonFrom = word === "FROM" && !(args.length === 1 || (args.length === 3 && args[1].toLowerCase() === "as"));
  const otherKind = /\.(py|pyi|toml|json|ya?ml|txt|cfg|ini|md|lock)$/i.test(abs);
  if (KNOWN_INSTRUCTIONS.has(word) && !pythonFrom && !otherKind) return;
  const hint = COMPOSE_NAMES.includes(path.basename(abs)) ? "; compose files are read from the folder they are in: give the folder" : "; give a Dockerfile or a folder";
  throw new UsageError(`${written} is not a Dockerfile (${first === undefined ? "it has no instructions" : `it starts with \`${first.slice(0, 40)}\``})${hint}`);
}
