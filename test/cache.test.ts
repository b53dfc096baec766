// The caches and the parse worker: a warm run, a cold run on two threads and a run without any
// cache agree, and every kind of change to the repository is seen by the next warm run.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, existsSync, rmSync, mkdirSync, renameSync } from "node:fs";
import path from "node:path";
import { makeRepo, cli, Tree } from "./helpers.js";
import { ParseCache, parseRaw } from "../src/parse-cache.js";

const FROM = "FROM python:3.11-slim\nWORKDIR /app\n";

/** A service whose entry point reaches `n` modules of a copied package (enough for the parse worker). */
function bigRepo(n: number): Tree {
  const files: Tree = {
    "svc/Dockerfile": FROM + "COPY pkg/ /app/pkg/\nCOPY svc/main.py /app/\nCMD [\"python\", \"main.py\"]\n",
    "svc/main.py": "import pkg.m0\n",
    "pkg/__init__.py": "",
    "secret.py": "X = 1\n",
  };
  for (let i = 0; i < n; i++) {
    const next = i + 1 < n ? `from pkg import m${i + 1}\n` : "";
    files[`pkg/m${i}.py`] = `"""Module ${i}."""\nimport os\n${next}\n\ndef f${i}(x):\n    import json\n    return json.dumps([os.sep, x])\n`;
  }
  return files;
}

function json(dir: string, extra: string[] = []): { status: number; out: unknown; stdout: string } {
  const r = cli(["check", "--format", "json", ...extra], dir, { SHIPSHAPE_TIMING: "" });
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  return { status: r.status, out: JSON.parse(r.stdout), stdout: r.stdout };
}

/** Build and local-import findings (package rules have their own tests). */
function codes(out: unknown): string[] {
  return (out as { findings: { code: string; file: string }[] }).findings.filter((f) => /^SS[01]/.test(f.code)).map((f) => `${f.code} ${f.file}`).sort();
}

function timings(dir: string): string {
  return cli(["check", "--format", "json"], dir, { SHIPSHAPE_TIMING: "1" }).stderr;
}

describe("parse worker", () => {
  test("a cold run on two threads, a warm run and a run without cache give the same report", () => {
    const files = bigRepo(220);
    files["pkg/m7.py"] += "import secret\n"; // secret.py is never copied: SS101
    const dir = makeRepo(files);
    const t = timings(dir); // cold: parses on the worker
    assert.match(t, /worker parsed \d+ of \d+ files/);
    rmSync(path.join(dir, ".shipshape_cache"), { recursive: true });
    const cold = json(dir);
    const warm = json(dir);
    const none = json(dir, ["--no-cache"]);
    assert.equal(cold.status, 1);
    assert.deepEqual(codes(cold.out), ["SS101 pkg/m7.py"]);
    assert.equal(warm.stdout, cold.stdout);
    assert.equal(none.stdout, cold.stdout);
    const services = (cold.out as { services: { files_checked: number }[] }).services;
    assert.equal(services[0].files_checked, 220 + 2);
    // Every reachable file went into the parse cache.
    const disk = JSON.parse(readFileSync(ParseCache.fileIn(path.join(dir, ".shipshape_cache")), "utf8")) as { stats: Record<string, unknown> };
    assert.ok(Object.keys(disk.stats).length >= 222);
  });

  test("each file is parsed exactly once, whatever order the analysis asks in", () => {
    const dir = makeRepo(bigRepo(300));
    const all = Array.from({ length: 300 }, (_, i) => path.join(dir, "pkg", `m${i}.py`));
    const cache = new ParseCache(null);
    const primed: string[] = [];
    const prime = cache.prime.bind(cache);
    cache.prime = (r) => {
      primed.push(r.abs);
      prime(r);
    };
    const shared = cache.attachWorker(all);
    // Ask in a scrambled order, twice for some files.
    const order = all.map((f, i) => ({ f, k: (i * 7919) % 300 })).sort((a, b) => a.k - b.k).map((x) => x.f);
    for (const f of [...order, ...order.slice(0, 50)]) {
      const r = cache.parseFile(f);
      assert.deepEqual(r.parsed, parseRaw(f).parsed, f);
    }
    const received = shared.received;
    const here = shared.parsedHere;
    cache.detachWorker();
    assert.equal(new Set(primed).size, primed.length, "a result came twice");
    assert.equal(received + here, 300, `worker ${received} + here ${here}`);
  });

  test("many edited files are parsed again (on the worker) and the report follows", () => {
    const dir = makeRepo(bigRepo(200));
    assert.equal(json(dir).status, 0);
    for (let i = 0; i < 200; i++) {
      const f = path.join(dir, "pkg", `m${i}.py`);
      writeFileSync(f, readFileSync(f, "utf8") + (i === 150 ? "import secret\n" : "\n# edited\n"));
    }
    const t = timings(dir);
    assert.match(t, /worker parsed \d+ of 20\d files/);
    const warm = json(dir);
    assert.deepEqual(codes(warm.out), ["SS101 pkg/m150.py"]);
    assert.equal(json(dir, ["--no-cache"]).stdout, warm.stdout);
  });
});

describe("warm runs see every change", () => {
  const small = (): string =>
    makeRepo({
      "svc/Dockerfile": FROM + "COPY app/ /app/\nCMD [\"python\", \"main.py\"]\n",
      // helper.py appears later; until then the (guarded) import is only a package warning.
      "app/main.py": "try:\n    import helper\nexcept ImportError:\n    helper = None\n",
      "secret.py": "X = 1\n",
    });

  test("an edited file is parsed again", () => {
    const dir = small();
    assert.equal(json(dir).status, 0);
    writeFileSync(path.join(dir, "app", "main.py"), "import secret\n");
    assert.deepEqual(codes(json(dir).out), ["SS101 app/main.py"]);
    writeFileSync(path.join(dir, "app", "main.py"), "import os\n");
    assert.deepEqual(codes(json(dir).out), []);
  });

  test("a file added to, then deleted from, a copied folder", () => {
    const dir = small();
    assert.deepEqual(codes(json(dir).out), []);
    // helper.py now exists in the image, and imports a module that is never copied.
    writeFileSync(path.join(dir, "app", "helper.py"), "import secret\n");
    assert.deepEqual(codes(json(dir).out), ["SS101 app/helper.py"]);
    rmSync(path.join(dir, "app", "helper.py"));
    assert.deepEqual(codes(json(dir).out), []);
  });

  test("a file replaced by a folder, and a renamed folder", () => {
    const dir = small();
    writeFileSync(path.join(dir, "app", "helper.py"), "import secret\n");
    assert.deepEqual(codes(json(dir).out), ["SS101 app/helper.py"]);
    rmSync(path.join(dir, "app", "helper.py"));
    mkdirSync(path.join(dir, "app", "helper"));
    writeFileSync(path.join(dir, "app", "helper", "__init__.py"), "import secret\n");
    assert.deepEqual(codes(json(dir).out), ["SS101 app/helper/__init__.py"]);
    renameSync(path.join(dir, "app", "helper"), path.join(dir, "app", "helper2"));
    assert.deepEqual(codes(json(dir).out), []);
  });

  test("a new Dockerfile is discovered, a removed one is forgotten", () => {
    const dir = small();
    assert.equal((json(dir).out as { services: unknown[] }).services.length, 1);
    mkdirSync(path.join(dir, "other"));
    writeFileSync(path.join(dir, "other", "Dockerfile"), FROM + "COPY app/main.py /app/\nCMD [\"python\", \"main.py\"]\n");
    writeFileSync(path.join(dir, "app", "helper.py"), "import secret\n");
    const warm = json(dir);
    const two = warm.out as { services: unknown[] };
    assert.equal(two.services.length, 2);
    // The new service copies main.py but not helper.py.
    assert.deepEqual(codes(two), ["SS101 app/helper.py", "SS101 app/main.py"]);
    assert.equal(json(dir, ["--no-cache"]).stdout, warm.stdout);
    rmSync(path.join(dir, "svc"), { recursive: true });
    const after = json(dir);
    const one = after.out as { services: { name: string }[] };
    assert.deepEqual(one.services.map((s) => s.name), ["other"]);
    assert.deepEqual(codes(one), ["SS101 app/main.py"]);
    assert.equal(json(dir, ["--no-cache"]).stdout, after.stdout);
  });

  test("a .dockerignore added later excludes a file", () => {
    const dir = small();
    writeFileSync(path.join(dir, "app", "helper.py"), "X = 1\n");
    writeFileSync(path.join(dir, "app", "main.py"), "import helper\nimport secret_local\n");
    writeFileSync(path.join(dir, "app", "secret_local.py"), "Y = 2\n");
    assert.deepEqual(codes(json(dir).out), []);
    writeFileSync(path.join(dir, ".dockerignore"), "app/secret_local.py\n");
    assert.deepEqual(codes(json(dir).out), ["SS102 app/main.py"]);
    assert.ok(existsSync(path.join(dir, ".shipshape_cache")));
  });
});
