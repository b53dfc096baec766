// Variable expansion for Dockerfile words (BuildKit's `shell.Lex.ProcessWord`) and for
// shell words (POSIX `sh`, as used when a container runs `/bin/sh -c "..."`).
//
// Why our own: dockerfile-ast's `getExpandedArguments()` ignores `${X:-d}` / `${X:+a}` and
// does not see values defined through earlier ENV lines that themselves reference variables.
//
// Two modes share one implementation:
//  - "docker": what BuildKit does for ADD COPY ENV EXPOSE FROM LABEL STOPSIGNAL USER VOLUME
//    WORKDIR ARG (and flag values). The escape character is configurable (`# escape=\``);
//    single quotes are literal; in double quotes only `"`, `$` and the escape character can be
//    escaped (any other escape character is kept); no command substitution, no tilde, no
//    field splitting (a word stays one word).
//  - "shell": POSIX sh word expansion: quote removal, `\` escapes, `~`, `$X`, `${X...}`,
//    `"$@"`, and field splitting of unquoted expansion results. Command substitution
//    (`$(...)`, backticks) cannot be evaluated statically: it is kept verbatim and reported.
import { closingParen } from "../entry/shell-scan.js";

export type VarLookup = (name: string) => string | undefined;

export interface WordExpansion {
  /** The word after expansion and quote removal, as one string (fields joined by a space in shell mode). */
  value: string;
  /** Shell mode: the fields after field splitting (an unquoted empty expansion yields none). Docker mode: [value]. */
  fields: string[];
  /** Names referenced without a value (and without a default that applied), in order, without duplicates. */
  undefinedVars: string[];
  /** Command substitutions found (`$(...)`, backticks), verbatim. Shell mode only. */
  commandSubstitutions: string[];
  /** Syntax problem (unterminated quote, bad substitution, `${X:?msg}` on an unset X...). */
  error?: string;
}

export interface ExpandOptions {
  mode: "docker" | "shell" | "heredoc";
  /** Docker mode only: the Dockerfile escape character (`\` or a backtick). */
  escapeChar?: string;
  /** Shell mode: `$1`... values; undefined when unknown (then `$1`, `$@` count as undefined). */
  positional?: string[];
  /** Shell mode: `$0`. */
  arg0?: string;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const SPECIAL_PARAMS = "@*#?$!-";

class Fields {
  out: string[] = [];
  cur = "";
  has = false;
  constructor(private readonly split: boolean) {}
  lit(s: string): void {
    this.cur += s;
    this.has = true;
  }
  /** Text that is part of the word but does not by itself make an (empty) field exist. */
  soft(s: string): void {
    this.cur += s;
    if (s !== "") this.has = true;
  }
  newField(): void {
    this.out.push(this.cur);
    this.cur = "";
    this.has = false;
  }
  /** An unquoted expansion result: subject to field splitting in shell mode. */
  unquoted(v: string): void {
    if (!this.split) {
      this.soft(v);
      return;
    }
    if (v === "") return;
    const pieces = v.split(/[ \t\n]+/);
    // pieces[0] === "" when v starts with IFS whitespace; last === "" when it ends with it.
    for (let k = 0; k < pieces.length; k++) {
      const p = pieces[k];
      if (k > 0 && this.has) this.newField();
      if (p !== "") this.lit(p);
    }
  }
  end(): string[] {
    if (this.has) this.out.push(this.cur);
    return this.out;
  }
}

class Expander {
  undefinedVars: string[] = [];
  commandSubstitutions: string[] = [];
  error?: string;
  readonly esc: string;
  readonly shell: boolean;
  readonly heredoc: boolean;

  constructor(
    readonly s: string,
    readonly lookup: VarLookup,
    readonly opts: ExpandOptions,
  ) {
    this.shell = opts.mode === "shell";
    this.heredoc = opts.mode === "heredoc";
    this.esc = this.shell ? "\\" : (opts.escapeChar ?? "\\");
  }

  fail(msg: string): void {
    if (this.error === undefined) this.error = msg;
  }

  noteUndefined(name: string): void {
    if (!this.undefinedVars.includes(name)) this.undefinedVars.push(name);
  }

  /**
   * Parse a word from i until `stop` (consumed) or the end of the string, appending into f.
   * Returns the index after the stop character (or s.length).
   */
  word(i: number, stop: string | null, f: Fields): number {
    const s = this.s;
    const atWordStart = i;
    while (i < s.length) {
      const c = s[i];
      if (stop !== null && c === stop) return i + 1;
      if (c === "'" && !this.heredoc) {
        const j = s.indexOf("'", i + 1);
        if (j < 0) {
          this.fail("unterminated single quote");
          f.lit(s.slice(i + 1));
          return s.length;
        }
        f.lit(s.slice(i + 1, j));
        i = j + 1;
        continue;
      }
      if (c === '"' && !this.heredoc) {
        i = this.doubleQuoted(i + 1, f);
        continue;
      }
      if (c === "$") {
        i = this.dollar(i, false, f);
        continue;
      }
      if (c === "`" && this.shell) {
        i = this.backtick(i, f);
        continue;
      }
      if (c === this.esc) {
        if (this.heredoc) {
          // Heredoc bodies: only `\$` (and the escape char itself) are escapes.
          const n = s[i + 1];
          if (n === "$" || n === this.esc) {
            f.lit(n);
            i += 2;
          } else {
            f.lit(c);
            i += 1;
          }
          continue;
        }
        if (i + 1 >= s.length) {
          i += 1; // a lone escape at the end is dropped
          continue;
        }
        const n = s[i + 1];
        if (this.shell && n === "\n") {
          i += 2; // line continuation
          continue;
        }
        f.lit(n);
        i += 2;
        continue;
      }
      if (c === "~" && this.shell && i === atWordStart && stop === null) {
        // Tilde prefix: `~` or `~/...`. `~user` is left alone.
        const n = s[i + 1];
        if (n === undefined || n === "/") {
          const home = this.lookup("HOME");
          if (home === undefined) {
            this.noteUndefined("HOME");
            f.lit("~");
          } else f.lit(home);
          i += 1;
          continue;
        }
      }
      f.lit(c);
      i += 1;
    }
    if (stop !== null) this.fail(`syntax error: missing '${stop}'`);
    return i;
  }

  doubleQuoted(i: number, f: Fields): number {
    const s = this.s;
    f.lit(""); // "" makes a field exist
    const start = i;
    while (i < s.length) {
      const c = s[i];
      if (c === '"') {
        // `"$@"` with no positional parameters expands to no field at all.
        if (this.shell && s.slice(start, i) === "$@" && this.opts.positional && this.opts.positional.length === 0 && f.cur === "") {
          f.has = false;
        }
        return i + 1;
      }
      if (c === "$") {
        i = this.dollar(i, true, f);
        continue;
      }
      if (c === "`" && this.shell) {
        i = this.backtick(i, f);
        continue;
      }
      if (c === this.esc) {
        const n = s[i + 1];
        if (n === undefined) {
          i += 1;
          continue;
        }
        const escapable = this.shell ? '$`"\\\n' : '"$' + this.esc;
        if (escapable.includes(n)) {
          if (!(this.shell && n === "\n")) f.lit(n);
          i += 2;
        } else {
          f.lit(c);
          i += 1;
        }
        continue;
      }
      f.lit(c);
      i += 1;
    }
    this.fail("unterminated double quote");
    return s.length;
  }

  backtick(i: number, f: Fields): number {
    const s = this.s;
    let j = i + 1;
    while (j < s.length && s[j] !== "`") {
      if (s[j] === "\\") j++;
      j++;
    }
    if (j >= s.length) {
      this.fail("unterminated command substitution");
      j = s.length - 1;
    }
    const text = s.slice(i, j + 1);
    this.commandSubstitutions.push(text);
    f.lit(text);
    return j + 1;
  }

  /** Index just after the `)` matching the `(` at `open`, honouring quotes and nesting; -1 if unclosed. */
  matchParen(open: number): number {
    return closingParen(this.s, open);
  }

  emit(v: string, quoted: boolean, f: Fields): void {
    if (quoted) f.lit(v);
    else f.unquoted(v);
  }

  getVar(name: string): string | undefined {
    if (this.shell) {
      if (/^[0-9]+$/.test(name)) {
        const n = Number(name);
        if (n === 0) return this.opts.arg0;
        const p = this.opts.positional;
        if (p === undefined) return undefined;
        return n <= p.length ? p[n - 1] : undefined;
      }
      if (name === "@" || name === "*") {
        const p = this.opts.positional;
        return p === undefined ? undefined : p.join(" ");
      }
      if (name === "#") {
        const p = this.opts.positional;
        return p === undefined ? undefined : String(p.length);
      }
    }
    return this.lookup(name);
  }

  /** `$...` at s[i] === "$". */
  dollar(i: number, quoted: boolean, f: Fields): number {
    const s = this.s;
    const n = s[i + 1];
    if (n === "{") return this.braced(i, quoted, f);
    if (n === "(" && this.shell) {
      const end = this.matchParen(i + 1);
      if (end < 0) {
        this.fail("unterminated command substitution");
        f.lit(s.slice(i));
        return s.length;
      }
      const text = s.slice(i, end);
      this.commandSubstitutions.push(text);
      f.lit(text);
      return end;
    }
    if (n === "'" && this.shell && !quoted) return this.ansiC(i + 2, f);
    if (n !== undefined && NAME_START.test(n)) {
      let j = i + 1;
      while (j < s.length && NAME_CHAR.test(s[j])) j++;
      const name = s.slice(i + 1, j);
      this.emitVar(name, quoted, f);
      return j;
    }
    if (n !== undefined && /[0-9]/.test(n)) {
      let j = i + 2;
      // BuildKit reads all digits; POSIX sh takes a single digit.
      if (!this.shell) while (j < s.length && /[0-9]/.test(s[j])) j++;
      const name = s.slice(i + 1, j);
      this.emitVar(name, quoted, f);
      return j;
    }
    if (n !== undefined && SPECIAL_PARAMS.includes(n)) {
      if (!this.shell) return i + 2; // BuildKit: special parameters expand to nothing
      this.emitVar(n, quoted, f);
      return i + 2;
    }
    f.lit("$");
    return i + 1;
  }

  emitVar(name: string, quoted: boolean, f: Fields): void {
    if (this.shell && name === "@" && this.opts.positional !== undefined) {
      const p = this.opts.positional;
      if (quoted) {
        p.forEach((v, k) => {
          if (k > 0) f.newField();
          f.lit(v);
        });
      } else {
        for (const v of p) {
          if (f.has) f.newField();
          f.unquoted(v);
        }
      }
      return;
    }
    const v = this.getVar(name);
    if (v === undefined) {
      if (this.shell || !SPECIAL_PARAMS.includes(name)) this.noteUndefined(name);
      this.emit("", quoted, f);
      return;
    }
    this.emit(v, quoted, f);
  }

  ansiC(i: number, f: Fields): number {
    const s = this.s;
    const map: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", "'": "'", '"': '"', a: "\x07", b: "\b", e: "\x1b", f: "\f", v: "\v" };
    let out = "";
    while (i < s.length && s[i] !== "'") {
      if (s[i] === "\\" && i + 1 < s.length) {
        out += map[s[i + 1]] ?? "\\" + s[i + 1];
        i += 2;
        continue;
      }
      out += s[i++];
    }
    if (i >= s.length) this.fail("unterminated $'...' string");
    f.lit(out);
    return i + 1;
  }

  /** Expand the operand word of `${X op word}` as a separate, lazily-merged sub-expansion. */
  subWord(i: number, stopAt: "}" | "/"): { end: number; value: string; sub: Expander } {
    const sub = new Expander(this.s, this.lookup, { ...this.opts, mode: this.heredoc ? "heredoc" : this.opts.mode });
    const fields = new Fields(false);
    let end: number;
    if (stopAt === "/") {
      // pattern of ${X/pat/rep}: up to an unescaped `/` or `}`
      let j = i;
      while (j < this.s.length && this.s[j] !== "/" && this.s[j] !== "}") {
        if (this.s[j] === this.esc) j++;
        j++;
      }
      const inner = new Expander(this.s.slice(i, j), this.lookup, this.opts);
      const ff = new Fields(false);
      inner.word(0, null, ff);
      ff.end();
      sub.undefinedVars = inner.undefinedVars;
      sub.commandSubstitutions = inner.commandSubstitutions;
      sub.error = inner.error;
      return { end: j, value: ff.cur, sub };
    }
    end = sub.word(i, "}", fields);
    fields.end();
    return { end, value: fields.cur, sub };
  }

  merge(sub: Expander): void {
    for (const v of sub.undefinedVars) this.noteUndefined(v);
    this.commandSubstitutions.push(...sub.commandSubstitutions);
    if (sub.error !== undefined) this.fail(sub.error);
  }

  /** `${...}` at s[i] === "$", s[i+1] === "{". */
  braced(i: number, quoted: boolean, f: Fields): number {
    const s = this.s;
    let j = i + 2;
    // ${#X}: length
    if (s[j] === "#" && j + 1 < s.length && NAME_START.test(s[j + 1])) {
      let k = j + 1;
      while (k < s.length && NAME_CHAR.test(s[k])) k++;
      if (s[k] === "}") {
        const name = s.slice(j + 1, k);
        const v = this.getVar(name);
        if (v === undefined) this.noteUndefined(name);
        this.emit(String((v ?? "").length), quoted, f);
        return k + 1;
      }
    }
    let name = "";
    if (j < s.length && NAME_START.test(s[j])) {
      let k = j;
      while (k < s.length && NAME_CHAR.test(s[k])) k++;
      name = s.slice(j, k);
      j = k;
    } else if (j < s.length && /[0-9]/.test(s[j])) {
      let k = j;
      while (k < s.length && /[0-9]/.test(s[k])) k++;
      name = s.slice(j, k);
      j = k;
    } else if (this.shell && j < s.length && SPECIAL_PARAMS.includes(s[j])) {
      name = s[j];
      j++;
    }
    if (j >= s.length) {
      this.fail("syntax error: missing '}'");
      f.lit(s.slice(i));
      return s.length;
    }
    if (name === "") {
      this.fail("syntax error: bad substitution");
      // Skip to the closing brace to keep going.
      const close = s.indexOf("}", j);
      f.lit(s.slice(i, close < 0 ? s.length : close + 1));
      return close < 0 ? s.length : close + 1;
    }
    const value = this.getVar(name);
    const set = value !== undefined;
    const c = s[j];
    if (c === "}") {
      if (name === "@" && this.shell) {
        this.emitVar("@", quoted, f);
        return j + 1;
      }
      if (!set) this.noteUndefined(name);
      this.emit(value ?? "", quoted, f);
      return j + 1;
    }
    let op: string;
    if (c === ":" && "-=+?".includes(s[j + 1] ?? "")) {
      op = c + s[j + 1];
      j += 2;
    } else if ("-=+?".includes(c)) {
      op = c;
      j += 1;
    } else if (c === "#" || c === "%") {
      op = s[j + 1] === c ? c + c : c;
      j += op.length;
    } else if (c === "/") {
      op = s[j + 1] === "/" || s[j + 1] === "#" || s[j + 1] === "%" ? "/" + s[j + 1] : "/";
      j += op.length;
    } else {
      this.fail(`unsupported modifier (${c}) in substitution`);
      const close = s.indexOf("}", j);
      this.noteUndefined(name);
      return close < 0 ? s.length : close + 1;
    }

    if (op.startsWith("/")) {
      const pat = this.subWord(j, "/");
      let end = pat.end;
      let rep = "";
      let repSub: Expander | undefined;
      if (s[end] === "/") {
        const r = this.subWord(end + 1, "}");
        rep = r.value;
        repSub = r.sub;
        end = r.end;
      } else end = end + 1; // consume "}"
      this.merge(pat.sub);
      if (repSub) this.merge(repSub);
      if (!set) this.noteUndefined(name);
      this.emit(replacePattern(value ?? "", pat.value, rep, op), quoted, f);
      return end;
    }

    const w = this.subWord(j, "}");
    const empty = value === undefined || value === "";
    let out: string;
    switch (op) {
      case ":-":
      case ":=":
        if (empty) this.merge(w.sub);
        out = empty ? w.value : value;
        break;
      case "-":
      case "=":
        if (!set) this.merge(w.sub);
        out = set ? value : w.value;
        break;
      case ":+":
        if (!empty) this.merge(w.sub);
        out = empty ? "" : w.value;
        break;
      case "+":
        if (set) this.merge(w.sub);
        out = set ? w.value : "";
        break;
      case ":?":
      case "?":
        if (op === ":?" ? empty : !set) {
          this.merge(w.sub);
          this.noteUndefined(name);
          this.fail(`${name}: ${w.value !== "" ? w.value : op === ":?" && set ? "is not allowed to be empty" : "is not allowed to be unset"}`);
          out = "";
        } else out = value ?? "";
        break;
      case "#":
      case "##":
      case "%":
      case "%%":
        this.merge(w.sub);
        if (!set) this.noteUndefined(name);
        out = removePattern(value ?? "", w.value, op);
        break;
      default:
        out = value ?? "";
    }
    this.emit(out, quoted, f);
    return w.end;
  }
}

function globToRegexSource(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") out += "[\\s\\S]*";
    else if (c === "?") out += "[\\s\\S]";
    else if (c === "[") {
      const close = glob.indexOf("]", i + 2);
      if (close < 0) out += "\\[";
      else {
        let body = glob.slice(i + 1, close);
        if (body.startsWith("!")) body = "^" + body.slice(1);
        out += "[" + body.replace(/\\/g, "\\\\") + "]";
        i = close;
      }
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return out;
}

function removePattern(v: string, pat: string, op: string): string {
  const src = globToRegexSource(pat);
  if (op === "#" || op === "##") {
    // Prefix: shortest (#) or longest (##).
    const lens = [...Array(v.length + 1).keys()];
    if (op === "##") lens.reverse();
    const re = new RegExp("^(?:" + src + ")$");
    for (const n of lens) if (re.test(v.slice(0, n))) return v.slice(n);
    return v;
  }
  const starts = [...Array(v.length + 1).keys()];
  if (op === "%") starts.reverse(); // shortest suffix first
  const re = new RegExp("^(?:" + src + ")$");
  for (const st of starts) if (re.test(v.slice(st))) return v.slice(0, st);
  return v;
}

function replacePattern(v: string, pat: string, rep: string, op: string): string {
  if (pat === "") return v;
  const src = globToRegexSource(pat);
  if (op === "/#") return v.replace(new RegExp("^(?:" + src + ")"), () => rep);
  if (op === "/%") return v.replace(new RegExp("(?:" + src + ")$"), () => rep);
  return v.replace(new RegExp(src, op === "//" ? "g" : ""), () => rep);
}

function toLookup(env: VarLookup | Record<string, string | null | undefined>): VarLookup {
  if (typeof env === "function") return env;
  return (name) => {
    if (!Object.prototype.hasOwnProperty.call(env, name)) return undefined;
    const v = env[name];
    return v === null ? undefined : v;
  };
}

/** Expand one word in the given mode. Never throws. */
export function expandWord(
  word: string,
  env: VarLookup | Record<string, string | null | undefined>,
  opts: ExpandOptions = { mode: "docker" },
): WordExpansion {
  const ex = new Expander(word, toLookup(env), opts);
  const f = new Fields(opts.mode === "shell");
  try {
    ex.word(0, null, f);
  } catch (e) {
    ex.fail(`internal expansion error: ${(e as Error).message}`);
  }
  const raw = f.cur;
  const fields = f.end();
  const value = opts.mode === "shell" ? fields.join(" ") : raw;
  return {
    value,
    fields: opts.mode === "shell" ? fields : [value],
    undefinedVars: ex.undefinedVars,
    commandSubstitutions: ex.commandSubstitutions,
    ...(ex.error !== undefined ? { error: ex.error } : {}),
  };
}

/**
 * Expand a Dockerfile word the way BuildKit does for ADD, COPY, ENV, EXPOSE, FROM, LABEL,
 * STOPSIGNAL, USER, VOLUME, WORKDIR, ARG and flag values.
 */
export function expandDockerWord(
  word: string,
  env: VarLookup | Record<string, string | null | undefined>,
  escapeChar = "\\",
): WordExpansion {
  return expandWord(word, env, { mode: "docker", escapeChar });
}

/**
 * Shell-style expansion of one word as written in a shell command (quotes, `\`, `$X`,
 * `${X:-d}`, `${X:+a}`, `${X-d}`, `${X+a}`, `${X#p}`, `${X%p}`, `~`). Undefined variables
 * expand to the empty string, as in sh. Command substitutions are left verbatim. No field
 * splitting: the result is a single string.
 */
export function expandShellWords(word: string, env: Record<string, string>): string {
  const ex = new Expander(word, toLookup(env), { mode: "shell" });
  const f = new Fields(false);
  try {
    ex.word(0, null, f);
  } catch {
    return word;
  }
  return f.cur;
}
