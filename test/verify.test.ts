// `shipshape verify` without Docker: the probe's own Python run on real folders with the host's
// python3 (find mode runs no code of the modules it locates), the plan and comparison logic on
// real check results, the reporters, and the CLI's usage errors. The builds and the probe inside
// real images are tested by the differential suite (test-e2e/, `npm run test:e2e`).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { makeRepo, check, cli } from "./helpers.js";
import { PROBE_SOURCE, PROBE_MARKER, parseProbeOutput, ProbeOutputError, ProbeInput, ProbeOutput, ProbeOutcome } from "../src/verify/probe.js";
import { planService, compare, runtimeSysPath, buildKey } from "../src/verify/plan.js";
import { verifyToJunit, verifyToText, verifyToJson } from "../src/verify/report.js";
import { exitCode, VerifyReport, ServiceVerdict } from "../src/verify/run.js";

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

/** A probe result that says what `answers` gives per module name (true = found as a module). */
function fakeProbe(plan: ReturnType<typeof planService>, answers: Record<string, Partial<ProbeOutcome>> = {}, mode: "find" | "import" = "find"): ProbeOutput {
  const results: ProbeOutcome[] = [];
  plan.groups.forEach((g, gi) => {
    for (const m of g.modules) {
      const e = plan.expectations.find((x) => x.name === m.name && x.group === gi && (x.file ?? "") === (m.file ?? ""))!;
      const base: ProbeOutcome =
        e.expect === "ok" ? { name: m.name, group: gi, ok: true, kind: "module", origin: m.file ?? null } : e.expect === "namespace" ? { name: m.name, group: gi, ok: true, kind: "namespace", origin: null, attrs: Object.fromEntries((m.attrs ?? []).map((a) => [a, `ImportError: cannot import name '${a}'`])) } : { name: m.name, group: gi, ok: false, error: `ModuleNotFoundError: No module named '${m.name}'` };
      results.push({ ...base, ...(answers[m.name] ?? {}) });
    }
  });
  return { python: "3.11.2", mode, results };
}

describe("plan and comparison on real check results", () => {
  const broken = {
    "svc/Dockerfile": FROM + "COPY svc/main.py /app/\nCOPY worker/writer.py /app/\nCMD [\"python\", \"main.py\"]\n",
    "svc/main.py": "from writer import Writer\n\ndef later():\n    import deferred_mod\n",
    "worker/writer.py": "from distributed_lock import Lock\nclass Writer: pass\n",
    "worker/distributed_lock.py": "class Lock: pass\n",
    "svc/deferred_mod.py": "",
  };
  test("reachable modules are expected to resolve where check found them; findings to be missing", () => {
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
    const agree = compare(plan, fakeProbe(plan));
    assert.deepEqual([agree.proven, agree.failing, agree.disagreements], [2, 2, 0]);
  });
  test("disagreements in both directions, and a module found at another file", () => {
    const plan = planService(check(makeRepo(broken)).results[0]);
    const c = compare(plan, fakeProbe(plan, { distributed_lock: { ok: true, kind: "module", origin: "/usr/lib/python3/dist-packages/distributed_lock.py", error: undefined }, writer: { origin: "/opt/other/writer.py" } }));
    assert.equal(c.disagreements, 2);
    const notes = c.modules.filter((m) => !m.agrees).map((m) => m.note);
    assert.match(notes[0]!, /check predicted \/app\/writer.py, Python found \/opt\/other\/writer.py/);
    assert.match(notes[1]!, /check predicted it is missing \(SS101 worker\/writer.py:1\); Python finds it at \/usr\/lib/);
    const c2 = compare(plan, fakeProbe(plan, { writer: { ok: false, error: "ModuleNotFoundError: No module named 'writer'" } }));
    assert.equal(c2.disagreements, 1);
    assert.match(c2.modules.find((m) => m.name === "writer")!.note!, /predicted it resolves; Python cannot find it/);
  });
  test("--import: a module failing through a predicted-missing import agrees; an unexplained failure does not", () => {
    const plan = planService(check(makeRepo(broken)).results[0]);
    const explained = compare(plan, fakeProbe(plan, { writer: { ok: false, error: "ModuleNotFoundError: No module named 'distributed_lock'", missing: "distributed_lock" } }, "import"));
    assert.equal(explained.disagreements, 0);
    assert.match(explained.modules.find((m) => m.name === "writer")!.note!, /predicted failure of distributed_lock/);
    const other = compare(plan, fakeProbe(plan, { writer: { ok: false, error: "ModuleNotFoundError: No module named 'flask'", missing: "flask" } }, "import"));
    assert.equal(other.disagreements, 1);
  });
  test("SS105: the name must not import from the namespace package; SS106: a namespace package", () => {
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
    const agree = compare(plan, fakeProbe(plan));
    assert.equal(agree.disagreements, 0);
    assert.equal(agree.failing, 1);
    const refuted = compare(plan, fakeProbe(plan, { "predictions.shared": { kind: "package", origin: "/app/predictions/shared/__init__.py", attrs: { DistributedLock: null } } }));
    assert.equal(refuted.disagreements, 1);
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
  test("satisfied imports are expected present; SS201/SS301 errors and guarded SS201 warnings missing", () => {
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
    const agree = compare(plan, fakeProbe(plan));
    assert.equal(agree.disagreements, 0);
    // The guarded import's absence does not fail the run.
    assert.equal(agree.failing, 1);
  });
  test("a package predicted present that is absent, and one predicted missing that is present, disagree", () => {
    const plan = planService(check(makeRepo(repo)).results[0]);
    const c = compare(plan, fakeProbe(plan, { yaml: { ok: false, kind: undefined, origin: null, error: "ModuleNotFoundError: No module named 'yaml'" }, toml: { ok: true, kind: "package", origin: "/usr/lib/python3/dist-packages/toml/__init__.py", error: undefined } }));
    assert.deepEqual(c.modules.filter((m) => !m.agrees).map((m) => [m.name, m.external]).sort(), [["toml", "package"], ["yaml", "package"]]);
    assert.match(c.modules.find((m) => m.name === "toml")!.note!, /check predicted it is missing \(SS201 main.py:5\); Python finds it/);
    assert.match(c.modules.find((m) => m.name === "yaml")!.note!, /predicted it resolves; Python cannot find it/);
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

function report(services: ServiceVerdict[]): VerifyReport {
  return { repoRoot: "/r", mode: "find", engine: "28.0", services, summary: { services: services.length, verified: 0, failed: 1, skipped: 0, builds: 1, proven: 1, failing: 1, disagreements: 1, seconds: 1.5 } };
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
  test("junit: one suite per service, a case per module and build, failures typed, XML escaped", () => {
    const x = verifyToJunit(report([failedBuild, probed]));
    assert.match(x, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="shipshape verify" tests="5" failures="3" errors="0" skipped="0"/);
    assert.match(x, /<testsuite name="api" tests="1" failures="1"/);
    assert.match(x, /<failure type="build" message="build failed">Step 3\/5 : COPY app.py .\nCOPY failed: file not found in build context: stat app.py: &lt;missing&gt; &amp; gone<\/failure>/);
    assert.match(x, /<testsuite name="wor&lt;k&gt;er" tests="4" failures="2"/);
    assert.match(x, /<testcase classname="wor&lt;k&gt;er" name="gone" time="0"><failure type="predicted" message="ModuleNotFoundError: No module named 'gone'">predicted: SS101 app.py:1<\/failure>/);
    assert.match(x, /<failure type="disagreement" message="check predicted it is missing; Python finds it at \/app\/&quot;extra&quot;.py">/);
    assert.equal((x.match(/<testcase /g) ?? []).length, (x.match(/<\/testcase>/g) ?? []).length);
  });
  test("text: a build failure shows the build's own last lines and whether check predicted it", () => {
    const t = verifyToText(report([failedBuild, probed]));
    assert.match(t, /FAIL api \(api\/Dockerfile\): build failed \(exit 1\) after 2 s\n  check did not predict this build failure\n  \| Step 3\/5 : COPY app.py .\n  \| COPY failed/);
    assert.match(t, /    gone: ModuleNotFoundError: No module named 'gone'  \[predicted: SS101 app.py:1\]/);
    assert.match(t, /disagreements with check: 1\n    extra: check predicted it is missing/);
    assert.doesNotMatch(t, /\bat .*\.js:\d+/, "no stack trace");
    assert.deepEqual(JSON.parse(verifyToJson(report([probed]))).services[0].service, "wor<k>er");
  });
  test("exit status: 1 on a failure or disagreement, 0 when everything is verified or skipped", () => {
    assert.equal(exitCode(report([failedBuild])), 1);
    assert.equal(exitCode(report([{ ...probed, status: "verified", disagreements: [] }])), 0);
    assert.equal(exitCode(report([{ ...probed, status: "verified" }])), 1);
    assert.equal(exitCode(report([{ service: "s", dockerfile: "Dockerfile", status: "skipped", skipped: "gcloud", predictedBuildFailure: [], notProbed: [], disagreements: [] }])), 0);
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
    for (const args of [["verify", "--jobs", "0"], ["verify", "--format", "xml"], ["verify", "--probe-timeout", "soon"]]) {
      const r = cli(args, dir);
      assert.equal(r.status, 2, args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
  });
});
