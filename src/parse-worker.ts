// A worker thread that parses Python files for the main thread (cold runs use both cores).
import { parentPort } from "node:worker_threads";
import { parseRaw } from "./parse-cache.js";

parentPort?.on("message", (files: string[]) => {
  parentPort!.postMessage(files.map((f) => parseRaw(f)));
});
