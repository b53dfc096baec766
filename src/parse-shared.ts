// Parsing on a worker thread at the same time as the analysis (see parse-worker.ts for the
// worker side).
//
// The main thread hands a worker a list of files and a SharedArrayBuffer with one claim state per
// file. The worker parses the list in order, except that it first takes the file the analysis is
// waiting for (posted in a PRIORITY slot), so the main thread, which would parse with a cold JIT
// and has the analysis to do, mostly just waits for the few files it is ahead of the worker on:
// `receiveMessageOnPort` reads the worker's results synchronously, and `Atomics.wait` blocks until
// the worker marks the file done. Every file is parsed exactly once. The main thread parses a file
// itself only when the worker cannot: not in the list, skipped, not started yet, finished or stalled.
import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { MessagePort } from "node:worker_threads";
import type { RawParse } from "./parse-cache.js";
import { packParse, unpackParse, type PackedParse } from "./parse-wire.js";

export const CLAIM_FREE = 0;
export const CLAIM_MAIN = 1;
export const CLAIM_WORKER = 2;
export const CLAIM_DONE = 3;
export const CLAIM_SKIP = 4;
// Control slots after the claims: the file the main thread waits for, and the worker's state.
export const STATE_BOOTING = 0;
export const STATE_RUNNING = 1;
export const STATE_FINISHED = 2;

/**
 * A parse result as the worker posts it: the parsed imports, packed (parse-wire.ts), as JSON text,
 * which the main thread reads with one JSON.parse and writes back to the disk cache unchanged
 * (cheaper than cloning the objects, and than serialising them again).
 */
export type WireParse = [abs: string, size: number, ctimeMs: number, ino: number, sha: string, unreadable: string | null, json: string | null];

export function toWire(r: RawParse): WireParse {
  return [r.abs, r.size, r.ctimeMs, r.ino, r.sha, r.unreadable ?? null, r.parsed ? JSON.stringify(packParse(r.parsed)) : null];
}

/** A result from the worker: the parse, and its packed JSON text. */
export interface RawParseJson extends RawParse {
  json: string | null;
}

function fromWire(w: WireParse): RawParseJson {
  const [abs, size, ctimeMs, ino, sha, unreadable, json] = w;
  const r: RawParseJson = { abs, size, ctimeMs, ino, sha, parsed: json === null ? null : unpackParse(JSON.parse(json) as PackedParse), json };
  if (unreadable !== null) r.unreadable = unreadable;
  return r;
}

/** How long the main thread waits for one file the worker claimed before parsing it itself. */
const STALL_MS = 5000;

export class SharedParse {
  readonly files: string[];
  private readonly index = new Map<string, number>();
  private readonly claims: Int32Array;
  private readonly port: MessagePort;
  private readonly worker: Worker;
  private closed = false;
  /** Results parsed by the worker. */
  received = 0;
  /** The worker's CPU time when it finished (-1: unknown or not finished). */
  workerCpuMs = -1;

  /**
   * `onResult` takes each result of the worker; `has` tells whether the owner already holds a
   * result for a file.
   */
  constructor(
    files: string[],
    private readonly onResult: (r: RawParseJson) => void,
    private readonly has: (abs: string) => boolean,
    worker?: Worker,
  ) {
    this.files = files;
    for (let i = 0; i < files.length; i++) this.index.set(files[i], i);
    const sab = new SharedArrayBuffer(4 * (files.length + 2));
    this.claims = new Int32Array(sab);
    this.claims[files.length] = -1; // PRIORITY: none
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = worker ?? SharedParse.spawn();
    this.worker.postMessage({ files, claims: sab, port: port2 }, [port2]);
  }

  /** Start a parse worker ahead of time (it boots while this thread goes on); see the constructor. */
  static spawn(): Worker {
    const w = new Worker(new URL("./parse-worker.js", import.meta.url));
    w.unref();
    w.on("error", () => {
      /* a failed worker leaves its files unclaimed or stalled: the main thread parses them */
    });
    return w;
  }

  /** Hand every result the worker has posted so far to `onResult`. */
  drain(): void {
    for (;;) {
      const m = receiveMessageOnPort(this.port);
      if (!m) return;
      const [i, w] = m.message as [number, WireParse | number | null];
      if (i < 0) this.workerCpuMs = w as number;
      else if (w) {
        this.received++;
        this.onResult(fromWire(w as WireParse));
      }
    }
  }

  /** The worker need not parse these files (nobody asked for them). */
  skipUnless(needed: (abs: string) => boolean): void {
    for (let i = 0; i < this.files.length; i++) if (!needed(this.files[i])) Atomics.compareExchange(this.claims, i, CLAIM_FREE, CLAIM_SKIP);
  }

  /** Time spent waiting for the worker, and files this thread parsed instead (for timings). */
  waitedMs = 0;
  parsedHere = 0;

  /**
   * The analysis needs `abs` (call `drain` first: its result may already be waiting). Returns
   * "theirs" once the worker's result has been handed to `onResult`, or "mine" when this thread
   * should parse the file itself.
   */
  need(abs: string): "mine" | "theirs" {
    const r = this.needIndex(this.index.get(abs), abs);
    if (r === "mine") this.parsedHere++;
    return r;
  }

  private needIndex(i: number | undefined, abs: string): "mine" | "theirs" {
    if (i === undefined || this.closed) return "mine";
    const c = this.claims;
    const n = this.files.length;
    const PRIORITY = n;
    const STATE = n + 1;
    let st = Atomics.load(c, i);
    if (st === CLAIM_SKIP || st === CLAIM_MAIN) return Atomics.compareExchange(c, i, CLAIM_SKIP, CLAIM_MAIN), "mine";
    if (st === CLAIM_FREE && Atomics.load(c, STATE) !== STATE_RUNNING) {
      // Still booting (no JIT-warm parser yet either way) or finished: parse here.
      if (Atomics.compareExchange(c, i, CLAIM_FREE, CLAIM_MAIN) === CLAIM_FREE) return "mine";
    }
    const t0 = performance.now();
    const deadline = t0 + STALL_MS;
    try {
      if (Atomics.load(c, i) === CLAIM_FREE) Atomics.store(c, PRIORITY, i);
      for (;;) {
        st = Atomics.load(c, i);
        if (st === CLAIM_DONE) {
          this.drain();
          // DONE is set after the result was posted, so the drain saw it (unless the worker failed on it).
          return this.has(abs) ? "theirs" : "mine";
        }
        if (st === CLAIM_FREE && Atomics.load(c, STATE) === STATE_FINISHED) {
          if (Atomics.compareExchange(c, i, CLAIM_FREE, CLAIM_MAIN) === CLAIM_FREE) return "mine";
          continue;
        }
        if (performance.now() > deadline) {
          // The worker is stuck or gone: take the file if it is still free, else parse a copy here,
          // and parse everything here from now on.
          Atomics.compareExchange(c, i, CLAIM_FREE, CLAIM_MAIN);
          this.closed = true;
          return "mine";
        }
        if (st === CLAIM_FREE || st === CLAIM_WORKER) Atomics.wait(c, i, st, 20);
      }
    } finally {
      this.waitedMs += performance.now() - t0;
    }
  }

  /** Take what the worker has finished and stop it. */
  close(): void {
    if (this.closed) return;
    this.drain();
    this.closed = true;
    // Files not started yet: nobody will parse them now.
    for (let i = 0; i < this.files.length; i++) Atomics.compareExchange(this.claims, i, CLAIM_FREE, CLAIM_SKIP);
    Atomics.store(this.claims, this.files.length, -1);
    void this.worker.terminate();
    this.port.close();
  }
}
