// Shared helpers (also used by grammar.ts) — the scanner itself is appended below.

import type { ParsedPython, PyImport } from "../types.js";

/** Offsets of the first character of every line: index 0 is line 1. `\r\n`, `\r` and `\n` end a line. */
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

export function scanImports(_source: string): ParsedPython | null {
  return null;
}
