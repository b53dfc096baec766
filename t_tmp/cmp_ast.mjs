import { readFileSync } from 'node:fs';
import { parseWithGrammar } from '../dist/src/python/grammar.js';
const ast = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const limit = +(process.argv[3] || 1e9);
let files = 0, mism = 0, synErr = 0, imports = 0, nameMism = 0;
const dec = new TextDecoder('utf-8', { fatal: true });
let shown = 0; let t = 0; let bytes = 0;
for (const [path, ref] of Object.entries(ast)) {
  if (ref.error) continue;
  let src; try { src = dec.decode(readFileSync(path)); } catch { continue; }
  files++; bytes += src.length;
  const t0 = performance.now();
  const g = parseWithGrammar(src);
  t += performance.now() - t0;
  imports += ref.imports.length;
  if (g.syntaxError) { synErr++; if (process.env.SHOWERR) console.log('SYNERR', path, JSON.stringify(g.syntaxError)); }
  const a = JSON.stringify(g.imports), b = JSON.stringify(ref.imports);
  if (a !== b) {
    mism++;
    if (shown++ < limit) {
      console.log('IMPORTS MISMATCH', path);
      const ga = g.imports.map(x => JSON.stringify(x)), ra = ref.imports.map(x => JSON.stringify(x));
      const gs = new Set(ga), rs = new Set(ra);
      for (const x of ga) if (!rs.has(x)) console.log('  grammar only:', x);
      for (const x of ra) if (!gs.has(x)) console.log('  ast only    :', x);
    }
  }
  if (JSON.stringify(g.topLevelNames) !== JSON.stringify(ref.topLevelNames)) {
    nameMism++;
    if (shown++ < limit) {
      const gs = new Set(g.topLevelNames), rs = new Set(ref.topLevelNames);
      console.log('NAMES MISMATCH', path, 'grammar only', g.topLevelNames.filter(x => !rs.has(x)), 'ast only', ref.topLevelNames.filter(x => !gs.has(x)));
    }
  }
}
console.log({ files, imports, mism, nameMism, synErr, ms: Math.round(t), MBps: (bytes / 1e6 / (t / 1000)).toFixed(2) });
