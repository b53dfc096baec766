// The user's Docker engine, through the `docker` CLI (it honours DOCKER_HOST, DOCKER_CONTEXT,
// DOCKER_BUILDKIT and the user's config, which a socket client would each have to re-implement).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { UsageError } from "../discover.js";
import { MAX_TIMER_MS } from "../timers.js";

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they came (for the last lines of a build). */
  combined: string;
  timedOut: boolean;
  /** The docker CLI itself could not be started. */
  spawnError?: string;
  /** Ended (or never started) by a `stop` or `kill` trigger: an interruption. */
  stopped?: boolean;
}

const MAX_KEEP = 4 * 1024 * 1024;
/** After SIGTERM, the time the CLI has to end before SIGKILL (it may wait for the engine to acknowledge). */
const KILL_AFTER_MS = 3000;

/** A one-shot event: `fire()` runs, once, what `on()` registered (an interruption). */
export class Trigger {
  private fns = new Set<() => void>();
  private done = false;
  get fired(): boolean {
    return this.done;
  }
  fire(): void {
    if (this.done) return;
    this.done = true;
    for (const f of [...this.fns]) f();
    this.fns.clear();
  }
  /** Returns the function that unregisters `fn`. */
  on(fn: () => void): () => void {
    this.fns.add(fn);
    return () => this.fns.delete(fn);
  }
}

export interface DockerOptions {
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Ends the CLI as a time limit does (SIGTERM, then SIGKILL after 3 s). */
  stop?: Trigger;
  /** Ends the CLI at once (SIGKILL). */
  kill?: Trigger;
}

export function docker(args: string[], opts: DockerOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    if (opts.stop?.fired || opts.kill?.fired) return resolve({ code: null, stdout: "", stderr: "", combined: "", timedOut: false, stopped: true });
    const child = spawn(process.env.SHIPSHAPE_DOCKER ?? "docker", args, { stdio: ["pipe", "pipe", "pipe"], env: opts.env ?? process.env });
    let stdout = "";
    let stderr = "";
    let combined = "";
    let timedOut = false;
    let stopped = false;
    const keep = (s: string, add: string) => (s.length + add.length > MAX_KEEP ? (s + add).slice(-MAX_KEEP) : s + add);
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout = keep(stdout, d);
      combined = keep(combined, d);
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr = keep(stderr, d);
      combined = keep(combined, d);
    });
    const terminate = () => {
      child.kill("SIGTERM");
      // The CLI may wait for the engine to acknowledge; do not wait for it.
      setTimeout(() => child.kill("SIGKILL"), KILL_AFTER_MS).unref();
    };
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          terminate();
        }, Math.min(opts.timeoutMs, MAX_TIMER_MS))
      : null;
    const offs = [
      opts.stop?.on(() => {
        stopped = true;
        terminate();
      }),
      opts.kill?.on(() => {
        stopped = true;
        child.kill("SIGKILL");
      }),
    ];
    const end = (r: RunResult) => {
      if (timer) clearTimeout(timer);
      for (const off of offs) off?.();
      resolve(stopped ? { ...r, stopped } : r);
    };
    child.on("error", (e) => end({ code: null, stdout, stderr, combined, timedOut, spawnError: e.message }));
    child.on("close", (code) => end({ code, stdout, stderr, combined, timedOut }));
    // An interrupted CLI's output is not needed: do not wait for whatever else holds its pipes.
    child.on("exit", (code) => {
      if (stopped) end({ code, stdout, stderr, combined, timedOut });
    });
    child.stdin.on("error", () => {
      /* the process exited before reading its input */
    });
    child.stdin.end(opts.input ?? "");
  });
}

/** Fails with a one-line UsageError when no engine answers. Returns the server version. */
export async function requireEngine(timeoutMs = 20000, ends: Pick<DockerOptions, "stop" | "kill"> = {}): Promise<string> {
  const r = await docker(["version", "--format", "{{.Server.Version}}"], { timeoutMs, ...ends });
  if (r.spawnError) throw new UsageError(`no Docker engine: cannot run the docker CLI (${r.spawnError})`);
  if (r.code !== 0 || !r.stdout.trim()) {
    const why = r.timedOut ? `no answer within ${timeoutMs / 1000} s` : lastLines(r.stderr, 1)[0] ?? `docker version exited ${r.code}`;
    const host = process.env.DOCKER_HOST ? ` at DOCKER_HOST=${process.env.DOCKER_HOST}` : "";
    throw new UsageError(`no Docker engine reachable${host}: ${why.replace(/^error during connect: /i, "")}`);
  }
  return r.stdout.trim();
}

export function lastLines(text: string, n: number): string[] {
  const lines = text
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "") // colours of the classic builder's RUN output
    .split(/\r?\n|\r/)
    .map((l) => l.replace(/\s+$/, ""))
    .filter((l) => l.length > 0);
  return lines.slice(-n);
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(4).toString("hex")}`;
}

/** An image tag from a service name: lower case, [a-z0-9._-] only. */
export function imageTag(service: string): string {
  const repo = service.toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[-._]+|[-._]+$/g, "") || "service";
  return `shipshape-verify/${repo}:${randomBytes(4).toString("hex")}`;
}
