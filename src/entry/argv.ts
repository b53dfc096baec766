// From a container command line to the Python entry points it starts.
//
//  - splitShellWords / commandsFromShellScript: a POSIX-ish shell lexer (quotes, escapes,
//    `$(...)`, `${...}`, operators, redirections, heredocs, comments) and a flattening of
//    lists, pipelines, `if`/`case`/loops and function bodies into simple commands.
//  - interpretCommand: the effective argv of a container (exec form, or `sh -c "..."`) to
//    EntrySpec[]: strips wrappers (exec, env, tini, dumb-init, gosu, ...), follows `sh -c`,
//    and knows the command lines of python, gunicorn, uvicorn, hypercorn, daphne,
//    waitress-serve, celery, functions-framework, flask, fastapi, streamlit, granian, uwsgi,
//    dramatiq, arq and huey.
//
// Nothing here reads files or runs anything.

import path from "node:path";
import type { EntrySpec } from "../types.js";
import { expandWord } from "../dockerfile/expand.js";
import { LexError, matchParen, skipBacktick, skipBrace, skipDouble } from "./shell-scan.js";

const posix = path.posix;

// ---------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------

type Tok = { t: "word"; raw: string } | { t: "op"; op: string } | { t: "redir"; op: string; target: string };

interface Lexed {
  tokens: Tok[];
  error?: string;
  /** Command substitution or backticks were seen. */
  cmdSubst: boolean;
}

const OPS = [
  "&&", "||", ";;&", ";;", ";&", "|&", "&>>", "&>", ">>", ">&", ">|", "<<<", "<<-", "<<", "<&", "<>",
  ";", "&", "|", "(", ")", "<", ">",
];
const REDIR_OPS = new Set(["&>>", "&>", ">>", ">&", ">|", "<<<", "<<-", "<<", "<&", "<>", "<", ">"]);
const WORD_BREAK = new Set([" ", "\t", "\r", "\n", ";", "&", "|", "(", ")", "<", ">"]);

function lexShell(src: string): Lexed {
  const tokens: Tok[] = [];
  let cmdSubst = false;
  const pending: { delim: string; strip: boolean }[] = [];
  let i = 0;

  const readWord = (): string => {
    let raw = "";
    while (i < src.length) {
      const c = src[i];
      if (WORD_BREAK.has(c)) break;
      if (c === "\\") {
        if (src[i + 1] === "\n") {
          i += 2;
          continue;
        }
        raw += src.slice(i, i + 2);
        i += 2;
        continue;
      }
      if (c === "'") {
        const k = src.indexOf("'", i + 1);
        if (k < 0) throw new LexError("unterminated single quote");
        raw += src.slice(i, k + 1);
        i = k + 1;
        continue;
      }
      if (c === '"') {
        const e = skipDouble(src, i + 1);
        const body = src.slice(i, e);
        if (/\$\(|`/.test(body)) cmdSubst = true;
        raw += body;
        i = e;
        continue;
      }
      if (c === "$" && src[i + 1] === "(") {
        const e = matchParen(src, i + 1);
        cmdSubst = true;
        raw += src.slice(i, e);
        i = e;
        continue;
      }
      if (c === "$" && src[i + 1] === "{") {
        const e = skipBrace(src, i + 1);
        raw += src.slice(i, e);
        i = e;
        continue;
      }
      if (c === "`") {
        const e = skipBacktick(src, i);
        cmdSubst = true;
        raw += src.slice(i, e);
        i = e;
        continue;
      }
      raw += c;
      i++;
    }
    return raw;
  };

  const skipHeredoc = (h: { delim: string; strip: boolean }): void => {
    while (i < src.length) {
      let nl = src.indexOf("\n", i);
      if (nl < 0) nl = src.length;
      let line = src.slice(i, nl).replace(/\r$/, "");
      if (h.strip) line = line.replace(/^\t+/, "");
      i = nl + 1;
      if (line === h.delim) return;
    }
  };

  try {
    while (i < src.length) {
      const c = src[i];
      if (c === " " || c === "\t" || c === "\r") {
        i++;
        continue;
      }
      if (c === "\\" && src[i + 1] === "\n") {
        i += 2;
        continue;
      }
      if (c === "\n") {
        tokens.push({ t: "op", op: "\n" });
        i++;
        for (const h of pending) skipHeredoc(h);
        pending.length = 0;
        continue;
      }
      if (c === "#") {
        while (i < src.length && src[i] !== "\n") i++;
        continue;
      }
      const op = OPS.find((o) => src.startsWith(o, i));
      if (op) {
        i += op.length;
        if (REDIR_OPS.has(op)) {
          while (src[i] === " " || src[i] === "\t") i++;
          const target = readWord();
          if (op === "<<" || op === "<<-") {
            pending.push({ delim: unquoteKeepVars(target).replace(/\\\$/g, "$").replace(/\\\\/g, "\\"), strip: op === "<<-" });
          }
          tokens.push({ t: "redir", op, target });
        } else tokens.push({ t: "op", op });
        continue;
      }
      const start = i;
      const raw = readWord();
      if (i === start) {
        i++; // cannot happen, but never loop forever
        continue;
      }
      // An IO number (`2>&1`): digits glued to a redirection operator.
      if (/^[0-9]+$/.test(raw) && (src[i] === "<" || src[i] === ">")) continue;
      tokens.push({ t: "word", raw });
    }
  } catch (e) {
    if (e instanceof LexError) return { tokens, error: e.message, cmdSubst };
    throw e;
  }
  return { tokens, cmdSubst };
}

/**
 * Quote removal that keeps variable references for later expansion: `"$X"` and `$X` give
 * `$X`; a `$` that was quoted with single quotes or escaped gives `\$`, and a literal
 * backslash gives `\\`, so that expanding the result later treats them as literals.
 */
function unquoteKeepVars(raw: string): string {
  let out = "";
  let i = 0;
  const lit = (c: string): void => {
    out += c === "$" || c === "\\" ? "\\" + c : c;
  };
  const dollar = (): void => {
    // copy a $-expression verbatim
    if (raw[i + 1] === "(") {
      let e: number;
      try {
        e = matchParen(raw, i + 1);
      } catch {
        e = raw.length;
      }
      out += raw.slice(i, e);
      i = e;
    } else if (raw[i + 1] === "{") {
      let e: number;
      try {
        e = skipBrace(raw, i + 1);
      } catch {
        e = raw.length;
      }
      out += raw.slice(i, e);
      i = e;
    } else {
      out += "$";
      i++;
    }
  };
  while (i < raw.length) {
    const c = raw[i];
    if (c === "'") {
      const k = raw.indexOf("'", i + 1);
      const e = k < 0 ? raw.length : k;
      for (const ch of raw.slice(i + 1, e)) lit(ch);
      i = e + 1;
      continue;
    }
    if (c === '"') {
      i++;
      while (i < raw.length && raw[i] !== '"') {
        const d = raw[i];
        if (d === "\\" && i + 1 < raw.length) {
          const n = raw[i + 1];
          if (n === "$" || n === "\\") out += "\\" + n;
          else if (n === '"' || n === "`") out += n;
          else if (n === "\n") {
            /* line continuation */
          } else out += "\\\\" + n;
          i += 2;
          continue;
        }
        if (d === "$") {
          dollar();
          continue;
        }
        if (d === "\\") out += "\\\\";
        else out += d;
        i++;
      }
      i++;
      continue;
    }
    if (c === "\\") {
      if (i + 1 < raw.length) lit(raw[i + 1]);
      i += 2;
      continue;
    }
    if (c === "$") {
      dollar();
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

const RESERVED_SKIP = new Set(["if", "then", "else", "elif", "do", "while", "until", "!", "{", "time", "fi", "done", "}"]);

/** Flatten a token stream into simple commands (raw words), skipping shell syntax. */
function simpleCommands(tokens: Tok[]): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let caseDepth = 0;
  let inPattern = false;
  let skipToSep = false;
  const flush = (): void => {
    if (cur.length) out.push(cur);
    cur = [];
  };
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (inPattern) {
      if (t.t === "word" && t.raw === "esac") {
        caseDepth--;
        inPattern = false;
      } else if (t.t === "op" && t.op === ")") inPattern = false;
      continue;
    }
    if (t.t === "redir") continue;
    if (t.t === "op") {
      if (t.op === ";" || t.op === "\n" || t.op === "&") skipToSep = false;
      flush();
      if ((t.op === ";;" || t.op === ";&" || t.op === ";;&") && caseDepth > 0) inPattern = true;
      continue;
    }
    if (skipToSep) continue;
    const w = t.raw;
    if (cur.length === 0) {
      if (w === "esac") {
        if (caseDepth > 0) caseDepth--;
        continue;
      }
      if (RESERVED_SKIP.has(w)) continue;
      if (w === "case") {
        caseDepth++;
        while (k + 1 < tokens.length && !(tokens[k + 1].t === "word" && (tokens[k + 1] as { raw: string }).raw === "in")) k++;
        k++;
        inPattern = true;
        continue;
      }
      if (w === "for" || w === "select") {
        skipToSep = true;
        continue;
      }
      if (w === "function") {
        k++; // the name; `()` and `{` follow
        continue;
      }
      if (w === "[[") {
        while (k + 1 < tokens.length && !(tokens[k + 1].t === "word" && (tokens[k + 1] as { raw: string }).raw === "]]")) k++;
        k++;
        continue;
      }
      const n1 = tokens[k + 1];
      const n2 = tokens[k + 2];
      if (n1?.t === "op" && n1.op === "(" && n2?.t === "op" && n2.op === ")") {
        k += 2; // `name() {` function definition: its body's commands follow
        continue;
      }
    }
    cur.push(w);
  }
  flush();
  return out;
}

// ---------------------------------------------------------------------------
// Public lexer API
// ---------------------------------------------------------------------------

/**
 * POSIX-ish word splitting of a shell command line: quotes and backslashes are removed,
 * variable references are kept as written (`"$X"` gives `$X`; a single-quoted or escaped `$`
 * gives `\$`). Control operators (`&&`, `||`, `;`, `|`, `&`, `(`, `)`) come out as words of
 * their own (a line break as `;`); redirections and heredoc bodies are dropped.
 * Returns null for what cannot be split statically: unterminated quotes, command
 * substitution (`$(...)`, backticks).
 */
export function splitShellWords(cmd: string): string[] | null {
  const lx = lexShell(cmd);
  if (lx.error !== undefined || lx.cmdSubst) return null;
  const out: string[] = [];
  for (const t of lx.tokens) {
    if (t.t === "word") out.push(unquoteKeepVars(t.raw));
    else if (t.t === "op") {
      if (t.op === "\n" && (out.length === 0 || ["&&", "||", "|", "|&", "&", ";", "(", ";;"].includes(out[out.length - 1]))) continue;
      out.push(t.op === "\n" ? ";" : t.op);
    }
  }
  while (out.length && out[out.length - 1] === ";") out.pop();
  return out;
}

/**
 * The argv of every simple command of a shell script, in order: lists, pipelines, `if`/`case`
 * branches, loop bodies and function bodies are all flattened; redirections, comments and
 * heredoc bodies are dropped. Words are unquoted with variable references kept as written
 * (see splitShellWords), so `exec "$@"` gives `["exec", "$@"]`. Best effort on broken input.
 */
export function commandsFromShellScript(text: string): string[][] {
  try {
    const lx = lexShell(text);
    return simpleCommands(lx.tokens).map((c) => c.map(unquoteKeepVars));
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------
// Interpretation
// ---------------------------------------------------------------------------

/** A word of a command after expansion. */
interface W {
  v: string;
  /** What a shell receiving this word as a script (`sh -c WORD`) would read. */
  raw: string;
  /** Variables (or command substitutions) that had no value while expanding this word. */
  unresolved: string[];
}

interface Ctx {
  env: Record<string, string>;
  cwd?: string;
  depth: number;
  /** PYTHONPATH set on the command line (`PYTHONPATH=x cmd`, `env PYTHONPATH=x cmd`). */
  cmdPythonpath?: string[];
}

class Unresolved extends Error {
  constructor(readonly vars: string[], readonly where: string) {
    super(`unresolved variable ${vars.map((v) => (v.startsWith("$(") || v.startsWith("`") ? v : "$" + v)).join(", ")} in ${where}`);
  }
}

export interface InterpretOptions {
  /**
   * Expand `$VAR` / `${VAR...}` in the argv words with `env` (default true). Docker does not
   * expand exec-form CMD/ENTRYPOINT itself (no shell); pass false to get that behaviour.
   */
  expand?: boolean;
  /** Working directory the command starts in, when known (relative script paths are joined to it). */
  cwd?: string;
}

const WHOLE_VAR = /^\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*(?:[:]?[-+=?][^}]*)?\})$/;

/** Expansion of an argv word as given (quotes already removed): `$X`, `${X:-d}`, `\$` = `$`. */
function expandArgvWord(word: string, env: Record<string, string>, expand: boolean): { words: W[]; ghost: string[] } {
  if (!expand || !word.includes("$")) {
    return { words: [{ v: word, raw: word, unresolved: [] }], ghost: [] };
  }
  const e = expandWord(word, env, { mode: "heredoc" });
  const unresolved = [...e.undefinedVars];
  if (WHOLE_VAR.test(word)) {
    // A word that is only a variable reference: split its value like an unquoted shell word.
    const parts = e.value.split(/[ \t\n]+/).filter((p) => p !== "");
    if (parts.length === 0) return { words: [], ghost: unresolved };
    return { words: parts.map((p) => ({ v: p, raw: word, unresolved })), ghost: [] };
  }
  return { words: [{ v: e.value, raw: word, unresolved }], ghost: [] };
}

/**
 * Given the effective argv of a container (ENTRYPOINT exec form + CMD, or
 * `["/bin/sh", "-c", "..."]` for the shell form), the Python entry points it starts.
 */
export function interpretCommand(argv: string[], env: Record<string, string>, options: InterpretOptions = {}): EntrySpec[] {
  try {
    const words: W[] = [];
    const ghosts: string[] = [];
    for (const a of argv) {
      const r = expandArgvWord(a, env, options.expand !== false);
      words.push(...r.words);
      ghosts.push(...r.ghost);
    }
    const ctx: Ctx = { env: { ...env }, cwd: options.cwd, depth: 0 };
    return dedupe(interpretSimple(words, ctx, ghosts, argv));
  } catch (e) {
    return [{ kind: "other", argv: [...argv], reason: `internal error: ${(e as Error)?.message ?? String(e)}` }];
  }
}

/**
 * The Python entry points a shell script starts, following `cd`, `export` and assignments
 * from one command to the next (which calling interpretCommand on each line of
 * commandsFromShellScript cannot do). `args` are the script's arguments: `exec "$@"` runs
 * them. Non-Python commands are skipped; if nothing Python is found, one `other` is returned.
 */
export function interpretShellScript(
  text: string,
  env: Record<string, string>,
  args: string[] = [],
  options: { cwd?: string; scriptPath?: string } = {},
): EntrySpec[] {
  try {
    const ctx: Ctx = { env: { ...env }, cwd: options.cwd, depth: 0 };
    return dedupe(interpretShellString(text.replace(/\r\n/g, "\n"), ctx, args, options.scriptPath ?? "sh", true));
  } catch (e) {
    return [other([options.scriptPath ?? "script"], `internal error: ${(e as Error)?.message ?? String(e)}`)];
  }
}

/** Drop repeated entry points (the same script run twice with other arguments counts once). */
function dedupe(specs: EntrySpec[]): EntrySpec[] {
  const seen = new Set<string>();
  const out: EntrySpec[] = [];
  for (const s of specs) {
    const k = s.kind === "script" || s.kind === "module" ? JSON.stringify({ ...s, argv: undefined }) : JSON.stringify(s);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(s);
  }
  return out;
}

const BENIGN = new Set([
  "echo", "printf", "true", "false", ":", "sleep", "mkdir", "chmod", "chown", "chgrp", "rm", "cp", "mv", "ln", "touch",
  "test", "[", "[[", "wait", "trap", "umask", "ulimit", "source", ".", "shift", "exit", "return", "local", "readonly",
  "declare", "typeset", "cat", "ls", "whoami", "id", "date", "tee", "grep", "egrep", "sed", "awk", "head", "tail", "sort",
  "uniq", "cut", "tr", "wc", "find", "xargs", "curl", "wget", "nc", "getent", "hash", "command", "which", "type", "kill",
  "pkill", "ps", "sync", "logger", "printenv", "basename", "dirname", "realpath", "readlink", "stat", "mktemp", "envsubst",
  "set", "unset", "export", "alias", "read", "eval", "let", "pwd", "chmod", "update-ca-certificates", "ldconfig",
]);

const SHELLS = new Set(["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"]);
const SYSTEM_BIN = /^\/(usr\/(local\/)?)?s?bin\//;

function base(p: string): string {
  const b = p.replace(/\/+$/, "").split("/").pop() ?? p;
  return b;
}

function joinCwd(cwd: string | undefined, p: string): string {
  if (cwd === undefined || p.startsWith("/") || p === "") return p;
  return posix.normalize(posix.join(cwd, p));
}

function isAssignment(v: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*=/.test(v);
}

function other(words: W[] | string[], reason: string): EntrySpec {
  return { kind: "other", argv: words.map((w) => (typeof w === "string" ? w : w.v)), reason };
}

function need(w: W | undefined, where: string): string {
  if (w === undefined) return "";
  if (w.unresolved.length) throw new Unresolved(w.unresolved, where);
  return w.v;
}

/** Interpret one simple command (words already expanded). */
function interpretSimple(words: W[], ctx: Ctx, ghosts: string[], original?: string[]): EntrySpec[] {
  try {
    return interpretSimpleInner(words, ctx, ghosts);
  } catch (e) {
    if (e instanceof Unresolved) return [other(original ?? words, e.message)];
    throw e;
  }
}

function interpretSimpleInner(words: W[], ctx0: Ctx, ghosts: string[]): EntrySpec[] {
  let ctx: Ctx = { ...ctx0, env: { ...ctx0.env } };
  let i = 0;
  const setVar = (assign: string): void => {
    const eq = assign.indexOf("=");
    const name = assign.slice(0, eq);
    const value = assign.slice(eq + 1);
    ctx.env[name] = value;
    if (name === "PYTHONPATH") ctx.cmdPythonpath = value.split(":").filter((p) => p !== "").map((p) => joinCwd(ctx.cwd, p));
  };

  // Wrappers, assignments and shells.
  for (let guard = 0; guard < 32; guard++) {
    while (i < words.length && isAssignment(words[i].v)) setVar(words[i++].v);
    if (i >= words.length) {
      if (ghosts.length) throw new Unresolved(ghosts, "the command");
      return [other(words, words.length ? "no command after the wrappers and assignments" : "empty command")];
    }
    const prog = need(words[i], "the program name");
    const b = base(prog);
    const rest = words.slice(i + 1);

    switch (b) {
      case "exec": {
        i++;
        while (i < words.length && /^-[acl]+$/.test(words[i].v)) i += words[i].v.includes("a") ? 2 : 1;
        continue;
      }
      case "env": {
        i++;
        while (i < words.length) {
          const v = words[i].v;
          if (v === "--") {
            i++;
            break;
          }
          if (v === "-i" || v === "--ignore-environment" || v === "-0" || v === "--null" || v === "-v" || v === "--debug") {
            i++;
            continue;
          }
          if (v === "-u" || v === "--unset") {
            delete ctx.env[words[i + 1]?.v ?? ""];
            i += 2;
            continue;
          }
          if (v.startsWith("--unset=")) {
            delete ctx.env[v.slice(8)];
            i++;
            continue;
          }
          if (v === "-C" || v === "--chdir") {
            ctx = { ...ctx, cwd: joinCwd(ctx.cwd, need(words[i + 1], "env --chdir")) };
            i += 2;
            continue;
          }
          if (v.startsWith("--chdir=")) {
            ctx = { ...ctx, cwd: joinCwd(ctx.cwd, v.slice(8)) };
            i++;
            continue;
          }
          if (v === "-S" || v === "--split-string" || v.startsWith("--split-string=") || (v.startsWith("-S") && v.length > 2)) {
            const s = v === "-S" || v === "--split-string" ? (words[i + 1]?.v ?? "") : v.startsWith("-S") ? v.slice(2) : v.slice(15);
            const n = v === "-S" || v === "--split-string" ? 2 : 1;
            const split = s.split(/[ \t]+/).filter((x) => x !== "").map((x) => ({ v: x, raw: x, unresolved: [] as string[] }));
            words = [...words.slice(0, i), ...split, ...words.slice(i + n)];
            continue;
          }
          if (isAssignment(v)) {
            setVar(v);
            i++;
            continue;
          }
          break;
        }
        if (i >= words.length) return [other(words, "env without a command")];
        continue;
      }
      case "tini":
      case "tini-static":
      case "catatonit":
      case "dumb-init": {
        i++;
        const valued = b === "dumb-init" ? new Set(["-r", "--rewrite"]) : new Set(["-p", "-e"]);
        while (i < words.length && words[i].v.startsWith("-")) {
          const v = words[i].v;
          i++;
          if (v === "--") break;
          if (valued.has(v)) i++;
        }
        continue;
      }
      case "gosu":
      case "su-exec":
      case "setuidgid":
      case "s6-setuidgid":
        i += 2;
        continue;
      case "nohup":
      case "ddtrace-run":
      case "time":
      case "stdbuf":
      case "nice":
      case "ionice":
      case "chpst":
      case "setpriv":
      case "numactl":
      case "taskset": {
        i++;
        // options of the wrapper (values glued or next word for the few that take one)
        const valued: Record<string, Set<string>> = {
          nice: new Set(["-n"]),
          ionice: new Set(["-c", "-n", "-p"]),
          chpst: new Set(["-u", "-U", "-e", "-n", "-l", "-L", "-m", "-d", "-o", "-p", "-f", "-c", "-r", "-t"]),
          stdbuf: new Set(["-i", "-o", "-e"]),
        };
        while (i < words.length && words[i].v.startsWith("-")) {
          const v = words[i].v;
          i++;
          if (v === "--") break;
          if (valued[b]?.has(v)) i++;
        }
        if (b === "taskset" && i < words.length) i++; // the CPU mask
        continue;
      }
      case "timeout": {
        i++;
        while (i < words.length && words[i].v.startsWith("-")) {
          const v = words[i].v;
          i++;
          if (v === "-s" || v === "--signal" || v === "-k" || v === "--kill-after") i++;
        }
        i++; // the duration
        continue;
      }
      case "opentelemetry-instrument": {
        i++;
        while (i < words.length && words[i].v.startsWith("--")) {
          const v = words[i].v;
          i++;
          if (!v.includes("=") && v !== "--") i++;
        }
        continue;
      }
      case "newrelic-admin": {
        const sub = rest[0]?.v;
        if (sub === "run-program") {
          i += 2;
          continue;
        }
        if (sub === "run-python") {
          words = [...words.slice(0, i), { v: "python", raw: "python", unresolved: [] }, ...words.slice(i + 2)];
          continue;
        }
        return [other(words.slice(i), `newrelic-admin ${sub ?? ""} is not a program launcher`)];
      }
      case "watchmedo": {
        const dd = words.findIndex((w, k) => k > i && w.v === "--");
        if (dd < 0) return [other(words.slice(i), "watchmedo without `-- command`")];
        i = dd + 1;
        continue;
      }
      case "dockerize": {
        i++;
        const flags = new Set(["-poll", "-no-overwrite", "-version", "--poll", "--no-overwrite"]);
        while (i < words.length && words[i].v.startsWith("-")) {
          const v = words[i].v;
          i++;
          if (v === "--") break;
          if (!flags.has(v) && !v.includes("=")) i++;
        }
        continue;
      }
      case "sudo": {
        i++;
        const valued = new Set(["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-T", "-U", "--user", "--group", "--chdir"]);
        while (i < words.length && words[i].v.startsWith("-")) {
          const v = words[i].v;
          i++;
          if (v === "--") break;
          if (v === "-D" || v === "--chdir") ctx = { ...ctx, cwd: joinCwd(ctx.cwd, words[i]?.v ?? "") };
          if (valued.has(v)) i++;
        }
        continue;
      }
      case "runuser":
      case "su": {
        // `su [-] [user] -c CMD`, `runuser -u user -- cmd`, `runuser user -c CMD`
        const cIdx = rest.findIndex((w) => w.v === "-c" || w.v === "--command");
        const cEq = rest.find((w) => w.v.startsWith("--command="));
        if (cIdx >= 0 || cEq) {
          const w = cEq ? { ...cEq, v: cEq.v.slice(10), raw: cEq.raw.replace(/^--command=/, "") } : rest[cIdx + 1];
          if (!w) return [other(words.slice(i), `${b} -c without a command`)];
          return interpretShellString(w.raw, ctx, undefined, undefined);
        }
        if (b === "runuser") {
          const dd = rest.findIndex((w) => w.v === "--");
          if (dd >= 0) {
            i = i + 1 + dd + 1;
            continue;
          }
          const u = rest.findIndex((w) => w.v === "-u" || w.v === "--user");
          if (u >= 0) {
            i = i + 1 + u + 2;
            continue;
          }
        }
        return [other(words.slice(i), `${b} without a command`)];
      }
      case "uv":
      case "poetry":
      case "pipenv":
      case "pdm":
      case "hatch":
      case "rye":
      case "pixi": {
        const r = stripProjectRunner(b, words, i, ctx);
        if (typeof r === "string") return [other(words.slice(i), r)];
        ({ i, ctx, words } = r);
        continue;
      }
    }

    if (SHELLS.has(b)) {
      let k = i + 1;
      if (b === "busybox") {
        const sub = words[k]?.v;
        if (sub === undefined || !SHELLS.has(sub)) return [other(words.slice(i), `busybox ${sub ?? ""}`.trim())];
        k++;
      }
      let commandMode = false;
      while (k < words.length) {
        const v = words[k].v;
        if (v === "--" || v === "-") {
          k++;
          break;
        }
        if (v === "-o" || v === "+o" || v === "--rcfile" || v === "--init-file" || v === "-O" || v === "+O") {
          k += 2;
          continue;
        }
        if (v.startsWith("--")) {
          k++;
          continue;
        }
        if (/^[-+][A-Za-z]+$/.test(v)) {
          if (v.startsWith("-") && v.includes("c")) commandMode = true;
          k++;
          continue;
        }
        break;
      }
      if (commandMode) {
        const cmd = words[k];
        if (!cmd) return [other(words.slice(i), `${b} -c without a command string`)];
        const arg0 = words[k + 1]?.v;
        const positional = words.slice(k + 2).map((w) => w.v);
        return interpretShellString(cmd.raw, ctx, positional, arg0 ?? b);
      }
      const file = words[k];
      if (!file) return [other(words.slice(i), `interactive ${b} (no script, no -c)`)];
      const fv = need(file, `the script run by ${b}`);
      return withWaitFor([{ kind: "shell-script", file: joinCwd(ctx.cwd, fv), argv: words.slice(k + 1).map((w) => w.v) }], words.slice(k + 1), ctx);
    }
    break;
  }

  const cmd = words.slice(i);
  const prog = cmd[0].v;
  const b = base(prog);

  if (/^(python|pypy)(\d+(\.\d+)*)?$/.test(b)) return interpretPython(cmd, ctx, ghosts);
  const runner = RUNNERS[b] ?? (b.endsWith(".py") && RUNNERS[b.slice(0, -3)] ? RUNNERS[b.slice(0, -3)] : undefined);
  if (runner) return runner(cmd, ctx, ghosts, RUNNER_NAMES[b] ?? b.replace(/\.py$/, ""));

  if (/\.py$/.test(b)) {
    // An executable Python file run directly (shebang).
    return [{ kind: "script", file: joinCwd(ctx.cwd, prog), runner: "python", argv: cmd.map((w) => w.v) }];
  }
  if (/\.(sh|bash)$/.test(b) || (prog.includes("/") && !SYSTEM_BIN.test(prog))) {
    return withWaitFor([{ kind: "shell-script", file: joinCwd(ctx.cwd, prog), argv: cmd.slice(1).map((w) => w.v) }], cmd.slice(1), ctx);
  }
  if (b === "cd") return [];
  return [other(cmd, BENIGN.has(b) ? `\`${b}\` does not start a Python program` : `not a Python command: ${b}`)];
}

/** `wait-for-it.sh db:5432 -- gunicorn app:app`: also interpret what follows `--`. */
function withWaitFor(specs: EntrySpec[], args: W[], ctx: Ctx): EntrySpec[] {
  const dd = args.findIndex((w) => w.v === "--");
  if (dd < 0 || dd === args.length - 1) return specs;
  return [...specs, ...interpretSimple(args.slice(dd + 1), ctx, [])];
}

/** `uv run ...`, `poetry run ...`, `pipenv run ...`: skip to the command they run. */
function stripProjectRunner(b: string, words: W[], i: number, ctx: Ctx): { i: number; ctx: Ctx; words: W[] } | string {
  let k = i + 1;
  const uvValued = new Set([
    "--with", "--with-editable", "--with-requirements", "--python", "-p", "--directory", "--project", "--extra",
    "--group", "--only-group", "--no-group", "--env-file", "--index", "--default-index", "--index-url",
    "--extra-index-url", "--find-links", "-f", "--package", "--cache-dir", "--config-file", "--color",
    "--python-preference", "--index-strategy", "--keyring-provider", "--resolution", "--prerelease", "--exclude-newer",
    "--link-mode", "--refresh-package", "--reinstall-package", "--upgrade-package", "-P", "--no-binary-package",
    "--no-build-package", "--config-setting", "-C", "--environment", "-e", "--manifest-path",
  ]);
  // options before `run` (e.g. `poetry -C dir run`, `uv --directory d run`)
  while (k < words.length && words[k].v.startsWith("-")) {
    const v = words[k].v;
    k++;
    if ((v === "--directory" || v === "-C" || v === "--chdir") && words[k]) ctx = { ...ctx, cwd: joinCwd(ctx.cwd, words[k].v) };
    if (uvValued.has(v)) k++;
  }
  if (words[k]?.v !== "run" && !(b === "hatch" && words[k]?.v === "run")) {
    return `${b} ${words[k]?.v ?? ""} does not run a program`.replace(/\s+$/, "");
  }
  k++;
  // (pdm/hatch/pixi can also run named project scripts/tasks: those come out as `other`.)
  let moduleFlag: W | undefined;
  while (k < words.length && words[k].v.startsWith("-")) {
    const v = words[k].v;
    k++;
    if (v === "--") break;
    if (v === "--directory" && words[k]) ctx = { ...ctx, cwd: joinCwd(ctx.cwd, words[k].v) };
    if (v.startsWith("--directory=")) ctx = { ...ctx, cwd: joinCwd(ctx.cwd, v.slice(12)) };
    if (b === "uv" && (v === "-m" || v === "--module")) {
      moduleFlag = words[k];
      k++;
      break;
    }
    if (uvValued.has(v)) k++;
  }
  if (moduleFlag) {
    const py: W = { v: "python", raw: "python", unresolved: [] };
    const m: W = { v: "-m", raw: "-m", unresolved: [] };
    return { i: 0, ctx, words: [py, m, moduleFlag, ...words.slice(k)] };
  }
  if (k >= words.length) return `${b} run without a command`;
  if (b === "uv" && /\.py$/.test(words[k].v)) {
    const py: W = { v: "python", raw: "python", unresolved: [] };
    return { i: 0, ctx, words: [py, ...words.slice(k)] };
  }
  return { i: k, ctx, words };
}

/** Run a `sh -c` string: every simple command of it, with `cd`, `export` and assignments followed. */
function interpretShellString(
  src: string,
  ctx0: Ctx,
  positional: string[] | undefined,
  arg0: string | undefined,
  tolerant = false,
): EntrySpec[] {
  if (ctx0.depth > 8) return [other([src], "shell nesting too deep")];
  const lx = lexShell(src);
  // sh runs a script's commands up to a syntax error; a `-c` string with one does not run.
  if (lx.error !== undefined && !tolerant) return [other([src], `cannot parse the shell command: ${lx.error}`)];
  const env = { ...ctx0.env };
  let cwd = ctx0.cwd;
  const out: EntrySpec[] = [];
  for (const cmd of simpleCommands(lx.tokens)) {
    const words: W[] = [];
    const ghosts: string[] = [];
    for (const raw of cmd) {
      const e = expandWord(raw, env, { mode: "shell", positional, arg0 });
      const unresolved = [...e.undefinedVars, ...e.commandSubstitutions];
      if (e.fields.length === 0 && unresolved.length) ghosts.push(...unresolved);
      for (const f of e.fields) words.push({ v: f, raw: f, unresolved });
    }
    if (words.length === 0) continue;
    const first = words[0].v;
    if (words.every((w) => isAssignment(w.v))) {
      for (const w of words) env[w.v.slice(0, w.v.indexOf("="))] = w.v.slice(w.v.indexOf("=") + 1);
      continue;
    }
    if (first === "export") {
      for (const w of words.slice(1)) if (isAssignment(w.v)) env[w.v.slice(0, w.v.indexOf("="))] = w.v.slice(w.v.indexOf("=") + 1);
      continue;
    }
    if (first === "cd") {
      const to = words[1];
      if (to && to.unresolved.length === 0 && to.v !== "-") cwd = joinCwd(cwd, to.v);
      else if (!to) cwd = env.HOME ?? cwd;
      continue;
    }
    if (BENIGN.has(first)) continue;
    const ctx: Ctx = { env: { ...env }, cwd, depth: ctx0.depth + 1, cmdPythonpath: ctx0.cmdPythonpath };
    if (env.PYTHONPATH !== undefined && env.PYTHONPATH !== ctx0.env.PYTHONPATH) {
      // `export PYTHONPATH=...` earlier in this shell command
      ctx.cmdPythonpath = env.PYTHONPATH.split(":").filter((p) => p !== "").map((p) => joinCwd(cwd, p));
    }
    out.push(...interpretSimple(words, ctx, ghosts));
  }
  if (out.length === 0) return [other([src], "no Python command found in the shell command")];
  return out;
}

// ---------------------------------------------------------------------------
// Options parsing shared by the runners
// ---------------------------------------------------------------------------

interface OptSpec {
  /** Long options (without `--`) that take a value. */
  values: string[];
  /** Long options that are flags (for abbreviation matching; anything unknown is a flag). */
  flags?: string[];
  /** Short option letter -> long name, for letters that take a value. */
  shortValues?: Record<string, string>;
  /** argparse-style unique-prefix abbreviations of long options. */
  abbrev?: boolean;
  /** Unknown long options take a value (unless `--no-...`). */
  unknownTakesValue?: boolean;
}

interface ParsedOpts {
  opts: Map<string, W[]>;
  positionals: W[];
}

function parseOpts(words: W[], spec: OptSpec): ParsedOpts {
  const values = new Set(spec.values);
  const all = [...spec.values, ...(spec.flags ?? [])];
  const opts = new Map<string, W[]>();
  const positionals: W[] = [];
  const add = (name: string, w: W): void => {
    const l = opts.get(name) ?? [];
    l.push(w);
    opts.set(name, l);
  };
  const flagW: W = { v: "", raw: "", unresolved: [] };
  for (let k = 0; k < words.length; k++) {
    const w = words[k];
    const v = w.v;
    if (v === "--") {
      positionals.push(...words.slice(k + 1));
      break;
    }
    if (v.startsWith("--") && v.length > 2) {
      const eq = v.indexOf("=");
      let name = eq < 0 ? v.slice(2) : v.slice(2, eq);
      if (!values.has(name) && !(spec.flags ?? []).includes(name) && spec.abbrev) {
        const cands = all.filter((o) => o.startsWith(name));
        if (cands.length === 1) name = cands[0];
      }
      const takes = values.has(name) || (spec.unknownTakesValue && !(spec.flags ?? []).includes(name) && !name.startsWith("no-"));
      if (eq >= 0) add(name, { ...w, v: v.slice(eq + 1) });
      else if (takes) {
        if (k + 1 < words.length) add(name, words[++k]);
      } else add(name, flagW);
      continue;
    }
    if (v.startsWith("-") && v.length > 1 && v !== "-") {
      // short option cluster
      for (let c = 1; c < v.length; c++) {
        const letter = v[c];
        const long = spec.shortValues?.[letter];
        if (long) {
          const glued = v.slice(c + 1);
          if (glued !== "") add(long, { ...w, v: glued.startsWith("=") ? glued.slice(1) : glued });
          else if (k + 1 < words.length) add(long, words[++k]);
          break;
        }
        add("-" + letter, flagW);
      }
      continue;
    }
    positionals.push(w);
  }
  return { opts, positionals };
}

function last(p: ParsedOpts, ...names: string[]): W | undefined {
  let found: W | undefined;
  for (const n of names) {
    const l = p.opts.get(n);
    if (l && l.length) found = l[l.length - 1];
  }
  return found;
}

function all(p: ParsedOpts, ...names: string[]): W[] {
  return names.flatMap((n) => p.opts.get(n) ?? []);
}

function splitApp(app: string): { module: string; attr?: string } {
  const c = app.indexOf(":");
  if (c < 0) return { module: app };
  return { module: app.slice(0, c), attr: app.slice(c + 1) };
}

type ModuleSpec = Extract<EntrySpec, { kind: "module" }>;

function moduleSpec(
  runner: string,
  cmd: W[],
  ctx: Ctx,
  fields: { module: string; attr?: string; chdir?: string; pythonpath?: string[]; configFile?: string; configImplicit?: boolean },
): ModuleSpec {
  const spec: ModuleSpec = { kind: "module", module: fields.module, runner, argv: cmd.map((w) => w.v) };
  const chdir = fields.chdir !== undefined ? joinCwd(ctx.cwd, fields.chdir) : ctx.cwd;
  if (chdir !== undefined) spec.chdir = chdir;
  const pp = [...(fields.pythonpath ?? []), ...(ctx.cmdPythonpath ?? [])];
  if (pp.length) spec.pythonpath = pp;
  if (fields.configFile !== undefined) spec.configFile = fields.configFile;
  if (fields.configImplicit) spec.configImplicit = true;
  if (fields.attr !== undefined && fields.attr !== "") spec.attr = fields.attr;
  return spec;
}

// ---------------------------------------------------------------------------
// python
// ---------------------------------------------------------------------------

const RUNNER_BY_MODULE: Record<string, string> = {
  gunicorn: "gunicorn",
  uvicorn: "uvicorn",
  hypercorn: "hypercorn",
  daphne: "daphne",
  celery: "celery",
  waitress: "waitress-serve",
  flask: "flask",
  functions_framework: "functions-framework",
  fastapi: "fastapi",
  fastapi_cli: "fastapi",
  streamlit: "streamlit",
  granian: "granian",
  dramatiq: "dramatiq",
  arq: "arq",
  faust: "faust",
  uwsgi: "uwsgi",
};

function interpretPython(cmd: W[], ctx: Ctx, ghosts: string[]): EntrySpec[] {
  const argv = cmd.map((w) => w.v);
  let k = 1;
  while (k < cmd.length) {
    const v = cmd[k].v;
    if (v === "--") {
      k++;
      break;
    }
    if (v === "-") return [other(cmd, "python reads the program from standard input")];
    if (v.startsWith("--")) {
      if (v === "--version" || v === "--help" || v.startsWith("--help-")) return [other(cmd, `python ${v}`)];
      if (v === "--check-hash-based-pycs") k++;
      k++;
      continue;
    }
    if (v.startsWith("-") && v.length > 1) {
      for (let c = 1; c < v.length; c++) {
        const letter = v[c];
        if ("cmWX".includes(letter)) {
          const glued = v.slice(c + 1);
          let value: W | undefined;
          if (glued !== "") value = { ...cmd[k], v: glued };
          else value = cmd[++k];
          if (letter === "c") return [other(cmd, "python -c (inline code)")];
          if (letter === "m") {
            const module = need(value, "the module of python -m");
            if (module === "") return [other(cmd, "python -m without a module")];
            const rest = cmd.slice(k + 1);
            const runnerName = RUNNER_BY_MODULE[module];
            if (runnerName) {
              const runner = RUNNERS[runnerName];
              const asCmd: W[] = [{ v: runnerName, raw: runnerName, unresolved: [] }, ...rest];
              const specs = runner(asCmd, ctx, ghosts, runnerName);
              return specs.map((s) => (s.kind === "other" ? s : { ...s, argv }));
            }
            return [moduleSpec("python", cmd, ctx, { module })];
          }
          break; // -W / -X value consumed
        }
        if (letter === "h" || letter === "V" || letter === "?") return [other(cmd, `python -${letter}`)];
      }
      k++;
      continue;
    }
    break;
  }
  if (k >= cmd.length) {
    if (ghosts.length) throw new Unresolved(ghosts, "the python command");
    return [other(cmd, "python without a script or module (interactive)")];
  }
  const file = need(cmd[k], "the python script path");
  return [{ kind: "script", file: joinCwd(ctx.cwd, file), runner: "python", argv }];
}

// ---------------------------------------------------------------------------
// The runners
// ---------------------------------------------------------------------------

type Runner = (cmd: W[], ctx: Ctx, ghosts: string[], name: string) => EntrySpec[];

/** gunicorn's command-line options that take a value (gunicorn/config.py `cli` + non-flag `action`). */
const GUNICORN_SPEC: OptSpec = {
  values: [
    "config", "bind", "backlog", "workers", "worker-class", "threads", "worker-connections", "max-requests",
    "max-requests-jitter", "timeout", "graceful-timeout", "keep-alive", "limit-request-line", "limit-request-fields",
    "limit-request-field_size", "reload-engine", "reload-extra-file", "chdir", "env", "pid", "worker-tmp-dir", "user",
    "group", "umask", "forwarded-allow-ips", "access-logfile", "access-logformat", "error-logfile", "log-file",
    "log-level", "logger-class", "log-config", "log-config-json", "log-syslog-to", "log-syslog-prefix",
    "log-syslog-facility", "statsd-host", "dogstatsd-tags", "statsd-prefix", "name", "pythonpath", "paste", "paster",
    "proxy-allow-from", "keyfile", "certfile", "ssl-version", "cert-reqs", "ca-certs", "ciphers", "paste-global",
    "header-map", "forwarder-headers",
  ],
  flags: [
    "reload", "spew", "check-config", "print-config", "preload", "no-sendfile", "reuse-port", "daemon", "initgroups",
    "disable-redirect-access-to-syslog", "capture-output", "log-syslog", "enable-stdio-inheritance", "proxy-protocol",
    "suppress-ragged-eofs", "do-handshake-on-connect", "strip-header-spaces", "permit-unconventional-http-method",
    "permit-unconventional-http-version", "casefold-http-method", "permit-obsolete-folding", "version", "help",
  ],
  shortValues: { c: "config", b: "bind", w: "workers", k: "worker-class", t: "timeout", e: "env", p: "pid", u: "user", g: "group", m: "umask", n: "name" },
  abbrev: true,
};

const gunicorn: Runner = (cmd, ctx, ghosts, name) => {
  const p = parseOpts(cmd.slice(1), GUNICORN_SPEC);
  // GUNICORN_CMD_ARGS: settings from the environment; the command line wins.
  let envOpts: ParsedOpts | undefined;
  const envArgs = ctx.env.GUNICORN_CMD_ARGS;
  if (envArgs) {
    const split = splitShellWords(envArgs);
    if (split) envOpts = parseOpts(split.map((v) => ({ v, raw: v, unresolved: [] })), GUNICORN_SPEC);
  }
  const pick = (...names: string[]): W | undefined => last(p, ...names) ?? (envOpts ? last(envOpts, ...names) : undefined);
  if (pick("version") || pick("help") || p.opts.has("-v") || p.opts.has("-h")) return [other(cmd, `${name} --version/--help`)];
  if (pick("paste", "paster")) return [other(cmd, `${name} --paste (PasteDeploy application)`)];
  const app = p.positionals[0];
  const chdirW = pick("chdir");
  const chdir = chdirW ? need(chdirW, `${name} --chdir`) : undefined;
  const ppW = pick("pythonpath");
  const pythonpath = ppW ? need(ppW, `${name} --pythonpath`).split(",").map((s) => s.trim()).filter((s) => s !== "") : undefined;
  const cfgW = pick("config");
  let configFile: string | undefined;
  let configImplicit = false;
  if (cfgW) {
    const c = need(cfgW, `${name} --config`);
    configFile = c.startsWith("python:") ? c : joinCwd(ctx.cwd, c.replace(/^file:/, ""));
  } else {
    // gunicorn reads ./gunicorn.conf.py (in the directory it starts in, before --chdir) when present.
    configFile = joinCwd(ctx.cwd, "gunicorn.conf.py");
    configImplicit = true;
  }
  if (!app) {
    if (ghosts.length) throw new Unresolved(ghosts, `the ${name} command (no application argument left)`);
    return [moduleSpec(name, cmd, ctx, { module: "", chdir, pythonpath, configFile, configImplicit })];
  }
  const { module, attr } = splitApp(need(app, `the ${name} application`));
  return [moduleSpec(name, cmd, ctx, { module, attr, chdir, pythonpath, configFile, configImplicit })];
};

const UVICORN_SPEC: OptSpec = {
  values: [
    "host", "port", "uds", "fd", "reload-dir", "reload-include", "reload-exclude", "reload-delay", "workers", "loop",
    "http", "ws", "ws-max-size", "ws-max-queue", "ws-ping-interval", "ws-ping-timeout", "ws-per-message-deflate",
    "lifespan", "interface", "env-file", "log-config", "log-level", "root-path", "limit-concurrency", "backlog",
    "limit-max-requests", "limit-max-requests-jitter", "timeout-keep-alive", "timeout-notify",
    "timeout-graceful-shutdown", "timeout-worker-healthcheck", "timeout-response", "ssl-keyfile", "ssl-certfile",
    "ssl-keyfile-password", "ssl-version", "ssl-cert-reqs", "ssl-ca-certs", "ssl-ciphers", "header", "app-dir",
    "h11-max-incomplete-event-size", "forwarded-allow-ips",
  ],
  flags: [
    "reload", "factory", "proxy-headers", "no-proxy-headers", "server-header", "no-server-header", "date-header",
    "no-date-header", "access-log", "no-access-log", "use-colors", "no-use-colors", "debug", "version", "help",
    "reset-contextvars",
  ],
};

const uvicorn: Runner = (cmd, ctx, ghosts, name) => {
  const p = parseOpts(cmd.slice(1), UVICORN_SPEC);
  if (p.opts.has("version") || p.opts.has("help")) return [other(cmd, `${name} --version/--help`)];
  const app = p.positionals[0];
  if (!app) {
    if (ghosts.length) throw new Unresolved(ghosts, `the ${name} command (no application argument left)`);
    return [other(cmd, `${name} without an application argument`)];
  }
  const a = need(app, `the ${name} application`);
  if (!a.includes(":")) return [other(cmd, `${name} application "${a}" must be in the form module:attribute`)];
  const { module, attr } = splitApp(a);
  // --app-dir is inserted at sys.path[0] instead of the working directory; we report it as
  // the first pythonpath entry and leave chdir to the working directory (uvicorn does not chdir).
  const appDirW = last(p, "app-dir");
  const appDir = appDirW ? need(appDirW, `${name} --app-dir`) : ctx.env.UVICORN_APP_DIR;
  const pythonpath = appDir !== undefined && appDir !== "" ? [joinCwd(ctx.cwd, appDir)] : undefined;
  return [moduleSpec(name, cmd, ctx, { module, attr, pythonpath })];
};

const HYPERCORN_SPEC: OptSpec = {
  values: [
    "access-logfile", "access-logformat", "backlog", "bind", "ca-certs", "certfile", "cert-reqs", "ciphers", "config",
    "error-logfile", "log-file", "graceful-timeout", "read-timeout", "group", "keyfile", "keyfile-password",
    "insecure-bind", "quic-bind", "log-config", "log-level", "max-requests", "max-requests-jitter", "pid", "root-path",
    "server-name", "statsd-host", "statsd-prefix", "umask", "user", "verify-mode", "websocket-ping-interval",
    "worker-class", "workers", "keep-alive", "h11-max-incomplete-size", "h2-max-concurrent-streams",
    "h2-max-header-list-size", "h2-max-inbound-frame-size", "ssl-handshake-timeout",
  ],
  flags: ["debug", "reload", "help", "version", "include-server-header"],
  shortValues: { b: "bind", c: "config", g: "group", k: "worker-class", m: "umask", p: "pid", u: "user", w: "workers" },
  abbrev: true,
};

/** hypercorn/daphne-style `path/to/module:app`: a path-like module puts its directory on sys.path. */
function pathLikeModule(module: string, ctx: Ctx): { module: string; pythonpath?: string[] } {
  if (!module.includes("/") && !module.endsWith(".py")) return { module };
  const noExt = module.replace(/\.py$/, "");
  const dir = posix.dirname(noExt);
  return { module: posix.basename(noExt), pythonpath: dir === "." ? undefined : [joinCwd(ctx.cwd, dir)] };
}

const hypercorn: Runner = (cmd, ctx, ghosts, name) => {
  const p = parseOpts(cmd.slice(1), HYPERCORN_SPEC);
  if (p.opts.has("help") || p.opts.has("version")) return [other(cmd, `${name} --help`)];
  const app = p.positionals[0];
  if (!app) {
    if (ghosts.length) throw new Unresolved(ghosts, `the ${name} command (no application argument left)`);
    return [other(cmd, `${name} without an application argument`)];
  }
  const split = splitApp(need(app, `the ${name} application`));
  const pl = pathLikeModule(split.module, ctx);
  const cfgW = last(p, "config");
  const configFile = cfgW ? need(cfgW, `${name} --config`) : undefined;
  return [moduleSpec(name, cmd, ctx, { module: pl.module, attr: split.attr, pythonpath: pl.pythonpath, configFile })];
};

const DAPHNE_SPEC: OptSpec = {
  values: [
    "port", "bind", "websocket_timeout", "websocket_connect_timeout", "unix-socket", "fd", "endpoint", "verbosity",
    "http-timeout", "access-log", "log-fmt", "ping-interval", "ping-timeout", "application-close-timeout", "root-path",
    "proxy-headers-host", "proxy-headers-port", "server-name", "ws-protocol",
  ],
  flags: ["proxy-headers", "no-server-name", "help", "version"],
  shortValues: { p: "port", b: "bind", u: "unix-socket", e: "endpoint", v: "verbosity", t: "http-timeout", s: "server-name" },
  abbrev: true,
};

const daphne: Runner = (cmd, ctx, ghosts, name) => {
  const p = parseOpts(cmd.slice(1), DAPHNE_SPEC);
  const app = p.positionals[0];
  if (!app) {
    if (ghosts.length) throw new Unresolved(ghosts, `the ${name} command (no application argument left)`);
    return [other(cmd, `${name} without an application argument`)];
  }
  const { module, attr } = splitApp(need(app, `the ${name} application`));
  return [moduleSpec(name, cmd, ctx, { module, attr })];
};

const WAITRESS_SPEC: OptSpec = {
  values: [
    "host", "port", "listen", "unix-socket", "unix-socket-perms", "url-scheme", "url-prefix", "ident", "threads",
    "backlog", "recv-bytes", "send-bytes", "outbuf-overflow", "outbuf-high-watermark", "inbuf-overflow",
    "connection-limit", "cleanup-interval", "channel-timeout", "max-request-header-size", "max-request-body-size",
    "asyncore-loop-timeout", "trusted-proxy", "trusted-proxy-count", "trusted-proxy-headers",
    "channel-request-lookahead", "server-name", "app",
  ],
  flags: [
    "call", "help", "ipv4", "no-ipv4", "ipv6", "no-ipv6", "log-socket-errors", "no-log-socket-errors",
    "expose-tracebacks", "no-expose-tracebacks", "asyncore-use-poll", "clear-untrusted-proxy-headers",
    "no-clear-untrusted-proxy-headers", "log-untrusted-proxy-headers",
  ],
  abbrev: true,
};

const waitress: Runner = (cmd, ctx, ghosts, name) => {
  const p = parseOpts(cmd.slice(1), WAITRESS_SPEC);
  if (p.opts.has("help")) return [other(cmd, `${name} --help`)];
  const app = last(p, "app") ?? p.positionals[0];
  if (!app) {
    if (ghosts.length) throw new Unresolved(ghosts, `the ${name} command (no application argument left)`);
    return [other(cmd, `${name} without an application argument`)];
  }
  const { module, attr } = splitApp(need(app, `the ${name} application`));
  return [moduleSpec(name, cmd, ctx, { module, attr })];
};

/** celery / faust: `-A proj`, `--app proj.celery:app`, `--workdir DIR`, anywhere on the line. */
const celery: Runner = (cmd, ctx, ghosts, name) => {
  let app: W | undefined;
  let workdir: W | undefined;
  for (let k = 1; k < cmd.length; k++) {
    const v = cmd[k].v;
    if (v === "--") break;
    if (v === "-A" || v === "--app") app = cmd[++k];
    else if (v.startsWith("--app=")) app = { ...cmd[k], v: v.slice(6) };
    else if (/^-A.+/.test(v)) app = { ...cmd[k], v: v.slice(2).replace(/^=/, "") };
    else if (v === "--workdir") workdir = cmd[++k];
    else if (v.startsWith("--workdir=")) workdir = { ...cmd[k], v: v.slice(10) };
  }
  let appStr: string | undefined = app ? need(app, `${name} --app`) : undefined;
  if (appStr === undefined && name === "celery") appStr = ctx.env.APP ?? ctx.env.CELERY_APP; // celery 5 / celery 4 env vars
  if (appStr === undefined || appStr === "") {
    if (ghosts.length) throw new Unresolved(ghosts, `the ${name} command (no -A/--app left)`);
    return [other(cmd, `${name} without -A/--app: the application module is unknown`)];
  }
  const { module, attr } = splitApp(appStr);
  const chdir = workdir ? need(workdir, `${name} --workdir`) : (name === "celery" ? ctx.env.WORKDIR : undefined);
  return [moduleSpec(name, cmd, ctx, { module, attr, chdir })];
};

const functionsFramework: Runner = (cmd, ctx, ghosts, name) => {
  const p = parseOpts(cmd.slice(1), {
    values: ["target", "source", "signature-type", "host", "port"],
    flags: ["debug", "dry-run", "asgi", "help", "version"],
  });
  const srcW = last(p, "source");
  const source = srcW ? need(srcW, `${name} --source`) : (ctx.env.FUNCTION_SOURCE ?? "main.py");
  void ghosts;
  return [{ kind: "script", file: joinCwd(ctx.cwd, source), runner: "functions-framework", argv: cmd.map((w) => w.v) }];
};

/** Flask's --app / FLASK_APP: `module`, `module:app`, `module:create_app()`, `path/to/file.py`. */
const flask: Runner = (cmd, ctx, ghosts, name) => {
  let app: W | undefined;
  for (let k = 1; k < cmd.length; k++) {
    const v = cmd[k].v;
    if (v === "--app" || v === "-A") app = cmd[++k];
    else if (v.startsWith("--app=")) app = { ...cmd[k], v: v.slice(6) };
  }
  if (cmd.some((w) => w.v === "--version" || w.v === "--help")) return [other(cmd, `${name} --version/--help`)];
  const appStr = app ? need(app, `${name} --app`) : ctx.env.FLASK_APP;
  if (appStr === undefined || appStr === "") {
    if (ghosts.length) throw new Unresolved(ghosts, `the ${name} command`);
    return [other(cmd, `${name} without --app or FLASK_APP (Flask then looks for wsgi.py or app.py in the working directory)`)];
  }
  const { module: m, attr } = splitApp(appStr);
  const pl = pathLikeModule(m, ctx);
  return [moduleSpec(name, cmd, ctx, { module: pl.module, attr, pythonpath: pl.pythonpath })];
};

/** `fastapi run [PATH]` / `fastapi dev [PATH]` (fastapi-cli). */
const fastapi: Runner = (cmd, ctx, ghosts, name) => {
  const p = parseOpts(cmd.slice(1), {
    values: ["host", "port", "root-path", "app", "workers", "entrypoint", "forwarded-allow-ips", "log-level"],
    flags: ["reload", "no-reload", "proxy-headers", "no-proxy-headers", "help", "version"],
    shortValues: { e: "entrypoint" },
  });
  const sub = p.positionals[0]?.v;
  if (sub !== "run" && sub !== "dev") return [other(cmd, `${name} ${sub ?? ""}: not a server command`.trim())];
  const ep = last(p, "entrypoint");
  if (ep) {
    const { module, attr } = splitApp(need(ep, `${name} --entrypoint`));
    return [moduleSpec(name, cmd, ctx, { module, attr })];
  }
  const pathW = p.positionals[1];
  if (!pathW) {
    if (ghosts.length) throw new Unresolved(ghosts, `the ${name} command`);
    return [other(cmd, `${name} ${sub} without a path: fastapi-cli looks for main.py, app.py, api.py, app/main.py, app/app.py or app/api.py`)];
  }
  // fastapi-cli imports the file as a module (its package root goes on sys.path); reported as a script.
  return [{ kind: "script", file: joinCwd(ctx.cwd, need(pathW, `the ${name} path`)), runner: "fastapi", argv: cmd.map((w) => w.v) }];
};

/** `streamlit run app.py [-- args]`: every streamlit option takes a value. */
const streamlit: Runner = (cmd, ctx, ghosts, name) => {
  const p = parseOpts(cmd.slice(1), { values: [], flags: ["help", "version"], unknownTakesValue: true });
  if (p.positionals[0]?.v !== "run") return [other(cmd, `${name} ${p.positionals[0]?.v ?? ""}: not \`run\``.trim())];
  const f = p.positionals[1];
  if (!f) {
    if (ghosts.length) throw new Unresolved(ghosts, `the ${name} command`);
    return [other(cmd, `${name} run without a script`)];
  }
  return [{ kind: "script", file: joinCwd(ctx.cwd, need(f, `the ${name} script`)), runner: "streamlit", argv: cmd.map((w) => w.v) }];
};

const granian: Runner = (cmd, ctx, ghosts, name) => {
  const p = parseOpts(cmd.slice(1), {
    values: ["working-dir", "interface", "host", "port", "workers", "threads"],
    flags: [
      "factory", "reload", "ws", "access-log", "log", "respawn-failed-workers", "opt", "http1-keep-alive", "version",
      "help", "reuse-address", "process-name", "static-path-expires", "uds-permissions",
    ],
    unknownTakesValue: true,
  });
  const app = p.positionals[0];
  if (!app) {
    if (ghosts.length) throw new Unresolved(ghosts, `the ${name} command`);
    return [other(cmd, `${name} without an application argument`)];
  }
  const { module, attr } = splitApp(need(app, `the ${name} application`));
  const wd = last(p, "working-dir");
  return [moduleSpec(name, cmd, ctx, { module, attr, chdir: wd ? need(wd, `${name} --working-dir`) : undefined })];
};

/** uWSGI: options only (a bare word is a config file); all the ones we read take a value. */
const uwsgi: Runner = (cmd, ctx, ghosts, name) => {
  const get = (names: string[]): W[] => {
    const out: W[] = [];
    for (let k = 1; k < cmd.length; k++) {
      const v = cmd[k].v;
      for (const n of names) {
        const dash = n.length === 1 ? "-" : "--";
        if (v === dash + n) out.push(cmd[k + 1]);
        else if (v.startsWith(`--${n}=`)) out.push({ ...cmd[k], v: v.slice(n.length + 3) });
      }
    }
    return out.filter((w) => w !== undefined);
  };
  const chdirs = get(["chdir"]);
  const chdir = chdirs.length ? need(chdirs[chdirs.length - 1], `${name} --chdir`) : undefined;
  const pythonpath = get(["pythonpath", "python-path", "pp"]).map((w) => need(w, `${name} --pythonpath`));
  const mod = get(["module", "wsgi", "w"]);
  const callable = get(["callable"]);
  if (mod.length) {
    const { module, attr } = splitApp(need(mod[mod.length - 1], `${name} --module`));
    return [
      moduleSpec(name, cmd, ctx, {
        module: module.replace(/\.py$/, "").replace(/\//g, "."),
        attr: attr ?? callable[0]?.v,
        chdir,
        pythonpath: pythonpath.length ? pythonpath : undefined,
      }),
    ];
  }
  const file = get(["wsgi-file", "file", "mount"]);
  if (file.length) {
    let f = need(file[file.length - 1], `${name} --wsgi-file`);
    if (f.includes("=")) f = f.slice(f.indexOf("=") + 1); // --mount /=app.py
    return [{ kind: "script", file: joinCwd(chdir !== undefined ? joinCwd(ctx.cwd, chdir) : ctx.cwd, f), runner: "uwsgi", argv: cmd.map((w) => w.v) }];
  }
  const cfg = get(["ini", "yaml", "json", "xml"]);
  const bare = cmd.slice(1).find((w) => !w.v.startsWith("-") && /\.(ini|ya?ml|json|xml)$/.test(w.v));
  if (cfg.length || bare) return [other(cmd, `${name} configured by ${(cfg[0] ?? bare)!.v} (uWSGI config files are not read)`)];
  if (ghosts.length) throw new Unresolved(ghosts, `the ${name} command`);
  return [other(cmd, `${name} without --module or --wsgi-file`)];
};

const dramatiq: Runner = (cmd, ctx, ghosts, name) => {
  const p = parseOpts(cmd.slice(1), {
    values: ["processes", "threads", "path", "queues", "pid-file", "log-file", "watch", "worker-shutdown-timeout", "fork-function"],
    flags: ["use-spawn", "verbose", "skip-logging", "watch-use-polling", "help", "version"],
    shortValues: { p: "processes", t: "threads", P: "path", Q: "queues", f: "fork-function" },
    abbrev: true,
  });
  if (!p.positionals.length) {
    if (ghosts.length) throw new Unresolved(ghosts, `the ${name} command`);
    return [other(cmd, `${name} without a broker module`)];
  }
  const pythonpath = all(p, "path").map((w) => need(w, `${name} --path`));
  return p.positionals.map((w) => {
    const { module, attr } = splitApp(need(w, `the ${name} module`));
    return moduleSpec(name, cmd, ctx, { module, attr, pythonpath: pythonpath.length ? pythonpath : undefined });
  });
};

/** arq / huey_consumer: `module.Attribute` (the last dotted part is an attribute). */
const dottedAttrRunner: Runner = (cmd, ctx, ghosts, name) => {
  const p = parseOpts(cmd.slice(1), {
    values: name === "arq" ? ["watch", "custom-log-dict"] : ["workers", "worker-type", "delay", "max-delay", "backoff", "logfile", "scheduler-interval"],
    flags: ["check", "burst", "no-burst", "verbose", "help", "version", "periodic", "no-periodic", "quiet", "simple", "health-check", "flush-locks"],
    shortValues: name === "arq" ? {} : { w: "workers", k: "worker-type", d: "delay", m: "max-delay", b: "backoff", l: "logfile", s: "scheduler-interval" },
  });
  const app = p.positionals[0];
  if (!app) {
    if (ghosts.length) throw new Unresolved(ghosts, `the ${name} command`);
    return [other(cmd, `${name} without a settings/instance argument`)];
  }
  const a = need(app, `the ${name} argument`);
  const dot = a.lastIndexOf(".");
  if (dot < 0) return [moduleSpec(name, cmd, ctx, { module: a })];
  return [moduleSpec(name, cmd, ctx, { module: a.slice(0, dot), attr: a.slice(dot + 1) })];
};

const RUNNERS: Record<string, Runner> = {
  gunicorn,
  uvicorn,
  hypercorn,
  daphne,
  "waitress-serve": waitress,
  celery,
  faust: celery,
  "functions-framework": functionsFramework,
  "functions-framework-python": functionsFramework,
  flask,
  fastapi,
  streamlit,
  granian,
  uwsgi,
  dramatiq,
  arq: dottedAttrRunner,
  huey_consumer: dottedAttrRunner,
};

/** Runner names reported for program names that differ. */
const RUNNER_NAMES: Record<string, string> = {
  "functions-framework-python": "functions-framework",
  "huey_consumer.py": "huey_consumer",
};
