const t0=performance.now();
const {parser} = require('/work/main/node_modules/@lezer/python');
console.log('cjs load ms', (performance.now()-t0).toFixed(1));
const src = process.argv[2].replace(/\\n/g,'\n');
const tree = parser.parse(src);
function dump(c, d){ do { console.log(' '.repeat(d*2)+c.name+' '+JSON.stringify(src.slice(c.from,c.to).slice(0,40))); if (c.firstChild()) { dump(c,d+1); c.parent(); } } while(c.nextSibling()); }
const c = tree.cursor(); dump(c,0);
