// Tests for src/python/{scan,grammar,imports}.ts.
//
// Every snippet goes through both extractors (`both`), which asserts that the fast scanner, when it
// answers, agrees exactly with the grammar. The corpus tests at the end prove the same on the
// CPython standard library, and check the grammar and the scanner against CPython's own `ast`.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PARSER_VERSION, extractImports, parseWithGrammar, scanImports } from "../src/python/imports.js";
import type { ParsedPython, PyImport } from "../src/types.js";

// ---------------------------------------------------------------------------------------------
// helpers

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = (() => {
  for (let d = here; ; d = path.dirname(d)) {
    const f = path.join(d, "test", "fixtures", "python");
    if (existsSync(f)) return f;
    if (path.dirname(d) === d) throw new Error("test/fixtures/python not found");
  }
})();
const AST_HELPER = path.join(FIXTURES, "ast_imports.py");

/** Run both extractors; when the scanner answers it must equal the grammar. Returns the grammar's. */
function both(src: string): ParsedPython {
  const g = parseWithGrammar(src);
  const s = scanImports(src);
  if (s) {
    assert.deepEqual(s.imports, g.imports, "scanner and grammar disagree on imports");
    assert.deepEqual(s.topLevelNames, g.topLevelNames, "scanner and grammar disagree on topLevelNames");
    assert.equal(s.via, "scan");
  }
  assert.equal(g.via, "grammar");
  return g;
}

/** Like `both`, and the scanner must answer. */
function scanned(src: string): ParsedPython {
  assert.ok(scanImports(src), "the scanner should handle this");
  return both(src);
}

const FLAGS = ["deferred", "guarded", "typeChecking", "mainOnly"] as const;

/** Compact form: `kind ..module [names] flag,flag`. */
function brief(i: PyImport): string {
  let s = `${i.kind} ${".".repeat(i.level)}${i.module}`;
  if (i.names.length) s += ` [${i.names.join(",")}]`;
  const f = FLAGS.filter((k) => i[k]);
  if (f.length) s += ` ${f.join(",")}`;
  return s;
}

function briefs(src: string): string[] {
  return both(src).imports.map(brief);
}

function flagsOf(src: string, module: string): string {
  const i = both(src).imports.find((x) => x.module === module);
  assert.ok(i, `no import of ${module}`);
  return FLAGS.filter((k) => i[k]).join(",");
}

function names(src: string): string[] {
  return both(src).topLevelNames;
}

// ---------------------------------------------------------------------------------------------
// import kinds

describe("import statements", () => {
  test("import a.b.c", () => {
    const r = scanned("import a.b.c\n");
    assert.deepEqual(r.imports, [
      {
        kind: "import",
        module: "a.b.c",
        level: 0,
        names: [],
        line: 1,
        col: 0,
        deferred: false,
        guarded: false,
        typeChecking: false,
        mainOnly: false,
        tryLine: 0,
        fallback: 0,
        cond: null,
      },
    ]);
  });

  test("one PyImport per dotted name", () => {
    assert.deepEqual(briefs("import a, b.c as d, e\n"), ["import a", "import b.c", "import e"]);
  });

  test("from imports: names as written, not aliases", () => {
    assert.deepEqual(briefs("from a.b import x, y as z\n"), ["from a.b [x,y]"]);
  });

  test("relative imports and star", () => {
    assert.deepEqual(briefs("from . import x\nfrom ..pkg import *\nfrom ...a.b import c\nfrom .... import d\n"), [
      "from . [x]",
      "from ..pkg [*]",
      "from ...a.b [c]",
      "from .... [d]",
    ]);
  });

  test("parenthesised, multi-line, trailing comma, comments", () => {
    assert.deepEqual(briefs("from a import (\n    x,  # one\n    y as yy,\n)\n"), ["from a [x,y]"]);
  });

  test("backslash continuations", () => {
    assert.deepEqual(briefs("from a \\\n    import b, \\\n    c\nimport d, \\\n  e\n"), [
      "from a [b,c]",
      "import d",
      "import e",
    ]);
  });

  test("semicolon-separated statements", () => {
    const r = scanned("import a; from b import c; x = 1; import d;\n");
    assert.deepEqual(r.imports.map(brief), ["import a", "from b [c]", "import d"]);
    assert.deepEqual(
      r.imports.map((i) => i.col),
      [0, 10, 34],
    );
  });

  test("imports at any indentation", () => {
    const src = [
      "def f():",
      "    import in_def",
      "class C:",
      "    import in_class",
      "if x:",
      "    import in_if",
      "try:",
      "    import in_try",
      "except KeyError:",
      "    import in_except",
      "with a:",
      "    import in_with",
      "for i in x:",
      "    import in_for",
      "while x:",
      "    import in_while",
      "async def g():",
      "    async with a:",
      "        async for i in b:",
      "            import in_async",
      "",
    ].join("\n");
    assert.deepEqual(
      scanned(src).imports.map((i) => `${i.module}@${i.line}:${i.col}`),
      [
        "in_def@2:4",
        "in_class@4:4",
        "in_if@6:4",
        "in_try@8:4",
        "in_except@10:4",
        "in_with@12:4",
        "in_for@14:4",
        "in_while@16:4",
        "in_async@20:12",
      ],
    );
  });

  test("imports in one-line bodies", () => {
    assert.deepEqual(
      scanned("if a: import x\nelse: import y\ndef f(): import z\nclass C: import w\n").imports.map(
        (i) => `${i.module}@${i.col}`,
      ),
      ["x@6", "y@6", "z@9", "w@9"],
    );
  });

  test("imports inside match statements (grammar)", () => {
    const src = "match v:\n    case 1:\n        import a\n    case _:\n        from b import c\n";
    assert.equal(scanImports(src), null);
    const r = extractImports(src);
    assert.equal(r.via, "grammar");
    assert.deepEqual(r.imports.map(brief), ["import a", "from b [c]"]);
  });

  test("line is the keyword's line, col 0-based", () => {
    const r = scanned("\n\n   \nif x:\n\n      from a import (\n  b)\n");
    assert.equal(r.imports[0].line, 6);
    assert.equal(r.imports[0].col, 6);
  });
});

// ---------------------------------------------------------------------------------------------
// strings and comments

describe("strings, comments, docstrings", () => {
  test("import-looking text inside strings and comments is ignored", () => {
    const src = [
      '"""Docstring',
      "import not1",
      'from not2 import x',
      '"""',
      "# import not3",
      "s = 'import not4'  # import not5",
      "t = '''",
      "import not6",
      "'''",
      'u = f"import {s} not7"',
      'v = rb"import not8" + Rb"\\"import not9"',
      'w = "escaped \\" import not10"',
      "def f():",
      "    '''import not11'''",
      "import real",
      "",
    ].join("\n");
    assert.deepEqual(scanned(src).imports.map(brief), ["import real"]);
  });

  test("dynamic imports inside strings are ignored", () => {
    assert.deepEqual(briefs('s = "importlib.import_module(\'x\')"\n'), []);
  });

  test("all string prefixes", () => {
    const prefixes = ["r", "u", "R", "U", "b", "B", "f", "F", "rb", "br", "Rb", "bR", "RB", "fr", "rf", "Rf", "fR", "FR"];
    const src = prefixes.map((p, i) => `s${i} = ${p}'x' + ${p}"""y"""\n`).join("") + "import after\n";
    const r = scanned(src);
    assert.deepEqual(r.imports.map(brief), ["import after"]);
  });

  test("f-strings with nested quotes, format specs and escaped braces", () => {
    const src = [
      "a = f\"{d['k']!r:>{width}} {{literal}} {x:#x}\"",
      "b = f'{\", \".join(f\"{i}\" for i in y)}'",
      'c = f"""{"same quote in a triple-quoted f-string"}"""',
      'd = rf"\\{x}\\d" + f"\\N{BULLET} {x}"',
      "import after",
      "",
    ].join("\n");
    assert.deepEqual(scanned(src).imports.map(brief), ["import after"]);
  });

  test("3.12 f-string nesting of the same quote is left to the grammar", () => {
    const src = 'a = f"{x["k"]}"\nimport after\n';
    assert.equal(scanImports(src), null);
    assert.deepEqual(extractImports(src).imports.map(brief), ["import after"]);
  });
});

// ---------------------------------------------------------------------------------------------
// dynamic imports

describe("dynamic imports", () => {
  test("importlib.import_module / import_module / __import__ with a literal", () => {
    const src = [
      "import importlib",
      "from importlib import import_module",
      'a = importlib.import_module("a.b")',
      "b = import_module('c')",
      'c = __import__("d.e")',
      'd = importlib.import_module(\n    "f"  # comment\n)',
      'e = import_module("g." "h")',
      "",
    ].join("\n");
    const r = scanned(src);
    assert.deepEqual(r.imports.map(brief), [
      "import importlib",
      "from importlib [import_module]",
      "dynamic a.b",
      "dynamic c",
      "dynamic d.e",
      "dynamic f",
      "dynamic g.h",
    ]);
    assert.deepEqual(
      r.imports.slice(2).map((i) => `${i.line}:${i.col}`),
      ["3:4", "4:4", "5:4", "6:4", "9:4"],
    );
  });

  test("relative with __package__ / package=__name__ / a literal package", () => {
    assert.deepEqual(
      briefs(
        [
          'importlib.import_module(".x", __package__)',
          'importlib.import_module("..y.z", package=__name__)',
          'importlib.import_module(".w", "pkg.sub")',
          'importlib.import_module("..v", "pkg.sub")',
          'importlib.import_module(".", __package__)',
          "",
        ].join("\n"),
      ),
      ["dynamic .x", "dynamic ..y.z", "dynamic pkg.sub.w", "dynamic pkg.v", "dynamic ."],
    );
  });

  test("not literal, not resolvable or not an import: not reported", () => {
    const src = [
      "importlib.import_module(name)",
      'importlib.import_module(f"a.{b}")',
      'importlib.import_module("a." + b)',
      'importlib.import_module(b"bytes")',
      'importlib.import_module(".rel")', // no package
      'importlib.import_module(".rel", pkg)', // unknown package
      'importlib.import_module(("paren"))',
      'importlib.import_module("esc\\x2e")',
      'importlib.import_module("not a name")',
      'obj.import_module("x")',
      'a.importlib.import_module("x")',
      '__import__(".rel")',
      "import_module",
      "",
    ].join("\n");
    assert.deepEqual(briefs(src), []);
  });

  test("flags apply to dynamic imports", () => {
    const src = [
      "def f():",
      '    return importlib.import_module("deferred")',
      "try:",
      '    m = import_module("guarded")',
      "except ImportError:",
      "    m = None",
      "if TYPE_CHECKING:",
      '    __import__("tc")',
      "def g(m=import_module('default_arg')):",
      "    pass",
      "@decorate(import_module('in_decorator'))",
      "def h(): pass",
      "",
    ].join("\n");
    assert.deepEqual(scanned(src).imports.map(brief), [
      "dynamic deferred deferred",
      "dynamic guarded guarded",
      "dynamic tc typeChecking",
      "dynamic default_arg",
      "dynamic in_decorator",
    ]);
  });

  test("lambda bodies are deferred (grammar)", () => {
    const src = "f = lambda: import_module('a')\ng = lambda m=import_module('b'): m\n";
    assert.deepEqual(briefs(src), ["dynamic a deferred", "dynamic b"]);
  });
});

// ---------------------------------------------------------------------------------------------
// flags

describe("deferred", () => {
  test("def, async def and methods are deferred; a class body is not", () => {
    const src = [
      "import top",
      "def f():",
      "    import in_def",
      "async def g():",
      "    import in_async",
      "class C:",
      "    import in_class",
      "    def m(self):",
      "        import in_method",
      "def outer():",
      "    class Inner:",
      "        import class_in_def",
      "",
    ].join("\n");
    assert.deepEqual(scanned(src).imports.map(brief), [
      "import top",
      "import in_def deferred",
      "import in_async deferred",
      "import in_class",
      "import in_method deferred",
      "import class_in_def deferred",
    ]);
  });

  test("a def after a deferred block is back at module level", () => {
    assert.equal(flagsOf("def f():\n    pass\nimport after\n", "after"), "");
  });
});

describe("guarded", () => {
  const guarded = (handler: string) => flagsOf(`try:\n    import m\n${handler}:\n    pass\n`, "m");

  test("ImportError, ModuleNotFoundError, Exception, BaseException, bare", () => {
    assert.equal(guarded("except ImportError"), "guarded");
    assert.equal(guarded("except ModuleNotFoundError as e"), "guarded");
    assert.equal(guarded("except Exception"), "guarded");
    assert.equal(guarded("except BaseException"), "guarded");
    assert.equal(guarded("except"), "guarded");
  });

  test("tuples, as, dotted, parentheses, except*", () => {
    assert.equal(guarded("except (ValueError, ImportError) as e"), "guarded");
    assert.equal(guarded("except (ValueError, (KeyError, ImportError))"), "guarded");
    assert.equal(guarded("except builtins.ImportError"), "guarded");
    assert.equal(guarded("except (ImportError)"), "guarded");
    assert.equal(guarded("except* ImportError"), "guarded");
    assert.equal(guarded("except KeyError:\n    pass\nexcept ImportError"), "guarded");
  });

  test("other exceptions do not guard", () => {
    assert.equal(guarded("except ValueError"), "");
    assert.equal(guarded("except (ValueError, KeyError) as e"), "");
    assert.equal(guarded("except ImportErrorSubclass"), "");
    assert.equal(guarded("except errors[0]"), "");
    assert.equal(flagsOf("try:\n    import m\nfinally:\n    pass\n", "m"), "");
  });

  test("only the try body: not the handlers, else or finally", () => {
    const src = [
      "try:",
      "    import body",
      "except ImportError:",
      "    import handler",
      "else:",
      "    import orelse",
      "finally:",
      "    import final",
      "",
    ].join("\n");
    assert.deepEqual(scanned(src).imports.map(brief), [
      "import body guarded",
      "import handler",
      "import orelse",
      "import final",
    ]);
  });

  test("nested: guarded when any enclosing try qualifies", () => {
    const src = [
      "try:",
      "    try:",
      "        import inner",
      "    except ValueError:",
      "        import handler",
      "except ImportError:",
      "    pass",
      "try:",
      "    def f():",
      "        import lexical",
      "except ImportError:",
      "    pass",
      "",
    ].join("\n");
    assert.deepEqual(scanned(src).imports.map(brief), [
      "import inner guarded",
      "import handler guarded",
      "import lexical deferred,guarded",
    ]);
  });

  test("one-line try", () => {
    assert.equal(flagsOf("try: import m\nexcept ImportError: m = None\n", "m"), "guarded");
  });
});

describe("re-raising handlers", () => {
  const guarded = (handler: string) => flagsOf(`try:\n    import m\n${handler}\n`, "m");

  test("a first ImportError handler that ends with raise or an exit call does not guard", () => {
    assert.equal(guarded("except ImportError:\n    raise"), "");
    assert.equal(guarded("except ImportError as e:\n    raise RuntimeError('install m') from e"), "");
    assert.equal(guarded("except ImportError:\n    print('install m')\n    sys.exit(1)"), "");
    assert.equal(guarded("except ImportError:\n    exit('install m')"), "");
    assert.equal(guarded("except ImportError:\n    os._exit(3)"), "");
    assert.equal(guarded("except ImportError: log(); raise;"), "");
    assert.equal(guarded("except ModuleNotFoundError:\n    quit()  # bye"), "");
    assert.equal(guarded("except Exception:\n    raise"), "");
    assert.equal(guarded("except:\n    raise"), "");
  });

  test("raising elsewhere, or another handler first, still guards", () => {
    assert.equal(guarded("except ImportError:\n    if strict:\n        raise\n"), "guarded");
    assert.equal(guarded("except ImportError:\n    sys.exit(1)\n    m = None"), "guarded");
    assert.equal(guarded("except ImportError:\n    (sys.exit)(1)"), "guarded");
    assert.equal(guarded("except ImportError:\n    sys.exit(1) if strict else None"), "guarded");
    assert.equal(guarded("except ImportError:\n    sys.exit(1)(2)"), "guarded");
    assert.equal(guarded("except ImportError:\n    log.exit(1)"), "guarded");
    assert.equal(guarded("except ModuleNotFoundError:\n    m = None\nexcept ImportError:\n    raise"), "guarded");
    assert.equal(guarded("except ValueError:\n    raise\nexcept ImportError:\n    m = None"), "guarded");
  });

  test("the first handler that catches ImportError decides; an outer try still guards", () => {
    assert.equal(guarded("except ImportError:\n    raise\nexcept Exception:\n    m = None"), "");
    const src = "try:\n    try:\n        import m\n    except ImportError:\n        raise\nexcept ImportError:\n    m = None\n";
    assert.equal(flagsOf(src, "m"), "guarded");
  });

  test("a re-raising try still links its body to its handlers", () => {
    const r = scanned("try:\n    import m\nexcept ImportError:\n    import n\n    raise\n");
    assert.deepEqual(r.imports.map((i) => [i.module, i.guarded, i.tryLine, i.fallback]), [["m", false, 1, 0], ["n", false, 0, 1]]);
  });
});

describe("fallback imports", () => {
  /** `module tryLine/fallback` for each import. */
  const links = (src: string) => scanned(src).imports.map((i) => `${i.module} ${i.tryLine}/${i.fallback}`);

  test("handler imports name their try; try-body imports carry the same line", () => {
    const src = [
      "try:",
      "    import tomllib",
      "except ImportError:",
      "    import tomli as tomllib",
      "else:",
      "    import orelse",
      "finally:",
      "    import final",
      "import after",
      "",
    ].join("\n");
    assert.deepEqual(links(src), ["tomllib 1/0", "tomli 0/1", "orelse 0/0", "final 0/0", "after 0/0"]);
    assert.deepEqual(links("try: import a\nexcept ImportError: import b\n"), ["a 1/0", "b 0/1"]);
  });

  test("only handlers that catch ImportError hold fallbacks; a try without one links nothing", () => {
    const src = "try:\n    import a\nexcept ValueError:\n    import b\nexcept (KeyError, ModuleNotFoundError):\n    import c\nexcept:\n    import d\n";
    assert.deepEqual(links(src), ["a 1/0", "b 0/0", "c 0/1", "d 0/1"]);
    assert.deepEqual(links("try:\n    import a\nexcept ValueError:\n    import b\n"), ["a 0/0", "b 0/0"]);
  });

  test("nesting: the innermost ImportError try links the body, the innermost handler the fallback", () => {
    const src = [
      "try:", // 1
      "    import ujson as json",
      "except ImportError:",
      "    try:", // 4
      "        import simplejson as json",
      "    except ImportError:",
      "        import json",
      "        if x:",
      "            import deep",
      "try:", // 10
      "    try:", // 11
      "        import inner",
      "    except ValueError:",
      "        import handler",
      "    def f():",
      "        import lexical",
      "except ImportError:",
      "    pass",
      "",
    ].join("\n");
    assert.deepEqual(links(src), [
      "ujson 1/0",
      "simplejson 4/1",
      "json 0/4",
      "deep 0/4",
      "inner 10/0",
      "handler 10/0",
      "lexical 10/0",
    ]);
  });

  test("the grammar records the same where the scanner gives up (match)", () => {
    const src = [
      "match cmd:",
      "    case 'fast':",
      "        try:",
      "            import fast",
      "        except ImportError:",
      "            import slow",
      "        if sys.platform == 'win32':",
      "            import winreg",
      "        else:",
      "            import posix",
      "    case _:",
      "        try:",
      "            import strict",
      "        except ImportError:",
      "            raise",
      "",
    ].join("\n");
    assert.equal(scanImports(src), null);
    const r = parseWithGrammar(src).imports;
    assert.deepEqual(r.map((i) => [i.module, i.guarded, i.tryLine, i.fallback, i.cond?.platform?.join("") ?? ""]), [
      ["fast", true, 3, 0, ""],
      ["slow", false, 0, 3, ""],
      ["winreg", false, 0, 0, "==win32"],
      ["posix", false, 0, 0, "!=win32"],
      ["strict", false, 12, 0, ""],
    ]);
  });

  test("fallbacks inside functions and under conditions keep their other flags", () => {
    const src = "def f():\n    try:\n        from . import fast\n    except ImportError:\n        from . import slow\n";
    const r = scanned(src).imports;
    assert.deepEqual(r.map((i) => [i.names[0], i.deferred, i.guarded, i.tryLine, i.fallback]), [["fast", true, true, 2, 0], ["slow", true, false, 0, 2]]);
  });
});

describe("conditions on sys.version_info and sys.platform", () => {
  /** The condition of the import of `module`, compactly: `>=3.11 ==win32`, or "" for none. */
  const condOf = (src: string, module: string): string => {
    const i = scanned(src).imports.find((x) => x.module === module);
    assert.ok(i, `no import of ${module}`);
    if (!i.cond) return "";
    const v = i.cond.version ? `${i.cond.version[0]}${i.cond.version[1]}.${i.cond.version[2]}` : "";
    const p = i.cond.platform ? `${i.cond.platform[0]}${i.cond.platform[1]}` : "";
    return [v, p].filter(Boolean).join(" ");
  };
  const inIf = (test: string) => condOf(`if ${test}:\n    import m\n`, "m");
  const inElse = (test: string) => condOf(`if ${test}:\n    pass\nelse:\n    import m\n`, "m");

  test("sys.version_info against (major, minor): the full tuple compares longer than (3, 11)", () => {
    assert.equal(inIf("sys.version_info >= (3, 11)"), ">=3.11");
    assert.equal(inIf("sys.version_info > (3, 11)"), ">=3.11");
    assert.equal(inIf("sys.version_info < (3, 11)"), "<3.11");
    assert.equal(inIf("sys.version_info <= (3, 11)"), "<3.11");
    assert.equal(inIf("sys.version_info[:2] >= (3, 8)"), ">=3.8");
    assert.equal(inIf("sys.version_info[:2] > (3, 8)"), ">3.8");
    assert.equal(inIf("sys.version_info[:2] <= (3, 8)"), "<=3.8");
    assert.equal(inIf("sys.version_info[:2] == (3, 8)"), "==3.8");
    assert.equal(inIf("sys.version_info[:2] != (3, 8)"), "!=3.8");
    assert.equal(inIf("(sys.version_info >= (3, 11))"), ">=3.11");
    assert.equal(inElse("sys.version_info >= (3, 11)"), "<3.11");
    assert.equal(inElse("sys.version_info[:2] > (3, 8)"), "<=3.8");
  });

  test("sys.platform: ==, !=, startswith, and not", () => {
    assert.equal(inIf('sys.platform == "win32"'), "==win32");
    assert.equal(inIf("sys.platform != 'linux'"), "!=linux");
    assert.equal(inIf('sys.platform.startswith("win")'), "startswithwin");
    assert.equal(inIf('not sys.platform.startswith("win")'), "!startswithwin");
    assert.equal(inIf('not (sys.platform == "darwin")'), "!=darwin");
    assert.equal(inIf('not sys.version_info >= (3, 11)'), "<3.11");
    assert.equal(inElse('sys.platform == "win32"'), "!=win32");
    assert.equal(inElse('sys.platform.startswith("win")'), "!startswithwin");
  });

  test("other forms are ordinary conditions", () => {
    for (const t of [
      "sys.version_info == (3, 11)",
      "sys.version_info != (3, 11)",
      "sys.version_info >= (3, 11, 2)",
      "sys.version_info >= (3,)",
      "sys.version_info >= (3, 11,)",
      "sys.version_info[:3] >= (3, 11)",
      "sys.version_info[0:2] >= (3, 11)",
      "(3, 11) <= sys.version_info",
      "sys.version_info.major >= 3",
      "sys.version_info >= (3, 0x0b)",
      "sys.version_info >= (3, 1_1)",
      "sys.version_info >= v",
      'sys.platform == "win32" and x',
      '"win32" == sys.platform',
      'sys.platform == f"win32"',
      'sys.platform == b"win32"',
      'sys.platform == "win" "32"',
      'sys.platform == ("win32")',
      'sys.platform in ("win32", "cygwin")',
      'sys.platform.startswith("win", 0)',
      'sys.platform.startswith(("win", "cyg"))',
      'platform == "win32"',
      'os.sys.platform == "win32"',
      'sys.platform.lower() == "win32"',
    ]) {
      assert.equal(inIf(t), "", t);
      assert.equal(inElse(t), "", t);
    }
    assert.equal(condOf('while sys.platform == "win32":\n    import m\n', "m"), "");
  });

  test("elif and else know that the earlier tests failed; nested tests combine", () => {
    const src = [
      'if sys.platform == "win32":',
      "    import a",
      'elif sys.platform == "darwin":',
      "    import b",
      "elif other:",
      "    import c",
      "else:",
      "    import d",
      "    if sys.version_info < (3, 11):",
      "        import e",
      "        if sys.version_info >= (3, 9):",
      "            import f",
      "import g",
      "",
    ].join("\n");
    assert.deepEqual(
      ["a", "b", "c", "d", "e", "f", "g"].map((m) => condOf(src, m)),
      ["==win32", "==darwin", "!=darwin", "!=darwin", "<3.11 !=darwin", ">=3.9 !=darwin", ""],
    );
  });

  test("conditions combine with the other flags, in either nesting", () => {
    const src = [
      "if sys.version_info >= (3, 11):",
      "    import tomllib",
      "else:",
      "    try:",
      "        import tomli as tomllib",
      "    except ImportError:",
      "        tomllib = None",
      "if TYPE_CHECKING:",
      "    pass",
      "elif sys.version_info >= (3, 8):",
      "    import later",
      "",
    ].join("\n");
    const r = scanned(src).imports;
    assert.deepEqual(r.map((i) => [i.module, i.guarded, i.tryLine, i.cond?.version?.join("")]), [
      ["tomllib", false, 0, ">=311"],
      ["tomli", true, 4, "<311"],
      ["later", false, 0, ">=38"],
    ]);
  });
});

describe("typeChecking", () => {
  test("TYPE_CHECKING, typing.TYPE_CHECKING, t.TYPE_CHECKING, parenthesised", () => {
    assert.equal(flagsOf("if TYPE_CHECKING:\n    import m\n", "m"), "typeChecking");
    assert.equal(flagsOf("if typing.TYPE_CHECKING:\n    import m\n", "m"), "typeChecking");
    assert.equal(flagsOf("if t.TYPE_CHECKING: import m\n", "m"), "typeChecking");
    assert.equal(flagsOf("if (TYPE_CHECKING):\n    import m\n", "m"), "typeChecking");
  });

  test("not the else branch, not other conditions", () => {
    assert.equal(flagsOf("if TYPE_CHECKING:\n    pass\nelse:\n    import m\n", "m"), "");
    assert.equal(flagsOf("if TYPE_CHECKING:\n    pass\nelif x:\n    import m\n", "m"), "");
    assert.equal(flagsOf("if not TYPE_CHECKING:\n    import m\n", "m"), "");
    assert.equal(flagsOf("if TYPE_CHECKING or x:\n    import m\n", "m"), "");
    assert.equal(flagsOf("if MY_TYPE_CHECKING:\n    import m\n", "m"), "");
    assert.equal(flagsOf("while TYPE_CHECKING:\n    import m\n", "m"), "");
  });

  test("an elif whose own condition is TYPE_CHECKING is flagged", () => {
    assert.equal(flagsOf("if x:\n    pass\nelif TYPE_CHECKING:\n    import m\n", "m"), "typeChecking");
  });
});

describe("mainOnly", () => {
  test("either quote style, either order", () => {
    assert.equal(flagsOf('if __name__ == "__main__":\n    import m\n', "m"), "mainOnly");
    assert.equal(flagsOf("if __name__ == '__main__':\n    import m\n", "m"), "mainOnly");
    assert.equal(flagsOf("if '__main__' == __name__: import m\n", "m"), "mainOnly");
  });

  test("not the else branch, not other comparisons", () => {
    assert.equal(flagsOf('if __name__ == "__main__":\n    pass\nelse:\n    import m\n', "m"), "");
    assert.equal(flagsOf('if __name__ != "__main__":\n    import m\n', "m"), "");
    assert.equal(flagsOf('if __name__ == "main":\n    import m\n', "m"), "");
  });

  test("flags combine", () => {
    const src = 'if __name__ == "__main__":\n    try:\n        import m\n    except ImportError:\n        pass\n';
    assert.equal(flagsOf(src, "m"), "guarded,mainOnly");
  });
});

// ---------------------------------------------------------------------------------------------
// top-level names

describe("topLevelNames", () => {
  test("defs, classes, assignments, imports", () => {
    const src = [
      "import a.b.c",
      "import d.e as f",
      "from g import h, i as j",
      "def func(): local = 1",
      "async def afunc(): pass",
      "class K:",
      "    attr = 1",
      "    def method(self): pass",
      "x = y = 1",
      "(p, [q, *r]), s = t",
      "ann: int = 1",
      "counter += 1",
      "obj.attr = 1",
      "sub[0] = 1",
      "fn = lambda z=1: z",
      "",
    ].join("\n");
    assert.deepEqual(names(src), [
      "K",
      "a",
      "afunc",
      "ann",
      "counter",
      "f",
      "fn",
      "func",
      "h",
      "j",
      "p",
      "q",
      "r",
      "s",
      "x",
      "y",
    ]);
  });

  test("star import gives *", () => {
    assert.deepEqual(names("from m import *\n"), ["*"]);
  });

  test("inside module-level if/try/with/for/while, not def/class bodies", () => {
    const src = [
      "if c:",
      "    a = 1",
      "else:",
      "    from m import b",
      "try:",
      "    import c2",
      "except ImportError as err:",
      "    d = None",
      "finally:",
      "    e = 0",
      "for f, g in []:",
      "    pass",
      "with x as h, y as (i, k):",
      "    pass",
      "while False:",
      "    w = 1",
      "def func():",
      "    notme = 1",
      "    global notme2",
      "class C:",
      "    notme3 = 1",
      "",
    ].join("\n");
    assert.deepEqual(extractImports(src).topLevelNames, ["C", "a", "b", "c2", "d", "e", "f", "func", "g", "h", "i", "k", "w"]);
  });

  test("annotation alone, except-as, comprehension variables, walrus do not bind", () => {
    assert.deepEqual(names("x: int\n[v for v in y]\nif (w := 1): pass\n"), []);
  });

  test("keyword arguments and lambda defaults are not targets", () => {
    assert.deepEqual(names("f(a=1)\ng = lambda b=2: b\nh = dict(c=3)\n"), ["g", "h"]);
  });
});

// ---------------------------------------------------------------------------------------------
// layout

describe("layout", () => {
  test("tabs (8 columns) and tab/space mixes Python accepts", () => {
    const src = "if a:\n\timport t1\n\tif b:\n\t\timport t2\n\telse:\n\t        import t3\nimport t4\n";
    const r = scanned(src);
    assert.deepEqual(r.imports.map((i) => `${i.module}:${i.col}`), ["t1:1", "t2:2", "t3:9", "t4:0"]);
  });

  test("inconsistent tabs/spaces: left to the grammar", () => {
    // 8 spaces then a tab-indented line at the same depth: Python raises TabError
    assert.equal(scanImports("if a:\n        x = 1\n\ty = 2\n"), null);
  });

  test("CRLF and lone CR line endings give the same lines and columns", () => {
    const lf = "import a\nif b:\n    from c import (d,\n        e)\n    import f\n";
    const want = both(lf).imports;
    assert.deepEqual(both(lf.replace(/\n/g, "\r\n")).imports, want);
    assert.deepEqual(both(lf.replace(/\n/g, "\r")).imports, want);
    assert.ok(scanImports(lf.replace(/\n/g, "\r\n")));
  });

  test("a byte-order mark is skipped", () => {
    const r = scanned("\ufeffimport a\n");
    assert.deepEqual(
      r.imports.map((i) => `${i.module}@${i.line}:${i.col}`),
      ["a@1:0"],
    );
  });

  test("decorators, nested brackets, no trailing newline", () => {
    const src = "@dec(a=[1, {2: (3,)}])\n@other.attr\nclass C(B, metaclass=M):\n    x = {'a': [1,\n 2]}\nimport last";
    assert.deepEqual(scanned(src).imports.map(brief), ["import last"]);
  });

  test("empty file and comment-only file", () => {
    assert.deepEqual(scanned("").imports, []);
    assert.deepEqual(scanned("").topLevelNames, []);
    assert.deepEqual(scanned("# just a comment\n\n").imports, []);
  });
});

// ---------------------------------------------------------------------------------------------
// syntax errors and scanner fallbacks

describe("syntax errors and fallbacks", () => {
  test("a syntax error is reported with line/col and imports are still recovered", () => {
    const src = "import before\n\ndef broken(:\n    import inside\n\nimport after\n";
    assert.equal(scanImports(src), null);
    const r = extractImports(src);
    assert.equal(r.via, "grammar");
    assert.ok(r.syntaxError);
    assert.equal(r.syntaxError.line, 3);
    assert.equal(r.syntaxError.col, 11);
    assert.match(r.syntaxError.message, /invalid syntax/);
    assert.deepEqual(r.imports.map(brief), ["import before", "import inside deferred", "import after"]);
  });

  test("unterminated string and unbalanced brackets fall back", () => {
    assert.equal(scanImports("s = 'abc\nimport x\n"), null);
    assert.equal(scanImports("x = (1,\nimport y\n"), null);
    assert.equal(scanImports("x = 1)\n"), null);
    assert.ok(extractImports("s = 'abc\nimport x\n").syntaxError);
  });

  test("the end of the file inside brackets: the innermost bracket left open, where CPython puts it", () => {
    // CPython 3.11: `'(' was never closed` at the bracket (lineno, offset - 1).
    const cases: [string, number, number, string][] = [
      ["import os\nx = (\n", 2, 4, "("],
      ["f([1,\n2\n", 1, 2, "["],
      ['a = {\n"k": [1,\n', 2, 5, "["],
      ['print("x")\ny = f(1,\n  2\n', 2, 5, "("],
      ['s = "(" + f(\n', 1, 11, "("],
    ];
    for (const [src, line, col, br] of cases) {
      assert.deepEqual(extractImports(src).syntaxError, { line, col, message: `'${br}' was never closed` }, src);
    }
    // Not a bracket: the end of the file after a block header keeps its own message.
    assert.doesNotMatch(extractImports("if a:\n").syntaxError?.message ?? "", /never closed/);
  });

  test("indentation errors fall back", () => {
    assert.equal(scanImports("  import a\n"), null); // unexpected indent
    assert.equal(scanImports("if a:\nimport b\n"), null); // expected an indented block
    assert.equal(scanImports("if a:\n    x = 1\n  y = 2\n"), null); // bad dedent
    assert.equal(scanImports("if a:\n"), null); // header at end of file
  });

  test("misplaced clauses fall back", () => {
    assert.equal(scanImports("try:\n    pass\nx = 1\n"), null); // try without except/finally
    assert.equal(scanImports("else:\n    pass\n"), null);
    assert.equal(scanImports("x = 1\nexcept ImportError:\n    pass\n"), null);
    assert.equal(scanImports("@dec\nx = 1\n"), null);
  });

  test("Python 2 code falls back", () => {
    assert.equal(scanImports('print "hello"\n'), null);
    assert.equal(scanImports("except ImportError, e:\n"), null);
    assert.equal(scanImports("x = 0777\n"), null);
    assert.equal(scanImports("x = `y`\n"), null);
    assert.equal(scanImports("if a <> b: pass\n"), null);
  });

  test("malformed import statements fall back", () => {
    for (const bad of ["import\n", "import a.\n", "import a,\n", "import (a)\n", "from a import\n", "from a import b,\n", "from a import b.c\n", "from import b\n", "import if\n"]) {
      assert.equal(scanImports(bad), null, bad);
      assert.ok(extractImports(bad).syntaxError, bad);
    }
  });

  test("constructs the scanner leaves to the grammar", () => {
    assert.equal(scanImports("x = 1\nmatch x:\n    case 1:\n        pass\n"), null);
    assert.equal(scanImports("é = 1\n"), null);
    assert.equal(scanImports("x = 1\f\n"), null);
    assert.equal(scanImports("f = lambda: import_module('a')\n"), null);
  });

  test("match/case/type/print as ordinary names stay with the scanner", () => {
    const r = scanned("match = re.match(p, s)\ncase = 1\ntype = 2\nprint(match)\nprint\nimport a\n");
    assert.deepEqual(r.topLevelNames, ["a", "case", "match", "type"]);
  });
});

// ---------------------------------------------------------------------------------------------
// module wiring

describe("extractImports", () => {
  test("uses the scanner when it can, the grammar otherwise", () => {
    assert.equal(extractImports("import a\n").via, "scan");
    assert.equal(extractImports("match x:\n    case 1:\n        import a\n").via, "grammar");
  });

  test("PARSER_VERSION is a non-empty string", () => {
    assert.equal(typeof PARSER_VERSION, "string");
    assert.ok(PARSER_VERSION.length > 0);
  });

  test("@lezer/python is only loaded when the scanner falls back", () => {
    const script = [
      "const { createRequire } = await import('node:module');",
      "const m = await import(process.argv[1]);",
      "const loaded = () => Object.keys(createRequire(process.argv[1]).cache).some((k) => k.includes('@lezer'));",
      "const before = loaded();",
      "m.extractImports('import os\\n');",
      "const afterScan = loaded();",
      "m.extractImports('match x:\\n    case 1:\\n        pass\\n');",
      "console.log(JSON.stringify([before, afterScan, loaded()]));",
    ].join("\n");
    const mod = new URL("../src/python/imports.js", import.meta.url).href;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script, mod], { encoding: "utf8" });
    assert.deepEqual(JSON.parse(out), [false, false, true]);
  });
});

// ---------------------------------------------------------------------------------------------
// fixtures and corpus: scanner == grammar, and both == CPython's ast

function findPython(): { exe: string; stdlib: string } | null {
  for (const exe of ["python3", "python"]) {
    const r = spawnSync(exe, ["-c", "import sys, sysconfig; print(sys.version_info[0]); print(sysconfig.get_paths()['stdlib'])"], {
      encoding: "utf8",
      timeout: 20_000,
    });
    if (r.status !== 0 || !r.stdout) continue;
    const [major, stdlib] = r.stdout.trim().split("\n");
    if (major === "3" && stdlib && existsSync(stdlib)) return { exe, stdlib };
  }
  return null;
}

const PY = findPython();
const NO_PY = PY ? false : "python3 with a standard library was not found: corpus and ast comparisons skipped";

function listPy(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === "site-packages" || e.name === "dist-packages" || e.name === "__pycache__") continue;
      listPy(p, out);
    } else if (e.name.endsWith(".py")) out.push(p);
  }
  return out;
}

/** `count` files spread evenly over the sorted stdlib listing, starting at `phase` (0..1). */
function sample(all: string[], count: number, phase: number): string[] {
  if (all.length <= count) return all;
  const out: string[] = [];
  const step = all.length / count;
  for (let i = 0; i < count; i++) out.push(all[Math.floor((i + phase) * step)]);
  return out;
}

function readUtf8(p: string): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(readFileSync(p));
  } catch {
    return null;
  }
}

type AstResult = { imports: PyImport[]; topLevelNames: string[] } | { error: string };

function runAst(files: string[]): Record<string, AstResult> {
  const out = execFileSync(PY!.exe, [AST_HELPER], {
    input: files.join("\n"),
    encoding: "utf8",
    maxBuffer: 512 * 1024 * 1024,
    timeout: 120_000,
  });
  return JSON.parse(out) as Record<string, AstResult>;
}

const FIXTURE_FILES = readdirSync(FIXTURES)
  .filter((f) => f.endsWith(".py") && f !== "ast_imports.py")
  .sort()
  .map((f) => path.join(FIXTURES, f));

function firstDiff(label: string, got: ParsedPython | AstResult, want: ParsedPython | AstResult): string {
  if ("error" in got || "error" in want) return `${label}: error`;
  const g = new Set(got.imports.map((i) => JSON.stringify(i)));
  const w = new Set(want.imports.map((i) => JSON.stringify(i)));
  const extra = [...g].filter((x) => !w.has(x));
  const missing = [...w].filter((x) => !g.has(x));
  const gn = new Set(got.topLevelNames);
  const wn = new Set(want.topLevelNames);
  return `${label}: extra ${extra.slice(0, 3).join(" ")} missing ${missing.slice(0, 3).join(" ")} names+ ${got.topLevelNames
    .filter((x) => !wn.has(x))
    .slice(0, 5)} names- ${want.topLevelNames.filter((x) => !gn.has(x)).slice(0, 5)}`;
}

function same(a: ParsedPython | AstResult, b: ParsedPython | AstResult): boolean {
  if ("error" in a || "error" in b) return false;
  return JSON.stringify(a.imports) === JSON.stringify(b.imports) && JSON.stringify(a.topLevelNames) === JSON.stringify(b.topLevelNames);
}

describe("fixtures", () => {
  test("scanner == grammar on every fixture, and on its CRLF version", () => {
    for (const f of FIXTURE_FILES) {
      const src = readFileSync(f, "utf8");
      both(src);
      const crlf = both(src.replace(/\n/g, "\r\n"));
      assert.deepEqual(crlf.imports, parseWithGrammar(src).imports, f);
    }
  });

  test("the scanner handles the fixtures it is meant to", () => {
    const fellBack = FIXTURE_FILES.filter((f) => !scanImports(readFileSync(f, "utf8"))).map((f) => path.basename(f));
    assert.deepEqual(fellBack, ["lambdas.py", "match_stmt.py", "syntax_error.py"]);
  });

  test("grammar and scanner == CPython ast on every fixture", { skip: NO_PY }, () => {
    const ref = runAst(FIXTURE_FILES);
    for (const f of FIXTURE_FILES) {
      const want = ref[f];
      if ("error" in want) {
        assert.equal(path.basename(f), "syntax_error.py", `${f}: ${want.error}`);
        continue;
      }
      const src = readFileSync(f, "utf8");
      const g = parseWithGrammar(src);
      assert.equal(g.syntaxError, undefined, f);
      assert.ok(same(g, want), firstDiff(f, g, want));
      const e = extractImports(src);
      assert.ok(same(e, want), firstDiff(f, e, want));
    }
  });
});

describe("corpus: the CPython standard library", { skip: NO_PY }, () => {
  const all = PY ? listPy(PY.stdlib).sort() : [];

  test("differential: scanner == grammar wherever the scanner answers (400 files)", (t) => {
    const files = sample(all, 400, 0);
    let answered = 0;
    let fellBack = 0;
    let bytes = 0;
    let scanMs = 0;
    let grammarMs = 0;
    let imports = 0;
    const disputed: string[] = []; // grammar reports an error in a file the scanner accepts
    const mismatches: string[] = [];
    for (const f of files) {
      const src = readUtf8(f);
      if (src === null) continue;
      bytes += src.length;
      let t0 = performance.now();
      const s = scanImports(src);
      scanMs += performance.now() - t0;
      t0 = performance.now();
      const g = parseWithGrammar(src);
      grammarMs += performance.now() - t0;
      if (!s) {
        fellBack++;
        continue;
      }
      answered++;
      imports += s.imports.length;
      if (g.syntaxError) disputed.push(f);
      else if (!same(s, g)) mismatches.push(firstDiff(f, s, g));
    }
    // Where the grammar reports an error in a file the scanner accepted, CPython decides.
    if (disputed.length) {
      const ref = runAst(disputed);
      for (const f of disputed) {
        const want = ref[f];
        if ("error" in want && /RecursionError/.test(want.error)) continue;
        const s = scanImports(readUtf8(f)!)!;
        if (!same(s, want)) mismatches.push(firstDiff(`${f} (vs ast)`, s, want));
      }
    }
    const total = answered + fellBack;
    t.diagnostic(
      `${total} files, ${imports} imports: scanner answered ${answered}, fell back on ${fellBack} ` +
        `(${((100 * fellBack) / total).toFixed(1)}%); ${disputed.length} accepted files the grammar misparses, settled by ast`,
    );
    t.diagnostic(
      `scanner ${(bytes / 1e6 / (scanMs / 1000)).toFixed(1)} MB/s, grammar ${(bytes / 1e6 / (grammarMs / 1000)).toFixed(1)} MB/s ` +
        `(${(grammarMs / scanMs).toFixed(1)}x)`,
    );
    assert.deepEqual(mismatches, []);
    assert.ok(fellBack / total < 0.05, `fallback rate ${fellBack}/${total} is above 5%`);
  });

  test("grammar and scanner == CPython ast (150 files)", (t) => {
    const files = sample(all, 150, 0.5);
    const ref = runAst(files);
    let compared = 0;
    let grammarGaps = 0;
    const mismatches: string[] = [];
    for (const f of files) {
      const want = ref[f];
      const src = readUtf8(f);
      if (!want || "error" in want || src === null) continue;
      compared++;
      const g = parseWithGrammar(src);
      // A valid file the grammar cannot parse (it lacks e.g. bare `yield`, `1.` floats,
      // tuple targets in `with ... as`): its recovery is best effort.
      if (g.syntaxError) grammarGaps++;
      else if (!same(g, want)) mismatches.push(firstDiff(`${f} (grammar)`, g, want));
      const e = extractImports(src);
      if (e.via === "scan" || !e.syntaxError) {
        if (!same(e, want)) mismatches.push(firstDiff(`${f} (${e.via})`, e, want));
      }
    }
    t.diagnostic(`${compared} files compared with ast; grammar cannot parse ${grammarGaps} valid ones (scanner covers them)`);
    assert.deepEqual(mismatches, []);
    assert.ok(compared > 100);
  });
});
