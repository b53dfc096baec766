// Shared helpers (also used by grammar.ts) — the scanner itself is appended below.

import type { ParsedPython, PyCond, PyImport, PyPlatformOp, PyVersionOp } from "../types.js";

import { lineStarts, lineAt } from "../text.js";
export { lineStarts, lineAt };

export function stripBom(src: string): string {
  return src.charCodeAt(0) === 0xfeff ? src.slice(1) : src;
}

/** Exception names whose `except` clause makes the `try:` body count as guarded. */
export const GUARD_EXCEPTIONS: ReadonlySet<string> = new Set([
  "ImportError",
  "ModuleNotFoundError",
  "Exception",
  "BaseException",
]);

/**
 * Calls that end the program: an `except` handler whose last statement is one of these (or any
 * `raise`) does not fall back, so the imports of its `try:` body are not guarded.
 */
export const EXIT_CALLS: ReadonlySet<string> = new Set(["sys.exit", "exit", "quit", "os._exit"]);

const NEGATE_VERSION: Readonly<Record<PyVersionOp, PyVersionOp>> = { ">=": "<", "<": ">=", ">": "<=", "<=": ">", "==": "!=", "!=": "==" };
const NEGATE_PLATFORM: Readonly<Record<PyPlatformOp, PyPlatformOp>> = { "==": "!=", "!=": "==", startswith: "!startswith", "!startswith": "startswith" };

/**
 * The condition `sys.version_info OP (major, minor)` (`sliced`: `sys.version_info[:2] OP ...`)
 * stands for, as a comparison of the running (major, minor): the full version_info is longer than
 * the tuple, so `> (3, 11)` holds on 3.11 and `<= (3, 11)` does not; `==`/`!=` on the full
 * version_info compare unequal lengths and are not read. Null when not one of these.
 */
export function versionCond(sliced: boolean, op: string, major: string, minor: string): PyCond | null {
  if (!/^[0-9]+$/.test(major) || !/^[0-9]+$/.test(minor)) return null;
  let o: PyVersionOp;
  if (op === ">=" || op === "<" || op === ">" || op === "<=" || op === "==" || op === "!=") o = op;
  else return null;
  if (!sliced) {
    if (o === "==" || o === "!=") return null;
    if (o === ">") o = ">=";
    else if (o === "<=") o = "<";
  }
  return { version: [o, Number(major), Number(minor)], platform: null };
}

/** `sys.platform == value` / `!= value` / `.startswith(value)`; `value` as plainStringValue gives it. */
export function platformCond(op: string, value: string | null): PyCond | null {
  if (value === null) return null;
  if (op === "==" || op === "!=" || op === "startswith") return { version: null, platform: [op, value] };
  return null;
}

/** The negation of a condition with one part (what an `else:` branch knows). */
export function negateCond(c: PyCond): PyCond {
  return {
    version: c.version ? [NEGATE_VERSION[c.version[0]], c.version[1], c.version[2]] : null,
    platform: c.platform ? [NEGATE_PLATFORM[c.platform[0]], c.platform[1]] : null,
  };
}

/** `outer` narrowed by a one-part condition `c` (an inner test of the same kind replaces the outer one). */
export function mergeCond(outer: PyCond | null, c: PyCond): PyCond {
  if (!outer) return c;
  return { version: c.version ?? outer.version, platform: c.platform ?? outer.platform };
}

/**
 * Value of one string literal token as written (prefix and quotes included), or null when it is
 * not a plain str literal: bytes and f-strings are not, and neither is anything containing a
 * backslash (escapes are not decoded; no real module name needs one).
 */
export function plainStringValue(tok: string): string | null {
  let i = 0;
  for (; i < tok.length; i++) {
    const c = tok.charCodeAt(i) | 0x20;
    if (c === 0x72 /* r */ || c === 0x75 /* u */) continue;
    break;
  }
  const q = tok.charCodeAt(i);
  if (q !== 34 && q !== 39) return null; // b/f prefixes land here too
  const ql = tok.length - i >= 6 && tok.charCodeAt(i + 1) === q && tok.charCodeAt(i + 2) === q ? 3 : 1;
  const body = tok.slice(i + ql, tok.length - ql);
  if (body.indexOf("\\") >= 0) return null;
  return body;
}

const IDENT = /^[\p{ID_Start}_][\p{ID_Continue}]*$/u;

function isDottedName(s: string): boolean {
  if (s === "") return false;
  for (const part of s.split(".")) if (!IDENT.test(part)) return false;
  return true;
}

/** What the `package` argument of `import_module(name, package)` is. */
export type PackageArg =
  | { kind: "none" } // not given
  | { kind: "current" } // `__package__` or `__name__`
  | { kind: "literal"; value: string | null } // a string literal (null: not a plain one)
  | { kind: "other" }; // anything else

/**
 * The module a literal dynamic import names, or null when it cannot be known statically.
 * `fn` is the called function: "import_module" (importlib semantics) or "__import__".
 */
export function resolveDynamic(
  fn: "import_module" | "__import__",
  value: string,
  pkg: PackageArg,
): { module: string; level: number } | null {
  let level = 0;
  while (level < value.length && value.charCodeAt(level) === 46) level++;
  const rest = value.slice(level);
  if (rest !== "" && !isDottedName(rest)) return null;
  if (level === 0) return rest === "" ? null : { module: rest, level: 0 };
  if (fn === "__import__") return null;
  if (pkg.kind === "current") return { module: rest, level };
  if (pkg.kind === "literal" && pkg.value !== null && isDottedName(pkg.value)) {
    // importlib._bootstrap._resolve_name
    const parts = pkg.value.split(".");
    if (parts.length < level) return null;
    const base = parts.slice(0, parts.length - level + 1).join(".");
    return { module: rest ? `${base}.${rest}` : base, level: 0 };
  }
  return null;
}

/** Dotted callee names recognised as dynamic imports, and the semantics each has. */
export const DYNAMIC_CALLEES: ReadonlyMap<string, "import_module" | "__import__"> = new Map([
  ["import_module", "import_module"],
  ["importlib.import_module", "import_module"],
  ["__import__", "__import__"],
  ["builtins.__import__", "__import__"],
  ["importlib.__import__", "__import__"],
]);

/** Sort imports by position (stable) and names alphabetically without duplicates. */
export function finish(
  imports: PyImport[],
  names: Iterable<string>,
  via: "scan" | "grammar",
): ParsedPython {
  imports.sort((a, b) => a.line - b.line || a.col - b.col);
  const topLevelNames = [...new Set(names)].sort();
  return { imports, topLevelNames, via };
}


// ---------------------------------------------------------------------------
// The scanner: a Python tokenizer plus a block stack over logical lines. It answers only when
// it is sure its answer is the grammar's; anything unusual returns null (use the grammar).
// ---------------------------------------------------------------------------

// token kinds
const NAME = 1;
const NUM = 2;
const STR = 3;
const LPAR = 4;
const RPAR = 5;
const LSQB = 6;
const RSQB = 7;
const LBRACE = 8;
const RBRACE = 9;
const COMMA = 10;
const COLON = 11;
const SEMI = 12;
const DOT = 13;
const ASSIGN = 14; // =
const AUG = 15; // += -= ...
const STAR = 16;
const DSTAR = 17;
const AT = 18;
const ARROW = 19;
const WALRUS = 20;
const ELLIPSIS = 21;
const EQ = 22; // ==
const OP = 23; // any other operator

// keywords (hard keywords only; match/case/type/print are names)
const KW_FALSE = 1;
const KW_NONE = 2;
const KW_TRUE = 3;
const KW_AS = 5;
const KW_ASYNC = 7;
const KW_CLASS = 10;
const KW_DEF = 12;
const KW_DEL = 13;
const KW_ELIF = 14;
const KW_ELSE = 15;
const KW_EXCEPT = 16;
const KW_FINALLY = 17;
const KW_FOR = 18;
const KW_FROM = 19;
const KW_IF = 21;
const KW_IMPORT = 22;
const KW_IN = 23;
const KW_TRY = 32;
const KW_WHILE = 33;
const KW_WITH = 34;

const KEYWORDS: ReadonlyMap<string, number> = new Map([
  ["False", KW_FALSE],
  ["None", KW_NONE],
  ["True", KW_TRUE],
  ["and", 4],
  ["as", KW_AS],
  ["assert", 6],
  ["async", KW_ASYNC],
  ["await", 8],
  ["break", 9],
  ["class", KW_CLASS],
  ["continue", 11],
  ["def", KW_DEF],
  ["del", KW_DEL],
  ["elif", KW_ELIF],
  ["else", KW_ELSE],
  ["except", KW_EXCEPT],
  ["finally", KW_FINALLY],
  ["for", KW_FOR],
  ["from", KW_FROM],
  ["global", 20],
  ["if", KW_IF],
  ["import", KW_IMPORT],
  ["in", KW_IN],
  ["is", 24],
  ["lambda", 25],
  ["nonlocal", 26],
  ["not", 27],
  ["or", 28],
  ["pass", 29],
  ["raise", 30],
  ["return", 31],
  ["try", KW_TRY],
  ["while", KW_WHILE],
  ["with", KW_WITH],
  ["yield", 35],
]);

/**
 * Keyword lookup without allocating: every keyword has 2 to 8 letters and no two share their
 * length, first and last letter, so those three pick the one candidate to compare with.
 * (Identifiers reaching here are ASCII: the tokenizer leaves non-ASCII names to the grammar.)
 */
const KW_TABLE = new Int8Array(9 * 128 * 128);
const KW_WORDS: string[] = [];
for (const [w, id] of KEYWORDS) {
  const slot = (w.length * 128 + w.charCodeAt(0)) * 128 + w.charCodeAt(w.length - 1);
  if (KW_TABLE[slot] !== 0) throw new Error(`keyword table collision: ${w}`);
  KW_TABLE[slot] = id;
  KW_WORDS[id] = w;
}

function kwOf(src: string, s: number, e: number): number {
  const len = e - s;
  if (len < 2 || len > 8) return 0;
  const id = KW_TABLE[(len * 128 + src.charCodeAt(s)) * 128 + src.charCodeAt(e - 1)];
  if (id === 0) return 0;
  const w = KW_WORDS[id];
  for (let i = 1; i < len - 1; i++) if (src.charCodeAt(s + i) !== w.charCodeAt(i)) return 0;
  return id;
}

/** Keywords that can only begin a statement (`import` also follows `from ...`). */
function statementOnly(k: number): boolean {
  return (
    k === KW_IMPORT || k === KW_DEF || k === KW_CLASS || k === KW_TRY || k === KW_EXCEPT || k === KW_FINALLY ||
    k === KW_WHILE || k === KW_WITH || k === KW_ELIF || k === KW_DEL || k === 6 || k === 9 || k === 11 ||
    k === 20 || k === 26 || k === 29 || k === 30 || k === 31
  );
}

/** Tokens after which an operand must follow (binary/unary operators, `=`, `.`, ...). */
function needsOperand(t: number): boolean {
  return t === OP || t === ASSIGN || t === AUG || t === EQ || t === ARROW || t === WALRUS || t === DOT;
}

/** Tokens that cannot follow an operator. */
function closesOrSeparates(t: number): boolean {
  return (
    t === RPAR || t === RSQB || t === RBRACE || t === COMMA || t === COLON || t === SEMI || t === ASSIGN ||
    t === AUG || t === EQ || t === ARROW || t === WALRUS
  );
}

/** Keywords that start a compound statement (or a clause of one). */
function isCompoundKw(k: number): boolean {
  return (
    k === KW_IF || k === KW_ELIF || k === KW_ELSE || k === KW_WHILE || k === KW_FOR || k === KW_TRY ||
    k === KW_EXCEPT || k === KW_FINALLY || k === KW_WITH || k === KW_DEF || k === KW_CLASS || k === KW_ASYNC
  );
}

/** Simple statements that never bind a name. */
function bindsNothing(k: number): boolean {
  return k === KW_DEL || k === 9 || k === 11 || k === 20 || k === 26 || k === 29 || k === 30 || k === 31 || k === 6;
}

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isIdentChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

interface TryObj {
  q: boolean; // an except clause catches ImportError
  rr: boolean; // the first such clause ends with raise / sys.exit(...): no fallback
  at: number; // offset of the `try` keyword
  line: number; // its line, once known (0 = not computed)
}
interface TryLink {
  t: TryObj;
  up: TryLink | null;
}
interface Ctx {
  deferred: boolean;
  tc: boolean;
  main: boolean;
  tries: TryLink | null;
  module: boolean;
  fb: number; // line of the try whose ImportError handler this is (0: none)
  cond: PyCond | null;
}
// what the previous statement at a block level was, for the clauses that can follow it
const LAST_NONE = 0;
const LAST_IF = 1; // if/elif: elif/else may follow
const LAST_LOOP = 2; // for/while: else may follow
const LAST_TRY = 3; // try: except/finally must follow
const LAST_EXCEPT = 4; // except: except/else/finally may follow
const LAST_TRYELSE = 5; // try-else: finally may follow
interface Frame {
  indent: number; // columns with tabs to multiples of 8 (what Python and the grammar use)
  alt: number; // columns with tabs counting 1 (Python's TabError check)
  ctx: Ctx;
  last: number;
  lastTry: TryObj | null;
  decorated: boolean; // a decorator line was just seen: def/class must follow
  rrOf: TryObj | null; // this block is the first ImportError handler of that try
  raiseLast: boolean; // (rrOf only) the last statement so far raises or exits
  elseCond: PyCond | null; // after if/elif: the condition an elif/else branch starts from
}

let tkBuf = new Int32Array(1024);
let tsBuf = new Int32Array(1024);
let teBuf = new Int32Array(1024);
let twBuf = new Int32Array(1024);
// Per token: the logical line (epoch) in which a statement starts at it.
let ssBuf = new Int32Array(1024);
// Token indices of the statement-only keywords of the current logical line.
let kiBuf = new Int32Array(1024);
let lineEpoch = 0;

class Scanner {
  private tk = tkBuf; // kind
  private ts = tsBuf; // start offset
  private te = teBuf; // end offset
  private tw = twBuf; // keyword id, -1 = not computed yet
  private nt = 0;
  private indent = 0;
  private hasDyn = false;
  private hasLambda = false;
  private colonInParens = false; // a `:` directly inside `( )`: only lambdas and def parameters
  private bad = false; // a token pair no valid Python has
  private ss = ssBuf; // where statements start in the line: ss[token] === epoch
  private ki = kiBuf; // statement-only keywords in the line: ki[0 .. nKws)
  private nKws = 0;
  private epoch = 0;
  private readonly frames: Frame[];
  private pending: Ctx | null = null;
  private pendingRr: TryObj | null = null;
  private alt = 0;
  private readonly hasCR: boolean;
  readonly imports: PyImport[] = [];
  readonly chains: (TryLink | null)[] = [];
  readonly names: string[] = [];
  private starts: number[] | null = null;
  /** Offset of the current logical line (where a "not sure" is reported). */
  lineStart = 0;

  constructor(private readonly src: string) {
    this.hasCR = src.indexOf("\r") >= 0;
    const root: Ctx = { deferred: false, tc: false, main: false, tries: null, module: true, fb: 0, cond: null };
    this.frames = [{ indent: 0, alt: 0, ctx: root, last: LAST_NONE, lastTry: null, decorated: false, rrOf: null, raiseLast: false, elseCond: null }];
  }

  // ---- tokens ------------------------------------------------------------------------------

  /**
   * Append a token and check it against the previous one: two operands in a row (`print "x"`,
   * `f() x`), an operator followed by a closing bracket or separator (`x = )`, `a.,`), `,,`, `(,`.
   * A failed check marks the logical line as not understood.
   */
  private push(kind: number, start: number, end: number): void {
    if (this.nt === this.tk.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.tk = tkBuf = grow(this.tk);
      this.ts = tsBuf = grow(this.ts);
      this.te = teBuf = grow(this.te);
      this.tw = twBuf = grow(this.tw);
      this.ss = ssBuf = grow(this.ss);
      this.ki = kiBuf = grow(this.ki);
    }
    const i = this.nt++;
    this.tk[i] = kind;
    this.ts[i] = start;
    this.te[i] = end;
    if (kind === NAME) {
      const k = kwOf(this.src, start, end);
      this.tw[i] = k;
      if (k !== 0 && statementOnly(k)) this.ki[this.nKws++] = i;
    } else this.tw[i] = 0;
    if (i === 0) return;
    const p = this.tk[i - 1];
    if (needsOperand(p)) {
      if (p === DOT) {
        if (kind !== NAME && kind !== DOT && kind !== ELLIPSIS) this.bad = true;
      } else if (closesOrSeparates(kind)) {
        // `def f(a, /, b)`: a bare `/` marks positional-only parameters
        if (!(p === OP && this.src.charCodeAt(this.ts[i - 1]) === 47 && this.te[i - 1] - this.ts[i - 1] === 1 &&
            (kind === COMMA || kind === RPAR || kind === COLON)))
          this.bad = true;
      }
    } else if (kind === COMMA) {
      if (p === COMMA || p === LPAR || p === LSQB || p === LBRACE) this.bad = true;
    } else if (kind === NAME || kind === NUM || kind === STR) {
      if (
        (p === NAME || p === NUM || p === STR || p === RPAR || p === RSQB || p === RBRACE) &&
        this.operandish(i) &&
        !(p === STR && kind === STR) &&
        !(p === NAME && !this.operandish(i - 1))
      )
        this.bad = true;
    }
  }

  private text(i: number): string {
    return this.src.slice(this.ts[i], this.te[i]);
  }

  private kw(i: number): number {
    return this.tw[i];
  }

  /** Is the token an operand as far as adjacency goes (a value, not a keyword or operator)? */
  private operandish(i: number): boolean {
    const t = this.tk[i];
    if (t === NAME) {
      const k = this.kw(i);
      return k === 0 || k === KW_TRUE || k === KW_FALSE || k === KW_NONE;
    }
    return t === NUM || t === STR;
  }

  /** Index of the bracket closing the one at `i` (within the current line). */
  private closer(i: number): number {
    let d = 0;
    for (let j = i; j < this.nt; j++) {
      const t = this.tk[j];
      if (t === LPAR || t === LSQB || t === LBRACE) d++;
      else if (t === RPAR || t === RSQB || t === RBRACE) {
        if (--d === 0) return j;
      }
    }
    return -1;
  }

  private isWord(i: number, w: string): boolean {
    return this.tk[i] === NAME && this.te[i] - this.ts[i] === w.length && this.src.startsWith(w, this.ts[i]);
  }

  // ---- tokenizer ---------------------------------------------------------------------------

  private skipComment(p: number): number {
    let e = this.src.indexOf("\n", p);
    if (e < 0) e = this.src.length;
    if (this.hasCR) {
      const r = this.src.indexOf("\r", p);
      if (r >= 0 && r < e) e = r;
    }
    return e;
  }

  /** End of the string literal whose opening quote is at `q` (prefix already read), or -1. */
  private string(q: number, raw: boolean, fmt: boolean): number {
    const src = this.src;
    const n = src.length;
    const quote = src.charCodeAt(q);
    const triple = src.charCodeAt(q + 1) === quote && src.charCodeAt(q + 2) === quote;
    let p = q + (triple ? 3 : 1);
    for (;;) {
      if (p >= n) return -1;
      const c = src.charCodeAt(p);
      if (c === quote) {
        if (!triple) return p + 1;
        if (src.charCodeAt(p + 1) === quote && src.charCodeAt(p + 2) === quote) return p + 3;
        p++;
      } else if (c === 92) {
        // backslash
        if (p + 1 >= n) return -1;
        const d = src.charCodeAt(p + 1);
        if (fmt && (d === 123 || d === 125)) p++; // the brace keeps its meaning
        else if (fmt && !raw && d === 78 && src.charCodeAt(p + 2) === 123) {
          // \N{NAME}
          let r = p + 3;
          for (; r < n; r++) {
            const x = src.charCodeAt(r);
            if (x === 125) break;
            if (x === quote || x === 10 || x === 13 || x === 92) return -1;
          }
          if (r >= n) return -1;
          p = r + 1;
        } else p += d === 13 && src.charCodeAt(p + 2) === 10 ? 3 : 2;
      } else if (c === 10 || c === 13) {
        if (!triple) return -1;
        p++;
      } else if (fmt && c === 123) {
        if (src.charCodeAt(p + 1) === 123) p += 2;
        else {
          p = this.field(p + 1, quote, triple);
          if (p < 0) return -1;
        }
      } else if (fmt && c === 125) {
        if (src.charCodeAt(p + 1) !== 125) return -1;
        p += 2;
      } else p++;
    }
  }

  /**
   * Skip an f-string replacement field whose `{` is just before `p`; returns the offset after its
   * `}`, or -1 for anything that Python 3.11 and the 3.12-style grammar could read differently
   * (a nested string using the enclosing quote, a comment, a backslash) or that could hide an
   * import (`import_module`/`__import__` calls are not looked for inside f-strings).
   */
  private field(p: number, quote: number, triple: boolean): number {
    const src = this.src;
    const n = src.length;
    const start = p;
    let depth = 0; // () [] {} inside the expression
    let spec = false;
    if (src.charCodeAt(p) === 125) return -1; // empty field
    for (;;) {
      if (p >= n) return -1;
      const c = src.charCodeAt(p);
      if (c === 92 || ((c === 10 || c === 13) && !triple)) return -1;
      if (spec) {
        if (c === quote) return -1;
        // format spec: literal characters and nested fields
        if (c === 123) {
          p = this.field(p + 1, quote, triple);
          if (p < 0) return -1;
          continue;
        }
        if (c === 125) break;
        if (c === 34 || c === 39) return -1;
        p++;
        continue;
      }
      if (c === 40 || c === 91 || c === 123) depth++;
      else if (c === 41 || c === 93) depth--;
      else if (c === 125) {
        if (depth === 0) break;
        depth--;
      } else if (c === 58 && depth === 0) spec = true;
      else if (c === 35) return -1;
      else if (c === 34 || c === 39) {
        // a nested string: one-line content without quotes or backslashes
        if (c === quote && !triple) return -1; // 3.12-only nesting
        if (src.charCodeAt(p + 1) === c && src.charCodeAt(p + 2) === c) return -1;
        let b = p;
        while (b > start && isIdentChar(src.charCodeAt(b - 1))) b--;
        let nestedF = false;
        if (b < p) {
          if (p - b > 2) return -1;
          for (let i = b; i < p; i++) {
            const x = src.charCodeAt(i) | 0x20;
            if (x === 102) nestedF = true;
            else if (x !== 114 && x !== 98 && x !== 117) return -1;
          }
        }
        let r = p + 1;
        let braces = 0;
        for (; r < n; r++) {
          const x = src.charCodeAt(r);
          if (x === c) break;
          if (x === 34 || x === 39 || x === 92 || x === 10 || x === 13) return -1;
          if (nestedF) {
            if (x === 123) braces++;
            else if (x === 125 && --braces < 0) return -1;
          }
        }
        if (r >= n || braces !== 0) return -1;
        // `"a"""` would close a triple-quoted f-string in Python 3.11
        if (c === quote && src.charCodeAt(r + 1) === c && src.charCodeAt(r + 2) === c) return -1;
        p = r;
      }
      p++;
    }
    const expr = src.slice(start, p);
    if (expr.indexOf("import_module") >= 0 || expr.indexOf("__import__") >= 0) return -1;
    return p + 1;
  }

  /** End of the number literal at `p`, or -1. */
  private number(p: number): number {
    const src = this.src;
    const start = p;
    let c = src.charCodeAt(p);
    if (c === 48) {
      const x = src.charCodeAt(p + 1) | 0x20;
      if (x === 120 || x === 111 || x === 98) {
        p += 2;
        const s = p;
        for (;;) {
          c = src.charCodeAt(p);
          if (isDigit(c) || c === 95 || ((c | 0x20) >= 97 && (c | 0x20) <= 102)) p++;
          else break;
        }
        if (p === s || isIdentChar(src.charCodeAt(p))) return -1;
        return p;
      }
    }
    let isFloat = false;
    while (isDigit((c = src.charCodeAt(p))) || c === 95) p++;
    if (c === 46) {
      isFloat = true;
      p++;
      while (isDigit((c = src.charCodeAt(p))) || c === 95) p++;
    }
    if ((c | 0x20) === 101) {
      let q = p + 1;
      const s = src.charCodeAt(q);
      if (s === 43 || s === 45) q++;
      if (isDigit(src.charCodeAt(q))) {
        p = q;
        while (isDigit((c = src.charCodeAt(p))) || c === 95) p++;
        isFloat = true;
      }
    }
    if ((c | 0x20) === 106) {
      p++;
      isFloat = true;
    }
    if (isIdentChar(src.charCodeAt(p))) return -1;
    if (!isFloat && src.charCodeAt(start) === 48) {
      for (let i = start; i < p; i++) {
        const d = src.charCodeAt(i);
        if (d !== 48 && d !== 95) return -1; // 0777: Python 2 octal
      }
    }
    return p;
  }

  /** Tokenize and process the whole file; false = not sure. */
  run(): boolean {
    const src = this.src;
    const n = src.length;
    let closers = new Int32Array(64); // expected closing brackets
    let pos = 0;
    outer: for (;;) {
      // start of a physical line, outside any logical line
      let col = 0;
      let p = pos;
      for (; p < n; p++) {
        const c = src.charCodeAt(p);
        if (c === 32) col++;
        else if (c === 9) col = (col & ~7) + 8;
        else break;
      }
      if (p >= n) break;
      let c = src.charCodeAt(p);
      if (c === 35) {
        p = this.skipComment(p);
        if (p >= n) break;
        c = src.charCodeAt(p);
      }
      if (c === 10) {
        pos = p + 1;
        continue;
      }
      if (c === 13) {
        pos = p + 1 < n && src.charCodeAt(p + 1) === 10 ? p + 2 : p + 1;
        continue;
      }
      // a logical line starts here
      this.indent = col;
      this.alt = p - pos;
      this.lineStart = p;
      this.nt = 0;
      this.hasDyn = false;
      this.hasLambda = false;
      this.colonInParens = false;
      this.bad = false;
      this.nKws = 0;
      if (lineEpoch === 0x3fffffff) {
        lineEpoch = 0;
        this.ss.fill(0);
      }
      this.epoch = ++lineEpoch;
      pos = p;
      let depth = 0;
      // Each token ends with the single `push` below (one call site keeps the optimised code small).
      for (;;) {
        if (pos >= n) {
          if (depth > 0) return false;
          if (this.nt > 0 && !this.line()) return false;
          break outer;
        }
        c = src.charCodeAt(pos);
        if (c === 32 || c === 9) {
          pos++;
          continue;
        }
        // one character of lookahead (NaN at the end: no comparison below matches it)
        const d = pos + 1 < n ? src.charCodeAt(pos + 1) : -1;
        let kind: number;
        let end: number;
        if (isIdentStart(c)) {
          let q = pos + 1;
          while (q < n && isIdentChar(src.charCodeAt(q))) q++;
          const e = q < n ? src.charCodeAt(q) : -1;
          kind = NAME;
          end = q;
          if (e === 34 || e === 39) {
            const len = q - pos;
            let raw = false;
            let fmt = false;
            let ok = len <= 2;
            for (let i = pos; ok && i < q; i++) {
              const x = src.charCodeAt(i) | 0x20;
              if (x === 114) raw = raw ? (ok = false) : true;
              else if (x === 102) fmt = fmt ? (ok = false) : true;
              else if (x === 98 || x === 117) ok = len === 1 || (x === 98 && !fmt);
              else ok = false;
            }
            if (ok) {
              end = this.string(q, raw, fmt);
              if (end < 0) return false;
              kind = STR;
            }
          } else if (e >= 128) return false;
          if (kind === NAME) {
            const len = q - pos;
            if (len === 13 ? src.startsWith("import_module", pos) : len === 10 && src.startsWith("__import__", pos))
              this.hasDyn = true;
            else if (len === 6 && src.startsWith("lambda", pos)) this.hasLambda = true;
          }
        } else {
          switch (c) {
            case 10:
            case 13:
              pos += c === 13 && d === 10 ? 2 : 1;
              if (depth > 0) continue;
              if (this.nt === 0 || !this.line()) return false;
              continue outer;
            case 35:
              pos = this.skipComment(pos);
              continue;
            case 92: {
              if (d === 10) pos += 2;
              else if (d === 13) pos += pos + 2 < n && src.charCodeAt(pos + 2) === 10 ? 3 : 2;
              else return false;
              if (pos >= n || this.nt === 0) return false;
              continue;
            }
            case 34:
            case 39:
              end = this.string(pos, false, false);
              if (end < 0) return false;
              kind = STR;
              break;
            case 40:
            case 91:
            case 123:
              kind = c === 40 ? LPAR : c === 91 ? LSQB : LBRACE;
              end = pos + 1;
              if (depth === closers.length) {
                const b = new Int32Array(depth * 2);
                b.set(closers);
                closers = b;
              }
              closers[depth++] = c === 40 ? 41 : c + 2;
              break;
            case 41:
            case 93:
            case 125:
              if (depth === 0 || closers[--depth] !== c) return false;
              kind = c === 41 ? RPAR : c === 93 ? RSQB : RBRACE;
              end = pos + 1;
              break;
            case 44:
              kind = COMMA;
              end = pos + 1;
              break;
            case 59:
              kind = SEMI;
              end = pos + 1;
              break;
            case 58:
              if (d === 61) {
                kind = WALRUS;
                end = pos + 2;
              } else {
                if (depth > 0 && closers[depth - 1] === 41) this.colonInParens = true;
                kind = COLON;
                end = pos + 1;
              }
              break;
            case 46:
              if (isDigit(d)) {
                end = this.number(pos); // a number
                if (end < 0) return false;
                kind = NUM;
              } else if (d === 46 && pos + 2 < n && src.charCodeAt(pos + 2) === 46) {
                kind = ELLIPSIS;
                end = pos + 3;
              } else {
                kind = DOT;
                end = pos + 1;
              }
              break;
            case 61:
              if (d === 61) {
                kind = EQ;
                end = pos + 2;
              } else {
                kind = ASSIGN;
                end = pos + 1;
              }
              break;
            case 42:
              if (d === 42) {
                if (pos + 2 < n && src.charCodeAt(pos + 2) === 61) {
                  kind = AUG;
                  end = pos + 3;
                } else {
                  kind = DSTAR;
                  end = pos + 2;
                }
              } else if (d === 61) {
                kind = AUG;
                end = pos + 2;
              } else {
                kind = STAR;
                end = pos + 1;
              }
              break;
            case 64:
              if (d === 61) {
                kind = AUG;
                end = pos + 2;
              } else {
                kind = AT;
                end = pos + 1;
              }
              break;
            case 45:
              if (d === 62) {
                kind = ARROW;
                end = pos + 2;
              } else if (d === 61) {
                kind = AUG;
                end = pos + 2;
              } else {
                kind = OP;
                end = pos + 1;
              }
              break;
            case 43:
            case 37:
            case 38:
            case 124:
            case 94:
              if (d === 61) {
                kind = AUG;
                end = pos + 2;
              } else {
                kind = OP;
                end = pos + 1;
              }
              break;
            case 47:
            case 60:
            case 62:
              if (c === 60 && d === 62) return false; // <>
              if (d === c) {
                // // << >>
                if (pos + 2 < n && src.charCodeAt(pos + 2) === 61) {
                  kind = AUG;
                  end = pos + 3;
                } else {
                  kind = OP;
                  end = pos + 2;
                }
              } else if (d === 61) {
                kind = c === 47 ? AUG : OP;
                end = pos + 2;
              } else {
                kind = OP;
                end = pos + 1;
              }
              break;
            case 33:
              if (d !== 61) return false;
              kind = OP;
              end = pos + 2;
              break;
            case 126:
              kind = OP;
              end = pos + 1;
              break;
            default:
              if (!isDigit(c)) return false; // non-ASCII outside strings, \f, $, ?, backtick, ...
              end = this.number(pos);
              if (end < 0) return false;
              kind = NUM;
          }
        }
        this.push(kind, pos, end);
        pos = end;
      }
    }
    // end of file
    if (this.pending) return false;
    while (this.frames.length > 1) if (!this.pop()) return false;
    const root = this.frames[0];
    return root.last !== LAST_TRY && !root.decorated;
  }

  // ---- logical lines -----------------------------------------------------------------------

  private pop(): boolean {
    const f = this.frames.pop()!;
    if (f.rrOf !== null) f.rrOf.rr = f.raiseLast;
    return f.last !== LAST_TRY && !f.decorated;
  }

  private line(): boolean {
    if (!this.lineBody()) return false;
    // statement-only keywords must start a statement
    const ki = this.ki;
    const ss = this.ss;
    for (let i = 0; i < this.nKws; i++) if (ss[ki[i]] !== this.epoch) return false;
    return true;
  }

  private lineBody(): boolean {
    const tk = this.tk;
    const n = this.nt;
    if (this.bad || needsOperand(tk[n - 1])) return false;
    let top = this.frames[this.frames.length - 1];
    if (this.pending) {
      if (this.indent <= top.indent || this.alt <= top.alt) return false;
      top = { indent: this.indent, alt: this.alt, ctx: this.pending, last: LAST_NONE, lastTry: null, decorated: false, rrOf: this.pendingRr, raiseLast: false, elseCond: null };
      this.frames.push(top);
      this.pending = null;
      this.pendingRr = null;
    } else {
      while (this.indent < top.indent) {
        if (!this.pop()) return false;
        top = this.frames[this.frames.length - 1];
      }
      if (this.indent !== top.indent || this.alt !== top.alt) return false; // bad dedent, TabError
    }
    if (this.hasDyn && this.hasLambda) return false;
    // soft keywords: `match x:` / `case y:` blocks are left to the grammar
    if ((this.isWord(0, "match") || this.isWord(0, "case")) && tk[n - 1] === COLON) return false;
    const k0 = this.kw(0);
    if (top.last === LAST_TRY && k0 !== KW_EXCEPT && k0 !== KW_FINALLY) return false;
    if (this.colonInParens && !this.hasLambda && k0 !== KW_DEF && !(k0 === KW_ASYNC && this.kw(1) === KW_DEF))
      return false;
    if (top.rrOf !== null) top.raiseLast = tk[0] !== AT && !isCompoundKw(k0) && this.exits(0, n);
    if (tk[0] === AT) {
      if (n < 2) return false;
      top.last = LAST_NONE;
      top.decorated = true;
      if (this.hasDyn) this.dynamic(1, n, top.ctx);
      return true;
    }
    if (top.decorated) {
      if (k0 !== KW_DEF && k0 !== KW_CLASS && !(k0 === KW_ASYNC && this.kw(1) === KW_DEF)) return false;
      top.decorated = false;
    }
    if (isCompoundKw(k0)) return this.compound(k0, top);
    top.last = LAST_NONE;
    return this.simpleList(0, n, top.ctx);
  }

  private compound(k0: number, top: Frame): boolean {
    const tk = this.tk;
    const n = this.nt;
    let h = 1;
    let kind = k0;
    this.ss[0] = this.epoch;
    if (k0 === KW_ASYNC) {
      this.ss[1] = this.epoch;
      kind = this.kw(1);
      if (kind !== KW_DEF && kind !== KW_FOR && kind !== KW_WITH) return false;
      h = 2;
    }
    // the header ends at the first `:` outside brackets
    let c = -1;
    for (let i = h, d = 0; i < n; i++) {
      const t = tk[i];
      if (t === LPAR || t === LSQB || t === LBRACE) d++;
      else if (t === RPAR || t === RSQB || t === RBRACE) d--;
      else if (d === 0) {
        if (t === COLON) {
          c = i;
          break;
        }
        if (t === NAME && this.hasLambda && this.isWord(i, "lambda")) return false;
      }
    }
    if (c < 0) return false;
    let base = top.ctx;
    let body = base;
    let rrOf: TryObj | null = null;
    switch (kind) {
      case KW_IF:
      case KW_ELIF:
      case KW_WHILE:
        if (c === h) return false;
        if (kind === KW_ELIF) {
          if (top.last !== LAST_IF) return false;
          // an elif is an `else:` holding an `if`: it knows the earlier conditions failed
          if (top.elseCond !== base.cond) body = base = { ...base, cond: top.elseCond };
        } else if (kind === KW_IF) top.elseCond = base.cond;
        if (kind !== KW_WHILE) {
          if (this.isTypeChecking(h, c)) body = { ...base, tc: true };
          else if (this.isMain(h, c)) body = { ...base, main: true };
          else {
            const a = this.condAtom(h, c);
            if (a !== null) {
              body = { ...base, cond: mergeCond(base.cond, a) };
              top.elseCond = mergeCond(top.elseCond, negateCond(a));
            }
          }
        }
        top.last = kind === KW_WHILE ? LAST_LOOP : LAST_IF;
        break;
      case KW_ELSE:
        if (c !== h) return false;
        if (top.last === LAST_IF) {
          top.last = LAST_NONE;
          if (top.elseCond !== base.cond) body = { ...base, cond: top.elseCond };
        } else if (top.last === LAST_LOOP) top.last = LAST_NONE;
        else if (top.last === LAST_EXCEPT) top.last = LAST_TRYELSE;
        else return false;
        break;
      case KW_FOR: {
        let inAt = -1;
        for (let i = h, d = 0; i < c; i++) {
          const t = tk[i];
          if (t === LPAR || t === LSQB || t === LBRACE) d++;
          else if (t === RPAR || t === RSQB || t === RBRACE) d--;
          else if (d === 0 && this.kw(i) === KW_IN) {
            inAt = i;
            break;
          }
        }
        if (inAt <= h || inAt + 1 >= c) return false;
        if (base.module) this.bindTargetList(h, inAt);
        top.last = LAST_LOOP;
        break;
      }
      case KW_WITH:
        if (c === h || !this.withItems(h, c, base)) return false;
        top.last = LAST_NONE;
        break;
      case KW_TRY: {
        if (c !== h) return false;
        const t: TryObj = { q: false, rr: false, at: this.ts[0], line: 0 };
        body = { ...base, tries: { t, up: base.tries } };
        top.last = LAST_TRY;
        top.lastTry = t;
        break;
      }
      case KW_EXCEPT: {
        if (top.last !== LAST_TRY && top.last !== LAST_EXCEPT) return false;
        const q = this.exceptClause(h, c);
        if (q === null) return false;
        if (q) {
          const t = top.lastTry!;
          // the first handler that catches ImportError decides whether the body is guarded
          if (!t.q) rrOf = t;
          t.q = true;
          body = { ...base, fb: this.lineOfTry(t) };
        }
        top.last = LAST_EXCEPT;
        break;
      }
      case KW_FINALLY:
        if (c !== h) return false;
        if (top.last !== LAST_TRY && top.last !== LAST_EXCEPT && top.last !== LAST_TRYELSE) return false;
        top.last = LAST_NONE;
        break;
      case KW_DEF:
      case KW_CLASS: {
        if (tk[h] !== NAME || this.kw(h) !== 0) return false;
        const next = tk[h + 1];
        if (kind === KW_DEF ? next !== LPAR && next !== LSQB : next !== LPAR && next !== LSQB && h + 1 !== c)
          return false;
        if (base.module) this.names.push(this.text(h));
        body = { ...base, module: false, deferred: base.deferred || kind === KW_DEF };
        top.last = LAST_NONE;
        break;
      }
      default:
        return false;
    }
    if (this.hasDyn) this.dynamic(h, c, base);
    if (c + 1 < n) {
      // one-line body: simple statements only
      if (isCompoundKw(this.kw(c + 1))) return false;
      if (rrOf !== null) rrOf.rr = this.exits(c + 1, n);
      return this.simpleList(c + 1, n, body);
    }
    this.pending = body;
    this.pendingRr = rrOf;
    return true;
  }

  lineOfTry(t: TryObj): number {
    if (t.line === 0) {
      if (!this.starts) this.starts = lineStarts(this.src);
      t.line = lineAt(this.starts, t.at);
    }
    return t.line;
  }

  /** Do the simple statements [s, e) end with `raise ...` or a call such as `sys.exit(...)`? */
  private exits(s: number, e: number): boolean {
    const tk = this.tk;
    if (e > s && tk[e - 1] === SEMI) e--;
    let st = s;
    for (let i = s, d = 0; i < e; i++) {
      const t = tk[i];
      if (t === LPAR || t === LSQB || t === LBRACE) d++;
      else if (t === RPAR || t === RSQB || t === RBRACE) d--;
      else if (d === 0 && t === SEMI) st = i + 1;
    }
    if (st >= e || tk[st] !== NAME) return false;
    if (this.kw(st) === 30) return true; // raise
    let j = st;
    while (j + 2 < e && tk[j + 1] === DOT && tk[j + 2] === NAME) j += 2;
    if (j + 1 >= e || tk[j + 1] !== LPAR || this.closer(j + 1) !== e - 1) return false;
    return this.dottedLast(st, j + 1) === j && EXIT_CALLS.has(this.dottedText(st, j + 1));
  }

  /**
   * The condition an `if`/`elif` header [h, c) tests, when it is one of the simple forms on
   * `sys.version_info` and `sys.platform` (or `not` one of them); else null.
   */
  private condAtom(h: number, c: number): PyCond | null {
    const [s, e] = this.unparen(h, c);
    const tk = this.tk;
    if (tk[s] !== NAME) return null;
    if (this.kw(s) === 27) {
      // not
      if (s + 1 >= e) return null;
      const a = this.condAtom(s + 1, e);
      return a === null ? null : negateCond(a);
    }
    if (e - s < 5 || !this.isWord(s, "sys") || tk[s + 1] !== DOT || tk[s + 2] !== NAME) return null;
    if (this.isWord(s + 2, "platform")) {
      if (e - s === 5 && (tk[s + 3] === EQ || tk[s + 3] === OP) && tk[s + 4] === STR)
        return platformCond(this.text(s + 3), plainStringValue(this.text(s + 4)));
      if (e - s === 8 && tk[s + 3] === DOT && this.isWord(s + 4, "startswith") && tk[s + 5] === LPAR && tk[s + 6] === STR && tk[s + 7] === RPAR)
        return platformCond("startswith", plainStringValue(this.text(s + 6)));
      return null;
    }
    if (!this.isWord(s + 2, "version_info")) return null;
    let o = s + 3;
    const sliced = tk[o] === LSQB;
    if (sliced) {
      if (tk[o + 1] !== COLON || tk[o + 2] !== NUM || this.text(o + 2) !== "2" || tk[o + 3] !== RSQB) return null;
      o += 4;
    }
    if (e - o !== 6 || (tk[o] !== OP && tk[o] !== EQ)) return null;
    if (tk[o + 1] !== LPAR || tk[o + 2] !== NUM || tk[o + 3] !== COMMA || tk[o + 4] !== NUM || tk[o + 5] !== RPAR) return null;
    return versionCond(sliced, this.text(o), this.text(o + 2), this.text(o + 4));
  }

  /** `with` items, bound targets; also the parenthesised form `with (a as b, c as d):`. */
  private withItems(h: number, c: number, ctx: Ctx): boolean {
    const tk = this.tk;
    let s = h;
    let e = c;
    if (tk[h] === LPAR && this.closer(h) === c - 1 && this.findAs(h + 1, c - 1) >= 0) {
      s = h + 1;
      e = c - 1;
    }
    for (let i = s; i < e; ) {
      let j = i;
      for (let d = 0; j < e; j++) {
        const t = tk[j];
        if (t === LPAR || t === LSQB || t === LBRACE) d++;
        else if (t === RPAR || t === RSQB || t === RBRACE) d--;
        else if (d === 0 && t === COMMA) break;
      }
      if (j === i) return false;
      const as = this.findAs(i, j);
      if (as >= 0) {
        if (as === i || as + 1 === j || this.findAs(as + 1, j) >= 0) return false;
        if (ctx.module && !this.bindTargetList(as + 1, j)) return false;
      }
      if (j === e - 1 && e === c) return false; // trailing comma without parentheses
      i = j + 1;
    }
    return true;
  }

  /** Index of the first `as` outside brackets in [s, e), or -1. */
  private findAs(s: number, e: number): number {
    for (let i = s, d = 0; i < e; i++) {
      const t = this.tk[i];
      if (t === LPAR || t === LSQB || t === LBRACE) d++;
      else if (t === RPAR || t === RSQB || t === RBRACE) d--;
      else if (d === 0 && t === NAME && this.kw(i) === KW_AS) return i;
    }
    return -1;
  }

  /** Does the except clause catch ImportError? null = not sure. */
  private exceptClause(h: number, c: number): boolean | null {
    const tk = this.tk;
    let s = h;
    if (s < c && tk[s] === STAR) s++;
    let e = c;
    for (let i = s, d = 0; i < c; i++) {
      const t = tk[i];
      if (t === LPAR || t === LSQB || t === LBRACE) d++;
      else if (t === RPAR || t === RSQB || t === RBRACE) d--;
      else if (d === 0) {
        if (t === COMMA) return null; // `except A, B:`
        if (this.kw(i) === KW_AS) {
          if (i + 2 !== c || tk[i + 1] !== NAME || this.kw(i + 1) !== 0) return null;
          e = i;
          break;
        }
      }
    }
    if (s === e) return s === h && e === c ? true : null;
    return this.catches(s, e);
  }

  private catches(s: number, e: number): boolean {
    while (this.tk[s] === LPAR && this.closer(s) === e - 1) {
      s++;
      e--;
    }
    if (s >= e) return false;
    const last = this.dottedLast(s, e);
    if (last >= 0) return GUARD_EXCEPTIONS.has(this.text(last));
    if (!this.hasTopComma(s, e)) return false;
    for (let i = s; i < e; ) {
      let j = i;
      for (let d = 0; j < e; j++) {
        const t = this.tk[j];
        if (t === LPAR || t === LSQB || t === LBRACE) d++;
        else if (t === RPAR || t === RSQB || t === RBRACE) d--;
        else if (d === 0 && t === COMMA) break;
      }
      if (j > i && this.catches(i, j)) return true;
      i = j + 1;
    }
    return false;
  }

  private hasTopComma(s: number, e: number): boolean {
    for (let i = s, d = 0; i < e; i++) {
      const t = this.tk[i];
      if (t === LPAR || t === LSQB || t === LBRACE) d++;
      else if (t === RPAR || t === RSQB || t === RBRACE) d--;
      else if (d === 0 && t === COMMA) return true;
    }
    return false;
  }

  /** When tokens [s, e) are `NAME (. NAME)*`, the index of the last NAME; else -1. */
  private dottedLast(s: number, e: number): number {
    if ((e - s) % 2 === 0) return -1;
    for (let i = s; i < e; i += 2) {
      if (this.tk[i] !== NAME || this.kw(i) !== 0) return -1;
      if (i + 1 < e && this.tk[i + 1] !== DOT) return -1;
    }
    return e - 1;
  }

  private unparen(s: number, e: number): [number, number] {
    while (e - s >= 2 && this.tk[s] === LPAR && this.closer(s) === e - 1) {
      s++;
      e--;
    }
    return [s, e];
  }

  private isTypeChecking(h: number, c: number): boolean {
    const [s, e] = this.unparen(h, c);
    const last = this.dottedLast(s, e);
    return last >= 0 && this.isWord(last, "TYPE_CHECKING");
  }

  private isMain(h: number, c: number): boolean {
    const [s, e] = this.unparen(h, c);
    if (e - s !== 3 || this.tk[s + 1] !== EQ) return false;
    const main = (i: number) => this.tk[i] === STR && plainStringValue(this.text(i)) === "__main__";
    return (this.isWord(s, "__name__") && main(s + 2)) || (main(s) && this.isWord(s + 2, "__name__"));
  }

  // ---- simple statements -------------------------------------------------------------------

  private simpleList(s: number, e: number, ctx: Ctx): boolean {
    const tk = this.tk;
    let i = s;
    while (i < e) {
      let j = i;
      for (let d = 0; j < e; j++) {
        const t = tk[j];
        if (t === LPAR || t === LSQB || t === LBRACE) d++;
        else if (t === RPAR || t === RSQB || t === RBRACE) d--;
        else if (d === 0 && t === SEMI) break;
      }
      if (j === i || !this.simple(i, j, ctx)) return false;
      i = j + 1;
    }
    return true;
  }

  private simple(s: number, e: number, ctx: Ctx): boolean {
    const t0 = this.tk[s];
    if (t0 !== NAME && t0 !== NUM && t0 !== STR && t0 !== LPAR && t0 !== LSQB && t0 !== LBRACE && t0 !== STAR &&
        t0 !== ELLIPSIS) {
      // an operator can start a statement only as a unary one: - + ~
      if (t0 !== OP) return false;
      const c = this.src.charCodeAt(this.ts[s]);
      if (this.te[s] - this.ts[s] !== 1 || (c !== 45 && c !== 43 && c !== 126)) return false;
    }
    this.ss[s] = this.epoch;
    const k = this.kw(s);
    if (k === KW_IMPORT) return this.importStmt(s, e, ctx);
    if (k === KW_FROM) return this.fromStmt(s, e, ctx);
    if (isCompoundKw(k)) return false;
    if ((k === 29 || k === 9 || k === 11) && e !== s + 1) return false; // pass/break/continue stand alone
    if (this.isWord(s, "print")) {
      // the grammar reads Python 2 `print x` statements: leave anything it might misread
      let p = this.te[s];
      let c = this.src.charCodeAt(p);
      while (c === 32 || c === 9) c = this.src.charCodeAt(++p);
      if (c !== 40 && c !== 46 && c !== 10 && c !== 13 && c !== 35) return false;
    }
    if (this.hasDyn) this.dynamic(s, e, ctx);
    if (ctx.module && !bindsNothing(k)) return this.assignTargets(s, e);
    return true;
  }

  private bind(name: string, ctx: Ctx): void {
    if (ctx.module) this.names.push(name);
  }

  private assignTargets(s: number, e: number): boolean {
    const tk = this.tk;
    let annot = -1;
    let eqFirst = -1;
    let eqCount = 0;
    for (let i = s, d = 0; i < e; i++) {
      const t = tk[i];
      if (t === LPAR || t === LSQB || t === LBRACE) d++;
      else if (t === RPAR || t === RSQB || t === RBRACE) d--;
      else if (d === 0) {
        if (t === ASSIGN) {
          if (eqFirst < 0) eqFirst = i;
          eqCount++;
        } else if (t === AUG) {
          if (eqCount > 0 || annot >= 0) return false;
          if (i === s + 1 && tk[s] === NAME && this.kw(s) === 0) this.names.push(this.text(s));
          return true;
        } else if (t === COLON) {
          if (eqCount === 0 && annot < 0) annot = i;
        } else if (t === NAME && this.hasLambda && this.isWord(i, "lambda")) break;
      }
    }
    if (eqCount === 0) return true;
    if (annot >= 0) {
      if (eqCount > 1) return false;
      return this.bindTargetList(s, annot);
    }
    // every segment before the last `=` is a target list
    let st = s;
    for (let i = s, d = 0, left = eqCount; i < e && left > 0; i++) {
      const t = tk[i];
      if (t === LPAR || t === LSQB || t === LBRACE) d++;
      else if (t === RPAR || t === RSQB || t === RBRACE) d--;
      else if (d === 0 && t === ASSIGN) {
        if (i === st || !this.bindTargetList(st, i)) return false;
        st = i + 1;
        left--;
      }
    }
    return true;
  }

  /** Names bound by a target list (`a, (b, *c), d.e, f[0]` binds a, b, c). */
  private bindTargetList(s: number, e: number): boolean {
    const tk = this.tk;
    for (let i = s; i < e; ) {
      let j = i;
      for (let d = 0; j < e; j++) {
        const t = tk[j];
        if (t === LPAR || t === LSQB || t === LBRACE) d++;
        else if (t === RPAR || t === RSQB || t === RBRACE) d--;
        else if (d === 0 && t === COMMA) break;
      }
      let a = i;
      if (a < j && tk[a] === STAR) a++;
      if (j - a === 1 && tk[a] === NAME) {
        if (this.kw(a) === 0) this.names.push(this.text(a));
      } else if (j - a >= 2 && (tk[a] === LPAR || tk[a] === LSQB) && this.closer(a) === j - 1) {
        if (!this.bindTargetList(a + 1, j - 1)) return false;
      }
      i = j + 1;
    }
    return true;
  }

  private dottedText(s: number, e: number): string {
    let len = 0;
    for (let i = s; i < e; i++) len += this.te[i] - this.ts[i];
    const t = this.src.slice(this.ts[s], this.te[e - 1]);
    return t.length === len ? t : t.replace(/[\s\\]+/g, "");
  }

  private add(kind: PyImport["kind"], module: string, level: number, names: string[], tok: number, ctx: Ctx): void {
    if (!this.starts) this.starts = lineStarts(this.src);
    const at = this.ts[tok];
    const line = lineAt(this.starts, at);
    this.imports.push({
      kind,
      module,
      level,
      names,
      line,
      col: at - this.starts[line - 1],
      deferred: ctx.deferred,
      guarded: false,
      typeChecking: ctx.tc,
      mainOnly: ctx.main,
      tryLine: 0,
      fallback: ctx.fb,
      cond: ctx.cond,
    });
    this.chains.push(ctx.tries);
  }

  private importStmt(s: number, e: number, ctx: Ctx): boolean {
    const tk = this.tk;
    let i = s + 1;
    if (i >= e) return false;
    for (;;) {
      if (tk[i] !== NAME || this.kw(i) !== 0) return false;
      const first = i++;
      while (i + 1 < e && tk[i] === DOT && tk[i + 1] === NAME && this.kw(i + 1) === 0) i += 2;
      const module = this.dottedText(first, i);
      let bound = this.text(first);
      if (i < e && this.kw(i) === KW_AS) {
        if (i + 1 >= e || tk[i + 1] !== NAME || this.kw(i + 1) !== 0) return false;
        bound = this.text(i + 1);
        i += 2;
      }
      this.add("import", module, 0, [], s, ctx);
      this.bind(bound, ctx);
      if (i === e) return true;
      if (tk[i] !== COMMA || ++i >= e) return false;
    }
  }

  private fromStmt(s: number, e: number, ctx: Ctx): boolean {
    const tk = this.tk;
    let i = s + 1;
    let level = 0;
    for (; i < e; i++) {
      if (tk[i] === DOT) level++;
      else if (tk[i] === ELLIPSIS) level += 3;
      else break;
    }
    let module = "";
    if (i < e && tk[i] === NAME && this.kw(i) === 0) {
      const first = i++;
      while (i + 1 < e && tk[i] === DOT && tk[i + 1] === NAME && this.kw(i + 1) === 0) i += 2;
      module = this.dottedText(first, i);
    } else if (level === 0) return false;
    if (i >= e || this.kw(i) !== KW_IMPORT) return false;
    this.ss[i] = this.epoch;
    if (++i >= e) return false;
    const names: string[] = [];
    if (tk[i] === STAR) {
      if (i + 1 !== e) return false;
      names.push("*");
      this.bind("*", ctx);
    } else {
      let end = e;
      const paren = tk[i] === LPAR;
      if (paren) {
        if (tk[e - 1] !== RPAR) return false;
        i++;
        end = e - 1;
        if (i >= end) return false;
      }
      for (;;) {
        if (tk[i] !== NAME || this.kw(i) !== 0) return false;
        const name = this.text(i++);
        let bound = name;
        if (i < end && this.kw(i) === KW_AS) {
          if (i + 1 >= end || tk[i + 1] !== NAME || this.kw(i + 1) !== 0) return false;
          bound = this.text(i + 1);
          i += 2;
        }
        names.push(name);
        this.bind(bound, ctx);
        if (i === end) break;
        if (tk[i] !== COMMA) return false;
        if (++i === end) {
          if (!paren) return false;
          break;
        }
      }
    }
    this.add("from", module, level, names, s, ctx);
    return true;
  }

  /** Literal `import_module(...)` / `__import__(...)` calls among tokens [s, e). */
  private dynamic(s: number, e: number, ctx: Ctx): void {
    const tk = this.tk;
    for (let i = s; i < e; i++) {
      if (tk[i] !== NAME || tk[i + 1] !== LPAR || i + 1 >= e) continue;
      const len = this.te[i] - this.ts[i];
      if (len !== 13 && len !== 10) continue;
      let name = this.text(i);
      if (name !== "import_module" && name !== "__import__") continue;
      let start = i;
      if (i > s && tk[i - 1] === DOT) {
        if (i - 2 < s || tk[i - 2] !== NAME || (i - 3 >= s && tk[i - 3] === DOT)) continue;
        name = `${this.text(i - 2)}.${name}`;
        start = i - 2;
      }
      const fn = DYNAMIC_CALLEES.get(name);
      if (!fn) continue;
      const lit = this.stringsAt(i + 2, e);
      if (!lit || lit.value === null) continue;
      let j = lit.end;
      if (tk[j] !== COMMA && tk[j] !== RPAR) continue;
      let pkg: PackageArg = { kind: "none" };
      if (tk[j] === COMMA && tk[j + 1] !== RPAR) {
        let p = j + 1;
        let ok = true;
        if (tk[p] === NAME && tk[p + 1] === ASSIGN) {
          ok = this.isWord(p, "package");
          p += 2;
        }
        if (!ok) pkg = { kind: "other" };
        else if (tk[p] === NAME && (tk[p + 1] === COMMA || tk[p + 1] === RPAR)) {
          pkg = this.isWord(p, "__package__") || this.isWord(p, "__name__") ? { kind: "current" } : { kind: "other" };
        } else {
          const l2 = this.stringsAt(p, e);
          pkg = l2 && (tk[l2.end] === COMMA || tk[l2.end] === RPAR) ? { kind: "literal", value: l2.value } : { kind: "other" };
        }
      }
      const r = resolveDynamic(fn, lit.value, pkg);
      if (r) this.add("dynamic", r.module, r.level, [], start, ctx);
    }
  }

  /** Consecutive string tokens from `i`: their concatenated plain value (null if any is not plain). */
  private stringsAt(i: number, e: number): { value: string | null; end: number } | null {
    if (i >= e || this.tk[i] !== STR) return null;
    let value: string | null = "";
    for (; i < e && this.tk[i] === STR; i++) {
      const v = plainStringValue(this.text(i));
      value = v === null || value === null ? null : value + v;
    }
    return { value, end: i };
  }
}

/**
 * Fast exact import scanner. Returns null when the file contains anything it does not handle
 * with certainty (the caller then uses the grammar): syntax errors, `match` statements,
 * non-ASCII identifiers, Python 3.12 f-string nesting, mixed tab/space indentation, ...
 */
/** Where the scanner gave up on a file (1-based line of the logical line), or null if it did not. */
export function scanGiveUpLine(source: string): number | null {
  const src = stripBom(source);
  const sc = new Scanner(src);
  if (sc.run()) return null;
  return lineAt(lineStarts(src), sc.lineStart);
}

export function scanImports(source: string): ParsedPython | null {
  const src = stripBom(source);
  const sc = new Scanner(src);
  if (!sc.run()) return null;
  const imports = sc.imports;
  for (let i = 0; i < imports.length; i++) {
    let l = sc.chains[i];
    while (l !== null && !l.t.q) l = l.up;
    if (l === null) continue;
    // the innermost try that catches ImportError links the import to its fallbacks
    imports[i].tryLine = sc.lineOfTry(l.t);
    for (; l !== null; l = l.up) {
      if (l.t.q && !l.t.rr) {
        imports[i].guarded = true;
        break;
      }
    }
  }
  return finish(imports, sc.names, "scan");
}

/**
 * Python that goes through every kind of token and statement the scanner handles, rare ones
 * included (`...`, `**=`, `\` continuations, CRLF, tabs, f-strings, dynamic imports). Scanned
 * once by `primeScanner` so that V8 has type feedback for every path before it optimises the
 * scanner: otherwise the first `...` or `<<=` after optimisation throws the optimised code away
 * and the large tokenizer is compiled again.
 */
const PRIMER = `#!/usr/bin/env python
# -*- coding: utf-8 -*-
"""Doc."""
from __future__ import annotations
import os, sys as system
import a.b.c as d
from . import x
from .. import (y as z, w,)
from ...pkg.mod import *
from .m import n
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from q import r
if typing.TYPE_CHECKING: import q2
try:
    import ujson as json
except ImportError:
    json = None
except (ValueError, KeyError) as e:
    pass
else:
    pass
finally:
    pass
try:
    import orjson
except Exception:
    orjson = None
try:
    import fast
except ImportError:
    import slow
except Exception:
    raise
try: import needed
except ImportError as e: log(e); sys.exit(1)
if sys.version_info >= (3, 11):
    import tomllib
elif sys.version_info[:2] == (3, 10):
    import tomli
else:
    tomllib = None
if not sys.platform.startswith("win"): import posix_only
if (sys.platform != "win32"):
    pass
@decorator(1, k=2)
class C(Base, metaclass=M):
    x: int = 0
    y = [1, 2.5, 3j, 0x1F, 0o17, 0b101, 1_000, .5, 5., 1e-3, 1E+3, 0, 00]
    def m(self, a, /, b=..., *args, c: "int" = None, **kw) -> dict[str, int]:
        import importlib
        mod = importlib.import_module("pkg.sub")
        other = importlib.import_module(".rel", __package__)
        lit = import_module(".rel2", package="pkg")
        third = __import__("top")
        s = f"{a!r:>{b}} {{}} {c['k']}" + rb'\\x00' + br"raw" + u'u' + R'x' + F'{a}' + r'''multi
line''' + """triple
""" + 'a' 'b'
        t = a[1:2, ::3] if a else {**kw}
        u = lambda v: v ** 2 // 3 % 4 @ m
        a += 1; b -= 1; c *= 2; d /= 2; e //= 2; f %= 2; g **= 2; h @= m
        i &= 1; j |= 1; k ^= 1; l <<= 1; o >>= 1
        if (n := len(a)) > 10 and not b or c is not None:
            return -a + +b - ~c
        elif a != b <= c >= d < e > f == g:
            yield from b
        else:
            raise ValueError("x") from None
        while True:
            break
        else:
            pass
        for p, (q, *r) in enumerate(a):
            continue
        else:
            pass
        with open(a) as fh, open(b) as (g, h):
            del fh
        with (open(a) as i1, open(b) as i2):
            pass
        global G
        assert a, "msg"
        return a \\
            + b
async def af():
    async with a as b:
        pass
    async for c in d:
        await c
x = y = z = 1
(a1, b1), c1 = 1, 2
e1: int
[f1, *g1] = h1
print(x)
if __name__ == "__main__":
    import main_only
elif x: pass
while x: pass
del x
`;

/** Scan PRIMER, in a few forms (see there). Call once before scanning many files. */
export function primeScanner(): void {
  scanImports(PRIMER);
  scanImports(PRIMER.replace(/\n/g, "\r\n"));
  scanImports("if a:\n\tif b:\n\t\tpass\n\telse:\n\t\tpass\n");
  scanImports("x = [\n    1,\n]\n" + "y = {1: (2, [3])}\n".repeat(40));
}
