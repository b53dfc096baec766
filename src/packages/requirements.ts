// pip requirements files (`requirements.txt`, `requirements.in`, pip-compile output), the way
// pip's own `req_file.py` reads them: a small preprocessor (line continuations, comments,
// `${ENV}` variables, options such as `--hash`, `-r`, `-c`, `-e`, index options) in front of
// `pip-requirements-js`, which parses each remaining requirement (PEP 508) on its own. The
// library's whole-file parser throws on `--hash`, `-e` and index options, so it is only ever
// given one requirement at a time. Never throws: bad lines become `errors`.
import { createRequire } from "node:module";
import type { RequirementWithLocation } from "pip-requirements-js";
import { parseMarker } from "./markers.js";

type PipReqs = typeof import("pip-requirements-js");
let pipReqs: PipReqs | null = null;
/** pip-requirements-js (and its ohm-js grammar), loaded the first time a line needs it. */
function parsePipRequirementsLine(...args: Parameters<PipReqs["parsePipRequirementsLine"]>): ReturnType<PipReqs["parsePipRequirementsLine"]> {
  pipReqs ??= createRequire(import.meta.url)("pip-requirements-js") as PipReqs;
  return pipReqs.parsePipRequirementsLine(...args);
}

export interface Requirement {
  /** PEP 503-normalised name ("" when unknown, e.g. a bare local path without `#egg=`). */
  name: string;
  rawName: string;
  /** Version specifier as written without spaces, clauses joined by ","; "" if none. */
  specifier: string;
  extras: string[];
  marker: string | null;
  url: string | null;
  editable: boolean;
  /** Local path requirement (`./libs/x`, `.`, `-e .`, a wheel file). */
  path: string | null;
  hashes: string[];
  file: string;
  /** 1-based line where the (possibly continued) requirement starts. */
  line: number;
  /** The logical line as written (continuations joined, comment removed). */
  text: string;
}

export interface RequirementsInclude {
  kind: "requirement" | "constraint";
  path: string;
  line: number;
}

export interface RequirementsFile {
  file: string;
  requirements: Requirement[];
  includes: RequirementsInclude[];
  errors: { line: number; message: string }[];
  /** Global options seen (`--index-url`, `--find-links`, `--no-index`, ...), as written. */
  options: { name: string; value: string | null; line: number }[];
}

export interface ParseRequirementsOptions {
  /** Values for `${VAR}` references (pip reads the process environment; we only use these). */
  env?: Record<string, string>;
}

/** PEP 503 normalisation: lowercase, runs of `-`, `_`, `.` become one `-`. */
export function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/[-_.]+/g, "-");
}

/** One logical line: physical lines joined at a trailing backslash, with its first line number. */
export interface LogicalLine {
  line: number;
  /** Joined text, comment removed, trimmed. */
  text: string;
  /** The comment that ended the logical line (without `#`), if any. */
  comment: string | null;
}

/** pip's `join_lines` + `ignore_comments`: continuation lines joined, comments stripped. */
export function logicalLines(text: string): LogicalLine[] {
  const phys = text.replace(/^\uFEFF/, "").split(/\r?\n|\r/);
  const out: LogicalLine[] = [];
  let buf: string[] = [];
  let start = 0;
  const flush = (rawJoined: string, lineNo: number) => {
    // A comment starts at `#` at the line start or after whitespace (pip: `(^|\s+)#.*$`).
    const m = /(^|\s+)#(.*)$/.exec(rawJoined);
    const body = m ? rawJoined.slice(0, m.index) : rawJoined;
    out.push({ line: lineNo, text: body.trim(), comment: m ? m[2] : null });
  };
  for (let i = 0; i < phys.length; i++) {
    const l = phys[i];
    // A comment line never continues (pip: a line starting with `#` ends the logical line).
    const trailing = /(\\+)$/.exec(l);
    const continues = trailing !== null && trailing[1].length % 2 === 1 && !/^\s*#/.test(l);
    if (buf.length === 0) start = i + 1;
    if (continues) {
      buf.push(l.slice(0, -1));
      if (i === phys.length - 1) flush(buf.join(""), start);
      continue;
    }
    buf.push(l);
    flush(buf.join(""), start);
    buf = [];
  }
  return out;
}

/** pip's `expand_env_variables`: only `${NAME}` with NAME of [A-Z0-9_]; unknown ones stay. */
export function expandEnvVars(s: string, env: Record<string, string> = {}): string {
  return s.replace(/\$\{([A-Z0-9_]+)\}/g, (all, name: string) => (name in env ? env[name] : all));
}

// Options pip accepts in a requirements file, with whether they take a value.
const FILE_OPTIONS: Record<string, boolean> = {
  "-i": true, "--index-url": true, "--extra-index-url": true, "--no-index": false,
  "-f": true, "--find-links": true, "--trusted-host": true, "--pre": false,
  "--prefer-binary": false, "--require-hashes": false, "--no-binary": true, "--only-binary": true,
  "--use-feature": true, "--config-settings": true, "-C": true,
};
// Options allowed after a requirement on the same line.
const REQ_OPTIONS: Record<string, boolean> = { "--hash": true, "--config-settings": true, "-C": true, "--global-option": true, "--install-option": true };

/** Split like Python's shlex (posix): quotes, backslashes. Returns null on an unterminated quote. */
function shlexSplit(s: string): string[] | null {
  const out: string[] = [];
  let cur = "";
  let has = false;
  let q: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q === "'") {
      if (c === "'") q = null;
      else cur += c;
    } else if (q === '"') {
      if (c === '"') q = null;
      else if (c === "\\" && i + 1 < s.length && '"\\$`'.includes(s[i + 1])) cur += s[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      q = c;
      has = true;
    } else if (c === "\\" && i + 1 < s.length) {
      cur += s[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (q) return null;
  if (has || cur) out.push(cur);
  return out;
}

/** pip's `break_args_options`: the requirement part runs until the first word starting with `-`. */
function breakArgsOptions(line: string): [string, string] {
  const tokens = line.split(" ");
  const args: string[] = [];
  let i = 0;
  for (; i < tokens.length; i++) {
    if (tokens[i].startsWith("-")) break;
    args.push(tokens[i]);
  }
  return [args.join(" ").trim(), tokens.slice(i).join(" ").trim()];
}

interface ParsedOption {
  name: string;
  value: string | null;
}

/** Parse option words (`--hash=x`, `--hash x`, `-rfile`, `-r file`). */
function parseOptions(words: string[], table: Record<string, boolean>): { opts: ParsedOption[]; error?: string } {
  const opts: ParsedOption[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    let name = w;
    let value: string | null = null;
    const eq = w.startsWith("--") ? w.indexOf("=") : -1;
    if (eq > 0) {
      name = w.slice(0, eq);
      value = w.slice(eq + 1);
    } else if (/^-[a-zA-Z]./.test(w) && !w.startsWith("--")) {
      name = w.slice(0, 2);
      value = w.slice(2);
    }
    if (!(name in table)) return { opts, error: `unknown or misplaced option '${name}'` };
    if (table[name]) {
      if (value === null) {
        if (i + 1 >= words.length) return { opts, error: `option '${name}' needs a value` };
        value = words[++i];
      }
    } else if (value !== null) return { opts, error: `option '${name}' takes no value` };
    opts.push({ name, value });
  }
  return { opts };
}

const URL_RE = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;
const ARCHIVE_RE = /\.(whl|tar\.gz|tgz|tar\.bz2|tar\.xz|tar|zip)$/i;

/** Does a requirement argument name a local path rather than a PEP 508 requirement? (pip's heuristics, statically.) */
export function looksLikePath(arg: string): boolean {
  if (URL_RE.test(arg) || /^file:/.test(arg)) return false;
  if (/^\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@/.test(arg)) return false; // name @ url
  if (arg === "." || arg === ".." || /^[.~/]/.test(arg)) return true;
  if (/^[A-Za-z]:[\\/]/.test(arg)) return true;
  const head = arg.split(/[;\s]/)[0];
  if (head.includes("/") || head.includes("\\")) return true;
  return ARCHIVE_RE.test(head);
}

/** Name from a wheel or sdist file name (`foo_bar-1.0-py3-none-any.whl` → `foo_bar`). */
function nameFromArchive(p: string): { name: string; version: string | null } | null {
  const base = p.split(/[\\/]/).pop() ?? p;
  if (/\.whl$/i.test(base)) {
    const parts = base.slice(0, -4).split("-");
    if (parts.length >= 5) return { name: parts[0], version: parts[1] };
    return null;
  }
  const m = /^(.+)-([0-9][^-]*)\.(tar\.gz|tgz|tar\.bz2|tar\.xz|zip|tar)$/i.exec(base);
  return m ? { name: m[1], version: m[2] } : null;
}

function eggName(url: string): string | null {
  const m = /[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(url);
  return m ? m[1] : null;
}

/** The part of a requirement line before an environment marker (`; ...`). */
function splitMarker(s: string): [string, string | null] {
  // In a URL requirement the marker must follow whitespace; otherwise the first ';'.
  const m = /\s;|;(?=\s*[a-z_(])/.exec(s);
  if (!m) return [s.trim(), null];
  const idx = m.index + (s[m.index] === ";" ? 0 : 1);
  return [s.slice(0, idx).trim(), s.slice(idx + 1).trim()];
}

export interface ParsedRequirementString {
  rawName: string;
  name: string;
  specifier: string;
  extras: string[];
  marker: string | null;
  url: string | null;
}

/**
 * One PEP 508 requirement string (no pip options): `name[extras] spec ; marker` or
 * `name @ url ; marker`. Throws an Error with a readable message when it does not parse.
 */
const SIMPLE_REQ = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[\s*([A-Za-z0-9._-]+(?:\s*,\s*[A-Za-z0-9._-]+)*)\s*\])?\s*((?:~=|===|==|!=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+(?:\s*,\s*(?:~=|===|==|!=|<=|>=|<|>)\s*[A-Za-z0-9.*+!_-]+)*)?$/;
const reqMemo = new Map<string, ParsedRequirementString | Error>();

export function parseRequirementString(s: string): ParsedRequirementString {
  let r = reqMemo.get(s);
  if (r === undefined) {
    try {
      r = parseRequirementStringUncached(s);
    } catch (e) {
      r = e as Error;
    }
    if (reqMemo.size > 50000) reqMemo.clear();
    reqMemo.set(s, r);
  }
  if (r instanceof Error) throw r;
  return r;
}

function validMarker(m: string): boolean {
  try {
    parseMarker(m);
    return true;
  } catch {
    return false;
  }
}

function parseRequirementStringUncached(s: string): ParsedRequirementString {
  const text = s.trim();
  // The common forms (`name`, `name[extra]`, `name==1.2`, `name>=1,<2`) without the grammar.
  // (`===` arbitrary equality is PEP 440 too, but the grammar library rejects it.)
  const [simpleHead, simpleMarker] = splitMarker(text);
  const m = SIMPLE_REQ.exec(simpleHead);
  if (m && simpleMarker !== "" && (simpleMarker === null || validMarker(simpleMarker))) {
    const extras = m[2] ? m[2].split(",").map((x) => x.trim()) : [];
    const specifier = m[3] ? m[3].split(",").map((c) => c.replace(/\s+/g, "")).join(",") : "";
    return { rawName: m[1], name: normalizeName(m[1]), specifier, extras, marker: simpleMarker, url: null };
  }
  let parsed: RequirementWithLocation | null;
  try {
    parsed = parsePipRequirementsLine(text, { includeLocations: true });
  } catch (e) {
    // pip-requirements-js rejects `name @ url ; marker` (a valid PEP 508 form): parse the
    // requirement and the marker separately.
    const [head, marker] = splitMarker(text);
    if (marker !== null && head.includes("@")) {
      const r = parseRequirementString(head);
      if (!marker) throw new Error("empty environment marker");
      return { ...r, marker };
    }
    throw new Error(cleanLibMessage((e as Error).message));
  }
  if (!parsed) throw new Error("empty requirement");
  const d = parsed.data;
  if (d.type !== "ProjectName" && d.type !== "ProjectURL") throw new Error("not a requirement");
  const rawName = d.name.data;
  const extras = (d.extras ?? []).map((x) => x.data);
  const marker = d.environmentMarkerTree ? text.slice(d.environmentMarkerTree.location.startIdx, d.environmentMarkerTree.location.endIdx).trim() : null;
  if (d.type === "ProjectURL") {
    if (!d.url.data.trim()) throw new Error(`expected a URL after '@' (pip: "Expected URL")`);
    return { rawName, name: normalizeName(rawName), specifier: "", extras, marker, url: d.url.data };
  }
  const specifier = (d.versionSpec ?? []).map((v) => `${v.data.operator.data}${v.data.version.data}`).join(",");
  return { rawName, name: normalizeName(rawName), specifier, extras, marker, url: null };
}

function cleanLibMessage(m: string): string {
  return m.replace(/^Failed to parse requirements line\.\s*/, "").replace(/^Line 1, /, "").split("\n")[0];
}

/** Parse a pip requirements file. `file` is only recorded (as given) on each result. */
export function parseRequirements(text: string, file: string, opts: ParseRequirementsOptions = {}): RequirementsFile {
  const res: RequirementsFile = { file, requirements: [], includes: [], errors: [], options: [] };
  if (text.includes("\0")) {
    res.errors.push({ line: 1, message: "binary content (NUL bytes): this is not a requirements file" });
    return res;
  }
  for (const ll of logicalLines(text)) {
    if (!ll.text) continue;
    try {
      parseLogicalLine(ll, file, opts.env ?? {}, res);
    } catch (e) {
      res.errors.push({ line: ll.line, message: String((e as Error)?.message ?? e) });
    }
  }
  return res;
}

function parseLogicalLine(ll: LogicalLine, file: string, env: Record<string, string>, res: RequirementsFile): void {
  const line = expandEnvVars(ll.text, env);
  const [args, optText] = breakArgsOptions(line);
  const words = optText ? shlexSplit(optText) : [];
  if (words === null) {
    res.errors.push({ line: ll.line, message: "unterminated quote in options" });
    return;
  }
  const base = { file, line: ll.line, text: ll.text };
  if (!args) {
    // An option line: -r/-c/-e or a global option.
    const first = words[0] ?? "";
    const m = /^(?:-([rce])(.*)|--(requirement|constraint|editable)(?:=(.*))?)$/.exec(first);
    if (m) {
      const letter = m[1] ?? m[3][0];
      const kind = letter === "r" ? "requirement" : letter === "c" ? "constraint" : "editable";
      const attached = m[1] ? m[2] : m[4];
      const value = attached ? attached : words[1];
      const consumed = attached ? 1 : 2;
      if (!value) {
        res.errors.push({ line: ll.line, message: `option '${first}' needs a value` });
        return;
      }
      const rest = words.slice(consumed);
      if (kind === "editable") {
        const extra = parseOptions(rest, REQ_OPTIONS);
        if (extra.error) res.errors.push({ line: ll.line, message: extra.error });
        res.requirements.push(editableRequirement(value, base, extra.opts));
        return;
      }
      if (rest.length) {
        res.errors.push({ line: ll.line, message: `unexpected '${rest.join(" ")}' after ${first}` });
      }
      res.includes.push({ kind, path: value, line: ll.line });
      return;
    }
    const p = parseOptions(words, FILE_OPTIONS);
    for (const o of p.opts) res.options.push({ ...o, line: ll.line });
    if (p.error) res.errors.push({ line: ll.line, message: p.error });
    return;
  }
  const p = parseOptions(words, REQ_OPTIONS);
  if (p.error) res.errors.push({ line: ll.line, message: p.error });
  const hashes = p.opts.filter((o) => o.name === "--hash").map((o) => o.value ?? "");
  for (const h of hashes) if (!/^[a-z0-9]+:[0-9a-fA-F]+$/.test(h)) res.errors.push({ line: ll.line, message: `malformed --hash '${h}' (expected ALGORITHM:HEXDIGEST)` });
  res.requirements.push(requirementFromArg(args, base, hashes));
}

function requirementFromArg(arg: string, base: { file: string; line: number; text: string }, hashes: string[]): Requirement {
  if (looksLikePath(arg)) {
    const [p, marker] = splitMarker(arg);
    const a = nameFromArchive(p);
    const egg = eggName(p);
    const rawName = egg ?? a?.name ?? "";
    const pathOnly = p.replace(/#.*$/, "");
    return { ...base, name: rawName ? normalizeName(rawName) : "", rawName, specifier: a?.version ? `==${a.version}` : "", extras: [], marker, url: null, editable: false, path: pathOnly, hashes };
  }
  if (URL_RE.test(arg) || /^file:/.test(arg)) {
    // A bare URL: the name comes from `#egg=` or an archive file name.
    const [u, marker] = splitMarker(arg);
    const rawName = eggName(u) ?? nameFromArchive(u.replace(/[#?].*$/, ""))?.name ?? "";
    const isFile = u.startsWith("file:");
    return { ...base, name: rawName ? normalizeName(rawName) : "", rawName, specifier: "", extras: [], marker, url: u, editable: false, path: isFile ? u.replace(/^file:(\/\/)?/, "") : null, hashes };
  }
  const r = parseRequirementString(arg);
  const isFile = r.url?.startsWith("file:") ?? false;
  return { ...base, ...r, editable: false, path: isFile ? r.url!.replace(/^file:(\/\/)?/, "") : null, hashes };
}

function editableRequirement(value: string, base: { file: string; line: number; text: string }, opts: ParsedOption[]): Requirement {
  const hashes = opts.filter((o) => o.name === "--hash").map((o) => o.value ?? "");
  const [v, marker] = splitMarker(value);
  const isUrl = URL_RE.test(v) || /^[a-z]+\+[a-z]+:/.test(v);
  // `-e .[dev]`: extras on a local path.
  const em = /^(.*?)(\[([^\]]*)\])?$/.exec(v.replace(/#.*$/, ""))!;
  const rawName = eggName(v) ?? "";
  const extras = !isUrl && em[3] ? em[3].split(",").map((x) => x.trim()).filter(Boolean) : [];
  return {
    ...base, name: rawName ? normalizeName(rawName) : "", rawName, specifier: "", extras, marker,
    url: isUrl ? v : null, editable: true, path: isUrl ? null : em[1], hashes,
  };
}

/** A requirement's local path as a project folder (`.[server]` → `.`, extras), or null for a file. */
export function localProjectPath(p: string): { path: string; extras: string[] } | null {
  const m = /^(.*?)\[([^\]]*)\]$/.exec(p);
  const path = m ? m[1] : p;
  if (!path || /\.(whl|tar\.gz|zip|tgz|tar\.bz2)$/i.test(path)) return null;
  return { path, extras: m ? m[2].split(",").map((x) => x.trim()).filter(Boolean) : [] };
}
