import { readFileSync } from 'node:fs';
import { parseWithGrammar } from '../dist/src/python/grammar.js';
import { scanImports } from '../dist/src/python/scan.js';
const files = readFileSync(process.argv[2], 'utf8').trim().split('\n');
const ast = process.argv[3] ? JSON.parse(readFileSync(process.argv[3], 'utf8')) : {};
const limit = +(process.env.LIMIT || 30);
const dec = new TextDecoder('utf-8', { fatal: true });
let n = 0, fell = 0, mism = 0, shown = 0, tS = 0, tG = 0, bytes = 0, gErrScanOk = 0, astMism = 0;
const fallbackFiles = [];
for (const path of files) {
  let src; try { src = dec.decode(readFileSync(path)); } catch { continue; }
  n++; bytes += src.length;
  let t0 = performance.now();
  const s = scanImports(src);
  tS += performance.now() - t0;
  t0 = performance.now();
  const g = parseWithGrammar(src);
  tG += performance.now() - t0;
  if (!s) { fell++; fallbackFiles.push(path); continue; }
  let ref = g, refName = 'grammar';
  if (g.syntaxError) { gErrScanOk++; const a = ast[path]; if (a && !a.error) { ref = a; refName = 'ast'; } else continue; }
  const a = JSON.stringify(s.imports) + JSON.stringify(s.topLevelNames), b = JSON.stringify(ref.imports) + JSON.stringify(ref.topLevelNames);
  if (a !== b) {
    if (refName === 'ast') astMism++; else mism++;
    if (shown++ < limit) {
      console.log(`MISMATCH vs ${refName}`, path);
      const sa = s.imports.map(x => JSON.stringify(x)), ga = ref.imports.map(x => JSON.stringify(x));
      const ss = new Set(sa), gs = new Set(ga);
      for (const x of sa) if (!gs.has(x)) console.log('  scan only   :', x);
      for (const x of ga) if (!ss.has(x)) console.log(`  ${refName} only:`, x);
      const sn = new Set(s.topLevelNames), gn = new Set(ref.topLevelNames);
      const so = s.topLevelNames.filter(x => !gn.has(x)), go = ref.topLevelNames.filter(x => !sn.has(x));
      if (so.length || go.length) console.log('  names scan only', so.slice(0, 10), `${refName} only`, go.slice(0, 10));
    }
  }
}
console.log({ n, fell, rate: (fell / n * 100).toFixed(2) + '%', mism, astMism, gErrScanOk, scanMBps: (bytes / 1e6 / (tS / 1000)).toFixed(1), gramMBps: (bytes / 1e6 / (tG / 1000)).toFixed(2), speedup: (tG / tS).toFixed(1) });
import { writeFileSync } from 'node:fs';
writeFileSync('/tmp/pyx/fallback.txt', fallbackFiles.join('\n'));
