// Helpers for the drift tests: real git repositories with a scripted history, the CLI run
// asynchronously (so HTTP servers in this process can answer it), fake gcloud/kubectl on PATH,
// and HTTP receivers that record what they get.
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { BIN, PROJECT_ROOT, Tree, makeRepo } from "./helpers.js";

export const FIXTURES = path.join(PROJECT_ROOT, "test", "fixtures", "drift");

const made: string[] = [];
process.on("exit", () => {
  if (process.env.KEEP_TMP) return;
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

export function tmp(prefix = "shipshape-drift-"): string {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(d);
  return d;
}

let clock = Date.parse("2026-11-01T00:00:00Z");

/** git in `dir`, with a fixed identity and a committer clock that moves one hour per commit. */
export function git(dir: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync("git", args, {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, GIT_AUTHOR_NAME: "Dev", GIT_AUTHOR_EMAIL: "dev@example.com", GIT_COMMITTER_NAME: "Dev", GIT_COMMITTER_EMAIL: "dev@example.com", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

/** A repository with `files` committed as the first commit. */
export function gitRepo(files: Tree): string {
  const dir = makeRepo(files);
  git(dir, ["init", "-q", "-b", "main"]);
  commitAll(dir, "initial import");
  return dir;
}

/** Write/delete files and commit everything; returns the full commit id. `at` sets the committer date. */
export function commit(dir: string, message: string, changes: Record<string, string | null> = {}, at?: string): string {
  for (const [rel, content] of Object.entries(changes)) {
    const abs = path.join(dir, rel);
    if (content === null) rmSync(abs, { recursive: true, force: true });
    else {
      mkdirSync(path.dirname(abs), { recursive: true });
      writeFileSync(abs, content);
    }
  }
  return commitAll(dir, message, at);
}

function commitAll(dir: string, message: string, at?: string): string {
  clock += 3_600_000;
  const date = at ?? new Date(clock).toISOString();
  git(dir, ["add", "-A", "--", ":/", ":(exclude,glob)**/deploy/**"]);
  git(dir, ["-c", "commit.gpgsign=false", "commit", "-q", "--allow-empty", "-m", message], { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
  return git(dir, ["rev-parse", "HEAD"]);
}

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The CLI as a child process, asynchronously. */
export function cliAsync(args: string[], cwd: string, env: Record<string, string> = {}, opts: { onStdout?: (all: string, child: ReturnType<typeof spawn>) => void; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 30000);
    child.stdout.on("data", (b: Buffer) => {
      stdout += b.toString();
      opts.onStdout?.(stdout, child);
    });
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

/** A folder of fake `gcloud` and `kubectl` executables printing documents from FAKE_DIR, logging their argv to FAKE_DIR/log. */
export function fakeTools(): { bin: string; dir: string; env: Record<string, string>; log: () => string[] } {
  const bin = tmp("shipshape-fakebin-");
  const dir = tmp("shipshape-fakedocs-");
  writeFileSync(
    path.join(bin, "gcloud"),
    `#!/bin/sh
echo "gcloud $*" >> "$FAKE_DIR/log"
if [ -f "$FAKE_DIR/gcloud-fail" ]; then cat "$FAKE_DIR/gcloud-fail" >&2; exit 1; fi
if [ -f "$FAKE_DIR/gcloud-sleep" ]; then sleep 5; fi
case "$1 $2 $3" in
  "run services describe") f="$FAKE_DIR/service-$4.json" ;;
  "run revisions describe") f="$FAKE_DIR/revision-$4.json" ;;
  *) echo "ERROR: (gcloud) unexpected arguments: $*" >&2; exit 2 ;;
esac
if [ ! -f "$f" ]; then echo "ERROR: (gcloud.run.$2.describe) Cannot find $2 [$4] in region." >&2; exit 1; fi
cat "$f"
`,
  );
  writeFileSync(
    path.join(bin, "kubectl"),
    `#!/bin/sh
echo "kubectl $*" >> "$FAKE_DIR/log"
if [ -f "$FAKE_DIR/kubectl-fail" ]; then cat "$FAKE_DIR/kubectl-fail" >&2; exit 1; fi
f="$FAKE_DIR/deployment-$3.json"
if [ "$1 $2" != "get deployment" ] || [ ! -f "$f" ]; then echo "Error from server (NotFound): deployments.apps \\"$3\\" not found" >&2; exit 1; fi
cat "$f"
`,
  );
  chmodSync(path.join(bin, "gcloud"), 0o755);
  chmodSync(path.join(bin, "kubectl"), 0o755);
  return {
    bin,
    dir,
    env: { PATH: `${bin}${path.delimiter}${process.env.PATH}`, FAKE_DIR: dir },
    log: () => {
      try {
        return readFileSync(path.join(dir, "log"), "utf8").trim().split("\n");
      } catch {
        return [];
      }
    },
  };
}

/** A fixture document with its {{PLACEHOLDERS}} filled in. */
export function fixture(name: string, vars: Record<string, string | number>): string {
  let text = readFileSync(path.join(FIXTURES, name), "utf8");
  for (const [k, v] of Object.entries(vars)) text = text.split(`{{${k}}}`).join(String(v));
  const left = /\{\{[A-Z_]+\}\}/.exec(text);
  if (left) throw new Error(`fixture ${name}: ${left[0]} not filled`);
  return text;
}

export interface Received {
  method: string;
  url: string;
  body: string;
  json: unknown;
}

/** An HTTP server on 127.0.0.1 that answers with the given handler (JSON unless `headers` say otherwise) and records every request. */
export async function receiver(handler: (req: Received, n: number) => { status: number; body?: string; delayMs?: number; headers?: Record<string, string> } | "hang"): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      let json: unknown = undefined;
      try {
        json = JSON.parse(body);
      } catch {
        /* not JSON */
      }
      const r: Received = { method: req.method ?? "", url: req.url ?? "", body, json };
      received.push(r);
      const out = handler(r, received.length);
      if (out === "hang") return;
      const send = () => {
        res.writeHead(out.status, { "content-type": "application/json", ...out.headers });
        res.end(out.body ?? "");
      };
      if (out.delayMs) setTimeout(send, out.delayMs);
      else send();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Write the file the `file` provider reads (outside git: deploy/ is never committed). */
export function deployFile(dir: string, name: string, content: unknown): void {
  mkdirSync(path.join(dir, "deploy"), { recursive: true });
  writeFileSync(path.join(dir, "deploy", name), typeof content === "string" ? content : JSON.stringify(content));
}

export const FROM = "FROM python:3.11-slim\nWORKDIR /app\n";
