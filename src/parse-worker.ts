// A worker thread that parses Python files for the main thread (cold runs use both cores).
//
// Protocol (see parse-shared.ts): the main thread posts one `start` message with the list of
// files, a SharedArrayBuffer of per-file claim states (plus two control slots) and a MessagePort.
// The worker goes through the list in order, but before each file it takes the file the main
// thread is waiting for, if any (the PRIORITY slot), so it parses in the order the analysis asks.
// It claims each file with a compare-and-exchange from FREE, parses it, posts [index, result] on
// the port and only then marks the file DONE and wakes the main thread. Files the main thread
// claimed or marked SKIP are passed over, so no file is parsed twice.
import { readFileSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import type { MessagePort } from "node:worker_threads";
import { parseRaw } from "./parse-cache.js";
import { toWire, type WireParse } from "./parse-shared.js";
import { primeScanner } from "./python/scan.js";
import { CLAIM_FREE, CLAIM_WORKER, CLAIM_DONE, STATE_RUNNING, STATE_FINISHED } from "./parse-shared.js";

interface Start {
  files: string[];
  claims: SharedArrayBuffer;
  port: MessagePort;
}

// While the main thread is still walking the repository.
primeScanner();

parentPort?.once("message", (m: Start) => {
  const { files, port } = m;
  const n = files.length;
  const claims = new Int32Array(m.claims);
  const PRIORITY = n;
  const STATE = n + 1;
  Atomics.store(claims, STATE, STATE_RUNNING);
  const one = (i: number) => {
    if (Atomics.compareExchange(claims, i, CLAIM_FREE, CLAIM_WORKER) !== CLAIM_FREE) return;
    let msg: WireParse | null;
    try {
      msg = toWire(parseRaw(files[i]));
    } catch {
      msg = null; // the main thread parses it itself
    }
    port.postMessage([i, msg]);
    Atomics.store(claims, i, CLAIM_DONE);
    Atomics.notify(claims, i);
  };
  let next = 0;
  for (;;) {
    const want = Atomics.exchange(claims, PRIORITY, -1);
    if (want >= 0 && want < n) {
      one(want);
      continue;
    }
    while (next < n && Atomics.load(claims, next) !== CLAIM_FREE) next++;
    if (next >= n) break;
    one(next++);
  }
  Atomics.store(claims, STATE, STATE_FINISHED);
  // Wake a main thread waiting on a priority request that came too late.
  Atomics.notify(claims, STATE);
  port.postMessage([-1, threadCpuMs()]);
});

/** CPU time of this thread (Linux; reported for SHIPSHAPE_TIMING), or -1. */
function threadCpuMs(): number {
  try {
    const f = readFileSync("/proc/thread-self/stat", "utf8");
    const v = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return (Number(v[11]) + Number(v[12])) * 10;
  } catch {
    return -1;
  }
}
