// `shipshape verify` without Docker: the probe's own Python run on real folders with the host's
// python3 (find mode runs no code of the modules it locates), the plan and comparison logic on
// real check results and on image folders the tests write, the reporters, the CLI's usage errors,
// and the whole run (builds, probes, cleanup, time limits, exit status) through a fake docker CLI
// (test/fixtures/fake-docker/docker.mjs, named by SHIPSHAPE_DOCKER). The builds and the probe
// inside real images are tested by the differential suite (test-e2e/, `npm run test:e2e`).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, ChildProcess } from "node:child_process";
import { existsSync, readFileSync, readdirSync, realpathSync } from "node:fs";
import path from "node:path";
import { makeRepo, check, cli, BIN, PROJECT_ROOT, Tree } from "./helpers.js";
import { PROBE_SOURCE, PROBE_MARKER, parseProbeOutput, ProbeOutputError, ProbeInput, ProbeMode, ProbeOutput, ProbeOutcome } from "../src/verify/probe.js";
import { planService, compare, runtimeSysPath, buildKey, Comparison, ServicePlan } from "../src/verify/plan.js";
import { verifyToJunit, verifyToText, verifyToJson } from "../src/verify/report.js";
import { exitCode, summarize, VerifyReport, ServiceVerdict } from "../src/verify/run.js";
import { docker } from "../src/verify/docker.js";

const FROM = "FROM python:3.11-slim\nWORKDIR /app\n";
const hasPython = spawnSync("python3", ["-c", "import sys; assert sys.version_info >= (3, 8)"]).status === 0;

function runProbe(input: ProbeInput, cwd: string): { out: ProbeOutput; stdout: string; stderr: string } {
  const r = spawnSync("python3", ["-c", PROBE_SOURCE], { input: JSON.stringify(input), encoding: "utf8", cwd, env: { PATH: process.env.PATH ?? "" } });
  assert.equal(r.status, 0, r.stderr);
  return { out: parseProbeOutput(r.stdout), stdout: r.stdout, stderr: r.stderr };
}

describe("probe output parsing", () => {
  test("the marked line is the result; other output is ignored", () => {
    const res: ProbeOutcome = { name: "a", group: 0, ok: true, kind: "module", origin: "/app/a.py" };
    const out = parseProbeOutput(`hello\n${PROBE_MARKER}${JSON.stringify({ python: "3.11.2", mode: "find", results: [res] })}\nbye\n`);
    assert.equal(out.python, "3.11.2");
    assert.deepEqual(out.results, [res]);
  });
  test("no result, bad JSON, or a malformed result are errors, not crashes", () => {
    assert.throws(() => parseProbeOutput("Traceback (most recent call last):\n"), ProbeOutputError);
    assert.throws(() => parseProbeOutput(`${PROBE_MARKER}{not json`), /not valid JSON/);
    assert.throws(() => parseProbeOutput(`${PROBE_MARKER}{"mode":"find","results":[{"name":1}]}`), /malformed/);
    assert.throws(() => parseProbeOutput(`${PROBE_MARKER}{"mode":"other","results":[]}`), /no results/);
  });
});

describe("the probe (host python3, real folders)", { skip: hasPython ? false : "python3 not installed" }, () => {
  const tree = {
    "app/__init__.py": "raise SystemExit('app/__init__.py must not run in find mode')\n",
    "app/main.py": "raise SystemExit('app/main.py must not run in find mode')\n",
    "ns/sub.py": "",
    "flat.py": "",
    "run.py": "",
  };
  test("find mode locates level by level without running any package code", () => {
    const dir = makeRepo(tree);
    const { out } = runProbe(
      {
        mode: "find",
        groups: [
          {
            sysPath: [dir],
            modules: [
              { name: "app.main" },
              { name: "app.gone" },
              { name: "flat.x" },
              { name: "ns", attrs: ["sub", "Thing"] },
              { name: "ns.sub" },
              { name: "nothere" },
              { name: "json.decoder" },
              { name: "sys" },
              { name: "__main__", file: path.join(dir, "run.py") },
              { name: "__main__", file: path.join(dir, "gone.py") },
            ],
          },
        ],
      },
      dir,
    );
    const by = (i: number) => out.results[i];
    assert.equal(out.mode, "find");
    assert.deepEqual([by(0).ok, by(0).kind, by(0).origin], [true, "module", path.join(dir, "app", "main.py")]);
    assert.deepEqual([by(1).ok, by(1).error], [false, "ModuleNotFoundError: No module named 'app.gone'"]);
    assert.deepEqual([by(2).ok, by(2).error], [false, "ModuleNotFoundError: No module named 'flat.x'; 'flat' is not a package"]);
    assert.equal(by(3).kind, "namespace");
    assert.deepEqual(by(3).attrs, { sub: null, Thing: "ImportError: cannot import name 'Thing' from 'ns' (unknown location)" });
    assert.deepEqual([by(4).ok, by(4).kind], [true, "module"], "a submodule of a namespace package whose parent was never imported");
    assert.deepEqual([by(5).ok, by(5).error], [false, "ModuleNotFoundError: No module named 'nothere'"]);
    assert.deepEqual([by(6).ok, by(6).kind], [true, "module"]);
    assert.deepEqual([by(7).ok, by(7).kind], [true, "builtin"]);
    assert.deepEqual([by(8).ok, by(8).kind], [true, "script"]);
    assert.equal(by(9).ok, false);
  });
  test("the sys.path of each group is the one used, before the interpreter's own", () => {
    const dir = makeRepo({ "a/json.py": "", "b/other.py": "" });
    const { out } = runProbe({ mode: "find", groups: [{ sysPath: [path.join(dir, "a")], modules: [{ name: "json" }, { name: "other" }] }, { sysPath: [path.join(dir, "b")], modules: [{ name: "json" }, { name: "other" }] }] }, dir);
    assert.deepEqual(
      out.results.map((r) => [r.group, r.name, r.ok, r.origin?.startsWith(dir) ?? null]),
      [
        [0, "json", true, true],
        [0, "other", false, null],
        [1, "json", true, false],
        [1, "other", true, true],
      ],
    );
  });
  test("import mode imports, captures the exception text and the missing name; prints do not break the result", () => {
    const dir = makeRepo({ "good.py": "print('noise on stdout')\nX = 1\n", "bad.py": "import not_installed_anywhere_xyz\n", "pkg/__init__.py": "", "ns/x.py": "" });
    const { out, stderr } = runProbe({ mode: "import", groups: [{ sysPath: [dir], modules: [{ name: "good" }, { name: "bad" }, { name: "pkg", attrs: ["nope"] }, { name: "ns", attrs: ["x", "y"] }] }] }, dir);
    assert.deepEqual([out.results[0].ok, out.results[0].kind], [true, "module"]);
    assert.match(stderr, /noise on stdout/);
    assert.deepEqual([out.results[1].ok, out.results[1].error, out.results[1].missing], [false, "ModuleNotFoundError: No module named 'not_installed_anywhere_xyz'", "not_installed_anywhere_xyz"]);
    assert.match(out.results[2].attrs!.nope!, /^ImportError: cannot import name 'nope' from 'pkg'/);
    assert.equal(out.results[3].attrs!.x, null);
    assert.match(out.results[3].attrs!.y!, /cannot import name 'y' from 'ns'/);
  });
});

/** Stand-ins for the image interpreter's own sys.path entries: its standard library and site-packages. */
const IMAGE_LIB = ["/usr/local/lib/python3.11", "/usr/local/lib/python3.11/site-packages"];

/**
 * What the probe reports inside an image whose filesystem is `image`: a tree the test writes by
 * hand (not derived from check's model) standing for the image's `/`. The host's python3 runs the
 * real probe (-S: none of the host's site-packages), with the plan's sys.path entries and files
 * mapped into that folder, IMAGE_LIB on PYTHONPATH, and the paths of its result mapped back, as
 * `docker run` would show them.
 */
function probeImage(plan: ServicePlan, image: Tree, mode: ProbeMode = "find"): ProbeOutput {
  const root = realpathSync(makeRepo(image, { marker: false }));
  const into = (p: string) => path.join(root, p);
  const input: ProbeInput = { mode, groups: plan.groups.map((g) => ({ sysPath: g.sysPath.map(into), modules: g.modules.map((m) => (m.file ? { ...m, file: into(m.file) } : m)) })) };
  const r = spawnSync("python3", ["-S", "-c", PROBE_SOURCE], { input: JSON.stringify(input), encoding: "utf8", cwd: root, env: { PATH: process.env.PATH ?? "", PYTHONPATH: IMAGE_LIB.map(into).join(path.delimiter) }, timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  const back = (v: unknown): unknown =>
    typeof v === "string" ? v.split(root + "/").join("/") : Array.isArray(v) ? v.map(back) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, back(x)])) : v;
  return back(parseProbeOutput(r.stdout)) as ProbeOutput;
}

const needsPython = { skip: hasPython ? false : "python3 not installed" };
const counts = (c: Comparison) => [c.proven, c.failing, c.disagreements];
const disagreeing = (c: Comparison) => c.modules.filter((m) => !m.agrees).map((m) => [m.name, m.note]);

describe("plan and comparison on real check results", () => {
  const broken = {
    "svc/Dockerfile": FROM + "COPY svc/main.py /app/\nCOPY worker/writer.py /app/\nCMD [\"python\", \"main.py\"]\n",
    "svc/main.py": "from writer import Writer\n\ndef later():\n    import deferred_mod\n",
    "worker/writer.py": "from distributed_lock import Lock\nclass Writer: pass\n",
    "worker/distributed_lock.py": "class Lock: pass\n",
    "svc/deferred_mod.py": "",
  };
  // What the Dockerfile really puts into the image.
  const image = { "app/main.py": broken["svc/main.py"], "app/writer.py": broken["worker/writer.py"] };
  test("reachable modules are expected to resolve where check found them; findings to be missing", needsPython, () => {
    const res = check(makeRepo(broken));
    const plan = planService(res.results[0]);
    assert.deepEqual(
      plan.expectations.map((e) => [e.name, e.file ?? null, e.expect, e.why]),
      [
        ["__main__", "/app/main.py", "ok", "reachable from the entry point"],
        ["writer", "/app/writer.py", "ok", "reachable from the entry point"],
        ["deferred_mod", null, "missing", "SS101 svc/main.py:4"],
        ["distributed_lock", null, "missing", "SS101 worker/writer.py:1"],
      ],
    );
    assert.deepEqual(plan.groups.map((g) => g.sysPath), [["/app"]]);
    const agree = compare(plan, probeImage(plan, image));
    assert.deepEqual(counts(agree), [2, 2, 0]);
    assert.deepEqual(
      agree.modules.map((m) => [m.name, m.ok, m.kind ?? null, m.origin ?? null, m.error ?? null]),
      [
        ["__main__", true, "script", "/app/main.py", null],
        ["writer", true, "module", "/app/writer.py", null],
        ["deferred_mod", false, null, null, "ModuleNotFoundError: No module named 'deferred_mod'"],
        ["distributed_lock", false, null, null, "ModuleNotFoundError: No module named 'distributed_lock'"],
      ],
    );
  });
  test("disagreements in both directions, and a module found at another file", needsPython, () => {
    const plan = planService(check(makeRepo(broken)).results[0]);
    // A package folder shadows writer.py; distributed_lock is in the image after all.
    const c = compare(plan, probeImage(plan, { ...image, "app/writer/__init__.py": "", "app/distributed_lock.py": "" }));
    assert.deepEqual(disagreeing(c), [
      ["writer", "check predicted /app/writer.py, Python found /app/writer/__init__.py"],
      ["distributed_lock", "check predicted it is missing (SS101 worker/writer.py:1); Python finds it at /app/distributed_lock.py"],
    ]);
    const c2 = compare(plan, probeImage(plan, { "app/main.py": image["app/main.py"] }));
    assert.deepEqual(disagreeing(c2), [["writer", "check predicted it resolves; Python cannot find it"]]);
  });
  test("--import: a module failing through a predicted-missing import agrees; an unexplained failure does not", needsPython, () => {
    const plan = planService(check(makeRepo(broken)).results[0]);
    const explained = compare(plan, probeImage(plan, image, "import"), "import");
    assert.deepEqual(counts(explained), [0, 4, 0]);
    assert.deepEqual(
      explained.modules.filter((m) => m.predicted === "ok").map((m) => [m.name, m.error, m.note]),
      [
        ["__main__", "ModuleNotFoundError: No module named 'distributed_lock'", "fails through the predicted failure of distributed_lock"],
        ["writer", "ModuleNotFoundError: No module named 'distributed_lock'", "fails through the predicted failure of distributed_lock"],
      ],
    );
    // The image's writer.py needs a package the image does not have (none of the host's either: -S).
    const other = compare(plan, probeImage(plan, { ...image, "app/writer.py": "import flask_not_in_this_image\nclass Writer: pass\n" }, "import"), "import");
    assert.deepEqual(disagreeing(other), [
      ["__main__", "check predicted it imports; it fails at run time"],
      ["writer", "check predicted it imports; it fails at run time"],
    ]);
  });
  test("SS105: the name must not import from the namespace package; SS106: a namespace package", needsPython, () => {
    const files = {
      "Dockerfile": FROM + "COPY predictions/shared/lock.py predictions/shared/\nCOPY job.py .\nCMD [\"python\", \"-m\", \"job\"]\n",
      "job.py": "from predictions.shared import DistributedLock\n",
      "predictions/shared/__init__.py": "from .lock import DistributedLock\n",
      "predictions/shared/lock.py": "class DistributedLock: pass\n",
    };
    const plan = planService(check(makeRepo(files)).results[0]);
    const ns = plan.expectations.find((e) => e.expect === "namespace")!;
    assert.deepEqual([ns.name, ns.missingAttrs], ["predictions.shared", ["DistributedLock"]]);
    assert.deepEqual(plan.groups[0].modules.find((m) => m.name === "predictions.shared")!.attrs, ["DistributedLock"]);
    const copied = { "app/job.py": files["job.py"], "app/predictions/shared/lock.py": files["predictions/shared/lock.py"] };
    const agree = compare(plan, probeImage(plan, copied));
    assert.deepEqual(counts(agree), [plan.expectations.length - 1, 1, 0]);
    const shared = agree.modules.find((m) => m.name === "predictions.shared")!;
    assert.deepEqual([shared.kind, shared.error], ["namespace", "ImportError: cannot import name 'DistributedLock' from 'predictions.shared' (unknown location)"]);
    // With its __init__.py in the image it is a regular package: the prediction is refuted.
    const refuted = compare(plan, probeImage(plan, { ...copied, "app/predictions/shared/__init__.py": files["predictions/shared/__init__.py"] }));
    assert.deepEqual(disagreeing(refuted), [["predictions.shared", "check predicted 'from predictions.shared import DistributedLock' fails; it imports"]]);
  });
  test("SS108: a submodule of a local package that exists nowhere is expected missing, and fails as predicted", needsPython, () => {
    const files = { "Dockerfile": FROM + "COPY . .\nCMD [\"python\", \"main.py\"]\n", "pkg/__init__.py": "X = 1\n", "pkg/real.py": "", "main.py": "import pkg.gone\nfrom pkg import missing_name\nfrom pkg import X, real\n" };
    const plan = planService(check(makeRepo(files)).results[0]);
    assert.deepEqual(
      plan.expectations.filter((e) => e.expect === "missing").map((e) => [e.name, e.why]),
      [
        ["pkg.gone", "SS108 main.py:1"],
        ["pkg.missing_name", "SS108 main.py:2"],
      ],
    );
    const copied = { "app/main.py": files["main.py"], "app/pkg/__init__.py": files["pkg/__init__.py"], "app/pkg/real.py": "" };
    const found = compare(plan, probeImage(plan, copied));
    assert.deepEqual([found.failing, found.disagreements], [2, 0]);
    assert.equal(found.modules.find((m) => m.name === "pkg.gone")!.error, "ModuleNotFoundError: No module named 'pkg.gone'");
    // --import: the entry script fails on the very import SS108 named.
    const imported = compare(plan, probeImage(plan, copied, "import"), "import");
    assert.equal(imported.disagreements, 0);
    assert.equal(imported.modules.find((m) => m.name === "__main__")!.note, "fails through the predicted failure of pkg.gone");
    // A module that is there after all refutes it.
    const refuted = compare(plan, probeImage(plan, { ...copied, "app/pkg/gone.py": "" }));
    assert.deepEqual(disagreeing(refuted), [["pkg.gone", "check predicted it is missing (SS108 main.py:1); Python finds it at /app/pkg/gone.py"]]);
  });
  test("build-failure findings, gcloud services and image-less services", () => {
    const res = check(makeRepo({ "Dockerfile": FROM + "COPY main.py missing_dir/ ./\nCMD python main.py\n", "main.py": "" }));
    assert.deepEqual(planService(res.results[0]).buildFailures.map((f) => f.code), ["SS006"]);
    const g = check(makeRepo({ "shipshape.toml": '[services.app]\ndockerfile = "Dockerfile"\ncontext = "."\nbuild = "gcloud"\n', "Dockerfile": FROM + "COPY main.py .\nCMD python main.py\n", "main.py": "" }));
    assert.match(planService(g.results[0]).skip!, /gcloud/);
    const ng = check(makeRepo({ "Dockerfile": "FROM nginx:1.27\nCOPY site/ /usr/share/nginx/html/\n", "site/index.html": "" }));
    assert.match(planService(ng.results[0]).skip!, /nothing|no Python/);
  });
  test("services of one build share a key; pip-installed project dirs are not on the runtime sys.path", () => {
    const svc = check(makeRepo({ "Dockerfile": FROM + "COPY . .\nCMD python main.py\n", "main.py": "" })).results[0].service;
    assert.equal(buildKey(svc), buildKey({ ...svc, name: "other", entryPoints: ["/app/x.py"], buildArgs: { ...svc.buildArgs } }));
    assert.notEqual(buildKey(svc), buildKey({ ...svc, buildArgs: { A: "1" } }));
    assert.notEqual(buildKey(svc), buildKey({ ...svc, target: "runtime" }));
    assert.deepEqual(runtimeSysPath(["/app", "/opt/p", "/src", "/src/src"], ["/src", "/src/src"]), ["/app", "/opt/p"]);
    assert.deepEqual(runtimeSysPath(["/src"], ["/src"]), ["/src"], "the first entry (script dir or cwd) always stays");
  });
});

describe("plan and comparison of package and standard-library predictions", () => {
  const repo = {
    "shipshape.toml": '[images."shipshape-e2e/pkgs"]\npython = "3.11"\npackages = ["PyYAML", "python-dateutil"]\n',
    "Dockerfile": "FROM shipshape-e2e/pkgs:1\nWORKDIR /app\nCOPY main.py .\nCMD [\"python\", \"main.py\"]\n",
    "main.py": "import json\nimport tomllib\nimport yaml\nfrom dateutil import parser\nimport toml\nimport distutils\ntry:\n    import ujson\nexcept ImportError:\n    ujson = None\n",
  };
  // The image: Python 3.11's tomllib and distutils (stand-ins, whatever the host's python3 is), PyYAML and python-dateutil.
  const image = {
    "app/main.py": repo["main.py"],
    "usr/local/lib/python3.11/tomllib/__init__.py": "",
    "usr/local/lib/python3.11/distutils/__init__.py": "",
    "usr/local/lib/python3.11/site-packages/yaml/__init__.py": "",
    "usr/local/lib/python3.11/site-packages/dateutil/__init__.py": "",
    "usr/local/lib/python3.11/site-packages/dateutil/parser.py": "",
  };
  test("satisfied imports are expected present; SS201/SS301 errors and guarded SS201 warnings missing", needsPython, () => {
    const r = check(makeRepo(repo)).results[0];
    const codes = r.findings.map((f) => `${f.code} ${f.module} ${f.severity}`).sort();
    // distutils is deprecated in 3.11, removed only in 3.12: predicted present.
    assert.deepEqual(codes, ["SS201 toml error", "SS201 ujson warning"]);
    const plan = planService(r);
    const ext = plan.expectations.filter((e) => e.external).map((e) => [e.name, e.expect, e.external, Boolean(e.warning)]);
    assert.deepEqual(ext.sort(), [
      ["dateutil", "ok", "package", false],
      ["distutils", "ok", "stdlib", false],
      ["json", "ok", "stdlib", false],
      ["toml", "missing", "package", false],
      ["tomllib", "ok", "stdlib", false],
      ["ujson", "missing", "package", true],
      ["yaml", "ok", "package", false],
    ]);
    assert.match(plan.expectations.find((e) => e.name === "yaml")!.via!, /base image/);
    const agree = compare(plan, probeImage(plan, image));
    assert.equal(agree.disagreements, 0);
    assert.equal(agree.modules.find((m) => m.name === "yaml")!.origin, "/usr/local/lib/python3.11/site-packages/yaml/__init__.py");
    // The guarded import's absence does not fail the run: only toml fails it.
    assert.deepEqual(
      agree.modules.filter((m) => !m.ok).map((m) => [m.name, Boolean(m.warning)]),
      [
        ["toml", false],
        ["ujson", true],
      ],
    );
    assert.equal(agree.failing, 1);
  });
  test("a fallback import's SS201 warning predicts it missing, like a guarded one's", () => {
    const r = check(makeRepo({ ...repo, "main.py": "try:\n    import ujson\nexcept ImportError:\n    import simplejson as ujson\n" })).results[0];
    assert.deepEqual(r.findings.map((f) => `${f.code} ${f.module} ${f.severity}`).sort(), ["SS201 simplejson warning", "SS201 ujson warning"]);
    const missing = planService(r).expectations.filter((e) => e.expect === "missing").map((e) => [e.name, e.external, Boolean(e.warning)]);
    assert.deepEqual(missing.sort(), [
      ["simplejson", "package", true],
      ["ujson", "package", true],
    ]);
  });
  test("a package predicted present that is absent, and one predicted missing that is present, disagree", needsPython, () => {
    const plan = planService(check(makeRepo(repo)).results[0]);
    const { "usr/local/lib/python3.11/site-packages/yaml/__init__.py": _yaml, ...withoutYaml } = image;
    const c = compare(plan, probeImage(plan, { ...withoutYaml, "usr/local/lib/python3.11/site-packages/toml/__init__.py": "" }));
    assert.deepEqual(c.modules.filter((m) => !m.agrees).map((m) => [m.name, m.external]).sort(), [["toml", "package"], ["yaml", "package"]]);
    assert.equal(c.modules.find((m) => m.name === "toml")!.note, "check predicted it is missing (SS201 main.py:5); Python finds it at /usr/local/lib/python3.11/site-packages/toml/__init__.py");
    assert.equal(c.modules.find((m) => m.name === "yaml")!.note, "check predicted it resolves; Python cannot find it");
  });
  test("SS301: a module removed from the image's Python is expected missing", () => {
    const r = check(makeRepo({ ...repo, "shipshape.toml": repo["shipshape.toml"].replace('"3.11"', '"3.12"'), "main.py": "import distutils\n" })).results[0];
    const plan = planService(r);
    assert.deepEqual(plan.expectations.filter((e) => e.external).map((e) => [e.name, e.expect, e.external, e.why]), [["distutils", "missing", "stdlib", "SS301 main.py:1"]]);
  });
  test("a warning that only says the image is not fully known predicts nothing", () => {
    const r = check(makeRepo({ "Dockerfile": "FROM example.org/unknown:1\nWORKDIR /app\nRUN pip install ./wheels/x.whl\nCOPY main.py .\nCMD [\"python3\", \"main.py\"]\n", "main.py": "import toml\n" })).results[0];
    const plan = planService(r);
    assert.equal(plan.expectations.filter((e) => e.name === "toml").length, 0);
  });
});

/** A report of these verdicts, its totals computed by verify's own summary. */
function report(services: ServiceVerdict[], builds = services.filter((s) => s.build && !s.build.sharedWith).length): VerifyReport {
  return { repoRoot: "/r", mode: "find", engine: "28.0", services, summary: summarize(services, builds, 1.5) };
}

describe("reporters and exit status", () => {
  const failedBuild: ServiceVerdict = { service: "api", dockerfile: "api/Dockerfile", status: "failed", build: { ok: false, seconds: 2, exitCode: 1, lastLines: ["Step 3/5 : COPY app.py .", "COPY failed: file not found in build context: stat app.py: <missing> & gone"] }, predictedBuildFailure: [], notProbed: [], disagreements: [] };
  const probed: ServiceVerdict = {
    service: "wor<k>er",
    dockerfile: "Dockerfile",
    status: "failed",
    build: { ok: true, seconds: 3 },
    predictedBuildFailure: [],
    probe: { seconds: 0.4, python: "3.11.2", mode: "find" },
    comparison: {
      proven: 1,
      failing: 1,
      disagreements: 1,
      modules: [
        { name: "app", sysPath: ["/app"], predicted: "ok", why: "reachable from the entry point", ok: true, agrees: true },
        { name: "gone", sysPath: ["/app"], predicted: "missing", why: "SS101 app.py:1", ok: false, agrees: true, error: "ModuleNotFoundError: No module named 'gone'" },
        { name: "extra", sysPath: ["/app"], predicted: "missing", why: "SS101 app.py:2", ok: true, agrees: false, note: 'check predicted it is missing; Python finds it at /app/"extra".py' },
      ],
    },
    notProbed: [],
    disagreements: ['extra: check predicted it is missing; Python finds it at /app/"extra".py'],
  };
  const skipped: ServiceVerdict = { service: "s", dockerfile: "s/Dockerfile", status: "skipped", skipped: "built by gcloud", predictedBuildFailure: [], notProbed: [], disagreements: [] };
  test("the summary counts the services' verdicts", () => {
    const shared: ServiceVerdict = { ...probed, service: "twin", status: "verified", build: { ok: true, seconds: 3, sharedWith: "wor<k>er" }, disagreements: [], comparison: { ...probed.comparison!, proven: 2, failing: 0, disagreements: 0 } };
    assert.deepEqual(summarize([failedBuild, probed, skipped, shared], 2, 1.5), { services: 4, verified: 1, failed: 2, skipped: 1, builds: 2, proven: 3, failing: 1, disagreements: 1, seconds: 1.5 });
    assert.deepEqual(summarize([], 0, 0), { services: 0, verified: 0, failed: 0, skipped: 0, builds: 0, proven: 0, failing: 0, disagreements: 0, seconds: 0 });
  });
  test("junit: one suite per service, a case per module and build, failures typed, XML escaped", () => {
    const x = verifyToJunit(report([failedBuild, probed, skipped]));
    assert.match(x, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="shipshape verify" tests="6" failures="3" errors="0" skipped="1" time="1.5">/);
    assert.match(x, /<testsuite name="api" tests="1" failures="1"/);
    assert.match(x, /<failure type="build" message="build failed">Step 3\/5 : COPY app.py .\nCOPY failed: file not found in build context: stat app.py: &lt;missing&gt; &amp; gone<\/failure>/);
    assert.match(x, /<testsuite name="wor&lt;k&gt;er" tests="4" failures="2"/);
    assert.match(x, /<testcase classname="wor&lt;k&gt;er" name="gone" time="0"><failure type="predicted" message="ModuleNotFoundError: No module named 'gone'">predicted: SS101 app.py:1<\/failure>/);
    assert.match(x, /<failure type="disagreement" message="check predicted it is missing; Python finds it at \/app\/&quot;extra&quot;.py">/);
    assert.match(x, /<testsuite name="s" tests="1" failures="0" errors="0" skipped="1">\n    <testcase classname="s" name="build" time="0"><skipped message="built by gcloud"\/>/);
    assert.equal((x.match(/<testcase /g) ?? []).length, (x.match(/<\/testcase>/g) ?? []).length);
  });
  test("text: a build failure shows the build's own last lines and whether check predicted it; the totals close it", () => {
    const r = report([failedBuild, probed, skipped]);
    const t = verifyToText(r);
    assert.match(t, /^shipshape verify: 3 service\(s\), 2 image build\(s\), Docker 28.0 \(find mode/);
    assert.match(t, /FAIL api \(api\/Dockerfile\): build failed \(exit 1\) after 2 s\n  check did not predict this build failure\n  \| Step 3\/5 : COPY app.py .\n  \| COPY failed/);
    assert.match(t, /    gone: ModuleNotFoundError: No module named 'gone'  \[predicted: SS101 app.py:1\]/);
    assert.match(t, /disagreements with check: 1\n    extra: check predicted it is missing/);
    assert.match(t, /\n- s: skipped \(built by gcloud\)\n/);
    assert.ok(t.endsWith("\n0 verified, 2 failed, 1 skipped; 1 module(s) proven, 1 failing, 1 disagreement(s) with check (1.5 s)\n"), t);
    assert.doesNotMatch(t, /\bat .*\.js:\d+/, "no stack trace");
    assert.deepEqual(JSON.parse(verifyToJson(r)), JSON.parse(JSON.stringify(r)));
  });
  test("exit status: 1 on a failure or disagreement, 0 when everything is verified or skipped", () => {
    assert.equal(exitCode(report([failedBuild])), 1);
    assert.equal(exitCode(report([{ ...probed, status: "verified", disagreements: [] }])), 0);
    assert.equal(exitCode(report([{ ...probed, status: "verified" }])), 1);
    assert.equal(exitCode(report([skipped])), 0);
  });
});

const FAKE_DOCKER = path.join(PROJECT_ROOT, "test", "fixtures", "fake-docker", "docker.mjs");

interface FakeRun {
  status: number;
  stdout: string;
  stderr: string;
  /** Every docker CLI call, in order (arguments over 200 characters shortened). */
  calls: string[][];
  /** Tags of the images left in the engine. */
  images: string[];
}

/** `shipshape verify` with SHIPSHAPE_DOCKER naming the fake docker CLI of test/fixtures/fake-docker (its own state folder per call). */
function fakeVerify(args: string[], dir: string, env: Record<string, string> = {}): FakeRun {
  const state = makeRepo({}, { marker: false });
  const r = cli(["verify", ...args], dir, { SHIPSHAPE_DOCKER: FAKE_DOCKER, FAKE_DOCKER_STATE: state, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}`, ...env });
  const log = path.join(state, "calls.jsonl");
  const calls = existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { argv: string[] }).argv) : [];
  const imageDir = path.join(state, "images");
  const images = existsSync(imageDir) ? readdirSync(imageDir).map((h) => Buffer.from(h, "hex").toString()) : [];
  return { ...r, calls, images };
}
const called = (r: FakeRun, cmd: string) => r.calls.filter((c) => c[0] === cmd);
const option = (argv: string[], name: string) => argv[argv.indexOf(name) + 1];

describe("verify through a fake docker CLI (SHIPSHAPE_DOCKER)", { skip: hasPython ? false : "python3 not installed" }, () => {
  const shared = {
    "shipshape.toml": '[services.api]\ndockerfile = "Dockerfile"\ncontext = "."\n\n[services.worker]\ndockerfile = "Dockerfile"\ncontext = "."\nentry_points = ["/app/worker.py"]\n',
    "Dockerfile": FROM + "COPY main.py worker.py ./\nCOPY pkg/ pkg/\nCMD [\"python\", \"main.py\"]\n",
    "main.py": "import os\nimport pkg.real\n",
    "worker.py": "import pkg.real\nimport pkg.gone\n",
    "pkg/__init__.py": "",
    "pkg/real.py": "",
  };
  test("services of one image are built once and probed each; the image is removed afterwards", () => {
    const r = fakeVerify(["--format", "json"], makeRepo(shared));
    assert.equal(r.status, 1, r.stderr);
    assert.deepEqual(r.calls.map((c) => c[0]), ["version", "build", "run", "run", "image"]);
    const tag = option(called(r, "build")[0], "-t");
    assert.match(tag, /^shipshape-verify\/api:[0-9a-f]{8}$/);
    for (const run of called(r, "run")) {
      assert.equal(run[run.indexOf("--entrypoint") + 2], tag);
      assert.ok(run.includes("--rm") && run.includes("--network=none"), run.join(" "));
    }
    assert.deepEqual(r.calls.at(-1), ["image", "rm", "--no-prune", tag]);
    assert.deepEqual(r.images, []);
    const rep = JSON.parse(r.stdout) as VerifyReport;
    assert.deepEqual(
      rep.services.map((s) => [s.service, s.status, s.build?.ok, s.build?.sharedWith ?? null, /^3\.\d+\.\d+$/.test(s.probe?.python ?? "")]),
      [
        ["api", "verified", true, null, true],
        ["worker", "failed", true, "api", true],
      ],
    );
    const gone = rep.services[1].comparison!.modules.find((m) => m.name === "pkg.gone")!;
    assert.deepEqual([gone.predicted, gone.why, gone.ok, gone.agrees, gone.error], ["missing", "SS108 worker.py:2", false, true, "ModuleNotFoundError: No module named 'pkg.gone'"]);
    assert.ok(rep.services[1].comparison!.modules.some((m) => m.name === "__main__" && m.file === "/app/worker.py" && m.ok && m.agrees));
    assert.deepEqual(rep.summary, summarize(rep.services, 1, rep.summary.seconds));
    assert.deepEqual([rep.summary.builds, rep.summary.verified, rep.summary.failed, rep.summary.failing, rep.summary.disagreements], [1, 1, 1, 1, 0]);
  });
  test("--keep keeps the image and prints its tag; --import imports in the container", () => {
    const r = fakeVerify(["--keep", "--import", "api"], makeRepo(shared));
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.deepEqual(r.calls.map((c) => c[0]), ["version", "build", "run"]);
    const tag = option(called(r, "build")[0], "-t");
    assert.deepEqual(r.images, [tag]);
    assert.match(r.stdout, /import mode: modules imported/);
    assert.ok(r.stdout.includes(`ok   api (Dockerfile): built in `) && r.stdout.includes(`, kept as ${tag}\n`), r.stdout);
    assert.match(r.stdout, /\n1 verified, 0 failed, 0 skipped; \d+ module\(s\) proven, 0 failing, 0 disagreement\(s\) with check/);
  });
  test("a failing build reports the build's own last lines, whether check predicted it, and exit 1", () => {
    const lines = Array.from({ length: 20 }, (_, i) => `echo "build line ${i + 1}"`).join("; ");
    const r = fakeVerify(["--format", "json"], makeRepo({
      "a/Dockerfile": FROM + `COPY main.py .\nRUN ${lines}; exit 3\nCMD ["python", "main.py"]\n`,
      "a/main.py": "",
      "b/Dockerfile": FROM + "COPY main.py missing_dir/ ./\nCMD python main.py\n",
      "b/main.py": "",
    }));
    assert.equal(r.status, 1, r.stderr);
    assert.equal(called(r, "build").length, 2);
    assert.deepEqual([called(r, "run").length, called(r, "image").length, r.images.length], [0, 0, 0], "nothing to probe or remove");
    const rep = JSON.parse(r.stdout) as VerifyReport;
    const [a, b] = rep.services;
    assert.deepEqual([a.service, a.status, a.build?.ok, a.build?.exitCode, a.predictedBuildFailure], ["a", "failed", false, 1, []]);
    assert.equal(a.build!.lastLines!.length, 12);
    assert.ok(a.build!.lastLines!.includes("build line 20") && !a.build!.lastLines!.includes("build line 5"), a.build!.lastLines!.join("\n"));
    assert.ok(a.build!.lastLines!.includes(`The command '/bin/sh -c ${lines}; exit 3' returned a non-zero code: 3`), a.build!.lastLines!.join("\n"));
    assert.deepEqual([b.service, b.status, b.build?.ok], ["b", "failed", false]);
    assert.match(b.predictedBuildFailure.join(), /^SS006 b\/Dockerfile:3$/);
    assert.equal(b.build!.lastLines!.at(-1), "COPY failed: file not found in build context or excluded by .dockerignore: stat missing_dir/: file does not exist");
    const text = verifyToText(rep);
    assert.match(text, /FAIL a \(a\/Dockerfile\): build failed \(exit 1\) after [\d.]+ s\n  check did not predict this build failure\n(  \| .*\n){12}/);
    assert.match(text, /FAIL b \(b\/Dockerfile\): build failed \(exit 1\) after [\d.]+ s\n  predicted by check: SS006 b\/Dockerfile:3\n/);
  });
  test("a build over --build-timeout is stopped and reported as timed out", () => {
    const r = fakeVerify(["--format", "json", "--build-timeout", "1"], makeRepo({ "Dockerfile": FROM + "COPY main.py .\nRUN echo started; sleep 60\nCMD [\"python\", \"main.py\"]\n", "main.py": "" }));
    assert.equal(r.status, 1, r.stderr);
    const s = (JSON.parse(r.stdout) as VerifyReport).services[0];
    assert.deepEqual([s.status, s.build?.ok, s.build?.timedOut, s.build?.lastLines?.at(-1)], ["failed", false, true, "(build timed out after 1 s)"]);
    assert.ok(s.build!.lastLines!.includes("started"));
    assert.deepEqual([called(r, "run").length, r.images.length], [0, 0]);
  });
  test("a probe over --probe-timeout is stopped, its container removed by name, and the image too", () => {
    const r = fakeVerify(["--format", "json", "--import", "--probe-timeout", "2"], makeRepo({ "Dockerfile": FROM + "COPY main.py .\nCMD [\"python\", \"main.py\"]\n", "main.py": "import time\ntime.sleep(60)\n" }));
    assert.equal(r.status, 1, r.stderr);
    const s = (JSON.parse(r.stdout) as VerifyReport).services[0];
    assert.deepEqual([s.status, s.build?.ok, s.probe?.error], ["failed", true, "the probe timed out after 2 s"]);
    const [run] = called(r, "run");
    assert.deepEqual(called(r, "rm"), [["rm", "-f", option(run, "--name")]]);
    assert.deepEqual(r.calls.at(-1), ["image", "rm", "--no-prune", option(called(r, "build")[0], "-t")]);
    assert.deepEqual(r.images, []);
  });
  test("an image without python3 is probed with python; one with no Python at all fails its probe", () => {
    const r = fakeVerify(["--format", "json"], makeRepo({
      "shipshape.toml": '[images."fake/python-only"]\npython = "3.11"\n\n[images."fake/none"]\npython = "3.11"\n',
      "a/Dockerfile": "FROM fake/python-only:1\nWORKDIR /app\nCOPY main.py .\nCMD [\"python\", \"main.py\"]\n",
      "a/main.py": "import json\n",
      "b/Dockerfile": "FROM fake/none:1\nWORKDIR /app\nCOPY main.py .\nCMD [\"python\", \"main.py\"]\n",
      "b/main.py": "",
    }));
    const rep = JSON.parse(r.stdout) as VerifyReport;
    const runs = called(r, "run").map((c) => [option(c, "--entrypoint"), c[c.indexOf("--entrypoint") + 2].split("/")[1].split(":")[0]]).sort();
    assert.deepEqual(runs, [["python", "a"], ["python", "b"], ["python3", "a"], ["python3", "b"]]);
    assert.deepEqual(rep.services.map((s) => [s.service, s.status]), [["a", "verified"], ["b", "failed"]]);
    assert.equal(rep.services[1].probe!.error, "the probe printed no result");
    assert.match(rep.services[1].probe!.lastLines!.join("\n"), /exec: "python": executable file not found in \$PATH/);
    assert.equal(r.status, 1);
  });
  test("no engine behind the CLI: one line, exit 2, nothing built", () => {
    const r = fakeVerify([], makeRepo(shared), { FAKE_DOCKER_ENGINE: "down" });
    assert.equal(r.status, 2);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, "shipshape: error: no Docker engine reachable: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n");
    assert.deepEqual(r.calls, [["version", "--format", "{{.Server.Version}}"]]);
    const none = cli(["verify"], makeRepo(shared), { SHIPSHAPE_DOCKER: path.join(makeRepo({}, { marker: false }), "no-docker-here") });
    assert.equal(none.status, 2);
    assert.match(none.stderr, /^shipshape: error: no Docker engine: cannot run the docker CLI \(spawn .*no-docker-here ENOENT\)\n$/);
  });
  test("a time limit past setTimeout's range does not fire at once", async () => {
    const saved = process.env.SHIPSHAPE_DOCKER;
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    process.env.SHIPSHAPE_DOCKER = FAKE_DOCKER;
    try {
      const env = { ...process.env, FAKE_DOCKER_STATE: makeRepo({}, { marker: false }), PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}` };
      const r = await docker(["version", "--format", "{{.Server.Version}}"], { timeoutMs: 1e13, env });
      assert.deepEqual([r.code, r.timedOut, r.stdout], [0, false, "24.0.9-fake\n"]);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(warnings.filter((w) => w === "TimeoutOverflowWarning"), []);
    } finally {
      process.off("warning", onWarning);
      if (saved === undefined) delete process.env.SHIPSHAPE_DOCKER;
      else process.env.SHIPSHAPE_DOCKER = saved;
    }
  });
});

/** `shipshape verify` started as a child process (its own process group, as a terminal's job is), through the fake docker CLI. */
interface Started {
  child: ChildProcess;
  state: string;
  /** Resolves when it has exited. */
  exited: Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; at: number }>;
}

function startVerify(args: string[], dir: string, env: Record<string, string> = {}): Started {
  const state = makeRepo({}, { marker: false });
  const child = spawn(process.execPath, [BIN, "verify", ...args], {
    cwd: dir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", SHIPSHAPE_DOCKER: FAKE_DOCKER, FAKE_DOCKER_STATE: state, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}`, ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<Awaited<Started["exited"]>>((resolve) => child.on("close", (status, signal) => resolve({ status, signal, stdout, stderr, at: performance.now() })));
  return { child, state, exited };
}

const callsOf = (state: string): string[][] => {
  const log = path.join(state, "calls.jsonl");
  return existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { argv: string[] }).argv) : [];
};
interface Hanging {
  hang: string;
  pid: number;
  container?: number;
  name?: string;
}
/** What the fake docker says is hanging (FAKE_DOCKER_HANG), once it is. */
const hangingOf = (state: string): Hanging[] => {
  const log = path.join(state, "hanging.jsonl");
  return existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Hanging) : [];
};
const folder = (state: string, sub: string) => (existsSync(path.join(state, sub)) ? readdirSync(path.join(state, sub)) : []);
const imagesOf = (state: string) => folder(state, "images").map((h) => Buffer.from(h, "hex").toString());
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Polls `probe` until it returns something truthy; fails after `ms`. */
async function until<T>(what: string, probe: () => T | undefined | null | false, ms = 30000): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (performance.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Whatever a failing test left running: the CLI's process group (what is left of it), the fake's hanging processes and containers. */
function reap(s: Started, pids: number[] = []): void {
  const kill = (pid: number) => {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  };
  kill(-s.child.pid!);
  for (const pid of pids) kill(-pid);
  for (const h of hangingOf(s.state)) {
    kill(h.pid);
    if (h.container) kill(-h.container);
  }
  for (const f of folder(s.state, "containers")) kill(-(JSON.parse(readFileSync(path.join(s.state, "containers", f), "utf8")) as { pid: number }).pid);
}

/** The one line an interrupted run prints: no report, no stack trace. */
function oneLine(r: { stdout: string; stderr: string }): string {
  assert.equal(r.stdout, "");
  assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+|Error:|\n\s+at /, "no stack trace");
  assert.equal(r.stderr.split("\n").length, 2, r.stderr);
  assert.ok(r.stderr.endsWith("\n"));
  return r.stderr.trimEnd();
}

describe("verify interrupted (SIGINT, SIGTERM, SIGHUP): what the run built is removed", { skip: hasPython ? false : "python3 not installed" }, () => {
  const two = {
    "a/Dockerfile": FROM + "COPY main.py .\nCMD [\"python\", \"main.py\"]\n",
    "a/main.py": "import os\n",
    "b/Dockerfile": FROM + "COPY main.py .\nCMD [\"python\", \"main.py\"]\n",
    "b/main.py": "import json\n",
  };
  const tagOfRun = (run: string[]) => run[run.indexOf("--entrypoint") + 2];

  test("Ctrl-C (SIGINT to the process group) during two probes: containers force-removed, both images removed, exit 130", async () => {
    const s = startVerify([], makeRepo(two), { FAKE_DOCKER_HANG: "run" });
    try {
      // Both probes are running, in containers that ignore the signal (as a PID 1 without handlers does).
      const hung = await until("two probes hanging", () => (hangingOf(s.state).length === 2 ? hangingOf(s.state) : null));
      process.kill(-s.child.pid!, "SIGINT");
      const r = await s.exited;
      assert.equal(r.status, 130, r.stderr);
      assert.equal(oneLine(r), "shipshape verify: interrupted; removed 2 images this run built");
      const calls = callsOf(s.state);
      const built = calls.filter((c) => c[0] === "run").map(tagOfRun).sort();
      assert.equal(built.length, 2);
      assert.deepEqual(calls.filter((c) => c[0] === "build").map((c) => option(c, "-t")).sort(), built);
      const removed = calls.filter((c) => c[0] === "image" && c[1] === "rm");
      assert.deepEqual(removed.map((c) => c.slice(0, 3)), [["image", "rm", "--no-prune"], ["image", "rm", "--no-prune"]]);
      assert.deepEqual(removed.map((c) => c[3]).sort(), built, "image rm for exactly the tags built");
      const forced = calls.filter((c) => c[0] === "rm");
      assert.deepEqual(forced.map((c) => c.slice(0, 2)), [["rm", "-f"], ["rm", "-f"]]);
      assert.deepEqual(forced.map((c) => c[2]).sort(), hung.map((h) => h.name).sort());
      // The containers go before the images they hold.
      assert.ok(Math.max(...forced.map((c) => calls.indexOf(c))) < Math.min(...removed.map((c) => calls.indexOf(c))), JSON.stringify(calls));
      assert.deepEqual([imagesOf(s.state), folder(s.state, "containers")], [[], []]);
      for (const h of hung) await until(`container ${h.container} ended`, () => !isAlive(h.container!), 5000);
    } finally {
      reap(s);
    }
  });

  test("SIGTERM to the CLI alone: it ends its own docker children; one image built, one build under way; exit 143", async () => {
    const marks = makeRepo({}, { marker: false });
    const repo = makeRepo({
      ...two,
      // b's build is under way (its RUN step) when a's probe hangs.
      "b/Dockerfile": FROM + `COPY main.py .\nRUN echo $$ > ${marks}/run.pid && exec sleep 600\nCMD ["python", "main.py"]\n`,
    });
    const s = startVerify(["--jobs", "2"], repo, { FAKE_DOCKER_HANG: "run" });
    let runPid = 0;
    try {
      const hung = await until("a's probe hanging", () => hangingOf(s.state)[0]);
      runPid = Number(await until("b's RUN step", () => existsSync(path.join(marks, "run.pid")) && readFileSync(path.join(marks, "run.pid"), "utf8").trim()));
      const aTag = tagOfRun(callsOf(s.state).find((c) => c[0] === "run")!);
      const bTag = option(callsOf(s.state).find((c) => c[0] === "build" && c.includes("-f") && option(c, "-f").endsWith("b/Dockerfile"))!, "-t");
      assert.match(aTag, /^shipshape-verify\/a:/);
      process.kill(s.child.pid!, "SIGTERM");
      const r = await s.exited;
      assert.equal(r.status, 143, r.stderr);
      assert.equal(oneLine(r), "shipshape verify: interrupted; removed 1 image this run built");
      const calls = callsOf(s.state);
      assert.deepEqual(calls.filter((c) => c[0] === "image" && c[1] === "rm"), [["image", "rm", "--no-prune", aTag]], "image rm for exactly the tag built");
      // The build stopped half-way might have tagged its image: looked for, not there, not removed.
      assert.deepEqual(calls.filter((c) => c[0] === "image" && c[1] === "inspect"), [["image", "inspect", "--format", "{{.Id}}", bTag]]);
      assert.deepEqual(calls.filter((c) => c[0] === "rm"), [["rm", "-f", hung.name!]]);
      assert.equal(calls.filter((c) => c[0] === "build" || c[0] === "run").length, 3, "no new work after the signal");
      assert.deepEqual([imagesOf(s.state), folder(s.state, "containers"), folder(s.state, ".").filter((f) => f.startsWith("building-"))], [[], [], []]);
      await until("b's RUN step ended", () => !isAlive(runPid), 5000);
      await until("a's container ended", () => !isAlive(hung.container!), 5000);
    } finally {
      reap(s, runPid ? [runPid] : []);
    }
  });

  test("SIGHUP during the builds: nothing was built, nothing removed, exit 129", async () => {
    const s = startVerify([], makeRepo(two), { FAKE_DOCKER_HANG: "build" });
    try {
      await until("two builds hanging", () => hangingOf(s.state).length === 2);
      const tags = callsOf(s.state).filter((c) => c[0] === "build").map((c) => option(c, "-t")).sort();
      process.kill(s.child.pid!, "SIGHUP");
      const r = await s.exited;
      assert.equal(r.status, 129, r.stderr);
      assert.equal(oneLine(r), "shipshape verify: interrupted; nothing left to remove");
      const calls = callsOf(s.state);
      assert.deepEqual(calls.filter((c) => c[0] === "image" && c[1] === "rm"), []);
      assert.deepEqual(calls.filter((c) => c[0] === "image" && c[1] === "inspect").map((c) => c[4]).sort(), tags);
      assert.deepEqual(calls.filter((c) => c[0] === "run" || c[0] === "rm"), []);
      assert.deepEqual([imagesOf(s.state), folder(s.state, ".").filter((f) => f.startsWith("building-"))], [[], []]);
    } finally {
      reap(s);
    }
  });

  test("--keep: the images stay and the line names them; the probe container still goes", async () => {
    const s = startVerify(["--keep", "a"], makeRepo(two), { FAKE_DOCKER_HANG: "run" });
    try {
      const hung = await until("the probe hanging", () => hangingOf(s.state)[0]);
      process.kill(-s.child.pid!, "SIGINT");
      const r = await s.exited;
      const tag = option(callsOf(s.state).find((c) => c[0] === "build")!, "-t");
      assert.equal(r.status, 130, r.stderr);
      assert.equal(oneLine(r), `shipshape verify: interrupted; kept 1 image this run built (--keep): ${tag}`);
      const calls = callsOf(s.state);
      assert.deepEqual(calls.filter((c) => c[0] === "image"), []);
      assert.deepEqual(calls.filter((c) => c[0] === "rm"), [["rm", "-f", hung.name!]]);
      assert.deepEqual([imagesOf(s.state), folder(s.state, "containers")], [[tag], []]);
    } finally {
      reap(s);
    }
  });

  test("a second Ctrl-C during the cleanup exits at once, one line naming what may be left", async () => {
    const s = startVerify(["a"], makeRepo(two), { FAKE_DOCKER_HANG: "run,image-rm" });
    try {
      await until("the probe hanging", () => hangingOf(s.state)[0]);
      process.kill(-s.child.pid!, "SIGINT");
      const rm = await until("the cleanup's image rm hanging", () => hangingOf(s.state).find((h) => h.hang === "image-rm"));
      const t = performance.now();
      process.kill(-s.child.pid!, "SIGINT");
      const r = await s.exited;
      assert.ok(r.at - t < 2000, `exited ${Math.round(r.at - t)} ms after the second signal`);
      const tag = option(callsOf(s.state).find((c) => c[0] === "build")!, "-t");
      assert.equal(r.status, 130, r.stderr);
      assert.equal(oneLine(r), `shipshape verify: interrupted; cleanup cut short by a second signal; may be left: image ${tag}`);
      await until("the hanging docker CLI ended", () => !isAlive(rm.pid), 5000);
      assert.deepEqual(folder(s.state, "containers"), []);
    } finally {
      reap(s);
    }
  });

  test("a hung engine: the cleanup gives up after SHIPSHAPE_VERIFY_CLEANUP_TIMEOUT, kills its docker CLI and names what may be left", async () => {
    const s = startVerify(["a"], makeRepo(two), { FAKE_DOCKER_HANG: "run,image-rm", SHIPSHAPE_VERIFY_CLEANUP_TIMEOUT: "5" });
    try {
      await until("the probe hanging", () => hangingOf(s.state)[0]);
      const t = performance.now();
      process.kill(s.child.pid!, "SIGTERM");
      const r = await s.exited;
      const took = r.at - t;
      assert.ok(took > 4500 && took < 9000, `exited ${Math.round(took)} ms after the signal`);
      const tag = option(callsOf(s.state).find((c) => c[0] === "build")!, "-t");
      assert.equal(r.status, 143, r.stderr);
      assert.equal(oneLine(r), `shipshape verify: interrupted; cleanup gave up after 5 s (the engine did not answer); may be left: image ${tag}`);
      const rm = hangingOf(s.state).find((h) => h.hang === "image-rm")!;
      await until("the hanging docker CLI killed", () => !isAlive(rm.pid), 5000);
    } finally {
      reap(s);
    }
  });

  test("not interrupted, nothing changes: the same calls, report and exit status", async () => {
    const repo = makeRepo(two);
    const s = startVerify(["--format", "json"], repo);
    try {
      const r = await s.exited;
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, "");
      const calls = callsOf(s.state);
      const kinds = calls.map((c) => c.slice(0, c[0] === "image" ? 2 : 1).join(" "));
      assert.deepEqual(kinds.slice(0, 1), ["version"]);
      assert.deepEqual(kinds.slice(1).sort(), ["build", "build", "image rm", "image rm", "run", "run"]);
      assert.deepEqual(calls.filter((c) => c[0] === "image").map((c) => c[3]).sort(), calls.filter((c) => c[0] === "build").map((c) => option(c, "-t")).sort());
      const rep = JSON.parse(r.stdout) as VerifyReport;
      assert.deepEqual(rep.services.map((x) => [x.service, x.status]), [["a", "verified"], ["b", "verified"]]);
      assert.deepEqual([imagesOf(s.state), folder(s.state, "containers"), hangingOf(s.state)], [[], [], []]);
      // The same through the synchronous helper the other tests use.
      const again = fakeVerify(["--format", "json"], repo);
      assert.equal(again.status, 0);
      assert.deepEqual(again.calls.map((c) => c[0]).sort(), calls.map((c) => c[0]).sort());
    } finally {
      reap(s);
    }
  });
  test("SHIPSHAPE_VERIFY_CLEANUP_TIMEOUT must be a positive number of seconds", () => {
    const r = fakeVerify([], makeRepo(two), { SHIPSHAPE_VERIFY_CLEANUP_TIMEOUT: "soon" });
    assert.equal(r.status, 2);
    assert.equal(r.stderr, "shipshape: error: SHIPSHAPE_VERIFY_CLEANUP_TIMEOUT must be a positive number of seconds, at most 2147483 (got 'soon')\n");
    assert.deepEqual(r.calls, []);
  });
});

describe("verify CLI usage errors", () => {
  const repo = () => makeRepo({ "Dockerfile": FROM + "COPY main.py .\nCMD python main.py\n", "main.py": "import os\n" });
  test("no engine reachable (DOCKER_HOST at a dead socket): one line, exit 2", () => {
    const dead = path.join(makeRepo({}), "dead.sock");
    const r = cli(["verify"], repo(), { DOCKER_HOST: `unix://${dead}` });
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /^shipshape: error: no Docker engine/);
  });
  test("unknown service, bad option values and formats: exit 2 with one line", () => {
    const dir = repo();
    const u = cli(["verify", "nosuch"], dir, { DOCKER_HOST: "unix:///nonexistent/docker.sock" });
    assert.equal(u.status, 2);
    assert.equal(u.stderr.trim(), `shipshape: error: unknown service 'nosuch' (services: ${path.basename(dir)})`);
    // A path that does not exist is said to be one, not an unknown service.
    const np = cli(["verify", "./nopath"], dir);
    assert.equal(np.status, 2);
    assert.equal(np.stderr, "shipshape: error: no such file or directory: ./nopath\n");
    for (const args of [["verify", "--jobs", "0"], ["verify", "--format", "xml"], ["verify", "--probe-timeout", "soon"]]) {
      const r = cli(args, dir);
      assert.equal(r.status, 2, args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
  });
  test("time limits past setTimeout's range (2^31-1 ms) are usage errors", () => {
    const dir = repo();
    for (const args of [["--build-timeout", "1e10"], ["--probe-timeout", "2147484"], ["--build-timeout", "Infinity"]]) {
      const r = cli(["verify", ...args], dir);
      assert.equal(r.status, 2, args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.equal(r.stderr, `error: option '${args[0]} <seconds>' argument '${args[1]}' is invalid. ${args[0]} must be ${args[1] === "Infinity" ? "a positive number" : "at most 2147483 seconds (about 24 days)"}\n`);
    }
  });
});
