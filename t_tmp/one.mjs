import { scanImports, scanGiveUpLine } from '../dist/src/python/scan.js';
import { parseWithGrammar } from '../dist/src/python/grammar.js';
const src = process.argv[2].replace(/\\n/g, '\n').replace(/\\t/g, '\t');
console.log(JSON.stringify(src));
console.log('scan', JSON.stringify(scanImports(src)), 'giveup', scanGiveUpLine(src));
console.log('gram', JSON.stringify(parseWithGrammar(src)));
