import { readFileSync } from 'node:fs';
import { scanGiveUpLine } from '../dist/src/python/scan_dbg.js';
for (const f of process.argv.slice(2)) {
  const src = readFileSync(f, 'utf8');
  const r = scanGiveUpLine(src);
  if (!r) { console.log(f, 'ok'); continue; }
  const [l, fl, fp] = r;
  console.log(f, 'line', l, 'tokfail line', fl, fp !== undefined ? JSON.stringify(src.slice(Math.max(0, fp - 40), fp)) + ' >>> ' + JSON.stringify(src.slice(fp, fp + 40)) : '');
}
