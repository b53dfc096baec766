// A compact form of ParsedPython for the parse worker's messages and the parse cache on disk.
//
// As JSON, a PyImport object spends most of its text on its keys (about 200 characters an import,
// 60% of them keys), and the cold run serialises each file's imports once in the worker and parses
// them again on the main thread. Positional arrays, with the four booleans in one number and
// empty `names` as 0, make that text about a third as long, so both ends do less; unpacking also
// shares one empty `names` array instead of allocating one per import.
import type { ParsedPython, PyCond, PyImport, PySyntaxError } from "./types.js";

/** kind, module, level, names (0 when empty), line, col, flags, tryLine, fallback, cond. */
export type PackedImport = [number, string, number, string[] | 0, number, number, number, number, number, PyCond | null];
/** imports, topLevelNames, via (0 scan, 1 grammar), syntax error as [line, col, message] or 0. */
export type PackedParse = [PackedImport[], string[], number, [number, number, string] | 0];

const KINDS: readonly PyImport["kind"][] = ["import", "from", "dynamic"];
const DEFERRED = 1;
const GUARDED = 2;
const TYPE_CHECKING = 4;
const MAIN_ONLY = 8;

/**
 * Every field of PyImport, so that adding one without packing it fails to compile here
 * (`satisfies` checks the keys both ways).
 */
const PACKED_FIELDS = {
  kind: 0,
  module: 1,
  level: 2,
  names: 3,
  line: 4,
  col: 5,
  deferred: 6,
  guarded: 6,
  typeChecking: 6,
  mainOnly: 6,
  tryLine: 7,
  fallback: 8,
  cond: 9,
} as const satisfies Record<keyof PyImport, number>;
void PACKED_FIELDS;

const NO_NAMES: string[] = [];

export function packParse(p: ParsedPython): PackedParse {
  const imports: PackedImport[] = new Array(p.imports.length);
  for (let i = 0; i < p.imports.length; i++) {
    const m = p.imports[i];
    const flags = (m.deferred ? DEFERRED : 0) | (m.guarded ? GUARDED : 0) | (m.typeChecking ? TYPE_CHECKING : 0) | (m.mainOnly ? MAIN_ONLY : 0);
    imports[i] = [KINDS.indexOf(m.kind), m.module, m.level, m.names.length ? m.names : 0, m.line, m.col, flags, m.tryLine, m.fallback, m.cond];
  }
  const e = p.syntaxError;
  return [imports, p.topLevelNames, p.via === "grammar" ? 1 : 0, e ? [e.line, e.col, e.message] : 0];
}

/** The ParsedPython a packed form stands for; null when `w` is not one (a damaged cache file). */
export function unpackParse(w: unknown): ParsedPython | null {
  if (!Array.isArray(w) || w.length !== 4 || !Array.isArray(w[0]) || !Array.isArray(w[1])) return null;
  const [rows, topLevelNames, via, err] = w as PackedParse;
  const imports: PyImport[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const flags = r[6];
    imports[i] = {
      kind: KINDS[r[0]],
      module: r[1],
      level: r[2],
      names: r[3] === 0 ? NO_NAMES : r[3],
      line: r[4],
      col: r[5],
      deferred: (flags & DEFERRED) !== 0,
      guarded: (flags & GUARDED) !== 0,
      typeChecking: (flags & TYPE_CHECKING) !== 0,
      mainOnly: (flags & MAIN_ONLY) !== 0,
      tryLine: r[7],
      fallback: r[8],
      cond: r[9],
    };
  }
  const out: ParsedPython = { imports, topLevelNames, via: via === 1 ? "grammar" : "scan" };
  if (err !== 0) out.syntaxError = { line: err[0], col: err[1], message: err[2] } satisfies PySyntaxError;
  return out;
}
