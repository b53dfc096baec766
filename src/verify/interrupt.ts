// What a verify run leaves in the engine, and its cleanup when the run is interrupted.
//
// Every docker call of the run goes through a Ledger, which knows the image tags built and not
// yet removed, the builds stopped half-way (their image may have been tagged all the same) and the
// probe containers that may still exist. On SIGINT, SIGTERM or SIGHUP (with `handleSignals`): no
// new work starts, the builds and probes under way are ended as a time limit ends them (SIGTERM,
// then SIGKILL after 3 s: a terminal's Ctrl-C reached them already, a SIGTERM sent to our pid
// did not), the probe containers that may still exist are removed (`docker rm -f`), then the
// images (`docker image rm --no-prune`), all within a time limit; a second signal ends the cleanup
// at once. The run then fails with a VerifyInterrupted: one line, and exit status 128+signal.
import { constants } from "node:os";
import { docker, DockerOptions, lastLines, RunResult, Trigger } from "./docker.js";

/** The one line to print, and the exit status (128 + the signal's number). */
export class VerifyInterrupted extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = "VerifyInterrupted";
  }
}

export const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
export const DEFAULT_CLEANUP_TIMEOUT_MS = 20000;

type ImageState = "built" | "removing" | "removed" | "maybe" | "checking" | "gone";
type ContainerState = "running" | "suspect" | "removing" | "removed";

const NOT_STARTED: RunResult = { code: null, stdout: "", stderr: "", combined: "", timedOut: false, stopped: true };
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const noSuch = (r: RunResult, what: "image" | "container") => new RegExp(`no such ${what}`, "i").test(r.stderr);

export class Ledger {
  /** The signal that interrupted the run. */
  signal: NodeJS.Signals | null = null;
  /** Ends builds and probes (SIGTERM, then SIGKILL). */
  private readonly stop = new Trigger();
  /** Ends every docker call of the run at once (SIGKILL): the cleanup gave up. */
  private readonly kill = new Trigger();
  private readonly images = new Map<string, ImageState>();
  private readonly containers = new Map<string, ContainerState>();
  /** Why an image or container may be left, when its removal failed. */
  private readonly failures = new Map<string, string>();
  private readonly pending = new Set<Promise<RunResult>>();
  private removedAfterSignal = 0;
  private signalledAt = 0;
  private onInterrupt!: () => void;
  private onAgain!: () => void;
  /** Resolves at the first signal. */
  readonly interrupted = new Promise<void>((resolve) => (this.onInterrupt = resolve));
  private readonly again = new Promise<void>((resolve) => (this.onAgain = resolve));
  private readonly handler = (sig: NodeJS.Signals) => this.interrupt(sig);

  constructor(
    private readonly keep: boolean,
    private readonly cleanupTimeoutMs = DEFAULT_CLEANUP_TIMEOUT_MS,
  ) {}

  install(): void {
    for (const s of SIGNALS) process.on(s, this.handler);
  }

  dispose(): void {
    for (const s of SIGNALS) process.off(s, this.handler);
  }

  /** The run is interrupted: start no new work. */
  get stopped(): boolean {
    return this.signal !== null;
  }

  interrupt(sig: NodeJS.Signals): void {
    if (this.signal) return this.onAgain();
    this.signal = sig;
    this.signalledAt = performance.now();
    this.stop.fire();
    this.onInterrupt();
  }

  /** Options that let the interruption end a call: builds, probes, `docker version`. */
  get ends(): Pick<DockerOptions, "stop" | "kill"> {
    return { stop: this.stop, kill: this.kill };
  }

  private call(args: string[], opts: DockerOptions, interruptible: boolean): Promise<RunResult> {
    if (this.kill.fired || (interruptible && this.stop.fired)) return Promise.resolve(NOT_STARTED);
    const p = docker(args, { ...opts, ...(interruptible ? { stop: this.stop } : {}), kill: this.kill });
    this.pending.add(p);
    void p.then(() => this.pending.delete(p));
    return p;
  }

  /** `docker build … -t tag`; a tag it built is recorded until removed. */
  async build(tag: string, args: string[], opts: DockerOptions): Promise<RunResult> {
    const r = await this.call(args, opts, true);
    if (r === NOT_STARTED || r.spawnError) return r;
    if (r.code === 0 && !r.timedOut) this.images.set(tag, "built");
    // Ended by a signal, not by a failing step: it may have tagged its image before it ended.
    else if (r.stopped || r.timedOut || r.code === null || r.code >= 128) this.images.set(tag, "maybe");
    return r;
  }

  /** `docker run --name name …`; a container is recorded until its run ends normally. */
  async run(name: string, args: string[], opts: DockerOptions): Promise<RunResult> {
    if (this.stopped) return NOT_STARTED;
    this.containers.set(name, "running");
    const r = await this.call(args, opts, true);
    // With --rm the engine removes the container when it ends; one the CLI did not wait for
    // (ended by a signal, a time limit or the interruption) may still be there.
    if (r === NOT_STARTED || r.spawnError || (!this.stopped && !r.timedOut && r.code !== null && r.code < 128)) this.containers.delete(name);
    else this.containers.set(name, "suspect");
    return r;
  }

  /** `docker rm -f name` (a probe over its time limit); after an interruption, the cleanup's. */
  async removeContainer(name: string, timeoutMs = 30000): Promise<void> {
    if (this.stopped) return;
    await this.rmContainer(name, timeoutMs);
  }

  /** `docker image rm --no-prune tag` once the run is done with it; after an interruption, the cleanup's. */
  async removeImage(tag: string, timeoutMs = 60000): Promise<void> {
    if (this.stopped) return;
    await this.rmImage(tag, timeoutMs);
  }

  private async rmContainer(name: string, timeoutMs: number): Promise<void> {
    this.containers.set(name, "removing");
    const r = await this.call(["rm", "-f", name], { timeoutMs }, false);
    if (r.code === 0 || noSuch(r, "container")) this.containers.set(name, "removed");
    else this.fail(name, r, "docker rm -f");
  }

  private async rmImage(tag: string, timeoutMs: number): Promise<void> {
    this.images.set(tag, "removing");
    // --no-prune: the untagged parents are the classic builder's cache, which other builds
    // (of this run or another) may be using right now; like any `docker build`, it stays.
    const r = await this.call(["image", "rm", "--no-prune", tag], { timeoutMs }, false);
    if (r.code === 0) {
      this.images.set(tag, "removed");
      if (this.signal) this.removedAfterSignal++;
    } else if (noSuch(r, "image")) this.images.set(tag, "gone");
    else this.fail(tag, r, "docker image rm");
  }

  /** A build stopped half-way: remove (or with --keep, keep) its image if it was tagged after all. */
  private async rmIfBuilt(tag: string, timeoutMs: number): Promise<void> {
    this.images.set(tag, "checking");
    const r = await this.call(["image", "inspect", "--format", "{{.Id}}", tag], { timeoutMs }, false);
    if (r.code === 0) await (this.keep ? this.images.set(tag, "built") : this.rmImage(tag, timeoutMs));
    else if (noSuch(r, "image")) this.images.set(tag, "gone");
    else this.fail(tag, r, "docker image inspect");
  }

  private fail(what: string, r: RunResult, command: string): void {
    const why = r.stopped ? null : r.timedOut ? `${command} timed out` : r.spawnError ?? lastLines(r.stderr, 1)[0] ?? `${command} exited ${r.code}`;
    if (why) this.failures.set(what, why);
  }

  /**
   * After the signal: let the calls under way end, remove what may be left, within the time
   * limit (or until a second signal). Returns the error to throw: one line, 128 + signal.
   */
  async cleanUp(): Promise<VerifyInterrupted> {
    const sig = this.signal ?? "SIGINT";
    const left = Math.max(0, this.cleanupTimeoutMs - (performance.now() - this.signalledAt));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      this.removeLeftovers().then(
        () => "done" as const,
        () => "done" as const,
      ),
      new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), left))),
      this.again.then(() => "again" as const),
    ]);
    clearTimeout(timer);
    // Nothing of this run outlives it: a docker CLI still waiting for the engine is killed.
    if (outcome !== "done") this.kill.fire();
    return new VerifyInterrupted(this.summary(outcome), 128 + (constants.signals[sig] ?? 2));
  }

  private async removeLeftovers(): Promise<void> {
    // The builds and probes (sent SIGTERM at the signal) and removals under way end.
    while (this.pending.size) await Promise.all([...this.pending]);
    // A probe container holds its image: containers first.
    const suspects = [...this.containers].filter(([, s]) => s === "suspect" || s === "running").map(([n]) => n);
    await Promise.all(suspects.map((n) => this.rmContainer(n, 30000)));
    const timeoutMs = 60000;
    await Promise.all(
      [...this.images].map(([tag, s]) => (s === "maybe" ? this.rmIfBuilt(tag, timeoutMs) : s === "built" && !this.keep ? this.rmImage(tag, timeoutMs) : undefined)),
    );
  }

  private summary(outcome: "done" | "timeout" | "again"): string {
    const parts: string[] = [];
    const mayBeLeft: string[] = [];
    const named = (kind: string, what: string) => `${kind} ${what}${this.failures.has(what) ? ` (${this.failures.get(what)})` : ""}`;
    const kept = this.keep ? [...this.images].filter(([, s]) => s === "built").map(([t]) => t) : [];
    for (const [t, s] of this.images) if (s !== "removed" && s !== "gone" && !kept.includes(t)) mayBeLeft.push(named("image", t));
    for (const [n, s] of this.containers) if (s !== "removed") mayBeLeft.push(named("container", n));
    if (this.keep) parts.push(kept.length ? `kept ${plural(kept.length, "image")} this run built (--keep): ${kept.join(", ")}` : "no image built to keep (--keep)");
    else if (this.removedAfterSignal) parts.push(`removed ${plural(this.removedAfterSignal, "image")} this run built`);
    else if (!mayBeLeft.length) parts.push("nothing left to remove");
    if (mayBeLeft.length) {
      const why =
        outcome === "timeout"
          ? `cleanup gave up after ${Math.round(this.cleanupTimeoutMs / 100) / 10} s (the engine did not answer); `
          : outcome === "again"
            ? "cleanup cut short by a second signal; "
            : "";
      parts.push(`${why}may be left: ${mayBeLeft.join(", ")}`);
    }
    return `interrupted; ${parts.join("; ")}`;
  }
}
