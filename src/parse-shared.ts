// Parsing on two threads at once with the analysis (see parse-worker.ts for the worker side).
//
// The main thread hands a worker a list of files and a SharedArrayBuffer with one claim state per
// file. The worker parses from the end of the list; the analysis on the main thread asks for
// files in its own order and, for each, either claims it (and parses it here) or, when the worker
// has claimed it, takes the worker's result: `receiveMessageOnPort` reads the worker's messages
// synchronously, and `Atomics.wait` blocks only while the worker is in the middle of that one
// file. Every file is parsed exactly once, by whichever thread gets to it first.
import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { MessagePort } from "node:worker_threads";
import type { RawParse } from "./parse-cache.js";

export const CLAIM_FREE = 0;
export const CLAIM_MAIN = 1;
export const CLAIM_WORKER = 2;
export const CLAIM_DONE = 3;
export const CLAIM_SKIP = 4;

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

  /**
   * `onResult` takes each result of the worker; `has` tells whether the owner already holds a
   * result for a file.
   */
  constructor(
    files: string[],
    private readonly onResult: (r: RawParse) => void,
    private readonly has: (abs: string) => boolean,
  ) {
    this.files = files;
    for (let i = 0; i < files.length; i++) this.index.set(files[i], i);
    const sab = new SharedArrayBuffer(4 * Math.max(1, files.length));
    this.claims = new Int32Array(sab);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(new URL("./parse-worker.js", import.meta.url));
    this.worker.unref();
    this.worker.on("error", () => {
      /* a failed worker leaves its files unclaimed or stalled: the main thread parses them */
    });
    this.worker.postMessage({ files, claims: sab, port: port2 }, [port2]);
  }

  /** Hand every result the worker has posted so far to `onResult`. */
  drain(): void {
    for (;;) {
      const m = receiveMessageOnPort(this.port);
      if (!m) return;
      const [i, r] = m.message as [number, RawParse | null];
      if (i >= 0 && r) {
        this.received++;
        this.onResult(r);
      }
    }
  }

  /** The worker need not parse these files (nobody asked for them). */
  skipUnless(needed: (abs: string) => boolean): void {
    for (let i = 0; i < this.files.length; i++) if (!needed(this.files[i])) Atomics.compareExchange(this.claims, i, CLAIM_FREE, CLAIM_SKIP);
  }

  /**
   * The analysis needs `abs`. Returns "mine" when this thread should parse it (claimed here, or not
   * in the list, or the worker failed on it), or "theirs" once the worker's result has been handed
   * to `onResult` (call `drain` first: the result may already be waiting).
   */
  need(abs: string): "mine" | "theirs" {
    const i = this.index.get(abs);
    if (i === undefined || this.closed) return "mine";
    const c = this.claims;
    let st = Atomics.compareExchange(c, i, CLAIM_FREE, CLAIM_MAIN);
    if (st === CLAIM_FREE || st === CLAIM_MAIN) return "mine";
    if (st === CLAIM_SKIP) return "mine";
    const deadline = performance.now() + STALL_MS;
    for (;;) {
      if (st === CLAIM_WORKER) Atomics.wait(c, i, CLAIM_WORKER, 50);
      this.drain();
      st = Atomics.load(c, i);
      // DONE means the result was posted before the state changed, so the drain above saw it
      // (or the worker failed on the file and posted none).
      if (st === CLAIM_DONE) return this.has(abs) ? "theirs" : "mine";
      if (performance.now() > deadline) return "mine";
    }
  }

  /** Take what the worker has finished and stop it. */
  close(): void {
    if (this.closed) return;
    this.drain();
    this.closed = true;
    // Files not started yet: nobody will parse them now.
    for (let i = 0; i < this.files.length; i++) Atomics.compareExchange(this.claims, i, CLAIM_FREE, CLAIM_SKIP);
    void this.worker.terminate();
    this.port.close();
  }
}
