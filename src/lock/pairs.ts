// Which lock goes with which loose requirements file: conventions plus configuration.
//
//   requirements.in  → requirements.txt          (pip-compile / uv pip compile)
//   X.in             → X.txt                     (any name, same folder)
//   X.txt            → X.lock, X-lock.txt, X.lock.txt
//   pyproject.toml   → uv.lock, poetry.lock
//
// Configuration (shipshape.toml `[lock]`, or `[tool.shipshape.lock]` in pyproject.toml):
//   [lock]
//   python = "3.11"                      # marker environment when the base image does not say
//   conventions = true                   # set false to use only the declared pairs
//   pairs = [["svc/req.in", "svc/req.lock.txt"]]   # or a table: { "svc/req.in" = "svc/req.lock.txt" }
// and per service: `[services.NAME] lock_pairs = [[loose, lock], ...]`.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { parse as parseToml } from "smol-toml";
import { UsageError } from "../discover.js";

export interface LockPair {
  /** Repository-relative paths ("/" separators). */
  loose: string;
  lock: string;
  source: "convention" | "config";
}

export interface LockConfig {
  python: string | null;
  conventions: boolean;
  pairs: LockPair[];
}

const SKIP_DIRS = new Set([".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".shipshape_cache", ".hg", ".svn", "site-packages", "dist", "build"]);

const toPosix = (p: string) => p.split(path.sep).join("/");

/** Read the `[lock]` configuration; throws UsageError on a malformed table. */
export function loadLockConfig(repoRoot: string): LockConfig {
  const cfg: LockConfig = { python: null, conventions: true, pairs: [] };
  let table: Record<string, unknown> | null = null;
  const st = path.join(repoRoot, "shipshape.toml");
  const pp = path.join(repoRoot, "pyproject.toml");
  let where = "shipshape.toml";
  try {
    if (existsSync(st)) table = parseToml(readFileSync(st, "utf8")) as Record<string, unknown>;
    else if (existsSync(pp)) {
      where = "[tool.shipshape]";
      const text = readFileSync(pp, "utf8");
      // A broken pyproject.toml without our table is the project's problem (SS507), not a config error.
      if (!/^\s*\[\s*tool\.shipshape\b/m.test(text)) return cfg;
      const t = parseToml(text) as Record<string, unknown>;
      const tool = t.tool as Record<string, unknown> | undefined;
      table = (tool?.shipshape as Record<string, unknown> | undefined) ?? null;
      where = "[tool.shipshape]";
    }
  } catch (e) {
    throw new UsageError(`${where}: invalid TOML: ${(e as Error).message.split("\n")[0]}`);
  }
  if (!table) return cfg;
  const addPairs = (v: unknown, what: string) => {
    if (v === undefined) return;
    const list: [unknown, unknown][] = Array.isArray(v) ? (v as unknown[]).map((x) => (Array.isArray(x) ? [x[0], x[1]] : [x, undefined])) : typeof v === "object" && v ? Object.entries(v as Record<string, unknown>) : [];
    if (!list.length && !Array.isArray(v)) throw new UsageError(`${what} must be a list of [loose, lock] pairs or a table`);
    for (const [a, b] of list) {
      if (typeof a !== "string" || typeof b !== "string") throw new UsageError(`${what}: each pair is two file paths, [loose, lock]`);
      // A misspelt path must not check nothing (and take a real file away from its convention pair).
      for (const f of [a, b]) if (!existsSync(path.join(repoRoot, f))) throw new UsageError(`${what}: no such file ${f} (paths are relative to the repository root)`);
      cfg.pairs.push({ loose: toPosix(path.normalize(a)), lock: toPosix(path.normalize(b)), source: "config" });
    }
  };
  const lock = table.lock as Record<string, unknown> | undefined;
  if (lock !== undefined) {
    if (typeof lock !== "object" || lock === null) throw new UsageError(`${where} lock must be a table`);
    if (lock.python !== undefined) cfg.python = String(lock.python);
    if (lock.conventions !== undefined) cfg.conventions = Boolean(lock.conventions);
    addPairs(lock.pairs, `${where} lock.pairs`);
  }
  const services = (table.services ?? {}) as Record<string, Record<string, unknown>>;
  if (typeof services === "object") for (const [name, s] of Object.entries(services)) if (s && typeof s === "object") addPairs(s.lock_pairs, `${where} services.${name}.lock_pairs`);
  return cfg;
}

/** Every loose/lock pair under the repository: declared ones first, then conventions. */
export function findLockPairs(repoRoot: string, cfg: LockConfig): LockPair[] {
  const out: LockPair[] = [...cfg.pairs];
  const taken = new Set(out.flatMap((p) => [p.loose, p.lock]));
  if (!cfg.conventions) return out;
  const walk = (dir: string, depth: number) => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    const files = new Set<string>();
    for (const e of entries) {
      if (SKIP_DIRS.has(e.name) || e.name.startsWith(".")) continue;
      if (e.isDirectory()) {
        if (depth < 12) walk(path.join(dir, e.name), depth + 1);
      } else if (e.isFile()) files.add(e.name);
    }
    const relOf = (n: string) => toPosix(path.relative(repoRoot, path.join(dir, n)));
    const add = (loose: string, lock: string) => {
      const l = relOf(loose);
      const k = relOf(lock);
      if (taken.has(l) && out.some((p) => p.loose === l)) return;
      if (out.some((p) => p.lock === k)) return;
      out.push({ loose: l, lock: k, source: "convention" });
      taken.add(l);
      taken.add(k);
    };
    for (const f of [...files].sort()) {
      if (f.endsWith(".in") && files.has(f.slice(0, -3) + ".txt")) add(f, f.slice(0, -3) + ".txt");
    }
    for (const f of [...files].sort()) {
      if (!f.endsWith(".txt") || f.endsWith("-lock.txt") || f.endsWith(".lock.txt")) continue;
      const stem = f.slice(0, -4);
      if (files.has(stem + ".in")) continue; // X.txt is itself the lock of X.in
      for (const lock of [stem + ".lock", stem + "-lock.txt", stem + ".lock.txt"]) if (files.has(lock)) { add(f, lock); break; }
    }
    if (files.has("pyproject.toml")) for (const lock of ["uv.lock", "poetry.lock"]) if (files.has(lock)) add("pyproject.toml", lock);
  };
  walk(repoRoot, 0);
  return out;
}
