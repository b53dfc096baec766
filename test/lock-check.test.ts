import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { makeRepo, cli } from "./helpers.js";
import { runLockCheck, pythonVersionOfImage } from "../src/lock/check.js";
import { findLockPairs, loadLockConfig } from "../src/lock/pairs.js";
import { UV_LOCK, POETRY_LOCK } from "./packages-locks.test.js";

const DF = (install: string, copy = "COPY requirements.txt ./") => `FROM python:3.11-slim\nWORKDIR /app\n${copy}\nRUN ${install}\nCOPY main.py .\nCMD ["python", "main.py"]\n`;
const summary = (dir: string, targets: string[] = []) => runLockCheck(targets.map((t) => `${dir}/${t}`), dir).findings.map((f) => `${f.code} ${f.file}:${f.line} ${f.module}`).sort();

describe("lock check: pairs", () => {
  it("finds pairs by convention and config", () => {
    const dir = makeRepo({
      "shipshape.toml": `[lock]\npython = "3.10"\npairs = [["deps/base.txt", "deps/pinned.txt"]]\n`,
      "a/requirements.in": "x\n", "a/requirements.txt": "x==1\n",
      "b/requirements.txt": "x\n", "b/requirements.lock": "x==1\n",
      "c/pyproject.toml": "[project]\nname='c'\n", "c/uv.lock": "version = 1\n",
      "d/pyproject.toml": "[tool.poetry]\nname='d'\n", "d/poetry.lock": "",
      "deps/base.txt": "x\n", "deps/pinned.txt": "x==1\n",
      "e/dev.in": "x\n", "e/dev.txt": "x==1\n", "e/requirements-lock.txt": "",
      "node_modules/z/requirements.in": "", "node_modules/z/requirements.txt": "",
    });
    const cfg = loadLockConfig(dir);
    assert.equal(cfg.python, "3.10");
    assert.deepEqual(findLockPairs(dir, cfg).map((p) => `${p.loose} -> ${p.lock} (${p.source})`), [
      "deps/base.txt -> deps/pinned.txt (config)",
      "a/requirements.in -> a/requirements.txt (convention)",
      "b/requirements.txt -> b/requirements.lock (convention)",
      "c/pyproject.toml -> c/uv.lock (convention)",
      "d/pyproject.toml -> d/poetry.lock (convention)",
      "e/dev.in -> e/dev.txt (convention)",
    ]);
    assert.deepEqual(findLockPairs(dir, { ...cfg, conventions: false }).length, 1);
  });

  it("reads the image's Python version from its base", () => {
    assert.equal(pythonVersionOfImage("python:3.11-slim"), "3.11");
    assert.equal(pythonVersionOfImage("docker.io/library/python:3.12.4-bookworm"), "3.12.4");
    assert.equal(pythonVersionOfImage("ubuntu:22.04"), null);
  });
});

describe("lock check: pair rules", () => {
  it("is silent on a consistent pip-compile pair installed by its lock", () => {
    const dir = makeRepo({
      "svc/Dockerfile": DF("pip install --no-cache-dir -r requirements.txt"),
      "svc/main.py": "",
      "svc/requirements.in": "fastapi>=0.110\npywin32 ; sys_platform == 'win32'\n./libs/local\n",
      "svc/requirements.txt": "fastapi==0.111.0 \\\n    --hash=sha256:aa\n    # via -r requirements.in\nstarlette==0.37.2\n    # via fastapi\n",
    });
    assert.deepEqual(summary(dir), []);
    const r = cli(["lock", "check"], dir);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /1 lock pair \(svc\/requirements.in -> svc\/requirements.txt\), 1 service: no problems found/);
  });

  it("reports missing, mismatched, unpinned, orphaned and marker-excluded packages", () => {
    const dir = makeRepo({
      "requirements.in": "Django>=4.2,<5\nrequests~=2.31\nmissing-pkg\nuvloop\n-r extra.in\n",
      "extra.in": "celery==5.4.0\n",
      "requirements.txt": [
        "django==5.0.1", "    # via -r requirements.in",
        "requests>=2.31", "    # via -r requirements.in",
        "uvloop==0.19.0 ; sys_platform == 'darwin'", "    # via -r requirements.in",
        "celery==5.4.0", "    # via -r extra.in",
        "stale-thing==1.0", "    # via old-package",
      ].join("\n") + "\n",
    });
    assert.deepEqual(summary(dir), [
      "SS501 requirements.in:3 missing-pkg",
      "SS501 requirements.in:4 uvloop",
      "SS502 requirements.txt:1 django",
      "SS503 requirements.txt:3 requests",
      "SS504 requirements.txt:9 stale-thing",
    ]);
    const r = cli(["lock", "check", "--format", "json"], dir);
    assert.equal(r.status, 1);
    const j = JSON.parse(r.stdout) as { findings: { code: string; message: string }[] };
    assert.match(j.findings.find((f) => f.code === "SS501" && f.message.includes("uvloop"))!.message, /only for 'sys_platform == 'darwin'', which is false on Linux\/CPython 3.12/);
  });

  it("checks pyproject.toml against uv.lock and poetry.lock", () => {
    const dir = makeRepo({
      "uvsvc/pyproject.toml": `[project]\nname = "my-service"\nversion = "0.1.0"\ndependencies = ["anyio>=5", "click~=8.1", "rich"]\n[project.optional-dependencies]\ntest = ["pytest>=8"]\n`,
      "uvsvc/uv.lock": UV_LOCK,
      "po/pyproject.toml": `[tool.poetry]\nname = "po"\n[tool.poetry.dependencies]\npython = "^3.10"\nrequests = "^2.32"\ntomli = { version = "^2.0", python = "<3.11" }\n`,
      "po/poetry.lock": POETRY_LOCK.replace('name = "certifi"\nversion = "2024.7.4"', 'name = "certifi"\nversion = "2024.7.4"') + `\n[[package]]\nname = "leftover"\nversion = "0.1"\noptional = false\npython-versions = "*"\nfiles = []\n`,
    });
    assert.deepEqual(summary(dir), [
      "SS501 uvsvc/pyproject.toml:4 rich",
      "SS501 uvsvc/pyproject.toml:6 pytest",
      "SS502 uvsvc/uv.lock:6 anyio",
      "SS504 po/poetry.lock:45 leftover",
    ]);
  });

  it("a uv workspace: what members require is not orphaned; what nobody requires is", () => {
    const pkg = (name: string, version: string, deps: string[] = [], source = `{ registry = "https://pypi.org/simple" }`) =>
      `[[package]]\nname = "${name}"\nversion = "${version}"\nsource = ${source}\n${deps.length ? `dependencies = [${deps.map((d) => `{ name = "${d}" }`).join(", ")}]\n` : ""}\n`;
    const lock = `version = 1\nrequires-python = ">=3.11"\n\n[manifest]\nmembers = ["api", "shared"]\n\n` +
      pkg("api", "0.1.0", ["fastapi", "shared"], `{ virtual = "." }`) +
      pkg("shared", "0.1.0", ["pydantic"], `{ editable = "packages/shared" }`) +
      pkg("fastapi", "0.110.0", ["starlette"]) + pkg("starlette", "0.36.3") + pkg("pydantic", "2.7.0", ["annotated-types"]) + pkg("annotated-types", "0.7.0") + pkg("stale-thing", "1.0");
    const dir = makeRepo({
      "pyproject.toml": `[project]\nname = "api"\nversion = "0.1.0"\ndependencies = ["fastapi", "shared"]\n\n[tool.uv.sources]\nshared = { workspace = true }\n\n[tool.uv.workspace]\nmembers = ["packages/*"]\n`,
      "packages/shared/pyproject.toml": `[project]\nname = "shared"\nversion = "0.1.0"\ndependencies = ["pydantic>=2"]\n`,
      "uv.lock": lock,
    });
    assert.deepEqual(summary(dir).filter((l) => l.startsWith("SS504")), [`SS504 uv.lock:${lock.split("\n").findIndex((l) => l === 'name = "stale-thing"') + 1} stale-thing`]);
  });

  it("turns unreadable input into SS507/SS508 findings, never a crash", () => {
    const dir = makeRepo({
      "a/requirements.in": "good>=1\nbad line ((\nx ; python_version <<< '3'\n",
      "a/requirements.txt": "good==1.0\n    # via -r requirements.in\n",
      "b/pyproject.toml": `[project]\nname = "b"\ndependencies = ["ok"]\n`,
      "b/uv.lock": "version = 1\n[[package]\nname = \n",
      "c/pyproject.toml": `[project]\nname = "c"\ndependencies = ["ok"]\n`,
      "c/poetry.lock": "[[package]]\nversion = \"1\"\n",
      "d/pyproject.toml": "[project\n",
      "d/uv.lock": "version = 1\n",
    });
    assert.deepEqual(summary(dir), [
      "SS507 a/requirements.in:2 ",
      "SS507 a/requirements.in:3 ",
      "SS507 d/pyproject.toml:1 ",
      "SS508 b/uv.lock:2 ",
      "SS508 c/poetry.lock:1 ",
    ]);
    const r = cli(["lock", "check"], dir);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, "");
  });
});

describe("lock check: image rules", () => {
  it("SS505: the Dockerfile installs the loose file, not the lock", () => {
    const dir = makeRepo({
      "svc/Dockerfile": DF("pip install -r requirements.in", "COPY requirements.in requirements.txt ./"),
      "svc/main.py": "",
      "svc/requirements.in": "flask\n",
      "svc/requirements.txt": "flask==3.0.0\n    # via -r requirements.in\n",
      "hd/Dockerfile": "FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.in requirements.txt ./\nRUN <<EOF\nset -e\npip install -r requirements.in\nEOF\nCOPY main.py .\nCMD [\"python\", \"main.py\"]\n",
      "hd/main.py": "",
      "hd/requirements.in": "flask\n",
      "hd/requirements.txt": "flask==3.0.0\n    # via -r requirements.in\n",
      // Loose file with its lock as constraints: fine.
      "ok/Dockerfile": DF("pip install -r requirements.in -c requirements.txt", "COPY requirements.in requirements.txt ./"),
      "ok/main.py": "",
      "ok/requirements.in": "flask\n",
      "ok/requirements.txt": "flask==3.0.0\n    # via -r requirements.in\n",
    });
    assert.deepEqual(summary(dir), ["SS505 hd/Dockerfile:4 ", "SS505 svc/Dockerfile:4 "]);
    const r = cli(["lock", "check", "svc"], dir);
    assert.match(r.stdout, /svc\/Dockerfile:4: error SS505 \[dockerfile-installs-loose-file\] \(svc\)\n  the image installs svc\/requirements.in, the loose requirements, not their lock svc\/requirements.txt/);
    assert.match(r.stdout, /fix: install -r requirements.txt instead/);
  });

  it("SS505: uv sync without uv.lock in the image, pip install . of a locked project", () => {
    const dir = makeRepo({
      "uvs/Dockerfile": `FROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml ./\nRUN uv sync --no-dev\nCMD ["python", "-m", "app"]\n`,
      "uvs/pyproject.toml": `[project]\nname = "my-service"\nversion = "0.1.0"\ndependencies = ["anyio>=4", "click~=8.1"]\n`,
      "uvs/uv.lock": UV_LOCK,
      "pipdot/Dockerfile": `FROM python:3.12-slim\nWORKDIR /src\nCOPY . .\nRUN pip install .\nCMD ["python", "-m", "app"]\n`,
      "pipdot/pyproject.toml": `[project]\nname = "my-service"\nversion = "0.1.0"\ndependencies = ["anyio>=4", "click~=8.1"]\n`,
      "pipdot/uv.lock": UV_LOCK,
      "good/Dockerfile": `FROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml uv.lock ./\nRUN uv sync --locked --no-dev\nCMD ["python", "-m", "app"]\n`,
      "good/pyproject.toml": `[project]\nname = "my-service"\nversion = "0.1.0"\ndependencies = ["anyio>=4", "click~=8.1"]\n`,
      "good/uv.lock": UV_LOCK,
    });
    assert.deepEqual(summary(dir), ["SS505 pipdot/Dockerfile:4 ", "SS505 uvs/Dockerfile:4 "]);
  });

  it("SS506: two installed files pin a package to two versions (also via a builder stage and -r includes)", () => {
    const dir = makeRepo({
      "svc/Dockerfile": [
        "FROM python:3.11-slim AS build",
        "WORKDIR /build",
        "COPY requirements.lock ./",
        "RUN pip install --prefix /install -r requirements.lock",
        "FROM python:3.11-slim",
        "COPY --from=build /install /usr/local",
        "COPY shared/ /shared/",
        "RUN cd /shared && pip install -r requirements.txt 'numpy==1.26.4'",
        "COPY main.py /app/",
        'CMD ["python", "/app/main.py"]',
      ].join("\n") + "\n",
      "svc/main.py": "",
      "svc/requirements.lock": "numpy==2.0.0\nurllib3==2.2.2\n",
      "svc/shared/requirements.txt": "-r common.txt\n",
      "svc/shared/common.txt": "urllib3==1.26.18\nsix==1.16.0\n",
    });
    assert.deepEqual(summary(dir), ["SS506 svc/Dockerfile:8 numpy", "SS506 svc/shared/common.txt:1 urllib3"]);
  });

  it("SS506 not for a universal lock's one line per Python range (only one marker holds)", () => {
    const lock = `numpy==1.24.4 ; python_full_version < '3.9'\n    # via -r requirements.in\nnumpy==2.0.2 ; python_full_version >= '3.9' and python_full_version < '3.10'\n    # via -r requirements.in\nnumpy==2.1.3 ; python_full_version >= '3.10'\n    # via -r requirements.in\n`;
    const dir = makeRepo({ "svc/Dockerfile": DF("pip install -r requirements.txt", "COPY requirements.txt ./"), "svc/main.py": "", "svc/requirements.in": "numpy\n", "svc/requirements.txt": lock });
    assert.deepEqual(summary(dir), []);
    // Two lines that both hold on the image's Python are still a conflict.
    const both = lock.replace("python_full_version < '3.9'", "python_full_version >= '3.10'");
    assert.deepEqual(summary(makeRepo({ "svc/Dockerfile": DF("pip install -r requirements.txt", "COPY requirements.txt ./"), "svc/main.py": "", "svc/requirements.in": "numpy\n", "svc/requirements.txt": both })), ["SS506 svc/requirements.txt:5 numpy"]);
  });

  it("SS506 in one pip command says the build fails; an inline pin whose marker is false pins nothing", () => {
    const dir = makeRepo({
      "svc/Dockerfile": `FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt "numpy==1.26.4" "urllib3==1.26.18; python_version < '3.8'"\nCOPY main.py .\nCMD ["python", "main.py"]\n`,
      "svc/main.py": "",
      "svc/requirements.txt": "numpy==2.0.0\nurllib3==2.2.2\n",
    });
    const res = runLockCheck([], dir);
    assert.deepEqual(res.findings.map((f) => `${f.code} ${f.file}:${f.line} ${f.module}`), ["SS506 svc/Dockerfile:4 numpy"]);
    assert.match(res.findings[0].message, /line 4: in one pip command the build fails with ResolutionImpossible/);
  });

  it("severity config and per-service ignore apply", () => {
    const dir = makeRepo({
      "shipshape.toml": `[severity]\nSS505 = "warning"\n`,
      "svc/Dockerfile": DF("pip install -r requirements.in", "COPY requirements.in requirements.txt ./"),
      "svc/main.py": "",
      "svc/requirements.in": "flask\n",
      "svc/requirements.txt": "flask==3.0.0\n    # via -r requirements.in\n",
    });
    const r = cli(["lock", "check"], dir);
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /warning SS505/);
  });
});

describe("lock check: BuildKit bind mounts", () => {
  it("files read through RUN --mount=type=bind count as installed", () => {
    const dir = makeRepo({
      "uvm/Dockerfile": `FROM python:3.12-slim\nWORKDIR /app\nRUN --mount=type=bind,source=uv.lock,target=uv.lock --mount=type=bind,source=pyproject.toml,target=pyproject.toml --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-install-project\nCOPY . .\nCMD ["python", "-m", "app"]\n`,
      "uvm/pyproject.toml": `[project]\nname = "my-service"\nversion = "0.1.0"\ndependencies = ["anyio>=4", "click~=8.1"]\n`,
      "uvm/uv.lock": UV_LOCK,
      "pm/Dockerfile": `FROM python:3.12-slim\nRUN --mount=type=bind,source=reqs,target=/tmp/reqs pip install -r /tmp/reqs/requirements.in\nCOPY main.py .\nCMD ["python", "main.py"]\n`,
      "pm/main.py": "",
      "pm/reqs/requirements.in": "flask\n",
      "pm/reqs/requirements.txt": "flask==3.0.0\n    # via -r requirements.in\n",
    });
    assert.deepEqual(summary(dir), ["SS505 pm/Dockerfile:2 "]);
  });
});
