// The real CLI as a child process: exit codes, output formats, --fix, the cache, bad input.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, existsSync, cpSync, mkdtempSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { makeRepo, cli, PROJECT_ROOT } from "./helpers.js";

const FROM = "FROM python:3.11-slim\nWORKDIR /app\n";
const broken = {
  "svc/Dockerfile": FROM + "COPY svc/main.py /app/\nCOPY worker/writer.py /app/\nCMD [\"python\", \"main.py\"]\n",
  "svc/main.py": "from writer import Writer\n",
  "worker/writer.py": "from distributed_lock import Lock\n\nclass Writer: pass\n",
  "worker/distributed_lock.py": "class Lock: pass\n",
};

describe("exit codes", () => {
  test("0 when clean, 1 on an error finding, 2 on bad usage", () => {
    const clean = makeRepo({ "Dockerfile": FROM + "COPY main.py .\nCMD python main.py\n", "main.py": "import os\n" });
    const r0 = cli(["check"], clean);
    assert.equal(r0.status, 0, r0.stderr);
    assert.match(r0.stdout, /no problems found/);
    const r1 = cli(["check"], makeRepo(broken));
    assert.equal(r1.status, 1);
    const r2 = cli(["check", "--format", "xml"], clean);
    assert.equal(r2.status, 2);
    const r3 = cli(["check", "does/not/exist"], clean);
    assert.equal(r3.status, 2);
    assert.equal(r3.stderr.trim().split("\n").length, 1, r3.stderr);
    assert.match(r3.stderr, /^shipshape: error: no such file or directory: does\/not\/exist/);
  });
  test("no Dockerfile at all is a usage error, not a silent pass", () => {
    const r = cli(["check"], makeRepo({ "app.py": "" }));
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no Dockerfile found/);
  });
  test("a broken Dockerfile, binary Python and a symlink loop: findings, never a stack trace", () => {
    const dir = makeRepo({
      "Dockerfile": "FROM python:3.11-slim\nCOPY [\"a.py\", \n",
      "b/Dockerfile": Buffer.from([0x46, 0x52, 0x4f, 0x4d, 0x00, 0xff]),
      "c/Dockerfile": FROM + "COPY . .\nCMD python main.py\n",
      "c/main.py": "import loop.x\nimport blob\n",
      "c/blob.py": Buffer.from([0x00, 0x01, 0x02]),
      "c/loop": { symlink: "loop" },
    });
    const r = cli(["check", "--format", "json"], dir);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr, "");
    const codesSeen = JSON.parse(r.stdout).findings.map((f: { code: string }) => f.code).sort();
    assert.ok(codesSeen.includes("SS001") && codesSeen.includes("SS003"), codesSeen.join(","));
  });
  test("warnings alone exit 0", () => {
    const dir = makeRepo({ "Dockerfile": FROM + "COPY main.py .\nCMD python main.py\n", "main.py": "try:\n    import opt\nexcept ImportError:\n    opt = None\n", "opt.py": "" });
    const r = cli(["check"], dir);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /warning SS101/);
  });
  test("invalid config is a one-line error, exit 2", () => {
    const dir = makeRepo({ "shipshape.toml": "[services.x\n", "Dockerfile": FROM });
    const r = cli(["check"], dir);
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /shipshape.toml: invalid TOML/);
    const r2 = cli(["check"], makeRepo({ "shipshape.toml": "[severity]\nSS999 = 'warning'\n", "Dockerfile": FROM }));
    assert.equal(r2.status, 2);
    assert.match(r2.stderr, /unknown code SS999/);
  });
  test("a broken pyproject.toml without [tool.shipshape] is a finding (SS507), not a stopped run; a configured lock pair must exist", () => {
    const dir = makeRepo({ "pyproject.toml": "[project\nname = 'x'\n", "Dockerfile": FROM + "COPY pyproject.toml .\nRUN pip install .\nCOPY a.py .\nCMD python a.py\n", "a.py": "" });
    const r = cli(["check", "--no-cache"], dir);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /pyproject\.toml:1: error SS507/);
    const r2 = cli(["lock", "check"], makeRepo({ "shipshape.toml": "[lock]\npairs = [['deps/base.in', 'deps/base.lokc']]\n", "deps/base.in": "flask\n", "Dockerfile": FROM }));
    assert.equal(r2.status, 2);
    assert.equal(r2.stderr, "shipshape: error: shipshape.toml lock.pairs: no such file deps/base.lokc (paths are relative to the repository root)\n");
  });
  test("a misspelt config key is an error naming the nearest key, not silently ignored", () => {
    const r = cli(["check"], makeRepo({ "shipshape.toml": "[services.api]\ndockerfile = 'Dockerfile'\nentrypoints = ['job.py']\n", "Dockerfile": FROM }));
    assert.equal(r.status, 2);
    assert.equal(r.stderr, "shipshape: error: shipshape.toml: unknown key 'services.api.entrypoints'; did you mean 'services.api.entry_points'?\n");
    const r2 = cli(["check"], makeRepo({ "pyproject.toml": "[tool.shipshape]\nexcludes = ['legacy/**']\n", "Dockerfile": FROM }));
    assert.match(r2.stderr, /^shipshape: error: \[tool\.shipshape\]: unknown key 'excludes'; did you mean 'exclude'\?\n$/);
    const r3 = cli(["check"], makeRepo({ "shipshape.toml": "discover = 'false'\n", "Dockerfile": FROM }));
    assert.equal(r3.status, 2);
    assert.match(r3.stderr, /discover must be true or false/);
    // Every documented key is accepted.
    const all = "exclude = []\nignore = []\ndiscover = true\n[severity]\nSS106 = 'info'\n[packages]\nenvironments = []\n[packages.import_names]\nx = ['y']\n[images.'acme/base']\npython = '3.11'\npackages = []\nsystem_packages = []\n[lock]\npython = '3.11'\nconventions = true\npairs = []\n[services.api]\ndockerfile = 'Dockerfile'\ncontext = '.'\nbuild_args = {}\nentry_points = []\nignore = []\nbuild = 'docker'\nlock_pairs = []\n";
    const r4 = cli(["check", "--no-cache"], makeRepo({ "shipshape.toml": all, "Dockerfile": FROM + "COPY a.py .\nCMD python a.py\n", "a.py": "" }));
    assert.equal(r4.status, 0, r4.stderr);
    // Wrongly typed service keys: one line each, never a JavaScript error or a silent default.
    for (const [bad, msg] of [["build_args = { A = { b = 1 } }", "services.api.build_args.A must be a string"], ["build_args = ['A=1']", 'services.api.build_args must be a table (build_args = { NAME = "value" })'], ["context = 5", "services.api.context must be a string"]]) {
      const r5 = cli(["check"], makeRepo({ "shipshape.toml": `[services.api]\ndockerfile = 'Dockerfile'\n${bad}\n`, "Dockerfile": FROM }));
      assert.equal(r5.status, 2, bad);
      assert.equal(r5.stderr, `shipshape: error: shipshape.toml ${msg}\n`);
    }
  });
  test("discover = false holds for a folder given on the command line too", () => {
    const dir = makeRepo({ "shipshape.toml": "discover = false\n[services.api]\ndockerfile = 'api/Dockerfile'\n", "api/Dockerfile": FROM + "COPY a.py .\nCMD python a.py\n", "api/a.py": "", "old/Dockerfile": FROM + "CMD python gone.py\n" });
    for (const args of [["check", "--format", "json"], ["check", ".", "--format", "json"]]) {
      const r = cli(args, dir);
      assert.deepEqual((JSON.parse(r.stdout) as { services: { name: string }[] }).services.map((x) => x.name), ["api"], args.join(" "));
    }
  });
});

test("a file that is not a Dockerfile is a usage error; a broken Dockerfile given by path still gets SS001", () => {
  const dir = makeRepo({ "main.py": "from lib import util\n", "compose.yaml": "services:\n  a:\n    build: .\n", "api.docker": "FROM python:3.11-slim\nCOPY app.py .\nCMD [\"python\", \"app.py\"]\n", "broken.docker": "FROM python:3.11-slim\nFRM x\n", "app.py": "" });
  for (const [f, why] of [["main.py", "it starts with `from lib import util`\\); give a Dockerfile or a folder"], ["compose.yaml", "compose files are read from the folder"]]) {
    const r = cli(["check", f, "--no-cache"], dir);
    assert.equal(r.status, 2, f);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^shipshape: error: ${f.replace(".", "\\.")} is not a Dockerfile .*${why}`));
  }
  assert.equal(cli(["check", "api.docker", "--no-cache"], dir).status, 0);
  const broken = cli(["check", "broken.docker", "--no-cache"], dir);
  assert.equal(broken.status, 1);
  assert.match(broken.stdout, /SS001/);
});

test("a reader that stops early (| head) ends the run quietly, not with an EPIPE stack trace", () => {
  const bin = path.join(PROJECT_ROOT, "bin", "shipshape.js");
  const ex = path.join(PROJECT_ROOT, "examples", "monorepo");
  const r = spawnSync("sh", ["-c", `"${process.execPath}" "${bin}" check "${ex}" --format sarif --no-cache | head -c 10 >/dev/null`], { encoding: "utf8", timeout: 60000 });
  assert.equal(r.status, 0);
  assert.equal(r.stderr, "");
});

describe("formats", () => {
  test("json follows the contract", () => {
    const r = cli(["check", "--format", "json"], makeRepo(broken));
    assert.equal(r.status, 1);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.version, 1);
    assert.deepEqual(doc.services.map((s: { name: string; dockerfile: string; context: string }) => [s.name, s.dockerfile, s.context]), [["svc", "svc/Dockerfile", "."]]);
    assert.equal(doc.findings.length, 1);
    const f = doc.findings[0];
    assert.deepEqual(
      { code: f.code, severity: f.severity, service: f.service, file: f.file, line: f.line, module: f.module, chain: f.chain, fix: f.fix },
      {
        code: "SS101",
        severity: "error",
        service: "svc",
        file: "worker/writer.py",
        line: 1,
        module: "distributed_lock",
        chain: ["svc/main.py", "worker/writer.py"],
        fix: { dockerfile: "svc/Dockerfile", after_line: 4, insert: "COPY worker/distributed_lock.py /app/" },
      },
    );
    assert.equal(typeof f.message, "string");
  });
  test("sarif 2.1.0 with rules and locations", () => {
    const r = cli(["check", "--format", "sarif"], makeRepo(broken));
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.version, "2.1.0");
    const run = doc.runs[0];
    assert.ok(run.tool.driver.rules.some((x: { id: string }) => x.id === "SS101"));
    assert.equal(run.results[0].ruleId, "SS101");
    assert.equal(run.results[0].locations[0].physicalLocation.artifactLocation.uri, "worker/writer.py");
    assert.equal(run.results[0].locations[0].physicalLocation.region.startLine, 1);
    // No relative helpUri (SARIF requires absolute URIs): the rule's page is inlined as help.
    const rule = run.tool.driver.rules.find((x: { id: string }) => x.id === "SS101");
    assert.equal(rule.helpUri, undefined);
    assert.match(rule.help.markdown, /^# SS101 module-not-copied/);
  });
  test("a finding in a file a Dockerfile heredoc writes points at the Dockerfile line (sarif, github, text)", () => {
    const repo = makeRepo({
      Dockerfile: `# syntax=docker/dockerfile:1\nFROM python:3.11-slim\nWORKDIR /app\nCOPY <<EOF /app/main.py\nimport os\nimport helpers\nEOF\nCMD ["python", "main.py"]\n`,
      "helpers.py": "X = 1\n",
    });
    const json = JSON.parse(cli(["check", "--format", "json", "--no-cache"], repo).stdout);
    const f = json.findings.find((x: { code: string }) => x.code === "SS101");
    assert.equal(f.file, "Dockerfile");
    assert.equal(f.line, 6, "import helpers is the heredoc's line 2, the Dockerfile's line 6");
    assert.match(f.notes.join("\n"), /the code is in \/app\/main\.py, which a heredoc of Dockerfile writes \(its line 2 is line 6 of Dockerfile\)/);
    const sarif = JSON.parse(cli(["check", "--format", "sarif", "--no-cache"], repo).stdout);
    const loc = sarif.runs[0].results.find((x: { ruleId: string }) => x.ruleId === "SS101").locations[0].physicalLocation;
    assert.deepEqual([loc.artifactLocation.uri, loc.region.startLine], ["Dockerfile", 6]);
    assert.match(cli(["check", "--format", "github", "--no-cache"], repo).stdout, /^::error file=Dockerfile,line=6,/m);
    // A syntax error in such a file, too.
    const bad = makeRepo({ Dockerfile: `FROM python:3.11-slim\nCOPY <<EOF /app/main.py\nimport os\nx = = 1\nEOF\nCMD ["python", "/app/main.py"]\n` });
    const e = JSON.parse(cli(["check", "--format", "json", "--no-cache"], bad).stdout).findings.find((x: { code: string }) => x.code === "SS002");
    assert.deepEqual([e.file, e.line], ["Dockerfile", 4]);
  });
  test("no code frame for a file that is not UTF-8", () => {
    const r = cli(["check", "--no-cache"], makeRepo({ "Dockerfile": FROM + "COPY main.py .\nCMD python main.py\n", "main.py": Buffer.from([0x69, 0x6d, 0x70, 0x6f, 0x72, 0x74, 0x20, 0xff, 0xfe, 0x9b, 0x31, 0x6d, 0x0a]) }));
    assert.match(r.stdout, /main\.py:1: warning SS003/);
    assert.doesNotMatch(r.stdout, /\| import/);
    assert.doesNotMatch(r.stdout, /[\u0080-\u009f\ufffd]/);
  });
  test("github annotations", () => {
    const r = cli(["check", "--format", "github"], makeRepo(broken));
    assert.match(r.stdout, /^::error file=worker\/writer.py,line=1,title=SS101 module-not-copied \(svc\)::module 'distributed_lock'/m);
  });
  test("text: code frame, chain and fix; no colour outside a terminal", () => {
    const r = cli(["check"], makeRepo(broken));
    assert.match(r.stdout, /worker\/writer.py:1:1: error SS101 \[module-not-copied\] \(svc\)/);
    assert.match(r.stdout, /> 1 \| from distributed_lock import Lock/);
    assert.match(r.stdout, /import chain: svc\/main.py -> worker\/writer.py/);
    assert.match(r.stdout, /fix: in svc\/Dockerfile, after line 4, add: COPY worker\/distributed_lock.py \/app\//);
    assert.ok(!r.stdout.includes("\x1b["));
    const c = cli(["check", "--color"], makeRepo(broken));
    assert.ok(c.stdout.includes("\x1b["));
  });
});

describe("--fix", () => {
  test("inserts the COPY lines and the re-check is clean", () => {
    const dir = makeRepo(broken);
    const r = cli(["check", "--fix"], dir);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /fixed svc\/Dockerfile/);
    const df = readFileSync(path.join(dir, "svc/Dockerfile"), "utf8");
    assert.equal(df, FROM + "COPY svc/main.py /app/\nCOPY worker/writer.py /app/\nCOPY worker/distributed_lock.py /app/\nCMD [\"python\", \"main.py\"]\n");
  });
  test("the example monorepo: --fix repairs every finding that has a fix", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "shipshape-example-"));
    cpSync(path.join(PROJECT_ROOT, "examples", "monorepo"), dir, { recursive: true });
    const before = cli(["check", "--format", "json"], dir);
    assert.equal(before.status, 1);
    const r = cli(["check", "--fix", "--format", "json"], dir);
    const doc = JSON.parse(r.stdout) as { findings: { severity: string; code: string; fix?: unknown; service: string }[] };
    const errors = doc.findings.filter((f) => f.severity === "error");
    // What is left has no automatic fix: packages to add to a requirements file.
    assert.deepEqual(errors.filter((f) => f.fix), [], r.stdout);
    assert.deepEqual(errors.filter((f) => /^SS[01]/.test(f.code)), [], r.stdout);
    assert.deepEqual([...new Set(errors.map((f) => f.service))], ["analytics"]);
  });
});

describe("cache", () => {
  test("a file rewritten with the same size and its old mtime (cp -p, rsync -a, touch -d) is read again", () => {
    const dir = makeRepo({ "Dockerfile": FROM + "COPY main.py .\nCMD python main.py\n", "main.py": "import aaa\n" });
    const main = path.join(dir, "main.py");
    const old = new Date("2024-01-01T00:00:00Z");
    utimesSync(main, old, old);
    assert.match(cli(["check"], dir).stdout, /'aaa'/);
    writeFileSync(main, "import ccc\n");
    utimesSync(main, old, old);
    const warm = cli(["check"], dir);
    assert.match(warm.stdout, /'ccc'/);
    assert.doesNotMatch(warm.stdout, /'aaa'/);
  });
  test("a warm run reads the cache and gives the same result; --no-cache writes nothing", () => {
    const dir = makeRepo(broken);
    const cold = cli(["check", "--format", "json"], dir);
    assert.ok(existsSync(path.join(dir, ".shipshape_cache")));
    assert.equal(readFileSync(path.join(dir, ".shipshape_cache", ".gitignore"), "utf8").includes("*"), true);
    const warm = cli(["check", "--format", "json"], dir);
    assert.equal(warm.stdout, cold.stdout);
    const other = makeRepo(broken);
    cli(["check", "--no-cache"], other);
    assert.ok(!existsSync(path.join(other, ".shipshape_cache")));
  });
  test("a warm run sees edits to requirement and lock files", () => {
    const dir = makeRepo({
      Dockerfile: FROM + "COPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY main.py .\nCMD python main.py\n",
      "requirements.in": "requests>=2.30\n",
      "requirements.txt": "requests==2.31.0\n    # via -r requirements.in\n",
      "main.py": "import requests\n",
    });
    assert.equal(cli(["check"], dir).status, 0);
    writeFileSync(path.join(dir, "requirements.in"), "requests>=2.32\n");
    const stale = cli(["check", "--format", "json"], dir);
    assert.equal(stale.status, 1);
    assert.deepEqual((JSON.parse(stale.stdout) as { findings: { code: string }[] }).findings.map((f) => f.code), ["SS502"]);
    writeFileSync(path.join(dir, "requirements.txt"), "urllib3==2.2.1\n    # via -r requirements.in\n");
    const codes = (JSON.parse(cli(["check", "--format", "json"], dir).stdout) as { findings: { code: string }[] }).findings.map((f) => f.code).sort();
    assert.ok(codes.includes("SS201") && codes.includes("SS501"), codes.join());
  });
  test("an edited file is parsed again", () => {
    const dir = makeRepo({ "Dockerfile": FROM + "COPY main.py .\nCMD python main.py\n", "main.py": "import os\n", "gone.py": "" });
    assert.equal(cli(["check"], dir).status, 0);
    writeFileSync(path.join(dir, "main.py"), "import os\nimport gone\n");
    assert.equal(cli(["check"], dir).status, 1);
  });
});
