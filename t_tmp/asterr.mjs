import { readFileSync } from 'node:fs';
import { scanImports } from '../dist/src/python/scan.js';
import { parseWithGrammar } from '../dist/src/python/grammar.js';
for (const f of readFileSync('/tmp/pyx/asterr.txt', 'utf8').trim().split('\n')) {
  let src; try { src = new TextDecoder('utf-8', {fatal: true}).decode(readFileSync(f)); } catch { console.log('undecodable', f); continue; }
  const s = scanImports(src); const g = parseWithGrammar(src);
  console.log(s ? 'SCAN ANSWERED' : 'fallback', f, JSON.stringify(g.syntaxError));
}
