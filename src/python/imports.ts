// Import extraction for one Python file: the fast exact scanner, falling back to the full
// grammar when the scanner is not sure. See docs/python-imports.md.

import type { ParsedPython } from "../types.js";
import { parseWithGrammar } from "./grammar.js";
import { scanImports } from "./scan.js";

/** Keys parse caches: bump whenever the output of `extractImports` can change. */
export const PARSER_VERSION = "py-imports-4+lezer-python-1.1.19";

/** Imports, top-level names and syntax error of one Python source text. Synchronous. */
export function extractImports(source: string): ParsedPython {
  return scanImports(source) ?? parseWithGrammar(source);
}

export { parseWithGrammar, scanImports };
