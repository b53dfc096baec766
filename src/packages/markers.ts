// PEP 508 environment markers: our own parser and evaluator (no maintained npm evaluator
// exists). Semantics follow `packaging.markers`: a comparison whose right-hand side is a
// valid PEP 440 specifier compares as versions (`python_version >= "3.8"`), anything else as
// strings; `in` / `not in` are substring tests; `extra` values are PEP 503-normalised.
import { satisfies, isValidVersion } from "./pep440.js";
import { normalizeName } from "./requirements.js";

export const MARKER_VARIABLES = [
  "python_version", "python_full_version", "os_name", "sys_platform", "platform_release",
  "platform_system", "platform_version", "platform_machine", "platform_python_implementation",
  "implementation_name", "implementation_version", "extra", "extras", "dependency_groups",
] as const;
// Old spellings still accepted by packaging.
const ALIASES: Record<string, string> = {
  "os.name": "os_name", "sys.platform": "sys_platform", "platform.version": "platform_version",
  "platform.machine": "platform_machine", "platform.python_implementation": "platform_python_implementation",
  python_implementation: "platform_python_implementation",
};

export type MarkerOp = "<" | "<=" | "==" | "!=" | ">=" | ">" | "~=" | "===" | "in" | "not in";
export type MarkerValue = { kind: "var"; name: string } | { kind: "str"; value: string };
export type MarkerNode =
  | { kind: "and" | "or"; left: MarkerNode; right: MarkerNode }
  | { kind: "cmp"; left: MarkerValue; op: MarkerOp; right: MarkerValue };

/** Values of the marker variables; a list value (extras) matches `==` when any member does. */
export type MarkerEnv = Record<string, string | string[]>;

export class MarkerError extends Error {}

type Tok = { t: "var" | "str" | "op" | "(" | ")" | "and" | "or"; v: string; pos: number };

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === "(" || c === ")") { out.push({ t: c, v: c, pos: i }); i++; continue; }
    if (c === "'" || c === '"') {
      const end = s.indexOf(c, i + 1);
      if (end < 0) throw new MarkerError(`unterminated string at column ${i + 1}`);
      out.push({ t: "str", v: s.slice(i + 1, end), pos: i });
      i = end + 1;
      continue;
    }
    const op = /^(===|==|!=|<=|>=|~=|<|>)/.exec(s.slice(i));
    if (op) { out.push({ t: "op", v: op[1], pos: i }); i += op[1].length; continue; }
    const w = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(s.slice(i));
    if (w) {
      const word = w[0];
      if (word === "and" || word === "or") out.push({ t: word, v: word, pos: i });
      else if (word === "in") out.push({ t: "op", v: "in", pos: i });
      else if (word === "not") {
        const rest = /^not\s+in\b/.exec(s.slice(i));
        if (!rest) throw new MarkerError(`expected 'not in' at column ${i + 1}`);
        out.push({ t: "op", v: "not in", pos: i });
        i += rest[0].length;
        continue;
      } else {
        const name = ALIASES[word] ?? word;
        if (!(MARKER_VARIABLES as readonly string[]).includes(name)) throw new MarkerError(`unknown marker variable '${word}'`);
        out.push({ t: "var", v: name, pos: i });
      }
      i += word.length;
      continue;
    }
    throw new MarkerError(`unexpected '${c}' at column ${i + 1}`);
  }
  return out;
}

/** Parse a marker expression; throws MarkerError with a readable message. */
export function parseMarker(text: string): MarkerNode {
  const toks = tokenize(text);
  let p = 0;
  const peek = () => toks[p];
  const value = (): MarkerValue => {
    const t = toks[p++];
    if (!t) throw new MarkerError("marker ends early");
    if (t.t === "var") return { kind: "var", name: t.v };
    if (t.t === "str") return { kind: "str", value: t.v };
    throw new MarkerError(`expected a variable or a quoted string at column ${t.pos + 1}, got '${t.v}'`);
  };
  const atom = (): MarkerNode => {
    const t = peek();
    if (t?.t === "(") {
      p++;
      const n = orExpr();
      if (peek()?.t !== ")") throw new MarkerError("missing ')'");
      p++;
      return n;
    }
    const left = value();
    const o = toks[p++];
    if (!o || o.t !== "op") throw new MarkerError(o ? `expected a comparison operator at column ${o.pos + 1}` : "marker ends early");
    const right = value();
    if (left.kind === "str" && right.kind === "str") throw new MarkerError("comparison of two strings");
    return { kind: "cmp", left, op: o.v as MarkerOp, right };
  };
  const andExpr = (): MarkerNode => {
    let n = atom();
    while (peek()?.t === "and") { p++; n = { kind: "and", left: n, right: atom() }; }
    return n;
  };
  const orExpr = (): MarkerNode => {
    let n = andExpr();
    while (peek()?.t === "or") { p++; n = { kind: "or", left: n, right: andExpr() }; }
    return n;
  };
  if (!toks.length) throw new MarkerError("empty marker");
  const n = orExpr();
  if (p < toks.length) throw new MarkerError(`unexpected '${toks[p].v}' at column ${toks[p].pos + 1}`);
  return n;
}

const VERSION_OPS = new Set(["<", "<=", "==", "!=", ">=", ">", "~=", "==="]);

function compareOne(lhs: string, op: MarkerOp, rhs: string): boolean {
  if (op === "in") return rhs.includes(lhs);
  if (op === "not in") return !rhs.includes(lhs);
  // Version comparison when `op rhs` is a valid specifier and lhs a valid version (packaging).
  if (VERSION_OPS.has(op) && op !== "===" && isValidVersion(lhs) && isValidSpecifierClause(op, rhs)) return satisfies(lhs, op + rhs);
  switch (op) {
    case "==": case "===": return lhs === rhs;
    case "!=": return lhs !== rhs;
    case "<": return lhs < rhs;
    case "<=": return lhs <= rhs;
    case ">": return lhs > rhs;
    case ">=": return lhs >= rhs;
    default: throw new MarkerError(`cannot compare '${lhs}' ${op} '${rhs}'`);
  }
}

function isValidSpecifierClause(op: string, v: string): boolean {
  if (v.endsWith(".*")) return (op === "==" || op === "!=") && isValidVersion(v.slice(0, -2));
  if (op === "~=" && !v.includes(".")) return false;
  return isValidVersion(v);
}

function evalNode(n: MarkerNode, env: MarkerEnv): boolean {
  if (n.kind !== "cmp") return n.kind === "and" ? evalNode(n.left, env) && evalNode(n.right, env) : evalNode(n.left, env) || evalNode(n.right, env);
  const isExtra = (v: MarkerValue) => v.kind === "var" && (v.name === "extra" || v.name === "extras" || v.name === "dependency_groups");
  const norm = isExtra(n.left) || isExtra(n.right);
  const get = (v: MarkerValue): string[] => {
    if (v.kind === "str") return [norm ? normalizeName(v.value) : v.value];
    const val = env[v.name];
    if (val === undefined) {
      if (isExtra(v)) return [""];
      throw new MarkerError(`marker variable '${v.name}' has no value in this environment`);
    }
    const arr = Array.isArray(val) ? val : [val];
    return norm ? arr.map(normalizeName) : arr;
  };
  const ls = get(n.left);
  const rs = get(n.right);
  // A list-valued variable: `extra == "x"` holds if any member equals; `!=` if none does.
  if (n.op === "!=" || n.op === "not in") return ls.every((l) => rs.every((r) => compareOne(l, n.op, r)));
  return ls.some((l) => rs.some((r) => compareOne(l, n.op, r)));
}

/** Evaluate a marker (text or parsed) in an environment. Throws MarkerError on a bad marker. */
export function evaluateMarker(marker: string | MarkerNode, env: MarkerEnv): boolean {
  const node = typeof marker === "string" ? parseMarker(marker) : marker;
  return evalNode(node, env);
}

/** Evaluate without throwing: `{ error }` on a bad marker. */
export function tryEvaluateMarker(marker: string, env: MarkerEnv): boolean | { error: string } {
  try {
    return evaluateMarker(marker, env);
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/**
 * The environment of a Linux CPython image for a Python version (`"3.11"` or `"3.11.7"`),
 * the usual target of the services shipshape checks. Overrides replace single values.
 */
export function defaultEnvironment(pythonVersion = "3.12", overrides: MarkerEnv = {}): MarkerEnv {
  const parts = pythonVersion.trim().split(".");
  const short = parts.slice(0, 2).join(".");
  const full = parts.length >= 3 ? pythonVersion.trim() : `${short}.0`;
  return {
    python_version: short,
    python_full_version: full,
    os_name: "posix",
    sys_platform: "linux",
    platform_release: "",
    platform_system: "Linux",
    platform_version: "",
    platform_machine: "x86_64",
    platform_python_implementation: "CPython",
    implementation_name: "cpython",
    implementation_version: full,
    extra: "",
    ...overrides,
  };
}
