import { readFileSync } from 'node:fs';
import { extractImports } from '../dist/src/python/imports.js';
for (const f of process.argv.slice(2)) {
  const r = extractImports(readFileSync(f, 'utf8'));
  console.log(f, r.via, JSON.stringify(r.syntaxError ?? null));
  for (const i of r.imports) console.log(`  ${i.line}:${i.col} ${i.kind} ${'.'.repeat(i.level)}${i.module} [${i.names}] ${['deferred','guarded','typeChecking','mainOnly'].filter(k => i[k]).join(',')}`);
  console.log('  names:', r.topLevelNames.join(' '));
}
