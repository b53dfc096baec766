// Plain data types passed between the stages of the pipeline:
// discover -> image model -> entry points -> import graph -> resolution -> findings -> reporters.
// Each stage is a module that consumes and produces these; nothing here has behaviour.

// ---------------------------------------------------------------------------
// Python imports (src/python/*)
// ---------------------------------------------------------------------------

/** One import found in a Python file. */
export interface PyImport {
  /**
   * "import"  : `import a.b.c` / `import a.b as x`  (one PyImport per dotted name)
   * "from"    : `from a.b import x, y` / `from . import x` / `from .m import *`
   * "dynamic" : `importlib.import_module("a.b")`, `import_module(".x", __package__)`,
   *             `__import__("a.b")` with a string literal argument
   */
  kind: "import" | "from" | "dynamic";
  /** Dotted module as written, without leading dots. "" for `from . import x`. */
  module: string;
  /** Number of leading dots of a relative import (0 = absolute). */
  level: number;
  /** For "from": the imported names as written (not the `as` aliases); ["*"] for star. Empty otherwise. */
  names: string[];
  /** 1-based line of the import statement (of the call, for dynamic). */
  line: number;
  /** 0-based column of the statement start. */
  col: number;
  /** Inside a function or lambda body (runs only when called). */
  deferred: boolean;
  /** Inside the body of a `try:` whose except clauses catch ImportError/ModuleNotFoundError/Exception/BaseException or bare `except:`. */
  guarded: boolean;
  /** Inside `if TYPE_CHECKING:` / `if typing.TYPE_CHECKING:` (the if-branch only). */
  typeChecking: boolean;
  /** Inside `if __name__ == "__main__":` (the if-branch only): runs only when the file is the main script. */
  mainOnly: boolean;
  /**
   * Line of the innermost `try:` whose body holds the import and whose handlers catch
   * ImportError (the tries that make `guarded` true, re-raising ones included); 0 when none.
   * Links try-body imports to the fallback imports of the same try (`fallback`).
   */
  tryLine: number;
  /**
   * Line of the `try:` in whose `except` handler (one that catches ImportError) the import sits,
   * the innermost such handler: a fallback that runs only when an import of that try's body
   * failed. 0 when none.
   */
  fallback: number;
  /**
   * The `sys.version_info` / `sys.platform` conditions of the enclosing `if`/`elif`/`else`
   * branches (negated in `else`), or null. The import runs only when the condition holds.
   */
  cond: PyCond | null;
}

/** Comparison of the running Python's (major, minor) with a version: `(major, minor) op (M, m)`. */
export type PyVersionOp = ">=" | ">" | "<" | "<=" | "==" | "!=";
/** Test of `sys.platform`: equal, not equal, starts with, does not start with. */
export type PyPlatformOp = "==" | "!=" | "startswith" | "!startswith";

/** What must hold for an import to run (both parts, when both are set). */
export interface PyCond {
  /** `(sys.version_info.major, .minor) op (major, minor)`, compared as tuples. */
  version: [PyVersionOp, number, number] | null;
  /** `sys.platform op value`. */
  platform: [PyPlatformOp, string] | null;
}

export interface PySyntaxError {
  line: number; // 1-based
  col: number; // 0-based
  message: string;
}

export interface ParsedPython {
  imports: PyImport[];
  /** Set when the file does not parse; imports still holds what could be recovered. */
  syntaxError?: PySyntaxError;
  /** Names bound at module level (def, class, assignment targets, import aliases, `from x import *` gives "*"). */
  topLevelNames: string[];
  /** Which extractor produced this: the fast scanner or the full grammar. */
  via: "scan" | "grammar";
}

// ---------------------------------------------------------------------------
// Dockerfile (src/dockerfile/*)
// ---------------------------------------------------------------------------

export interface SourceRange {
  line: number; // 1-based
  col: number; // 0-based
  endLine: number;
  endCol: number;
}

export interface DfFlag {
  name: string; // e.g. "from", "chown", "parents"
  value: string | null; // expanded value, null for a bare flag like --parents
  raw: string | null;
}

export interface DfInstruction {
  /** Upper-case keyword: FROM, COPY, ADD, RUN, WORKDIR, ENV, ARG, CMD, ENTRYPOINT, USER, ... */
  keyword: string;
  range: SourceRange;
  /** Arguments after variable expansion (flags removed). For JSON (exec) form, the parsed array. */
  args: string[];
  /** Arguments as written, before expansion (flags removed). */
  rawArgs: string[];
  flags: DfFlag[];
  /** True when the instruction used the JSON exec form (`["a", "b"]`). */
  jsonForm: boolean;
  /** For ENV/ARG/LABEL: the key/value pairs (values expanded; ARG without default has value null). */
  properties?: { name: string; value: string | null }[];
  /** For RUN/COPY with heredocs: the heredoc bodies, with the 1-based line each body starts on. */
  heredocs?: { name: string; content: string; line: number }[];
  /** Variables referenced in the raw text that had no value at that point. */
  undefinedVars: string[];
}

export interface DfStage {
  index: number;
  /** `AS name`, lower-cased, or null. */
  name: string | null;
  /** Base image reference after expansion (`python:3.11-slim`, or a previous stage's name). */
  baseImage: string;
  range: SourceRange;
  instructions: DfInstruction[];
}

export interface ParsedDockerfile {
  path: string;
  stages: DfStage[];
  /** Problems that make the file unusable or suspicious: unknown instruction, no FROM, bad JSON... */
  errors: { range: SourceRange; message: string }[];
}

// ---------------------------------------------------------------------------
// Entry points (src/entry/*) — from the argv of CMD/ENTRYPOINT
// ---------------------------------------------------------------------------

export type EntrySpec =
  /** `python path/to/file.py`: sys.path[0] is the file's directory. */
  | { kind: "script"; file: string; runner: string; argv: string[] }
  /** `python -m pkg.mod`: sys.path[0] is the cwd. */
  | {
      kind: "module";
      module: string;
      runner: string;
      argv: string[];
      chdir?: string;
      pythonpath?: string[];
      configFile?: string;
      /** True when configFile is gunicorn's implicit `./gunicorn.conf.py` (read only if it exists). */
      configImplicit?: boolean;
      attr?: string;
    }
  /** A shell script in the image (`./entrypoint.sh`), to be read for the commands it runs. */
  | { kind: "shell-script"; file: string; argv: string[] }
  /** A command we recognise as not Python (nginx, node...) or cannot interpret. */
  | { kind: "other"; argv: string[]; reason: string };
