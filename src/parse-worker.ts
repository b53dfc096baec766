// A worker thread that parses Python files for the main thread (cold runs use both cores).
//
// Protocol (see SharedParse in parse-cache.ts): the main thread posts one `start` message with
// the list of files, a SharedArrayBuffer of per-file claim states and a MessagePort. The worker
// walks the list from the END (the main thread parses on demand from wherever its analysis is,
// which mostly starts at the other end), claims each FREE file with a compare-and-exchange,
// parses it, posts [index, result] on the port and only then marks the file DONE and wakes a
// main thread that may be waiting for it. Files the main thread claimed (or marked SKIP) are
// passed over, so no file is parsed twice.
import { parentPort } from "node:worker_threads";
import type { MessagePort } from "node:worker_threads";
import { parseRaw } from "./parse-cache.js";
import { CLAIM_FREE, CLAIM_WORKER, CLAIM_DONE } from "./parse-shared.js";

interface Start {
  files: string[];
  claims: SharedArrayBuffer;
  port: MessagePort;
}

parentPort?.once("message", (m: Start) => {
  const claims = new Int32Array(m.claims);
  const { files, port } = m;
  for (let i = files.length - 1; i >= 0; i--) {
    if (Atomics.compareExchange(claims, i, CLAIM_FREE, CLAIM_WORKER) !== CLAIM_FREE) continue;
    let r;
    try {
      r = parseRaw(files[i]);
    } catch {
      r = null; // the main thread parses it itself
    }
    port.postMessage([i, r]);
    Atomics.store(claims, i, CLAIM_DONE);
    Atomics.notify(claims, i);
  }
  port.postMessage([-1, null]); // finished
});
