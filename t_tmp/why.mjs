import { readFileSync } from 'node:fs';
import { scanGiveUpLine } from '../dist/src/python/scan.js';
const files = readFileSync('/tmp/pyx/fallback.txt', 'utf8').trim().split('\n');
const cnt = {};
for (const f of files) {
  const src = readFileSync(f, 'utf8');
  const l = scanGiveUpLine(src);
  const lines = src.replace(/^\ufeff/, '').split(/\r\n|\r|\n/);
  const text = l ? lines[l - 1] : '(eof)';
  console.log(f.replace('/root/.pyenv/versions/3.11.7/lib/python3.11/', '') + ':' + l + ': ' + text.slice(0, 110));
}
