// Test helpers: real repositories in temporary folders, and the real CLI as a child process.
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runCheck } from "../src/check-sync.js";
import type { CheckResult } from "../src/check.js";
import type { Finding } from "../src/findings.js";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BIN = path.join(PROJECT_ROOT, "bin", "shipshape.js");

const made: string[] = [];
process.on("exit", () => {
  if (process.env.KEEP_TMP) return;
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

export type Tree = Record<string, string | Buffer | { symlink: string }>;

/** Write a repository: a shipshape.toml marks the root unless one is given. */
export function makeRepo(files: Tree, opts: { marker?: boolean } = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), "shipshape-test-"));
  made.push(dir);
  // The differential suite (test-e2e/) collects every fixture repository the check tests make.
  if (process.env.SHIPSHAPE_FIXTURE_LOG) appendFileSync(process.env.SHIPSHAPE_FIXTURE_LOG, `${dir}\t${callerOf(new Error().stack)}\n`);
  if (opts.marker !== false && !("shipshape.toml" in files) && !("pyproject.toml" in files)) writeFileSync(path.join(dir, "shipshape.toml"), "");
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    if (typeof content === "object" && !Buffer.isBuffer(content)) symlinkSync(content.symlink, abs);
    else writeFileSync(abs, content);
  }
  return dir;
}

/** `check-rules.test.js:42` for the test line that made a fixture. */
function callerOf(stack: string | undefined): string {
  for (const line of (stack ?? "").split("\n").slice(2)) {
    const m = /([\w.-]+\.test\.js):(\d+)/.exec(line);
    if (m) return `${m[1]}:${m[2]}`;
  }
  return "?";
}

export function check(dir: string, targets: string[] = []): CheckResult {
  return runCheck({ targets: targets.map((t) => path.join(dir, t)), cwd: dir, cache: false, keepExternals: true });
}

/** Codes of the build and local-import rules (SS0xx, SS1xx); package rules have their own tests. */
const isLocalCode = (c: string) => /^SS[01]\d\d$/.test(c);

/** Findings of the build and local-import rules as compact strings `CODE file:line module`. */
export function summary(res: CheckResult): string[] {
  return res.findings.filter((f) => isLocalCode(f.code)).map((f) => `${f.code} ${f.file}:${f.line} ${f.module}`).sort();
}

/** Every finding, package rules included, as `CODE file:line module`. */
export function summaryAll(res: CheckResult): string[] {
  return res.findings.map((f) => `${f.code} ${f.file}:${f.line} ${f.module}`).sort();
}

export function codes(res: CheckResult): string[] {
  return res.findings.filter((f) => isLocalCode(f.code)).map((f) => f.code).sort();
}

export function only(res: CheckResult, code: string): Finding[] {
  return res.findings.filter((f) => f.code === code);
}

export function cli(args: string[], cwd: string, env: Record<string, string> = {}): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", ...env }, timeout: 60000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export const PY_APP = `FROM python:3.11-slim\nWORKDIR /app\n`;
