// `shipshape lock generate`: regenerate a lock with the user's own resolver.
//
//   uv           `uv pip compile IN -o OUT` (with --python-version of the image)
//   pip-compile  `pip-compile IN -o OUT`
//   docker       `docker run --network=none` in the service's base image: `pip install --target
//                DIR --no-index --find-links /wheels -r IN`, then `pip inspect --path DIR`
//   pip          the same with a local Python (`--python-exe`, default python3): for machines
//                without uv, pip-tools or Docker; resolves for that Python, not the image's
//
// "auto" tries uv, pip-compile, then Docker; with none of them it stops with a one-line error.
// The docker and pip resolvers write a pip-compile style file with `# via` comments computed
// from the installed metadata, so `lock check` can see orphans in it too.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { normalizeName, parseRequirementString } from "../packages/requirements.js";
import { evaluateMarker, MarkerEnv } from "../packages/markers.js";
import { readRequirementsTree } from "./check.js";

export type ResolverName = "uv" | "pip-compile" | "docker" | "pip";

export interface GenerateOptions {
  /** Absolute path of the loose requirements file. */
  input: string;
  /** Absolute path of the lock to write. */
  output: string;
  resolver?: ResolverName | "auto";
  findLinks?: string[];
  noIndex?: boolean;
  /** Python version to resolve for (uv: --python-version). */
  pythonVersion?: string | null;
  /** docker: the image to resolve in (the service's base image). */
  baseImage?: string | null;
  /** pip resolver: the Python executable. */
  pythonExe?: string;
  /** Label of the input in `# via -r ...` comments (default: its file name). */
  inputLabel?: string;
}

export interface GenerateResult {
  resolver: ResolverName;
  output: string;
  packages: number;
}

export class GenerateError extends Error {}

function onPath(cmd: string): boolean {
  const r = spawnSync(cmd, ["--version"], { encoding: "utf8", timeout: 20000 });
  return r.status === 0;
}

function dockerAnswers(): boolean {
  const r = spawnSync("docker", ["version", "--format", "{{.Server.Version}}"], { encoding: "utf8", timeout: 20000 });
  return r.status === 0 && Boolean(r.stdout.trim());
}

/** Which resolver "auto" picks here, or null. */
export function detectResolver(): ResolverName | null {
  if (onPath("uv")) return "uv";
  if (onPath("pip-compile")) return "pip-compile";
  if (dockerAnswers()) return "docker";
  return null;
}

function run(cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", cwd: opts.cwd, maxBuffer: 256 * 1024 * 1024, timeout: 15 * 60 * 1000 });
  if (r.error) throw new GenerateError(`${cmd}: ${(r.error as NodeJS.ErrnoException).code === "ENOENT" ? "not found on PATH" : r.error.message}`);
  if (r.status !== 0) {
    const err = (r.stderr || r.stdout || "").trim().split("\n").filter(Boolean);
    const label = [cmd, ...args.slice(0, args[0] === "-m" ? 3 : args[0] === "run" || args[0] === "pip" ? 2 : 1)].join(" ");
    const last = err.filter((l) => !/^\s*(WARNING|\[notice\])/.test(l)).slice(-1)[0] ?? `exit ${r.status}`;
    throw new GenerateError(`${label} failed: ${last.trim()}`);
  }
  return r.stdout;
}

export function generateLock(o: GenerateOptions): GenerateResult {
  if (!existsSync(o.input)) throw new GenerateError(`no such file: ${o.input}`);
  let resolver = o.resolver && o.resolver !== "auto" ? o.resolver : detectResolver();
  if (!resolver) throw new GenerateError("no resolver: neither uv nor pip-compile is on PATH and no Docker engine answers (`docker version` failed); install uv or pip-tools, start Docker, or pass --resolver pip");
  const links = (o.findLinks ?? []).flatMap((d) => ["--find-links", d]);
  const idx = o.noIndex ? ["--no-index"] : [];
  if (resolver === "uv") {
    const py = o.pythonVersion ? ["--python-version", o.pythonVersion] : [];
    run("uv", ["pip", "compile", o.input, "-o", o.output, "--quiet", ...py, ...idx, ...links], { cwd: path.dirname(o.input) });
  } else if (resolver === "pip-compile") {
    run("pip-compile", [o.input, "-o", o.output, "--quiet", ...idx, ...links], { cwd: path.dirname(o.input) });
  } else {
    const report = resolver === "docker" ? inspectInDocker(o) : inspectLocal(o);
    writeFileSync(o.output, freezeToLock(report, o, resolver));
  }
  const count = readRequirementsTree(path.dirname(o.output), path.basename(o.output)).requirements.length;
  return { resolver, output: o.output, packages: count };
}

interface InspectReport {
  installed: { metadata: { name: string; version: string; requires_dist?: string[] } }[];
  environment: Record<string, string>;
}

function parseInspect(json: string): InspectReport {
  try {
    const start = json.indexOf("{");
    const r = JSON.parse(json.slice(start)) as InspectReport;
    if (!Array.isArray(r.installed)) throw new Error("no 'installed'");
    return r;
  } catch (e) {
    throw new GenerateError(`cannot read pip inspect output: ${(e as Error).message}`);
  }
}

function inspectLocal(o: GenerateOptions): InspectReport {
  const py = o.pythonExe ?? "python3";
  const dir = mkdtempSync(path.join(tmpdir(), "shipshape-lock-"));
  try {
    // --target implies --ignore-installed: the whole closure lands in the folder, whatever the
    // interpreter already has, and nothing outside it changes.
    const target = path.join(dir, "site");
    const links = (o.findLinks ?? []).flatMap((d) => ["--find-links", d]);
    run(py, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target", target, ...(o.noIndex ? ["--no-index"] : []), ...links, "-r", o.input], { cwd: path.dirname(o.input) });
    return parseInspect(run(py, ["-m", "pip", "--disable-pip-version-check", "inspect", "--path", target]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function inspectInDocker(o: GenerateOptions): InspectReport {
  if (!o.baseImage) throw new GenerateError("docker resolver: the service has no base image to run in");
  if (!o.findLinks?.length) throw new GenerateError("docker resolver runs without network: give --find-links DIR with the wheels to resolve from");
  const inDir = path.dirname(o.input);
  const mounts = ["-v", `${inDir}:/ss/in:ro`];
  o.findLinks.forEach((d, i) => mounts.push("-v", `${path.resolve(d)}:/ss/wheels${i}:ro`));
  const links = o.findLinks.map((_, i) => `--find-links /ss/wheels${i}`).join(" ");
  const script = `set -e; cd /ss/in; python3 -m pip install -q --disable-pip-version-check --target /tmp/sst --no-index ${links} -r ${JSON.stringify(path.basename(o.input))} >&2; python3 -m pip --disable-pip-version-check inspect --path /tmp/sst`;
  try {
    execFileSync("docker", ["version", "--format", "{{.Server.Version}}"], { stdio: "pipe", timeout: 20000 });
  } catch {
    throw new GenerateError("docker resolver: no Docker engine answers (`docker version` failed)");
  }
  // PIP_BREAK_SYSTEM_PACKAGES: Debian's pip refuses to install outside a venv (PEP 668); with
  // --target nothing of the system changes, and older pips ignore the variable.
  return parseInspect(run("docker", ["run", "--rm", "--network=none", "-e", "PIP_BREAK_SYSTEM_PACKAGES=1", "-e", "PIP_ROOT_USER_ACTION=ignore", ...mounts, o.baseImage, "sh", "-c", script]));
}

const SEED = new Set(["pip", "setuptools", "wheel", "distribute"]);

/** A pip-compile style lock from an installed set: exact pins, `# via` from the metadata graph. */
export function freezeToLock(report: InspectReport, o: Pick<GenerateOptions, "input" | "inputLabel" | "pythonVersion">, resolver: string): string {
  const label = o.inputLabel ?? path.basename(o.input);
  const tree = readRequirementsTree(path.dirname(o.input), path.basename(o.input));
  const directNames = new Set(tree.requirements.map((r) => r.name).filter(Boolean));
  const env: MarkerEnv = { ...report.environment };
  const pkgs = new Map<string, { name: string; version: string; requires: string[] }>();
  for (const i of report.installed) pkgs.set(normalizeName(i.metadata.name), { name: i.metadata.name, version: i.metadata.version, requires: i.metadata.requires_dist ?? [] });
  // Extras asked for: by the input's requirements, then by the packages themselves.
  const extras = new Map<string, Set<string>>();
  for (const r of tree.requirements) if (r.name && r.extras.length) extras.set(r.name, new Set(r.extras.map(normalizeName)));
  const via = new Map<string, Set<string>>();
  for (let pass = 0; pass < 3; pass++) {
    for (const [n, p] of pkgs) {
      for (const rd of p.requires) {
        let r;
        try {
          r = parseRequirementString(rd);
        } catch {
          continue;
        }
        const ex = [...(extras.get(n) ?? [])];
        let holds = true;
        if (r.marker) {
          try {
            holds = evaluateMarker(r.marker, { ...env, extra: ex.length ? ex : "" });
          } catch {
            holds = false;
          }
        }
        if (!holds || !pkgs.has(r.name)) continue;
        if (!via.has(r.name)) via.set(r.name, new Set());
        via.get(r.name)!.add(n);
        if (r.extras.length) {
          const s = extras.get(r.name) ?? new Set<string>();
          for (const e of r.extras) s.add(normalizeName(e));
          extras.set(r.name, s);
        }
      }
    }
  }
  const lines = [
    "#",
    `# This file is autogenerated by shipshape lock generate (resolver: ${resolver}, Python ${env.python_full_version ?? o.pythonVersion ?? "?"})`,
    `# from ${label}`,
    "#",
  ];
  const names = [...pkgs.keys()].filter((n) => !SEED.has(n) || directNames.has(n) || via.has(n)).sort();
  for (const n of names) {
    const p = pkgs.get(n)!;
    lines.push(`${n}==${p.version}`);
    const parents = [...(via.get(n) ?? [])].filter((x) => names.includes(x)).sort().map((x) => x);
    const items = [...(directNames.has(n) ? [`-r ${label}`] : []), ...parents];
    if (items.length === 1) lines.push(`    # via ${items[0]}`);
    else if (items.length > 1) lines.push("    # via", ...items.map((x) => `    #   ${x}`));
  }
  return lines.join("\n") + "\n";
}
