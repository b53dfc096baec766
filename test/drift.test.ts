// `shipshape drift` against real git repositories with a scripted history: what makes a service
// stale (the closure from the image model), how commits are compared, and the six mistakes of
// the drift detectors this replaces, one test each.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { cli, makeRepo } from "./helpers.js";
import { FROM, commit, deployFile, git, gitRepo, tmp } from "./drift-helpers.js";
import { computeClosure } from "../src/drift/closure.js";
import { runRound, prepareRound } from "../src/drift/run.js";
import { driftJson as roundJson } from "../src/drift/report.js";
import { exitCode } from "../src/drift/actions.js";
import { discover, UsageError } from "../src/discover.js";
import { FsCache } from "../src/context/context.js";

interface JsonRev {
  revision: string;
  state: string;
  reason: string | null;
  fix: string | null;
  basis: string | null;
  commit: string | null;
  behind: number;
  totalCommits: number | null;
  commits: { sha: string; date: string; subject: string; files: { status: string; path: string }[] }[];
}
interface JsonSvc {
  service: string;
  state: string;
  error: string | null;
  reason: string | null;
  revisions: JsonRev[];
}

/** One drift round in-process (the CLI's JSON document and exit status, without a process start). */
async function driftJson(dir: string, args: string[] = []): Promise<{ status: number; services: Record<string, JsonSvc> }> {
  const services: string[] = [];
  let closure: "image" | "reachable" | undefined;
  let ref: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--closure") closure = args[++i] as "image" | "reachable";
    else if (args[i] === "--ref") ref = args[++i];
    else services.push(args[i]);
  }
  const round = await runRound({ cwd: dir, services, closure, ref });
  const doc = JSON.parse(JSON.stringify(roundJson(round))) as { services: JsonSvc[] };
  return { status: exitCode(round, false), services: Object.fromEntries(doc.services.map((s) => [s.service, s])) };
}

const svcToml = (name: string, extra = "") => `[services.${name}]\ndockerfile = "${name}/Dockerfile"\ncontext = "."\n[services.${name}.drift]\nprovider = "file"\npath = "deploy/${name}.json"\n${extra}`;

/** A monorepo: api and grading copy shared/, worker does not. */
function monorepo(extraToml = ""): string {
  return gitRepo({
    "shipshape.toml": [svcToml("api"), svcToml("worker"), svcToml("grading")].join("\n") + extraToml,
    "api/Dockerfile": FROM + "COPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY api/ /app/api/\nCOPY shared/ /app/shared/\nCMD [\"python\", \"-m\", \"api.main\"]\n",
    "api/__init__.py": "",
    "api/main.py": "from shared.lock import Lock\n",
    "worker/Dockerfile": FROM + "COPY worker/ /app/worker/\nCMD [\"python\", \"-m\", \"worker.main\"]\n",
    "worker/__init__.py": "",
    "worker/main.py": "import json\n",
    "grading/Dockerfile": FROM + "COPY grading/ /app/grading/\nCOPY shared/ /app/shared/\nCMD [\"python\", \"-m\", \"grading.main\"]\n",
    "grading/__init__.py": "",
    "grading/main.py": "from shared.lock import Lock\n",
    "shared/__init__.py": "",
    "shared/lock.py": "class Lock: pass\n",
    "shared/old.py": "X = 1\n",
    "requirements.txt": "flask==3.0.0\n",
    "docs/guide.md": "# Guide\n",
    "README.md": "# Monorepo\n",
  });
}

function deployAll(dir: string, sha: string, names = ["api", "worker", "grading"]): void {
  for (const n of names) deployFile(dir, `${n}.json`, { commit: sha });
}

describe("what makes a service stale", () => {
  test("a change to a shared package makes exactly the services that contain it stale", async () => {
    const dir = monorepo();
    const deployed = git(dir, ["rev-parse", "HEAD"]);
    deployAll(dir, deployed);
    const c1 = commit(dir, "Shared lock: use a lease", { "shared/lock.py": "class Lock:\n    lease = 30\n" });
    commit(dir, "worker: tweak", { "worker/main.py": "import os\n" });
    const r = await driftJson(dir);
    assert.equal(r.status, 1);
    assert.equal(r.services.api.state, "STALE");
    assert.equal(r.services.grading.state, "STALE");
    assert.equal(r.services.worker.state, "STALE"); // its own change
    const api = r.services.api.revisions[0];
    assert.equal(api.behind, 1);
    assert.equal(api.totalCommits, 2);
    assert.deepEqual(
      api.commits.map((c) => [c.sha, c.subject, c.files.map((f) => `${f.status} ${f.path}`)]),
      [[c1, "Shared lock: use a lease", ["M shared/lock.py"]]],
    );
    assert.deepEqual(r.services.worker.revisions[0].commits.map((c) => c.subject), ["worker: tweak"]);
    // Deploy worker at HEAD: api and grading still stale, worker current.
    deployAll(dir, git(dir, ["rev-parse", "HEAD"]), ["worker"]);
    const r2 = await driftJson(dir);
    assert.equal(r2.services.worker.state, "CURRENT");
    assert.equal(r2.services.api.state, "STALE");
  });

  test("commits are listed newest first with their dates, and the text report names them", async () => {
    const dir = monorepo();
    deployAll(dir, git(dir, ["rev-parse", "HEAD"]));
    const a = commit(dir, "first shared change", { "shared/lock.py": "A = 1\n" });
    const b = commit(dir, "second shared change", { "shared/lock.py": "A = 2\n" });
    const r = await driftJson(dir, ["api"]);
    assert.deepEqual(Object.keys(r.services), ["api"]);
    const commits = r.services.api.revisions[0].commits;
    assert.deepEqual(commits.map((c) => c.sha), [b, a]);
    assert.ok(Date.parse(commits[0].date) > Date.parse(commits[1].date));
    const t = cli(["drift", "api"], dir);
    assert.equal(t.status, 1);
    assert.match(t.stdout, /^api\s+STALE\s+2 commits behind/m);
    assert.match(t.stdout, new RegExp(`${b.slice(0, 7)} \\d{4}-\\d{2}-\\d{2} second shared change`));
    assert.match(t.stdout, /M shared\/lock\.py/);
  });

  test("a dependency-file change makes the service stale, in both closure modes", async () => {
    const dir = monorepo();
    deployAll(dir, git(dir, ["rev-parse", "HEAD"]));
    commit(dir, "bump flask", { "requirements.txt": "flask==3.0.3\n" });
    for (const mode of ["image", "reachable"]) {
      const r = await driftJson(dir, ["--closure", mode]);
      assert.equal(r.services.api.state, "STALE", mode);
      assert.deepEqual(r.services.api.revisions[0].commits[0].files, [{ status: "M", path: "requirements.txt" }]);
      assert.equal(r.services.worker.state, "CURRENT", mode);
      assert.equal(r.services.grading.state, "CURRENT", mode);
    }
  });

  test("a Dockerfile or .dockerignore change counts; a deleted file under a copied folder counts", async () => {
    const dir = monorepo();
    deployAll(dir, git(dir, ["rev-parse", "HEAD"]));
    commit(dir, "drop the old module", { "shared/old.py": null });
    let r = await driftJson(dir);
    assert.equal(r.services.api.state, "STALE");
    assert.deepEqual(r.services.api.revisions[0].commits[0].files, [{ status: "D", path: "shared/old.py" }]);
    assert.equal(r.services.worker.state, "CURRENT");
    deployAll(dir, git(dir, ["rev-parse", "HEAD"]));
    commit(dir, "worker: env", { "worker/Dockerfile": FROM + "ENV A=1\nCOPY worker/ /app/worker/\nCMD [\"python\", \"-m\", \"worker.main\"]\n" });
    commit(dir, "ignore caches", { ".dockerignore": "**/__pycache__\n" });
    r = await driftJson(dir);
    assert.deepEqual(r.services.worker.revisions[0].commits.map((c) => c.subject), ["ignore caches", "worker: env"]);
    assert.deepEqual(r.services.api.revisions[0].commits.map((c) => c.subject), ["ignore caches"]);
  });

  test("a change to the service's build settings in shipshape.toml counts (build_args, target, dockerfile); the rest of the file does not", async () => {
    const stages = "FROM python:3.11-slim AS base\nWORKDIR /app\nCOPY api/ /app/api/\nFROM base AS prod\nCMD [\"python\", \"-m\", \"api.main\"]\nFROM base AS debug\nCMD [\"python\", \"-m\", \"pdb\", \"-m\", \"api.main\"]\n";
    const toml = (api: string, extra = "") => `[services.api]\ndockerfile = "api/Dockerfile"\ncontext = "."\n${api}[services.api.drift]\nprovider = "file"\npath = "deploy/api.json"\n\n${svcToml("worker")}${extra}`;
    const dir = gitRepo({
      "shipshape.toml": toml(`target = "prod"\nbuild_args = { PYVER = "3.11" }\n`),
      "api/Dockerfile": stages,
      "api/Dockerfile.slim": stages,
      "api/__init__.py": "",
      "api/main.py": "",
      "worker/Dockerfile": FROM + "COPY worker/ /app/worker/\n",
      "worker/main.py": "",
    });
    deployAll(dir, git(dir, ["rev-parse", "HEAD"]), ["api", "worker"]);
    // Another service's drift table: not api's build.
    commit(dir, "worker: longer timeout", { "shipshape.toml": toml(`target = "prod"\nbuild_args = { PYVER = "3.11" }\n`, `timeout = "90s"\n`) });
    let r = await driftJson(dir);
    assert.equal(r.services.api.state, "CURRENT", JSON.stringify(r.services.api));
    assert.equal(r.services.worker.state, "CURRENT");
    const changes: [string, string][] = [
      ["build_args", toml(`target = "prod"\nbuild_args = { PYVER = "3.12" }\n`, `timeout = "90s"\n`)],
      ["target", toml(`target = "debug"\nbuild_args = { PYVER = "3.11" }\n`, `timeout = "90s"\n`)],
      // A Dockerfile that existed before the deploy: only the config says it is now the one built.
      ["dockerfile", toml(`target = "prod"\nbuild_args = { PYVER = "3.11" }\n`, `timeout = "90s"\n`).replace('"api/Dockerfile"', '"api/Dockerfile.slim"')],
    ];
    for (const [what, text] of changes) {
      const before = git(dir, ["rev-parse", "HEAD"]);
      const c = commit(dir, `api: ${what}`, { "shipshape.toml": text });
      r = await driftJson(dir, ["api", "worker"]);
      assert.equal(r.services.api.state, "STALE", what);
      assert.deepEqual(r.services.api.revisions[0].commits.map((x) => [x.sha, x.files]), [[c, [{ status: "M", path: "shipshape.toml" }]]], what);
      assert.equal(r.services.worker.state, "CURRENT", what);
      git(dir, ["reset", "-q", "--hard", before]);
    }
  });

  test("[tool.shipshape] in pyproject.toml: a change to the service's build settings counts, a change to the project metadata does not", async () => {
    const table = (target: string) => `[project]\nname = "x"\n\n[tool.shipshape.services.api]\ndockerfile = "api/Dockerfile"\ncontext = "."\ntarget = "${target}"\n[tool.shipshape.services.api.drift]\nprovider = "file"\npath = "deploy/api.json"\n`;
    const dir = gitRepo({
      "pyproject.toml": table("prod"),
      "api/Dockerfile": "FROM python:3.11-slim AS prod\nWORKDIR /app\nCOPY api/ /app/api/\nFROM prod AS debug\nRUN pip install debugpy\n",
      "api/main.py": "",
    });
    deployAll(dir, git(dir, ["rev-parse", "HEAD"]), ["api"]);
    commit(dir, "metadata", { "pyproject.toml": table("prod").replace('name = "x"', 'name = "x"\nversion = "2"') });
    assert.equal((await driftJson(dir)).services.api.state, "CURRENT");
    const c = commit(dir, "debug image", { "pyproject.toml": table("debug").replace('name = "x"', 'name = "x"\nversion = "2"') });
    const r = await driftJson(dir);
    assert.equal(r.services.api.state, "STALE");
    assert.deepEqual(r.services.api.revisions[0].commits.map((x) => [x.sha, x.files]), [[c, [{ status: "M", path: "pyproject.toml" }]]]);
  });

  test("files the ignore files exclude do not count, even when deleted", async () => {
    const dir = gitRepo({
      "shipshape.toml": svcToml("api"),
      "api/Dockerfile": FROM + "COPY . .\nCMD [\"python\", \"-m\", \"api.main\"]\n",
      ".dockerignore": "tests\n*.md\n",
      "api/__init__.py": "",
      "api/main.py": "import os\n",
      "tests/test_api.py": "def test(): pass\n",
      "tests/old_test.py": "",
      "NOTES.md": "x\n",
    });
    deployAll(dir, git(dir, ["rev-parse", "HEAD"]), ["api"]);
    commit(dir, "tests and notes", { "tests/test_api.py": "def test(): assert 1\n", "tests/old_test.py": null, "NOTES.md": "y\n" });
    const r = await driftJson(dir);
    assert.equal(r.services.api.state, "CURRENT", JSON.stringify(r.services.api));
    assert.equal(r.status, 0);
  });

  test("reachable mode: a README or an unreachable test file copied by COPY . . does not make a service stale", async () => {
    const files = {
      "shipshape.toml": svcToml("api"),
      "api/Dockerfile": FROM + "COPY . .\nCMD [\"python\", \"-m\", \"api.main\"]\n",
      "api/__init__.py": "",
      "api/main.py": "from api import helpers\n",
      "api/helpers.py": "X = 1\n",
      "api/README.md": "# api\n",
      "tests/test_api.py": "def test(): pass\n",
      "config/settings.yaml": "a: 1\n",
    };
    const dir = gitRepo(files);
    deployAll(dir, git(dir, ["rev-parse", "HEAD"]), ["api"]);
    commit(dir, "docs", { "api/README.md": "# api\nmore\n" });
    commit(dir, "tests", { "tests/test_api.py": "def test(): assert True\n" });
    assert.equal((await driftJson(dir, ["--closure", "image"])).services.api.state, "STALE");
    const r = await driftJson(dir, ["--closure", "reachable"]);
    assert.equal(r.services.api.state, "CURRENT", JSON.stringify(r.services.api));
    commit(dir, "helpers", { "api/helpers.py": "X = 2\n" });
    commit(dir, "settings", { "config/settings.yaml": "a: 2\n" });
    const r2 = await driftJson(dir, ["--closure", "reachable"]);
    assert.deepEqual(r2.services.api.revisions[0].commits.map((c) => c.subject), ["settings", "helpers"]);
  });

  test("the closure comes from the image model: copied context files, the Dockerfile and ignore files", async () => {
    const dir = monorepo();
    const disc = discover([], dir, new FsCache());
    const api = disc.services.find((s) => s.name === "api")!;
    const c = computeClosure(api, dir, "image");
    assert.deepEqual([...c.files].sort(), ["api/Dockerfile", "api/__init__.py", "api/main.py", "requirements.txt", "shared/__init__.py", "shared/lock.py", "shared/old.py"]);
    assert.ok(c.contains("api/Dockerfile") && c.contains(".dockerignore") && c.contains("api/Dockerfile.dockerignore"));
    assert.ok(c.contains("shared/gone.py"), "a deleted file under a copied folder");
    assert.ok(!c.contains("worker/main.py") && !c.contains("docs/guide.md") && !c.contains("README.md"));
    const r = computeClosure(api, dir, "reachable");
    assert.ok(r.files.has("shared/lock.py") && !r.files.has("shared/old.py"), [...r.files].join(","));
  });

  test("a lock file bind-mounted into RUN counts; COPY --exclude patterns do not count", async () => {
    const dir = gitRepo({
      "shipshape.toml": svcToml("api"),
      "api/Dockerfile":
        "# syntax=docker/dockerfile:1.7-labs\nFROM python:3.12-slim AS build\nWORKDIR /app\nRUN --mount=type=cache,target=/root/.cache/uv --mount=type=bind,source=uv.lock,target=uv.lock --mount=type=bind,source=pyproject.toml,target=pyproject.toml uv sync --frozen --no-install-project\nFROM python:3.12-slim\nCOPY --from=build /app/.venv /app/.venv\nCOPY --exclude=tests --exclude=*.md api/ /app/api/\nCMD [\"python\", \"-m\", \"api.main\"]\n",
      "api/__init__.py": "",
      "api/main.py": "",
      "api/NOTES.md": "",
      "api/tests/test_main.py": "",
      "api/tests/old_test.py": "",
      "uv.lock": "version = 1\n",
      "pyproject.toml": "[project]\nname = 'api'\n",
    });
    const disc = discover([], dir, new FsCache());
    const c = computeClosure(disc.services[0], dir, "image");
    assert.deepEqual([...c.files].sort(), ["api/Dockerfile", "api/__init__.py", "api/main.py", "pyproject.toml", "uv.lock"]);
    assert.ok(!c.contains("api/tests/gone.py"), "a deleted file under an excluded folder");
    deployAll(dir, git(dir, ["rev-parse", "HEAD"]), ["api"]);
    commit(dir, "tests", { "api/tests/test_main.py": "x = 1\n", "api/tests/old_test.py": null, "api/NOTES.md": "n\n" });
    assert.equal((await driftJson(dir)).services.api.state, "CURRENT");
    commit(dir, "lock", { "uv.lock": "version = 2\n" });
    const r = await driftJson(dir);
    assert.equal(r.services.api.state, "STALE");
    assert.deepEqual(r.services.api.revisions[0].commits[0].files, [{ status: "M", path: "uv.lock" }]);
  });

  test("a shipshape root below the git top level: paths are judged relative to it", async () => {
    const top = tmp();
    const files: Record<string, string> = {
      "services/shipshape.toml": svcToml("api"),
      "services/api/Dockerfile": FROM + "COPY api/ /app/api/\nCMD [\"python\", \"-m\", \"api.main\"]\n",
      "services/api/__init__.py": "",
      "services/api/main.py": "",
      "other/api/main.py": "",
    };
    git(top, ["init", "-q", "-b", "main"]);
    const first = commit(top, "init", files);
    const dir = path.join(top, "services");
    deployAll(dir, first, ["api"]);
    commit(top, "outside the shipshape root", { "other/api/main.py": "X = 1\n" });
    assert.equal((await driftJson(dir)).services.api.state, "CURRENT");
    const c = commit(top, "inside", { "services/api/main.py": "X = 1\n" });
    const r = await driftJson(dir);
    assert.equal(r.services.api.state, "STALE");
    assert.deepEqual(r.services.api.revisions[0].commits.map((x) => [x.sha, x.files]), [[c, [{ status: "M", path: "api/main.py" }]]]);
  });
});

describe("comparison by commit", () => {
  test("a short deployed SHA is normalised: equal to HEAD is CURRENT, never 'always drift'", async () => {
    const dir = monorepo();
    const head = git(dir, ["rev-parse", "HEAD"]);
    for (const reported of [head.slice(0, 7), head, head.slice(0, 12).toUpperCase()]) {
      deployAll(dir, reported);
      const r = await driftJson(dir);
      assert.equal(r.status, 0, reported);
      for (const s of Object.values(r.services)) {
        assert.equal(s.state, "CURRENT");
        assert.equal(s.revisions[0].commit, head);
      }
    }
  });

  test("a commit unknown to the local clone (force-push) is UNKNOWN with the fix, never CURRENT", async () => {
    const origin = monorepo();
    const gone = commit(origin, "shared: experiment", { "shared/lock.py": "EXPERIMENT = 1\n" });
    git(origin, ["reset", "-q", "--hard", "HEAD~1"]);
    commit(origin, "shared: the real change", { "shared/lock.py": "REAL = 1\n" });
    const clone = path.join(tmp(), "clone");
    git(path.dirname(clone), ["clone", "-q", `file://${origin}`, clone]);
    deployAll(clone, gone);
    const r = await driftJson(clone);
    assert.equal(r.status, 2);
    for (const s of Object.values(r.services)) {
      assert.equal(s.state, "UNKNOWN");
      assert.match(s.revisions[0].reason!, new RegExp(`deployed commit ${gone} is not in the local clone`));
      assert.match(s.revisions[0].fix!, /git fetch origin/);
    }
    const t = cli(["drift"], clone);
    assert.match(t.stdout, /UNKNOWN/);
    assert.doesNotMatch(t.stdout, /CURRENT/);
  });

  test("a shallow clone: an older deployed commit is UNKNOWN with 'git fetch --unshallow'", async () => {
    const origin = monorepo();
    const deployed = git(origin, ["rev-parse", "HEAD"]);
    commit(origin, "shared change", { "shared/lock.py": "B = 1\n" });
    const clone = path.join(tmp(), "shallow");
    git(path.dirname(clone), ["clone", "-q", "--depth", "1", `file://${origin}`, clone]);
    deployAll(clone, deployed);
    const r = await driftJson(clone);
    assert.equal(r.status, 2);
    assert.equal(r.services.api.state, "UNKNOWN");
    assert.equal(r.services.api.revisions[0].fix, "fetch more history: git fetch --unshallow");
    git(clone, ["fetch", "-q", "--unshallow"]);
    assert.equal((await driftJson(clone)).services.api.state, "STALE");
  });

  test("a change and its git revert since the deploy: CURRENT (the content is the same), with a note; a partial revert is still STALE", async () => {
    const dir = monorepo();
    const deployed = git(dir, ["rev-parse", "HEAD"]);
    deployAll(dir, deployed);
    const when = { GIT_AUTHOR_DATE: "2026-12-01T00:00:00Z", GIT_COMMITTER_DATE: "2026-12-01T00:00:00Z" };
    commit(dir, "shared: lease", { "shared/lock.py": "class Lock:\n    lease = 30\n" });
    git(dir, ["-c", "commit.gpgsign=false", "revert", "--no-edit", "HEAD"], when);
    // A build setting changed and changed back counts the same way.
    const toml = git(dir, ["show", "HEAD:shipshape.toml"]) + "\n";
    commit(dir, "api: build arg", { "shipshape.toml": toml.replace('[services.api.drift]', 'build_args = { X = "1" }\n[services.api.drift]') });
    commit(dir, "api: no build arg", { "shipshape.toml": toml });
    let r = await driftJson(dir);
    assert.equal(r.status, 0, JSON.stringify(r.services.api));
    const api = r.services.api.revisions[0];
    assert.equal(api.state, "CURRENT");
    assert.equal(api.behind, 0);
    assert.deepEqual(api.commits, []);
    assert.equal(api.totalCommits, 4);
    assert.equal(api.reason, `the changes to what its image is built from since ${deployed.slice(0, 12)} were undone (e.g. reverted): its content on HEAD is the same`);
    assert.equal(r.services.grading.state, "CURRENT");
    const t = cli(["drift", "api"], dir);
    assert.equal(t.status, 0);
    assert.match(t.stdout, /^api\s+CURRENT$/m);
    assert.match(t.stdout, /: current \(4 commits since touch its files, but what its image is built from is the same\)$/m);
    assert.match(t.stdout, /^    note: the changes to what its image is built from since [0-9a-f]{12} were undone/m);
    // Change A, change B, revert A: B is still missing from production.
    const a = commit(dir, "shared: A", { "shared/lock.py": "A = 1\n" });
    const b = commit(dir, "shared: B", { "shared/old.py": "B = 1\n" });
    git(dir, ["-c", "commit.gpgsign=false", "revert", "--no-edit", a], when);
    r = await driftJson(dir);
    assert.equal(r.services.api.state, "STALE");
    assert.ok(r.services.api.revisions[0].commits.some((c) => c.sha === b));
    assert.equal(r.services.api.revisions[0].reason, null);
  });

  test("a deployed commit that is not in the history of HEAD: STALE when its build differs, with a note", async () => {
    const dir = monorepo();
    git(dir, ["checkout", "-q", "-b", "hotfix"]);
    const hot = commit(dir, "hotfix in shared", { "shared/lock.py": "HOT = 1\n" });
    git(dir, ["checkout", "-q", "main"]);
    commit(dir, "worker only", { "worker/main.py": "import sys\n" });
    deployAll(dir, hot);
    const r = await driftJson(dir);
    assert.equal(r.services.api.state, "STALE");
    assert.match(r.services.api.revisions[0].reason!, /not in the history of HEAD/);
    // Not "0 commits behind": it runs code HEAD does not have.
    const text = cli(["drift", "api"], dir);
    assert.match(text.stdout, /^api\s+STALE\s+runs code that is not in HEAD/m);
    assert.match(text.stdout, /STALE: runs code that is not in HEAD, and its build differs/);
    assert.equal(r.services.worker.state, "STALE"); // worker changed on main since the fork
    // grading's closure does not differ except for shared/lock.py, which HEAD does not have: stale too.
    assert.equal(r.services.grading.state, "STALE");
  });

  test("a deployed commit not in the history of HEAD with the same build: CURRENT, not behind, and no commit listed as missing", async () => {
    const dir = monorepo();
    git(dir, ["checkout", "-q", "-b", "hotfix"]);
    const hot = commit(dir, "hotfix in shared", { "shared/lock.py": "HOT = 1\n" });
    git(dir, ["checkout", "-q", "main"]);
    // The same change lands on main as another commit (a cherry-pick, a rebase), and a worker change.
    commit(dir, "hotfix in shared (picked)", { "shared/lock.py": "HOT = 1\n" });
    commit(dir, "worker only", { "worker/main.py": "import sys\n" });
    deployAll(dir, hot, ["api"]);
    const r = await driftJson(dir, ["api"]);
    assert.equal(r.status, 0);
    const api = r.services.api.revisions[0];
    assert.equal(api.state, "CURRENT");
    assert.equal(api.behind, 0);
    assert.deepEqual(api.commits, []);
    assert.equal(api.totalCommits, 2);
    assert.equal(api.reason, `deployed commit ${hot.slice(0, 12)} is not in the history of HEAD (force-push or another branch); what its image is built from is the same as on HEAD`);
    const t = cli(["drift", "api"], dir);
    assert.equal(t.status, 0);
    assert.match(t.stdout, /: current \(1 of 2 commits since touches its files, but what its image is built from is the same\)$/m);
    assert.doesNotMatch(t.stdout, /hotfix in shared \(picked\)/);
    assert.doesNotMatch(t.stdout, /none changes its image/);
  });

  test("--fetch with --ref origin/main sees commits pushed since the clone", async () => {
    const origin = monorepo();
    const first = git(origin, ["rev-parse", "HEAD"]);
    const clone = path.join(tmp(), "clone");
    git(path.dirname(clone), ["clone", "-q", `file://${origin}`, clone]);
    deployAll(clone, first);
    const pushed = commit(origin, "shared: pushed later", { "shared/lock.py": "PUSHED = 1\n" });
    let round = await runRound({ cwd: clone, services: ["api"], ref: "origin/main" });
    assert.equal(round.results[0].state, "CURRENT");
    round = await runRound({ cwd: clone, services: ["api"], ref: "origin/main", fetch: true });
    assert.equal(round.head, pushed);
    assert.equal(round.results[0].state, "STALE");
  });

  test("--ref reads what the images are built from at that ref, not from the checked-out tree", async () => {
    const dir = monorepo();
    git(dir, ["checkout", "-q", "-b", "newmain"]);
    // On newmain, worker starts copying shared/; the deployed commit is that one.
    const deployed = commit(dir, "worker copies shared", { "worker/Dockerfile": FROM + "COPY worker/ /app/worker/\nCOPY shared/ /app/shared/\nCMD [\"python\", \"-m\", \"worker.main\"]\n" });
    commit(dir, "shared changes", { "shared/old.py": "X = 2\n" });
    git(dir, ["checkout", "-q", "main"]); // main's worker does not copy shared/
    deployAll(dir, deployed, ["worker"]);
    const round = await runRound({ cwd: dir, services: ["worker"], ref: "newmain" });
    assert.equal(round.results[0].state, "STALE");
    assert.deepEqual(round.results[0].revisions[0].commits.map((c) => c.subject), ["shared changes"]);
    // The checked-out tree is left as it was.
    assert.equal(git(dir, ["status", "--porcelain", "--untracked-files=no"]), "");
  });

  test("--ref compares with another ref; a bad ref is a one-line error", async () => {
    const dir = monorepo();
    const first = git(dir, ["rev-parse", "HEAD"]);
    deployAll(dir, first);
    commit(dir, "shared", { "shared/lock.py": "C = 1\n" });
    assert.equal((await driftJson(dir, ["--ref", first])).status, 0);
    assert.equal((await driftJson(dir, ["--ref", "main"])).status, 1);
    const bad = cli(["drift", "--ref", "nope"], dir);
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trim().split("\n").length, 1);
    assert.match(bad.stderr, /not a commit in this repository: nope/);
  });
});

describe("the six mistakes of the old detectors", () => {
  test("1. watched folders that no longer exist: the closure follows the Dockerfile, so a moved shared folder is still watched", async () => {
    const dir = monorepo();
    // The shared package moves to lib/shared/ and the Dockerfiles follow; production is deployed after the move.
    git(dir, ["mv", "shared", "lib"]);
    const moved = commit(dir, "move shared to lib/", {
      "api/Dockerfile": FROM + "COPY requirements.txt .\nCOPY api/ /app/api/\nCOPY lib/ /app/shared/\nCMD [\"python\", \"-m\", \"api.main\"]\n",
      "grading/Dockerfile": FROM + "COPY grading/ /app/grading/\nCOPY lib/ /app/shared/\nCMD [\"python\", \"-m\", \"grading.main\"]\n",
    });
    deployAll(dir, moved);
    const change = commit(dir, "lock: fix", { "lib/lock.py": "class Lock:\n    fixed = True\n" });
    const r = await driftJson(dir);
    assert.equal(r.services.api.state, "STALE");
    assert.equal(r.services.api.revisions[0].commits[0].sha, change);
    assert.equal(r.services.grading.state, "STALE");
    assert.equal(r.services.worker.state, "CURRENT");
  });

  test("2. a short SHA against a full one is compared as commits, not strings", async () => {
    const dir = monorepo();
    const head = git(dir, ["rev-parse", "HEAD"]);
    deployAll(dir, head.slice(0, 8));
    const r = await driftJson(dir);
    assert.equal(r.status, 0);
    assert.equal(r.services.api.state, "CURRENT");
  });

  test("3. coloured output is never parsed: git colour forced on in the repository changes nothing", async () => {
    const dir = monorepo();
    deployAll(dir, git(dir, ["rev-parse", "HEAD"]));
    const c = commit(dir, "shared change", { "shared/lock.py": "D = 1\n" });
    for (const [k, v] of [
      ["color.ui", "always"],
      ["color.diff", "always"],
      ["log.decorate", "full"],
      ["log.showSignature", "false"],
      ["format.pretty", "oneline"],
      ["diff.noprefix", "true"],
      ["core.quotepath", "true"],
    ])
      git(dir, ["config", k, v]);
    const r = await driftJson(dir);
    assert.equal(r.services.api.state, "STALE");
    assert.equal(r.services.api.revisions[0].commits[0].sha, c);
    assert.deepEqual(r.services.api.revisions[0].commits[0].files, [{ status: "M", path: "shared/lock.py" }]);
    assert.doesNotMatch(JSON.stringify(r.services), /\u001b\[/);
    assert.equal(r.services.worker.state, "CURRENT");
  });

  test("4. documentation-only commits do not count, and an env-only redeploy does not reset the clock", async () => {
    const dir = monorepo();
    const deployed = git(dir, ["rev-parse", "HEAD"]);
    deployAll(dir, deployed);
    commit(dir, "docs: guide", { "docs/guide.md": "# Guide\n\nMore.\n", "README.md": "# Monorepo\n\nMore.\n" });
    let r = await driftJson(dir);
    assert.equal(r.status, 0);
    for (const s of Object.values(r.services)) assert.equal(s.state, "CURRENT");
    assert.equal(r.services.api.revisions[0].totalCommits, 1);
    const change = commit(dir, "shared change", { "shared/lock.py": "E = 1\n" });
    // An env-only redeploy: a new revision, deployed after the change, still built from the old commit.
    deployAll(dir, deployed);
    deployFile(dir, "api.json", { name: "api-00009-env", commit: deployed, deployed_at: new Date(Date.now() + 3600_000).toISOString() });
    r = await driftJson(dir);
    assert.equal(r.services.api.state, "STALE");
    assert.equal(r.services.api.revisions[0].basis, "commit");
    assert.equal(r.services.api.revisions[0].commits[0].sha, change);
  });

  test("5. a commit unknown to the local clone is never 'up to date' (even an id that looks fine)", async () => {
    const dir = monorepo();
    deployAll(dir, "0123456789abcdef0123456789abcdef01234567");
    const r = await driftJson(dir);
    assert.equal(r.status, 2);
    for (const s of Object.values(r.services)) assert.equal(s.state, "UNKNOWN");
    deployAll(dir, "not-a-sha; rm -rf /");
    const r2 = await driftJson(dir);
    assert.equal(r2.status, 2);
    assert.match(r2.services.api.revisions[0].reason!, /is not a commit id/);
  });

  test("7. API errors are never 'no drift': a failing provider is UNKNOWN with its reason, exit 2", async () => {
    const dir = monorepo();
    deployAll(dir, git(dir, ["rev-parse", "HEAD"]), ["worker", "grading"]);
    // api's file is missing
    const r = await driftJson(dir);
    assert.equal(r.status, 2);
    assert.equal(r.services.api.state, "UNKNOWN");
    assert.match(r.services.api.error!, /cannot read deploy\/api\.json: ENOENT/);
    assert.equal(r.services.worker.state, "CURRENT");
    const w = cli(["drift", "--warn-only"], dir);
    assert.equal(w.status, 0);
    assert.match(w.stdout, /^api\s+UNKNOWN\s+cannot read the deployed state: cannot read deploy\/api\.json/m);
  });

  test("time basis only when no commit is known, and it says so", async () => {
    const dir = monorepo();
    commit(dir, "shared early", { "shared/lock.py": "F = 1\n" }, "2026-11-10T10:00:00Z");
    for (const n of ["api", "worker", "grading"]) deployFile(dir, `${n}.json`, { deployed_at: "2026-11-10T12:00:00Z" });
    let r = await driftJson(dir);
    assert.equal(r.services.api.state, "CURRENT");
    assert.equal(r.services.api.revisions[0].basis, "time");
    assert.match(r.services.api.revisions[0].reason!, /no commit recorded: judged by committer time/);
    const late = commit(dir, "shared late", { "shared/lock.py": "F = 2\n" }, "2026-11-10T13:00:00Z");
    r = await driftJson(dir);
    assert.equal(r.services.api.state, "STALE");
    assert.deepEqual(r.services.api.revisions[0].commits.map((c) => c.sha), [late]);
    assert.equal(r.services.worker.state, "CURRENT");
    deployFile(dir, "api.json", { name: "x" });
    r = await driftJson(dir);
    assert.equal(r.services.api.state, "UNKNOWN");
    assert.match(r.services.api.revisions[0].reason!, /neither the deployed commit nor a deploy time/);
  });
});

describe("bad input", () => {
  test("one-line errors, exit 2, never a stack trace", async () => {
    const dir = monorepo();
    deployAll(dir, git(dir, ["rev-parse", "HEAD"]));
    git(dir, ["remote", "add", "origin", path.join(dir, "no-such-remote")]);
    const cases: [string[], RegExp][] = [
      [["drift", "nope"], /unknown service nope \(configured for drift: api, worker, grading\)/],
      // git's own reason, not a guess.
      [["drift", "--fetch"], /git fetch failed: fatal: '.*no-such-remote' does not appear to be a git repository/],
      [["drift", "--watch", "soon"], /--watch: not an interval/],
      [["drift", "--alert", "slack"], /environment variable SHIPSHAPE_SLACK_WEBHOOK is not set/],
      [["drift", "ack", "api", "--until", "tomorrow", "--reason", "x"], /--until: not a date or duration/],
    ];
    for (const [args, re] of cases) {
      const r = cli(args, dir, { SHIPSHAPE_SLACK_WEBHOOK: "" });
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, re, args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });

  test("configuration errors name the key", async () => {
    const base = { "api/Dockerfile": FROM + "COPY api/ /app/\nCMD python main.py\n", "api/main.py": "" };
    const cases: [string, RegExp][] = [
      [`[services.api]\ndockerfile = "api/Dockerfile"\n[services.api.drift]\nprovider = "heroku"\n`, /services\.api\.drift\.provider must be one of/],
      [`[services.api]\ndockerfile = "api/Dockerfile"\n[services.api.drift]\nprovider = "cloudrun"\n`, /services\.api\.drift\.region is required for provider "cloudrun"/],
      [`[services.api]\ndockerfile = "api/Dockerfile"\n[services.api.drift]\nprovider = "http"\nurl = "ftp://x"\n`, /url must be an http/],
      [`[services.api]\ndockerfile = "api/Dockerfile"\n[services.api.drift]\nprovider = "command"\ncommand = "echo abc"\n`, /command must be a list of strings/],
      [`[services.api]\ndockerfile = "api/Dockerfile"\n`, /no service has a deployment to compare with/],
      [`[drift.alerts.slack]\nwebhook_env = "https://hooks.example/x"\n[services.api]\ndockerfile = "api/Dockerfile"\n[services.api.drift]\nprovider = "file"\npath = "d.json"\n`, /must name an environment variable/],
      [`[services.api]\ndockerfile = "api/Dockerfile"\n[services.api.drift]\nprovider = "file"\npath = "d.json"\ncomit_label = "x"\n`, /unknown key 'services\.api\.drift\.comit_label'; did you mean 'services\.api\.drift\.commit_label'\?/],
      [`[drift.alert]\ntimeout = "5s"\n[services.api]\ndockerfile = "api/Dockerfile"\n[services.api.drift]\nprovider = "file"\npath = "d.json"\n`, /unknown key 'drift\.alert'; did you mean 'drift\.alerts'\?/],
      [`[services.api]\ndockerfile = "api/Dockerfile"\n[services.api.drift]\nprovider = "file"\npath = "d.json"\ntimeout = "30d"\n`, /timeout must be more than 0 and at most 24d/],
      [`[drift.alerts]\ntimeout = "0s"\n[services.api]\ndockerfile = "api/Dockerfile"\n[services.api.drift]\nprovider = "file"\npath = "d.json"\n`, /drift\.alerts\.timeout must be more than 0/],
      [`[services.api]\ndockerfile = "api/Dockerfile"\n[services.api.drift]\nprovider = "http"\nurl = "http://deploy:s3cret@127.0.0.1:1/v"\n`, /url must not hold a user or password/],
    ];
    for (const [toml, re] of cases) {
      const dir = makeRepo({ ...base, "shipshape.toml": toml });
      assert.throws(() => prepareRound({ cwd: dir, services: [] }), (e: Error) => e instanceof UsageError && re.test(e.message) && !e.message.includes("\n"));
    }
    // Through the CLI: exit 2 and one line.
    const r = cli(["drift"], makeRepo({ ...base, "shipshape.toml": cases[0][0] }));
    assert.equal(r.status, 2);
    assert.match(r.stderr, cases[0][1]);
    assert.equal(r.stderr.trim().split("\n").length, 1);
  });

  test("a git repository with no commits yet: one clear line, exit 2", async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, "shipshape.toml"), svcToml("api"));
    mkdirSync(path.join(dir, "api"));
    writeFileSync(path.join(dir, "api", "Dockerfile"), FROM + "COPY api/ /app/api/\n");
    git(dir, ["init", "-q", "-b", "main"]);
    const r = cli(["drift"], dir);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, `shipshape: error: the git repository at ${git(dir, ["rev-parse", "--show-toplevel"])} has no commits yet: drift compares deployed commits with its history (commit first)\n`);
  });

  test("outside a git repository", async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, "shipshape.toml"), svcToml("api"));
    mkdirSync(path.join(dir, "api"));
    writeFileSync(path.join(dir, "api", "Dockerfile"), FROM);
    const r = cli(["drift"], dir);
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim().split("\n").length, 1);
  });
});
