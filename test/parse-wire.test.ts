// Tests for src/parse-wire.ts: the packed form of parse results that the parse worker posts and
// the parse cache stores must give back exactly what the extractors produced.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { extractImports, parseWithGrammar } from "../src/python/imports.js";
import { packParse, unpackParse } from "../src/parse-wire.js";
import type { ParsedPython } from "../src/types.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = (() => {
  for (let d = here; ; d = path.dirname(d)) {
    const f = path.join(d, "test", "fixtures", "python");
    if (existsSync(f)) return f;
    if (path.dirname(d) === d) throw new Error("test/fixtures/python not found");
  }
})();

/** Through JSON, as the worker's messages and the cache file carry it. */
const roundTrip = (p: ParsedPython): ParsedPython | null => unpackParse(JSON.parse(JSON.stringify(packParse(p))));

test("every fixture's parse comes back unchanged, from the scanner and from the grammar", () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith(".py"));
  assert.ok(files.length >= 8);
  let imports = 0;
  for (const f of files) {
    const src = readFileSync(path.join(FIXTURES, f), "utf8");
    for (const p of [extractImports(src), parseWithGrammar(src)]) {
      imports += p.imports.length;
      assert.deepStrictEqual(roundTrip(p), p, f);
    }
  }
  assert.ok(imports > 50);
});

test("every field survives: flags, conditions, fallbacks, syntax errors, the extractor", () => {
  const src = [
    "import os, a.b as c",
    "from . import x",
    "from ..pkg.mod import (y, z)",
    "from m import *",
    "try:",
    "    import tomllib",
    "except ImportError:",
    "    import tomli as tomllib",
    "import sys",
    "if sys.version_info >= (3, 11):",
    "    import zoneinfo",
    "elif sys.platform == 'win32':",
    "    import winreg",
    "from typing import TYPE_CHECKING",
    "if TYPE_CHECKING:",
    "    import typed",
    "def f():",
    "    import lazy",
    "    importlib.import_module('dyn.mod')",
    "if __name__ == '__main__':",
    "    import cli",
    "x = (",
  ].join("\n");
  const p = extractImports(src);
  assert.ok(p.syntaxError, "the fixture ends in a syntax error");
  const flags = (k: "deferred" | "guarded" | "typeChecking" | "mainOnly") => p.imports.some((i) => i[k]);
  assert.ok(flags("deferred") && flags("guarded") && flags("typeChecking") && flags("mainOnly"));
  assert.ok(p.imports.some((i) => i.cond?.version) && p.imports.some((i) => i.cond?.platform));
  assert.ok(p.imports.some((i) => i.fallback !== 0) && p.imports.some((i) => i.tryLine !== 0));
  assert.ok(p.imports.some((i) => i.kind === "dynamic") && p.imports.some((i) => i.level === 2));
  assert.deepStrictEqual(roundTrip(p), p);
  const g = parseWithGrammar(src);
  assert.equal(g.via, "grammar");
  assert.deepStrictEqual(roundTrip(g), g);
});

test("anything else is not a packed parse", () => {
  for (const bad of [null, 3, "x", {}, [], [[], []], [{}, [], 0, 0], [[], {}, 0, 0]]) assert.equal(unpackParse(bad), null, JSON.stringify(bad));
});
