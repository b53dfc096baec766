// Line arithmetic shared by the Python scanner, the grammar walker and the Dockerfile parser.

/** Offsets where lines start; \r\n, \r and \n each end a line (as Python and vscode-languageserver-textdocument count). */
export function lineStarts(src: string): number[] {
  const starts = [0];
  if (src.indexOf("\r") < 0) {
    let i = src.indexOf("\n");
    while (i >= 0) {
      starts.push(i + 1);
      i = src.indexOf("\n", i + 1);
    }
  } else {
    for (let i = 0; i < src.length; i++) {
      const c = src.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13) {
        if (src.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
  }
  return starts;
}

/** 1-based line containing `offset`. */
export function lineAt(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}
