// Dockerfile parsing over dockerfile-ast, with BuildKit's semantics for what the library does
// not get right (see docs/dockerfile-parsing.md):
//
//  - dockerfile-ast finds the instructions (keyword, range, continuation lines, comments inside
//    continuations, parser directives, heredoc bodies). Everything after that is read from the
//    raw text of each instruction's "logical line" (continuations joined the way BuildKit joins
//    them), because dockerfile-ast drops whitespace inside JSON arguments and does not handle
//    quotes.
//  - A `<<WORD` inside quotes is not a heredoc (dockerfile-ast thinks it is and swallows the
//    rest of the file): we detect heredocs with BuildKit's rule (an unquoted shell word matching
//    `^\d*<<-?WORD$`), mask false ones and parse again.
//  - Variable expansion is ours (./expand.ts), with Docker's ARG/ENV scoping.
//
// Never throws: problems are returned in `errors`.

import { createRequire } from "node:module";
import type { DockerfileParser as DockerfileParserType } from "dockerfile-ast";

// dockerfile-ast (CommonJS, ~30 ms to load) is loaded on the first parse: a run whose
// results all come from the cache never needs it.
let parserMemo: typeof DockerfileParserType | null = null;
const DockerfileParser = {
  parse(text: string) {
    if (!parserMemo) parserMemo = (createRequire(import.meta.url)("dockerfile-ast") as { DockerfileParser: typeof DockerfileParserType }).DockerfileParser;
    return parserMemo.parse(text);
  },
};
import type { DfFlag, DfInstruction, DfStage, ParsedDockerfile, SourceRange } from "../types.js";
import { expandWord, type WordExpansion } from "./expand.js";
import { lineAt, lineStarts } from "../text.js";

export interface ParseDockerfileOptions {
  /**
   * Environment (image config `Env`) of an external base image, when the caller knows it.
   * Used for `$PATH`-style references in ENV lines. Without it, only PATH is assumed
   * (Docker's default, which every common base image sets too).
   */
  baseImageEnv?: (image: string) => Record<string, string> | undefined;
  /** Target platform for the automatic platform ARGs (TARGETPLATFORM, ...). Default linux/amd64. */
  platform?: string;
}

/** Docker's default PATH (BuildKit gives it to `FROM scratch`; every common base image sets it). */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export const KNOWN_INSTRUCTIONS = new Set([
  "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
  "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
]);

/** Flags each instruction accepts; `true` = boolean flag (may be bare), `false` = needs `=value`. */
const COPY_ADD_FLAGS: Record<string, boolean> = {
  from: false, chown: false, chmod: false, link: true, parents: true, exclude: false,
  "keep-git-dir": true, checksum: false, unpack: true,
};
const ALLOWED_FLAGS: Record<string, Record<string, boolean>> = {
  FROM: { platform: false },
  COPY: COPY_ADD_FLAGS,
  ADD: COPY_ADD_FLAGS,
  RUN: { mount: false, network: false, security: false, device: false },
  HEALTHCHECK: { interval: false, timeout: false, "start-period": false, "start-interval": false, retries: false },
};

const WS_SPLIT = /[ \t\v\f\r\n]+/;

// ---------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------

interface Pos {
  line: number;
  character: number;
}

function offsetAt(starts: number[], p: Pos, textLength: number): number {
  if (p.line >= starts.length) return textLength;
  return Math.min(starts[p.line] + p.character, textLength);
}

function toRange(start: Pos, end: Pos): SourceRange {
  return { line: start.line + 1, col: start.character, endLine: end.line + 1, endCol: end.character };
}

interface LogicalLine {
  /** The instruction's first logical line, continuations joined as BuildKit joins them. */
  line: string;
  /** For each character of `line`, its offset in the text. */
  offs: number[];
  /** Offset of the line break ending the logical line (or the end bound). */
  endOffset: number;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * BuildKit's line joining: a line ending with the escape character (optionally followed by
 * blanks) continues on the next line; in a continuation, comment lines and blank lines are
 * skipped; the escape character and the line break are removed, leading blanks of the next
 * line are kept.
 */
function logicalLine(text: string, start: number, end: number, esc: string): LogicalLine {
  const cont = new RegExp(escapeRegex(esc) + "[ \\t]*$");
  let line = "";
  const offs: number[] = [];
  let pos = start;
  let first = true;
  while (pos < end) {
    let nl = text.indexOf("\n", pos);
    if (nl < 0 || nl > end) nl = end;
    let lineEnd = nl;
    if (lineEnd > pos && text[lineEnd - 1] === "\r") lineEnd--;
    const phys = text.slice(pos, lineEnd);
    if (!first && (/^\s*#/.test(phys) || /^\s*$/.test(phys))) {
      pos = nl + 1;
      continue;
    }
    first = false;
    const m = cont.exec(phys);
    const keep = m ? m.index : phys.length;
    for (let k = 0; k < keep; k++) {
      line += phys[k];
      offs.push(pos + k);
    }
    if (!m) return { line, offs, endOffset: nl };
    pos = nl + 1;
  }
  return { line, offs, endOffset: Math.min(end, text.length) };
}

interface RawWord {
  raw: string;
  /** Index in the logical line. */
  start: number;
}

/**
 * Split like BuildKit's `shlex.ProcessWords` with RawQuotes/RawEscapes: unquoted blanks
 * separate words, quotes and escapes are kept in the word text.
 */
function rawShellWords(line: string, esc: string): RawWord[] {
  const words: RawWord[] = [];
  let i = 0;
  let cur = "";
  let start = -1;
  const push = (): void => {
    if (start >= 0) words.push({ raw: cur, start });
    cur = "";
    start = -1;
  };
  while (i < line.length) {
    const c = line[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      push();
      i++;
      continue;
    }
    if (start < 0) start = i;
    if (c === esc) {
      cur += line.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c === "'") {
      const j = line.indexOf("'", i + 1);
      const e = j < 0 ? line.length : j + 1;
      cur += line.slice(i, e);
      i = e;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') {
        if (line[j] === esc) j++;
        j++;
      }
      const e = Math.min(j + 1, line.length);
      cur += line.slice(i, e);
      i = e;
      continue;
    }
    if (c === "$" && line[i + 1] === "{") {
      const j = line.indexOf("}", i + 2);
      const e = j < 0 ? line.length : j + 1;
      cur += line.slice(i, e);
      i = e;
      continue;
    }
    cur += c;
    i++;
  }
  push();
  return words;
}

interface HeredocSpec {
  name: string;
  chomp: boolean;
  expand: boolean;
  /** Index in the logical line of the `<<` word. */
  start: number;
  raw: string;
}

const HEREDOC_RE = /^(\d*)<<(-?)([^<]*)$/;

/** BuildKit's heredoc detection over the words of a line. */
function heredocWords(line: string, esc: string): HeredocSpec[] {
  const out: HeredocSpec[] = [];
  for (const w of rawShellWords(line, esc)) {
    const m = HEREDOC_RE.exec(w.raw);
    if (!m || m[3].length === 0) continue;
    const rest = m[3];
    const unquoted = expandWord(rest, () => undefined, { mode: "docker", escapeChar: "\\" });
    const restWords = rawShellWords(rest, "\\");
    if (restWords.length !== 1) continue;
    const quoteCount = (s: string): number => (s.match(/['"]/g) ?? []).length;
    // BuildKit: the name is quoted (no expansion of the body) when quote removal removed quotes.
    const expand = quoteCount(unquoted.value) === quoteCount(rest);
    // `$` inside a heredoc word is not expanded when reading the name.
    const name = expandWord(rest.replace(/\$/g, "\\$"), () => undefined, { mode: "docker", escapeChar: "\\" }).value;
    out.push({ name, chomp: m[2] === "-", expand, start: w.start, raw: w.raw });
  }
  return out;
}

/** dockerfile-ast's own heredoc-name rule (Util.parseHeredocName), to know what it will do. */
function astHeredocName(value: string): string | null {
  if (!value.startsWith("<<") || value.length <= 2) return null;
  let v = value.substring(2);
  if (v.charAt(0) === "-") v = v.substring(1);
  if (v.charAt(0) === '"') {
    if (v.charAt(v.length - 1) !== '"') return null;
    v = v.substring(1, v.length - 1);
  }
  if (v.charAt(0) === "'") {
    if (v.charAt(v.length - 1) !== "'") return null;
    v = v.substring(1, v.length - 1);
  }
  if (v.charAt(0) === "<") return null;
  return v;
}

const HEREDOC_KEYWORDS = new Set(["RUN", "COPY", "ADD", "ONBUILD"]);

/**
 * One pass over the text with BuildKit's own segmentation (logical lines, heredoc bodies) that
 * hides from dockerfile-ast every `<<` it would take for a heredoc but BuildKit would not.
 * Without it, each false heredoc swallows the rest of the file and costs one more full parse.
 */
function premask(text: string): string {
  if (!text.includes("<<")) return text; // no heredoc, real or false
  let esc = "\\";
  // The escape directive only counts at the top, before any instruction or blank line.
  for (const l of text.split("\n")) {
    const m = /^\s*#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(\S*)\s*$/.exec(l);
    if (!m) break;
    if (m[1].toLowerCase() === "escape" && (m[2] === "`" || m[2] === "\\")) esc = m[2];
  }
  const chars = text.split("");
  let changed = false;
  let pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf("\n", pos);
    if (nl < 0) nl = text.length;
    const phys = text.slice(pos, nl);
    if (/^\s*(#|$)/.test(phys)) {
      pos = nl + 1;
      continue;
    }
    const ll = logicalLine(text, pos, text.length, esc);
    pos = ll.endOffset + 1;
    const kw = (/^\s*(\S+)/.exec(ll.line)?.[1] ?? "").toUpperCase();
    if (!HEREDOC_KEYWORDS.has(kw)) continue;
    const real = heredocWords(ll.line, esc);
    const realStarts = new Set(real.map((h) => h.start));
    const tok = /\S+/g;
    let m: RegExpExecArray | null;
    while ((m = tok.exec(ll.line)) !== null) {
      if (astHeredocName(m[0]) === null || realStarts.has(m.index)) continue;
      chars[ll.offs[m.index]] = "\u0001";
      changed = true;
    }
    // Skip the bodies of the real heredocs.
    for (const h of real) {
      while (pos < text.length) {
        let e = text.indexOf("\n", pos);
        if (e < 0) e = text.length;
        let line = text.slice(pos, e).replace(/\r$/, "");
        if (h.chomp) line = line.replace(/^\t+/, "");
        pos = e + 1;
        if (line === h.name) break;
      }
    }
  }
  return changed ? chars.join("") : text;
}

type AstDockerfile = ReturnType<typeof DockerfileParserType.parse>;

/**
 * Parse with dockerfile-ast; where it opened a heredoc that BuildKit would not (a `<<` inside
 * quotes, or glued to a quoted string), hide that `<` from it and parse again.
 */
function parseWithHeredocFix(text: string): { df: AstDockerfile; masked: string } {
  let masked = premask(text);
  const starts = lineStarts(text);
  for (let iter = 0; iter < 256; iter++) {
    const df = DockerfileParser.parse(masked);
    const esc = df.getEscapeCharacter();
    const toMask: number[] = [];
    for (const ins of df.getInstructions()) {
      if (!HEREDOC_KEYWORDS.has(ins.getKeyword())) continue;
      const r = ins.getRange();
      const start = offsetAt(starts, r.start, masked.length);
      const end = offsetAt(starts, r.end, masked.length);
      // No `<<` in the instruction: nothing dockerfile-ast could have taken for a heredoc.
      const lt = masked.indexOf("<<", start);
      if (lt < 0 || lt >= end) continue;
      const ll = logicalLine(masked, start, end, esc);
      const real = new Set(heredocWords(ll.line, esc).map((h) => ll.offs[h.start]));
      for (const arg of ins.getArguments()) {
        const off = offsetAt(starts, arg.getRange().start, masked.length);
        if (off >= ll.endOffset) break;
        if (astHeredocName(arg.getValue()) === null) continue;
        if (!real.has(off) && masked.startsWith("<<", off)) toMask.push(off);
      }
    }
    if (toMask.length === 0) return { df, masked };
    const chars = masked.split("");
    for (const off of toMask) chars[off] = "\u0001";
    masked = chars.join("");
  }
  return { df: DockerfileParser.parse(masked), masked };
}

// ---------------------------------------------------------------------------
// BuildKit's line parsers
// ---------------------------------------------------------------------------

/** BuildKit `extractBuilderFlags`: leading `--flag[=value]` words, quote-aware. */
function extractBuilderFlags(line: string): { rest: string; flags: string[]; error?: string } {
  const words: string[] = [];
  let phase: "spaces" | "word" | "quote" = "spaces";
  let word = "";
  let quote = "";
  let blankOK = false;
  for (let pos = 0; pos <= line.length; pos++) {
    const ch = pos < line.length ? line[pos] : "";
    if (phase === "spaces") {
      if (pos === line.length) break;
      if (/\s/.test(ch)) continue;
      if (ch !== "-" || pos + 1 === line.length || line[pos + 1] !== "-") return { rest: line.slice(pos), flags: words };
      phase = "word";
    }
    if ((phase === "word" || phase === "quote") && pos === line.length) {
      if (phase === "quote") return { rest: "", flags: words, error: "unterminated quote in flags" };
      if (word !== "--" && (blankOK || word.length > 0)) words.push(word);
      break;
    }
    if (phase === "word") {
      if (/\s/.test(ch)) {
        phase = "spaces";
        if (word === "--") return { rest: line.slice(pos), flags: words };
        if (blankOK || word.length > 0) words.push(word);
        word = "";
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = "quote";
        continue;
      }
      if (ch === "\\") {
        if (pos + 1 === line.length) continue;
        pos++;
        word += line[pos];
        continue;
      }
      word += ch;
      continue;
    }
    if (phase === "quote") {
      if (ch === quote) {
        phase = "word";
        continue;
      }
      if (ch === "\\") {
        if (pos + 1 === line.length) {
          phase = "word";
          continue;
        }
        pos++;
        word += line[pos];
        continue;
      }
      word += ch;
    }
  }
  return { rest: "", flags: words };
}

/** BuildKit `parseWords` (used for ENV, LABEL, ARG): quote-aware, quotes and escapes kept. */
function parseWords(rest: string, esc: string): string[] {
  const words: string[] = [];
  let phase: "spaces" | "word" | "quote" = "spaces";
  let word = "";
  let quote = "";
  let blankOK = false;
  const chars = Array.from(rest);
  for (let pos = 0; pos <= chars.length; pos++) {
    let ch = pos < chars.length ? chars[pos] : "";
    if (phase === "spaces") {
      if (pos === chars.length) break;
      if (/\s/u.test(ch)) continue;
      phase = "word";
    }
    if ((phase === "word" || phase === "quote") && pos === chars.length) {
      if (blankOK || word.length > 0) words.push(word);
      break;
    }
    if (phase === "word") {
      if (/\s/u.test(ch)) {
        phase = "spaces";
        if (blankOK || word.length > 0) words.push(word);
        word = "";
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = "quote";
      }
      if (ch === esc) {
        if (pos + 1 === chars.length) continue;
        word += ch;
        pos++;
        ch = chars[pos];
      }
      word += ch;
      continue;
    }
    if (phase === "quote") {
      if (ch === quote) phase = "word";
      if (ch === esc && quote !== "'") {
        if (pos + 1 === chars.length) {
          phase = "word";
          continue;
        }
        pos++;
        word += ch;
        ch = chars[pos];
      }
      word += ch;
    }
  }
  return words;
}

type JsonResult = { kind: "json"; values: string[] } | { kind: "not-strings" } | { kind: "not-json" };

/** BuildKit `parseJSON`: a JSON array of strings, else "not JSON" (shell form). */
function parseJsonArray(rest: string): JsonResult {
  const t = rest.replace(/^\s+/, "");
  if (!t.startsWith("[")) return { kind: "not-json" };
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return { kind: "not-json" };
  }
  if (!Array.isArray(v)) return { kind: "not-json" };
  if (!v.every((x) => typeof x === "string")) return { kind: "not-strings" };
  return { kind: "json", values: v as string[] };
}

// ---------------------------------------------------------------------------
// The evaluation
// ---------------------------------------------------------------------------

interface StageState {
  stage: DfStage;
  /** Expansion scope: ENV values and declared ARGs (null = declared without a value). */
  vars: Map<string, string | null>;
  /** Runtime environment (ENV only, inherited from the base stage). */
  env: Map<string, string>;
}

function platformArgs(platform: string): Map<string, string> {
  const [os = "linux", arch = "amd64", variant = ""] = platform.split("/");
  const m = new Map<string, string>();
  for (const p of ["TARGET", "BUILD"]) {
    m.set(`${p}PLATFORM`, platform);
    m.set(`${p}OS`, os);
    m.set(`${p}ARCH`, arch);
    m.set(`${p}VARIANT`, variant);
  }
  return m;
}

const STAGE_NAME_RE = /^[a-z][a-z0-9-_.]*$/;

/**
 * Parse a Dockerfile into stages of instructions with Docker's variable semantics.
 * `buildArgs` override ARG defaults (only for ARGs the file declares). `target`, when given,
 * must name a stage (an error otherwise); all stages are returned either way.
 */
export function parseDockerfile(
  path: string,
  text: string,
  buildArgs: Record<string, string> = {},
  target?: string,
  options?: ParseDockerfileOptions,
): ParsedDockerfile {
  // Discovery (context inference) and the analysis parse the same file with the same arguments:
  // without options, the (never modified) result is shared.
  let key: string | null = null;
  if (!options) {
    key = `${path}\0${target ?? ""}\0${JSON.stringify(buildArgs)}\0${text}`;
    const m = parseMemo.get(key);
    if (m) return m;
  }
  const result = parseDockerfileUncached(path, text, buildArgs, target, options ?? {});
  if (key !== null) {
    if (parseMemo.size >= 256) parseMemo.clear();
    parseMemo.set(key, result);
  }
  return result;
}

const parseMemo = new Map<string, ParsedDockerfile>();

function parseDockerfileUncached(
  path: string,
  text: string,
  buildArgs: Record<string, string>,
  target: string | undefined,
  options: ParseDockerfileOptions,
): ParsedDockerfile {
  const result: ParsedDockerfile = { path, stages: [], errors: [] };
  try {
    parseInto(result, text, buildArgs, target, options);
  } catch (e) {
    result.errors.push({
      range: { line: 1, col: 0, endLine: 1, endCol: 0 },
      message: `internal error while parsing the Dockerfile: ${(e as Error)?.message ?? String(e)}`,
    });
  }
  return result;
}

function parseInto(
  result: ParsedDockerfile,
  rawText: string,
  buildArgs: Record<string, string>,
  target: string | undefined,
  options: ParseDockerfileOptions,
): void {
  const text = rawText.startsWith("\uFEFF") ? rawText.slice(1) : rawText;
  const { df } = parseWithHeredocFix(text);
  const starts = lineStarts(text);
  const esc = df.getEscapeCharacter();
  const errors = result.errors;
  const hasBuildArg = (n: string): boolean => Object.prototype.hasOwnProperty.call(buildArgs, n);

  for (const d of df.getDirectives()) {
    if (d.getName().toLowerCase() === "escape" && d.getValue() !== "\\" && d.getValue() !== "`") {
      const r = d.getRange();
      errors.push({ range: toRange(r.start, r.end), message: `invalid escape token '${d.getValue()}' does not match \` or \\` });
    }
  }

  const globalArgs: Map<string, string | null> = new Map(platformArgs(options.platform ?? "linux/amd64"));
  const stageStates: StageState[] = [];
  let cur: StageState | null = null;
  const fromChecks: { value: string; stageIndex: number; range: SourceRange; keyword: string }[] = [];
  let sawInstruction = false;

  for (const ins of df.getInstructions()) {
    sawInstruction = true;
    const r = ins.getRange();
    const range = toRange(r.start, r.end);
    const keyword = ins.getKeyword();
    const start = offsetAt(starts, r.start, text.length);
    const end = offsetAt(starts, r.end, text.length);
    const ll = logicalLine(text, start, end, esc);
    const km = /^\S*\s*/.exec(ll.line);
    const afterKeyword = ll.line.slice(km ? km[0].length : ll.line.length).replace(/\s+$/, "");

    const undefinedVars: string[] = [];
    const lookup = (name: string): string | undefined => {
      const scope = cur ? cur.vars : globalArgs;
      const v = scope.get(name);
      return v === null ? undefined : v;
    };
    const globalLookup = (name: string): string | undefined => globalArgs.get(name) ?? undefined;
    const err = (message: string): void => {
      errors.push({ range, message });
    };
    const expand = (word: string, lk: (n: string) => string | undefined = lookup): string => {
      const e: WordExpansion = expandWord(word, lk, { mode: "docker", escapeChar: esc });
      for (const v of e.undefinedVars) if (!undefinedVars.includes(v)) undefinedVars.push(v);
      if (e.error) err(`${keyword}: ${e.error} in ${JSON.stringify(word)}`);
      return e.value;
    };

    const inst: DfInstruction = { keyword, range, args: [], rawArgs: [], flags: [], jsonForm: false, undefinedVars };

    if (!KNOWN_INSTRUCTIONS.has(keyword)) {
      err(`unknown instruction: ${ins.getInstruction()}`);
      inst.rawArgs = afterKeyword === "" ? [] : afterKeyword.split(WS_SPLIT);
      inst.args = [...inst.rawArgs];
      if (cur) addInstruction(cur, inst);
      continue;
    }

    // Flags (BuildKit extracts them for every instruction).
    const fx = extractBuilderFlags(afterKeyword);
    const rest = fx.rest.replace(/^\s+/, "").replace(/\s+$/, "");
    if (fx.error) err(`${keyword}: ${fx.error}`);
    const allowed = ALLOWED_FLAGS[keyword] ?? {};
    const flagLookup = keyword === "FROM" ? globalLookup : lookup;
    for (const fw of fx.flags) {
      const body = fw.startsWith("--") ? fw.slice(2) : fw;
      const eq = body.indexOf("=");
      const name = eq < 0 ? body : body.slice(0, eq);
      const raw = eq < 0 ? null : body.slice(eq + 1);
      const flag: DfFlag = { name, value: raw === null ? null : expand(raw, flagLookup), raw };
      inst.flags.push(flag);
      if (!(name in allowed)) err(`unknown flag: --${name} for ${keyword}`);
      else if (allowed[name] === false && raw === null) err(`missing a value on flag: --${name}`);
    }

    if (keyword === "FROM") {
      handleFrom();
      continue;
    }

    if (!cur) {
      if (keyword === "ARG") {
        handleArg(true);
        continue;
      }
      err(`${keyword} instruction before the first FROM (only ARG may come before FROM)`);
      continue;
    }

    switch (keyword) {
      case "ARG":
        handleArg(false);
        break;
      case "ENV":
      case "LABEL":
        handleNameVal();
        break;
      case "RUN":
      case "CMD":
      case "ENTRYPOINT":
      case "SHELL":
        handleMaybeJson();
        break;
      case "COPY":
      case "ADD":
      case "VOLUME":
        handleJsonToList();
        break;
      case "HEALTHCHECK":
        handleHealthcheck();
        break;
      case "WORKDIR":
      case "USER":
      case "STOPSIGNAL":
        inst.rawArgs = rest === "" ? [] : [rest];
        inst.args = inst.rawArgs.map((w) => expand(w));
        if (rest === "") err(`${keyword} requires exactly one argument`);
        break;
      case "MAINTAINER":
        inst.rawArgs = rest === "" ? [] : [rest];
        inst.args = [...inst.rawArgs];
        break;
      case "EXPOSE":
        inst.rawArgs = rest === "" ? [] : rest.split(WS_SPLIT);
        inst.args = inst.rawArgs.map((w) => expand(w));
        break;
      case "ONBUILD": {
        inst.rawArgs = rest === "" ? [] : [rest];
        inst.args = [...inst.rawArgs];
        const trig = (rest.split(WS_SPLIT)[0] ?? "").toUpperCase();
        if (trig === "") err("ONBUILD requires at least one argument");
        else if (trig === "ONBUILD") err("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
        else if (trig === "FROM" || trig === "MAINTAINER") err(`${trig} isn't allowed as an ONBUILD trigger`);
        else if (!KNOWN_INSTRUCTIONS.has(trig)) err(`unknown instruction in ONBUILD: ${trig}`);
        break;
      }
    }
    addInstruction(cur, inst);
    continue;

    // ----- handlers (closures over the current instruction) -----

    function handleFrom(): void {
      const raw = rest === "" ? [] : rest.split(WS_SPLIT);
      inst.rawArgs = raw;
      if (raw.length !== 1 && !(raw.length === 3 && raw[1].toLowerCase() === "as")) {
        err("FROM requires either one or three arguments (FROM <image> [AS <name>])");
      }
      const image = raw.length > 0 ? expand(raw[0], globalLookup) : "";
      inst.args = raw.length === 3 ? [image, raw[1], raw[2]] : raw.length > 0 ? [image, ...raw.slice(1)] : [];
      if (raw.length > 0 && image === "") err(`base name (${raw[0]}) should not be blank`);
      let name: string | null = null;
      if (raw.length === 3 && raw[1].toLowerCase() === "as") {
        name = raw[2].toLowerCase();
        if (!STAGE_NAME_RE.test(name)) err(`invalid name for build stage: "${raw[2]}", name can't start with a number or contain symbols`);
        if (stageStates.some((s) => s.stage.name === name)) err(`duplicate stage name "${name}"`);
      }
      const stage: DfStage = { index: stageStates.length, name, baseImage: image, range: { ...range }, instructions: [inst] };
      const env = new Map<string, string>();
      const baseLower = image.toLowerCase();
      const parent = stageStates.find((s) => s.stage.name !== null && s.stage.name === baseLower);
      if (parent) {
        for (const [k, v] of parent.env) env.set(k, v);
      } else {
        env.set("PATH", DEFAULT_PATH);
        let extra: Record<string, string> | undefined;
        try {
          extra = options.baseImageEnv?.(image);
        } catch {
          extra = undefined;
        }
        for (const [k, v] of Object.entries(extra ?? {})) env.set(k, v);
      }
      const st: StageState = { stage, vars: new Map(env), env };
      stageStates.push(st);
      result.stages.push(stage);
      cur = st;
    }

    function handleArg(global: boolean): void {
      const words = parseWords(rest, esc);
      inst.rawArgs = words;
      if (words.length === 0) err("ARG requires at least one argument");
      const props: { name: string; value: string | null }[] = [];
      for (const w of words) {
        const eq = w.indexOf("=");
        const name = eq < 0 ? w : w.slice(0, eq);
        const def = eq < 0 ? null : w.slice(eq + 1);
        if (name === "") {
          err("ARG names can not be blank");
          continue;
        }
        let value: string | null;
        if (hasBuildArg(name)) value = buildArgs[name];
        else if (def !== null) value = expand(def, global ? globalLookup : lookup);
        else value = globalArgs.get(name) ?? null;
        if (global) globalArgs.set(name, value);
        else if (cur) {
          if (value !== null) cur.vars.set(name, value);
          else if (!cur.vars.has(name)) cur.vars.set(name, null);
        }
        props.push({ name, value });
      }
      inst.properties = props;
      inst.args = props.map((p) => (p.value === null ? p.name : `${p.name}=${p.value}`));
    }

    function handleNameVal(): void {
      const words = parseWords(rest, esc);
      const pairs: { k: string; v: string }[] = [];
      if (words.length === 0) {
        err(`${keyword} requires at least one argument`);
      } else if (!words[0].includes("=")) {
        // Legacy form: `ENV NAME value with spaces`
        const m = /^(\S+)\s+([\s\S]*)$/.exec(rest);
        if (!m) err(`${keyword} must have two arguments`);
        else pairs.push({ k: m[1], v: m[2] });
        inst.rawArgs = m ? [m[1], m[2]] : words;
      } else {
        for (const w of words) {
          const eq = w.indexOf("=");
          if (eq < 0) {
            err(`Syntax error - can't find = in "${w}". Must be of the form: name=value`);
            continue;
          }
          pairs.push({ k: w.slice(0, eq), v: w.slice(eq + 1) });
        }
        inst.rawArgs = words;
      }
      // All values of one instruction see the variables as they were before it.
      const props = pairs.map((p) => ({ name: expand(p.k), value: expand(p.v) }));
      for (const p of props) if (p.name === "") err(`${keyword} names can not be blank`);
      if (keyword === "ENV" && cur) {
        for (const p of props) {
          if (p.name === "") continue;
          cur.env.set(p.name, p.value);
          cur.vars.set(p.name, p.value);
        }
      }
      inst.properties = props;
      inst.args = props.map((p) => `${p.name}=${p.value}`);
    }

    function handleMaybeJson(): void {
      const j = parseJsonArray(rest);
      if (j.kind === "json") {
        inst.jsonForm = true;
        inst.rawArgs = j.values;
        inst.args = [...j.values];
      } else {
        if (j.kind === "not-strings") err(`${keyword}: the JSON array must contain only strings`);
        if (keyword === "SHELL") err("SHELL requires the arguments to be in JSON form");
        inst.rawArgs = rest === "" ? [] : [rest];
        inst.args = [...inst.rawArgs];
        if (keyword === "RUN") {
          if (rest === "") err("RUN requires at least one argument");
          addHeredocs(false);
        }
      }
    }

    function handleJsonToList(): void {
      const j = parseJsonArray(rest);
      let heredocTokens = new Set<number>();
      if (j.kind === "json") {
        inst.jsonForm = true;
        inst.rawArgs = j.values;
      } else {
        if (j.kind === "not-strings") err(`${keyword}: the JSON array must contain only strings`);
        inst.rawArgs = rest === "" ? [] : rest.split(WS_SPLIT);
        if (keyword !== "VOLUME") heredocTokens = addHeredocs(true);
      }
      inst.args = inst.rawArgs.map((w, k) => (heredocTokens.has(k) ? w : expand(w)));
      if (keyword !== "VOLUME" && inst.args.length < 2) {
        err(`${keyword} requires at least two arguments (source and destination), got ${inst.args.length}`);
      }
      if (keyword === "VOLUME" && inst.args.length === 0) err("VOLUME requires at least one argument");
      if (keyword === "COPY" || keyword === "ADD") {
        for (const f of inst.flags) {
          if (f.name === "from" && cur) fromChecks.push({ value: f.value ?? "", stageIndex: cur.stage.index, range, keyword });
        }
      }
    }

    function handleHealthcheck(): void {
      const m = /^(\S+)\s*([\s\S]*)$/.exec(rest);
      const kind = m ? m[1].toUpperCase() : "";
      if (kind === "NONE") {
        inst.rawArgs = inst.args = ["NONE"];
        if (m && m[2] !== "") err("HEALTHCHECK NONE takes no arguments");
      } else if (kind === "CMD") {
        const cmd = m ? m[2] : "";
        const j = parseJsonArray(cmd);
        if (j.kind === "json") {
          inst.jsonForm = true;
          inst.rawArgs = ["CMD", ...j.values];
        } else {
          if (j.kind === "not-strings") err("HEALTHCHECK: the JSON array must contain only strings");
          inst.rawArgs = cmd === "" ? ["CMD"] : ["CMD", cmd];
        }
        inst.args = [...inst.rawArgs];
        if (cmd === "") err("HEALTHCHECK CMD requires a command");
      } else {
        err('HEALTHCHECK requires "NONE" or "CMD <command>"');
        inst.rawArgs = rest === "" ? [] : rest.split(WS_SPLIT);
        inst.args = [...inst.rawArgs];
      }
    }

    /** Read the heredoc bodies following the logical line. Returns indexes of `<<` words in rawArgs. */
    function addHeredocs(copyLike: boolean): Set<number> {
      const specs = heredocWords(rest, esc);
      const tokens = new Set<number>();
      if (specs.length === 0) return tokens;
      if (copyLike) {
        inst.rawArgs.forEach((w, k) => {
          if (specs.some((s) => s.raw === w)) tokens.add(k);
        });
      }
      const bodies: { name: string; content: string; line: number }[] = [];
      let pos = ll.endOffset + 1;
      const limit = end;
      for (const h of specs) {
        let content = "";
        const line = lineAt(starts, Math.min(pos, text.length));
        let terminated = false;
        while (pos <= limit && pos < text.length + 1) {
          let nl = text.indexOf("\n", pos);
          if (nl < 0 || nl > limit) nl = Math.min(limit, text.length);
          let lineEnd = nl;
          if (lineEnd > pos && text[lineEnd - 1] === "\r") lineEnd--;
          let phys = text.slice(pos, lineEnd);
          if (h.chomp) phys = phys.replace(/^\t+/, "");
          const atEnd = nl >= Math.min(limit, text.length);
          pos = nl + 1;
          if (phys === h.name) {
            terminated = true;
            break;
          }
          content += phys + "\n";
          if (atEnd) break;
        }
        if (!terminated) err(`unterminated heredoc <<${h.name}`);
        if (h.expand && copyLike) content = expandHeredoc(content);
        bodies.push({ name: h.name, content, line });
      }
      inst.heredocs = bodies;
      return tokens;
    }

    function expandHeredoc(content: string): string {
      const e = expandWord(content, lookup, { mode: "heredoc", escapeChar: esc });
      for (const v of e.undefinedVars) if (!undefinedVars.includes(v)) undefinedVars.push(v);
      return e.value;
    }
  }

  if (!sawInstruction) {
    errors.push({ range: { line: 1, col: 0, endLine: 1, endCol: 0 }, message: "the Dockerfile has no instructions" });
  } else if (result.stages.length === 0) {
    errors.push({ range: { line: 1, col: 0, endLine: 1, endCol: 0 }, message: "no FROM instruction: the Dockerfile has no build stage" });
  }

  // COPY --from checks need every stage name, including later ones.
  for (const c of fromChecks) {
    const v = c.value;
    if (v === "") {
      errors.push({ range: c.range, message: `${c.keyword} --from has an empty value` });
      continue;
    }
    if (/^[0-9]+$/.test(v)) {
      const idx = Number(v);
      if (idx >= result.stages.length) {
        errors.push({ range: c.range, message: `${c.keyword} --from=${v}: there is no stage with index ${v} (the file has ${result.stages.length})` });
      } else if (idx === c.stageIndex) {
        errors.push({ range: c.range, message: `${c.keyword} --from=${v} refers to its own stage (circular dependency)` });
      }
      continue;
    }
    const lower = v.toLowerCase();
    const st = result.stages.find((s) => s.name === lower);
    if (st) {
      if (st.index === c.stageIndex) errors.push({ range: c.range, message: `${c.keyword} --from=${v} refers to its own stage (circular dependency)` });
      continue;
    }
    if (!/[:/@]/.test(v)) {
      errors.push({
        range: c.range,
        message: `${c.keyword} --from=${v}: no build stage is named "${v}" (Docker would try to pull an image called "${v}")`,
      });
    }
  }

  if (target !== undefined) {
    const t = target.toLowerCase();
    if (!result.stages.some((s) => s.name === t)) {
      errors.push({ range: { line: 1, col: 0, endLine: 1, endCol: 0 }, message: `target stage "${target}" could not be found` });
    }
  }
}

function addInstruction(st: StageState, inst: DfInstruction): void {
  st.stage.instructions.push(inst);
  st.stage.range.endLine = inst.range.endLine;
  st.stage.range.endCol = inst.range.endCol;
}

/**
 * The runtime environment (ENV) of a stage: inherited from the stage it is built `FROM`, plus
 * its own ENV lines. An external base image contributes `baseImageEnv(image)` when given,
 * else just Docker's default PATH.
 */
export function stageRuntimeEnv(
  df: ParsedDockerfile,
  stageIndex: number,
  options: ParseDockerfileOptions = {},
): Record<string, string> {
  const stage = df.stages[stageIndex];
  if (!stage) return {};
  let env: Record<string, string>;
  const base = stage.baseImage.toLowerCase();
  const parent = df.stages.find((s) => s.index < stageIndex && s.name === base);
  if (parent) env = stageRuntimeEnv(df, parent.index, options);
  else {
    let extra: Record<string, string> | undefined;
    try {
      extra = options.baseImageEnv?.(stage.baseImage);
    } catch {
      extra = undefined;
    }
    env = { PATH: DEFAULT_PATH, ...(extra ?? {}) };
  }
  for (const ins of stage.instructions) {
    if (ins.keyword !== "ENV" || !ins.properties) continue;
    for (const p of ins.properties) if (p.name !== "" && p.value !== null) env[p.name] = p.value;
  }
  return env;
}

/** Index of the stage `target` names (case-insensitive), or the last stage when no target. -1 if none. */
export function targetStageIndex(df: ParsedDockerfile, target?: string): number {
  if (target === undefined) return df.stages.length - 1;
  const t = target.toLowerCase();
  const s = df.stages.find((x) => x.name === t);
  return s ? s.index : -1;
}
