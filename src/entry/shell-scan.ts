// Scanning shell words for their closing quote or bracket, shared by the CMD/RUN lexer
// (argv.ts) and the Dockerfile word expander (dockerfile/expand.ts).

/** A shell word that is not closed (quote, `$(`, `${`, backtick). */
export class LexError extends Error {}

/**
 * Index just after the bracket closing the one at `open` (`(`…`)` of `$(`, `{`…`}` of `${`),
 * honouring quotes, escapes and nesting. Throws a LexError when it is not closed.
 */
function matchBracket(s: string, open: number, openCh: "(" | "{", closeCh: ")" | "}", unclosed: string): number {
  let depth = 0;
  for (let j = open; j < s.length; j++) {
    const c = s[j];
    if (c === "\\") {
      j++;
      continue;
    }
    if (c === "'") {
      const k = s.indexOf("'", j + 1);
      if (k < 0) throw new LexError("unterminated single quote");
      j = k;
      continue;
    }
    if (c === '"') {
      j = skipDouble(s, j + 1) - 1;
      continue;
    }
    if (c === openCh) depth++;
    else if (c === closeCh) {
      depth--;
      if (depth === 0) return j + 1;
    }
  }
  throw new LexError(unclosed);
}

export function matchParen(s: string, open: number): number {
  return matchBracket(s, open, "(", ")", "unterminated command substitution");
}

/** Index just after the `)` matching the `(` at `open`, or -1 when it is not closed. */
export function closingParen(s: string, open: number): number {
  try {
    return matchParen(s, open);
  } catch (e) {
    if (e instanceof LexError) return -1;
    throw e;
  }
}

/** From just after an opening `"`, the index after the closing `"`. */
export function skipDouble(s: string, i: number): number {
  while (i < s.length) {
    const c = s[i];
    if (c === "\\") {
      i += 2;
      continue;
    }
    if (c === '"') return i + 1;
    if (c === "$" && s[i + 1] === "(") {
      i = matchParen(s, i + 1);
      continue;
    }
    if (c === "$" && s[i + 1] === "{") {
      i = skipBrace(s, i + 1);
      continue;
    }
    if (c === "`") {
      i = skipBacktick(s, i);
      continue;
    }
    i++;
  }
  throw new LexError("unterminated double quote");
}

export function skipBacktick(s: string, i: number): number {
  let j = i + 1;
  while (j < s.length && s[j] !== "`") {
    if (s[j] === "\\") j++;
    j++;
  }
  if (j >= s.length) throw new LexError("unterminated backtick");
  return j + 1;
}

/** From the `{` of `${`, the index after the matching `}`. */
export function skipBrace(s: string, open: number): number {
  return matchBracket(s, open, "{", "}", "syntax error: missing '}'");
}
