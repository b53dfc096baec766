// Throughput of the fast import scanner against the @lezer/python grammar extractor.
//
//   npx tsc -p tsconfig.json && node dist/bench/python-scan-bench.js [dir-or-file ...]
//
// Without arguments the corpus is this machine's CPython standard library (found with python3).
// Prints MB/s for each extractor, the speed-up, the scanner's fallback rate and load times.

import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { parseWithGrammar, pythonParser } from "../src/python/grammar.js";
import { extractImports } from "../src/python/imports.js";
import { scanImports } from "../src/python/scan.js";

function listPy(p: string, out: string[]): void {
  const st = statSync(p);
  if (st.isFile()) {
    if (p.endsWith(".py")) out.push(p);
    return;
  }
  for (const e of readdirSync(p, { withFileTypes: true })) {
    if (e.name === "__pycache__" || e.name === "node_modules" || e.name.startsWith(".")) continue;
    listPy(path.join(p, e.name), out);
  }
}

function defaultCorpus(): string[] {
  const r = spawnSync("python3", ["-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error("python3 not found: pass a directory of Python files");
  return [r.stdout.trim()];
}

const roots = process.argv.length > 2 ? process.argv.slice(2) : defaultCorpus();
const files: string[] = [];
for (const r of roots) listPy(r, files);
files.sort();

const dec = new TextDecoder("utf-8", { fatal: true });
const sources: string[] = [];
let bytes = 0;
for (const f of files) {
  try {
    const s = dec.decode(readFileSync(f));
    sources.push(s);
    bytes += s.length;
  } catch {
    // not UTF-8: skipped
  }
}
const mb = bytes / 1e6;
console.log(`corpus: ${roots.join(" ")}: ${sources.length} files, ${mb.toFixed(1)} MB`);

let t0 = performance.now();
pythonParser();
console.log(`@lezer/python load: ${(performance.now() - t0).toFixed(1)} ms`);

function time(label: string, fn: (s: string) => unknown, rounds: number): number {
  for (const s of sources.slice(0, 200)) fn(s); // warm-up
  const t = performance.now();
  for (let r = 0; r < rounds; r++) for (const s of sources) fn(s);
  const ms = (performance.now() - t) / rounds;
  console.log(`${label.padEnd(16)} ${(mb / (ms / 1000)).toFixed(1).padStart(7)} MB/s  (${ms.toFixed(0)} ms per pass)`);
  return ms;
}

const scanMs = time("scanImports", scanImports, 3);
const grammarMs = time("parseWithGrammar", parseWithGrammar, 1);
time("extractImports", extractImports, 2);

let fell = 0;
let fellBytes = 0;
t0 = performance.now();
for (const s of sources) {
  if (!scanImports(s)) {
    fell++;
    fellBytes += s.length;
  }
}
console.log(`speed-up: ${(grammarMs / scanMs).toFixed(1)}x`);
console.log(
  `fallback: ${fell}/${sources.length} files (${((100 * fell) / sources.length).toFixed(2)}%), ` +
    `${((100 * fellBytes) / bytes).toFixed(2)}% of bytes`,
);
