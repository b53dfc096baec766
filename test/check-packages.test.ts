// Third-party packages, the Python version, the standard library and implicit runtime
// dependencies (SS2xx, SS3xx, SS4xx): each rule firing and staying silent on real repositories.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { makeRepo, check, only, summary, cli } from "./helpers.js";
import type { CheckResult } from "../src/check.js";
import { baseImageInfo } from "../src/image/base.js";
import { stdlibFor, stdlibHistory } from "../src/python/stdlib.js";

/** Package-rule findings (SS2xx–SS4xx) as `CODE file:line module`. */
function pkg(res: CheckResult): string[] {
  return res.findings.filter((f) => /^SS[234]/.test(f.code)).map((f) => `${f.code} ${f.file}:${f.line} ${f.module}`).sort();
}

const app = (reqs: string, code: string, extra: Record<string, string> = {}, from = "python:3.11-slim") =>
  makeRepo({
    Dockerfile: `FROM ${from}\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY main.py .\nCMD ["python", "main.py"]\n`,
    "requirements.txt": reqs,
    "main.py": code,
    ...extra,
  });

describe("SS201 package-not-installed", () => {
  test("fires for an import nothing installs, naming the distribution from the curated table", () => {
    const res = check(app("flask==3.0.3\n", "import flask\nimport yaml\n"));
    assert.deepEqual(pkg(res), ["SS201 main.py:2 yaml"]);
    const f = only(res, "SS201")[0];
    assert.equal(f.severity, "error");
    assert.match(f.message, /add PyYAML/);
    assert.match(f.message, /curated table/);
  });

  test("silent when the requirement is installed under its distribution name", () => {
    assert.deepEqual(pkg(check(app("PyYAML==6.0.1\nscikit-learn==1.4\npython-dateutil\n", "import yaml\nimport sklearn.linear_model\nfrom dateutil import parser\n"))), []);
  });

  test("google-cloud-* family: from google.cloud import bigquery", () => {
    assert.deepEqual(pkg(check(app("google-cloud-bigquery==3.14\n", "from google.cloud import bigquery\nimport google.cloud.bigquery as bq\n"))), []);
    const res = check(app("google-cloud-storage==2\n", "from google.cloud import bigquery\n"));
    assert.deepEqual(pkg(res), ["SS201 main.py:1 google.cloud.bigquery"]);
    assert.match(only(res, "SS201")[0].message, /google-cloud-bigquery/);
  });

  test("a missing import named like a folder of the repository is local code the image lacks (SS101), never 'install it from an index'", () => {
    const res = check(makeRepo({ "libs/shared/__init__.py": "", "libs/shared/util.py": "", "services/api/main.py": "import shared.util\n", "services/api/Dockerfile": `FROM python:3.11-slim\nWORKDIR /app\nCOPY main.py .\nCMD ["python", "main.py"]\n` }));
    assert.deepEqual(res.findings.map((f) => `${f.code} ${f.file}:${f.line} ${f.module}`), ["SS101 services/api/main.py:1 shared.util"]);
    assert.match(res.findings[0].message, /the repository has libs\/shared\/ \(outside the build context services\/api: build from a context that holds it\) — copy it into the image/);
    assert.doesNotMatch(res.findings[0].message, /add shared to the requirements/);
    // A name the tables map (yaml → PyYAML) stays a package finding even with a local yaml/ folder.
    const y = check(makeRepo({ "tools/yaml/__init__.py": "", "main.py": "import yaml\n", Dockerfile: `FROM python:3.11-slim\nWORKDIR /app\nCOPY main.py .\nCMD ["python", "main.py"]\n` }));
    assert.deepEqual(pkg(y), ["SS201 main.py:1 yaml"]);
    // Folders of scripts (no __init__.py) are not packages; a well-known distribution's name (redis)
    // stays SS201, with a note naming the folder. So --fix never copies them in.
    const scripts = check(makeRepo({ "infra/redis/healthcheck.py": "", "docker/entry.py": "", "cache/redis/__init__.py": "", "main.py": "import redis\nimport docker\n", Dockerfile: `FROM python:3.11-slim\nWORKDIR /app\nCOPY main.py .\nCMD ["python", "main.py"]\n` }));
    // docker/ (unknown to the tables) may be the code meant: SS101 saying both ways, with no automatic COPY.
    assert.deepEqual(scripts.findings.map((f) => `${f.code} ${f.module}`).sort(), ["SS101 docker", "SS201 redis"]);
    assert.match(only(scripts, "SS101")[0].message, /docker\/ has Python files but no __init__\.py — if 'docker' is that folder, copy it .*; if it is a distribution of that name, add it to the requirements/);
    assert.ok(only(scripts, "SS201").find((f) => f.module === "redis")!.notes?.some((n) => /the repository also has cache\/redis\//.test(n)));
    assert.ok(scripts.findings.every((f) => !f.fix));
  });

  test("namespace roots (google, opentelemetry): never suggest the bare root; from-imports judge each subpackage", () => {
    const res = check(app("opentelemetry-api==1.25\n", "import google.zzgenai\nfrom opentelemetry import trace, metrics\nfrom opentelemetry import zzsdk\n"));
    assert.deepEqual(pkg(res), ["SS201 main.py:1 google.zzgenai", "SS201 main.py:3 opentelemetry.zzsdk"]);
    const [g, o] = only(res, "SS201");
    assert.match(g.message, /add the distribution that provides 'google\.zzgenai' \(perhaps google-zzgenai\)/);
    assert.match(o.message, /perhaps opentelemetry-zzsdk/);
    assert.doesNotMatch(g.message + o.message, /add (google|opentelemetry) to/);
  });

  test("a requirements file in the repository that the Dockerfile never installs provides nothing", () => {
    const dir = makeRepo({
      Dockerfile: `FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nCMD ["python", "main.py"]\n`,
      "requirements.txt": "requests==2.31\n",
      "main.py": "import requests\n",
    });
    const res = check(dir);
    assert.deepEqual(pkg(res), ["SS201 main.py:1 requests"]);
    assert.match(only(res, "SS201")[0].message, /installs no Python packages/);
  });

  test("guarded imports are warnings, TYPE_CHECKING imports are ignored, one finding per package", () => {
    const res = check(app("flask\n", "try:\n    import orjson\nexcept ImportError:\n    orjson = None\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import mypy_boto3_s3\n", { "b.py": "" }));
    assert.deepEqual(pkg(res), ["SS201 main.py:2 orjson"]);
    assert.equal(only(res, "SS201")[0].severity, "warning");
  });

  test("one finding per missing package and image, counting the other places", () => {
    const dir = makeRepo({
      Dockerfile: `FROM python:3.11-slim\nWORKDIR /app\nRUN pip install flask\nCOPY . .\nCMD ["python", "main.py"]\n`,
      "main.py": "import lib\nimport redis\n",
      "lib.py": "import redis\n\ndef f():\n    import redis.client\n",
    });
    const res = check(dir);
    assert.deepEqual(pkg(res), ["SS201 main.py:2 redis"]);
    assert.ok(only(res, "SS201")[0].notes?.some((n) => /2 more places/.test(n)), JSON.stringify(only(res, "SS201")[0].notes));
  });

  test("markers are evaluated for the image's Python version", () => {
    const reqs = 'tomli==2.0.1; python_version < "3.11"\n';
    assert.deepEqual(pkg(check(app(reqs, "import tomli\n", {}, "python:3.10-slim"))), []);
    assert.deepEqual(pkg(check(app(reqs, "import tomli\n", {}, "python:3.12-slim"))), ["SS201 main.py:1 tomli"]);
  });

  test("-r includes are followed inside the image", () => {
    const files = { "requirements.txt": "-r base.txt\nflask\n", "base.txt": "requests==2.31\n", "main.py": "import requests\nimport flask\n" };
    const ok = makeRepo({ ...files, Dockerfile: `FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt base.txt ./\nRUN pip install -r requirements.txt\nCOPY main.py .\nCMD ["python", "main.py"]\n` });
    assert.deepEqual(pkg(check(ok)), []);
    const bad = makeRepo({ ...files, Dockerfile: `FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt ./\nRUN pip install -r requirements.txt\nCOPY main.py .\nCMD ["python", "main.py"]\n` });
    const res = check(bad);
    assert.deepEqual(pkg(res), ["SS201 main.py:1 requests", "SS204 Dockerfile:4 /app/base.txt"]);
  });

  test("multi-stage: packages of a builder reach the final image only through COPY --from", () => {
    const base = { "requirements.txt": "requests\n", "main.py": "import requests\n" };
    const lost = makeRepo({ ...base, Dockerfile: `FROM python:3.11-slim AS build\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n\nFROM python:3.11-slim\nWORKDIR /app\nCOPY main.py .\nCMD ["python", "main.py"]\n` });
    assert.deepEqual(pkg(check(lost)), ["SS201 main.py:1 requests"]);
    const prefix = makeRepo({ ...base, Dockerfile: `FROM python:3.11-slim AS build\nCOPY requirements.txt .\nRUN pip install --prefix=/install -r requirements.txt\n\nFROM python:3.11-slim\nCOPY --from=build /install /usr/local\nWORKDIR /app\nCOPY main.py .\nCMD ["python", "main.py"]\n` });
    assert.deepEqual(pkg(check(prefix)), []);
    const venv = makeRepo({ ...base, Dockerfile: `FROM python:3.11-slim AS build\nRUN python -m venv /opt/venv\nENV PATH=/opt/venv/bin:$PATH\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n\nFROM python:3.11-slim\nCOPY --from=build /opt/venv /opt/venv\nENV PATH=/opt/venv/bin:$PATH\nWORKDIR /app\nCOPY main.py .\nCMD ["python", "main.py"]\n` });
    assert.deepEqual(pkg(check(venv)), []);
    const otherDir = makeRepo({ ...base, Dockerfile: `FROM python:3.11-slim AS build\nRUN python -m venv /opt/venv\nENV PATH=/opt/venv/bin:$PATH\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n\nFROM python:3.11-slim\nCOPY --from=build /etc/hostname /tmp/x\nWORKDIR /app\nCOPY main.py .\nCMD ["python", "main.py"]\n` });
    assert.deepEqual(pkg(check(otherDir)), ["SS201 main.py:1 requests"]);
    // pip install --user as a named USER goes to that user's ~/.local, not /root/.local.
    const asUser = (copied: string) => `FROM python:3.11-slim AS build\nRUN useradd -m app\nUSER app\nCOPY requirements.txt /tmp/\nRUN pip install --user -r /tmp/requirements.txt\n\nFROM python:3.11-slim\nRUN useradd -m app\nCOPY --from=build ${copied} /home/app/.local\nUSER app\nWORKDIR /app\nCOPY main.py .\nCMD ["python", "main.py"]\n`;
    assert.deepEqual(pkg(check(makeRepo({ ...base, Dockerfile: asUser("/home/app/.local") }))), []);
    assert.deepEqual(pkg(check(makeRepo({ ...base, Dockerfile: asUser("/root/.local") }))), ["SS201 main.py:1 requests"]);
    // Only bin/ copied: the packages stay behind; its site-packages copied into the system's: they
    // come along. PYTHONUSERBASE moves --user installs.
    const binOnly = `FROM python:3.11-slim AS build\nRUN python -m venv /opt/venv\nENV PATH=/opt/venv/bin:$PATH\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n\nFROM python:3.11-slim\nCOPY --from=build /opt/venv/bin /opt/venv/bin\nENV PATH=/opt/venv/bin:$PATH\nWORKDIR /app\nCOPY main.py .\nCMD ["python", "main.py"]\n`;
    assert.deepEqual(pkg(check(makeRepo({ ...base, Dockerfile: binOnly }))), ["SS201 main.py:1 requests"]);
    assert.deepEqual(pkg(check(makeRepo({ ...base, Dockerfile: binOnly.replace("/opt/venv/bin /opt/venv/bin", "/opt/venv/lib/python3.11/site-packages /usr/local/lib/python3.11/site-packages") }))), []);
    const userBase = `FROM python:3.11-slim AS build\nENV PYTHONUSERBASE=/install\nCOPY requirements.txt .\nRUN pip install --user -r requirements.txt\n\nFROM python:3.11-slim\nENV PYTHONUSERBASE=/install\nCOPY --from=build /install /install\nWORKDIR /app\nCOPY main.py .\nCMD ["python", "main.py"]\n`;
    assert.deepEqual(pkg(check(makeRepo({ ...base, Dockerfile: userBase }))), []);
  });

  describe("multi-stage: a local project installed in a builder", () => {
    // The project (src layout) needs flask; the final image gets it only through what it copies.
    const proj = {
      "pyproject.toml": `[project]\nname = "myapp"\nversion = "0.1"\ndependencies = ["flask==3.0.0"]\n`,
      "src/myapp/__init__.py": "",
      "src/myapp/main.py": "import flask\nfrom myapp import util\napp = flask.Flask(__name__)\n",
      "src/myapp/util.py": "X = 1\n",
    };
    const builder = (install: string, dir = "/src") => `FROM python:3.11-slim AS builder\nWORKDIR ${dir}\nCOPY pyproject.toml .\nCOPY src/ src/\nRUN ${install}\n\nFROM python:3.11-slim\n`;
    const codes = (res: CheckResult) => res.findings.map((f) => `${f.code} ${f.module}`).sort();
    const run = `CMD ["python", "-m", "myapp.main"]\n`;

    test("pip install . into a virtualenv, the virtualenv copied: the project is in the image", () => {
      const df = `FROM python:3.11-slim AS builder\nRUN python -m venv /opt/venv\nENV PATH=/opt/venv/bin:$PATH\nWORKDIR /src\nCOPY pyproject.toml .\nCOPY src/ src/\nRUN pip install --no-cache-dir .\n\nFROM python:3.11-slim\nCOPY --from=builder /opt/venv /opt/venv\nENV PATH=/opt/venv/bin:$PATH\n${run}`;
      assert.deepEqual(codes(check(makeRepo({ ...proj, Dockerfile: df }))), []);
      // Copying something else leaves the project (and flask) behind.
      const lost = df.replace("COPY --from=builder /opt/venv /opt/venv", "COPY --from=builder /etc/hostname /tmp/x");
      assert.deepEqual(codes(check(makeRepo({ ...proj, Dockerfile: lost }))), ["SS110 myapp.main"]);
    });

    test("--prefix and --user installs copied to /usr/local and ~/.local", () => {
      const prefix = builder("pip install --prefix=/install .") + `COPY --from=builder /install /usr/local\n${run}`;
      assert.deepEqual(codes(check(makeRepo({ ...proj, Dockerfile: prefix }))), []);
      const user = builder("pip install --user .") + `RUN useradd -m app\nCOPY --from=builder /root/.local /home/app/.local\nUSER app\n${run}`;
      assert.deepEqual(codes(check(makeRepo({ ...proj, Dockerfile: user }))), []);
    });

    test("pip wheel in the builder, pip install of the wheels in the final stage", () => {
      const wheels = builder("pip wheel --no-cache-dir --wheel-dir /wheels .") + `COPY --from=builder /wheels /wheels\nRUN pip install --no-cache-dir /wheels/*.whl\n${run}`;
      assert.deepEqual(codes(check(makeRepo({ ...proj, Dockerfile: wheels }))), []);
      // The wheels copied but never installed: nothing of the project is importable.
      const notInstalled = builder("pip wheel -w /wheels .") + `COPY --from=builder /wheels /wheels\n${run}`;
      assert.deepEqual(codes(check(makeRepo({ ...proj, Dockerfile: notInstalled }))), ["SS110 myapp.main"]);
      // The wheels' dependencies are read from the project: an import it does not declare is SS201.
      const undeclared = check(makeRepo({ ...proj, "src/myapp/util.py": "import requests\n", Dockerfile: wheels }));
      assert.deepEqual(pkg(undeclared), ["SS201 src/myapp/util.py:1 requests"]);
      assert.equal(only(undeclared, "SS201")[0].severity, "error");
      // A wheel holds the project as it was when it was built: code copied afterwards is not in it.
      const early = `FROM python:3.11-slim AS builder\nWORKDIR /src\nCOPY pyproject.toml .\nCOPY src/myapp/__init__.py src/myapp/main.py src/myapp/\nRUN pip wheel -w /wheels .\nCOPY src/ src/\n\nFROM python:3.11-slim\nCOPY --from=builder /wheels/ /tmp/wheels/\nRUN pip install /tmp/wheels/*\n${run}`;
      assert.deepEqual(codes(check(makeRepo({ ...proj, Dockerfile: early }))), ["SS101 myapp.util"]);
    });

    test("-e . or . inside a requirements file installs the project, from pip's working directory", () => {
      for (const line of ["-e .", ".", "-e .[web]", ".[web]", "-r base.txt"]) {
        const df = `FROM python:3.11-slim\nWORKDIR /app\nCOPY pyproject.toml requirements.txt ./\nCOPY src/ src/\nRUN pip install -r requirements.txt\n${run}`;
        // "-r base.txt": the project line is in an included file.
        const res = check(makeRepo({ ...proj, "requirements.txt": `${line}\nrequests==2.31.0\n`, "base.txt": "-e .\n", "src/myapp/util.py": "import requests\nimport yaml\n", Dockerfile: df.replace("requirements.txt ./", "requirements.txt base.txt ./") }));
        // The project's own requirement (flask) and the file's (requests) count; the image is not opaque.
        assert.deepEqual(codes(res), ["SS201 yaml"], line);
        assert.equal(only(res, "SS201")[0].severity, "error", line);
      }
    });

    test("the install's own working directory counts: cd in the RUN, uv sync --project", () => {
      const cd = `FROM python:3.11-slim AS builder\nWORKDIR /\nCOPY pyproject.toml /srv/\nCOPY src/ /srv/src/\nRUN cd /srv && pip install --prefix=/install .\n\nFROM python:3.11-slim\nCOPY --from=builder /install /usr/local\n${run}`;
      assert.deepEqual(codes(check(makeRepo({ ...proj, Dockerfile: cd }))), []);
      const uv = `FROM python:3.11-slim AS builder\nWORKDIR /\nCOPY pyproject.toml /srv/\nCOPY src/ /srv/src/\nRUN uv sync --no-editable --project /srv\n\nFROM python:3.11-slim\nCOPY --from=builder /srv/.venv /srv/.venv\nENV PATH=/srv/.venv/bin:$PATH\n${run}`;
      assert.deepEqual(codes(check(makeRepo({ ...proj, Dockerfile: uv }))), []);
      // Editable (uv's default): the venv alone points at a folder the final image lacks.
      assert.deepEqual(codes(check(makeRepo({ ...proj, Dockerfile: uv.replace("--no-editable ", "") }))), ["SS110 myapp.main"]);
    });

    test("pip install --find-links of a pip wheel folder, by name", () => {
      const df = builder("pip wheel --wheel-dir /wheels .") + `COPY --from=builder /wheels /wheels\nRUN pip install --no-index --find-links=/wheels myapp\n${run}`;
      assert.deepEqual(codes(check(makeRepo({ ...proj, Dockerfile: df }))), []);
      const undeclared = check(makeRepo({ ...proj, "src/myapp/util.py": "import requests\n", Dockerfile: df }));
      assert.deepEqual(pkg(undeclared), ["SS201 src/myapp/util.py:1 requests"]);
    });

    test("an editable install carried over needs the project folder in the final image", () => {
      const df = (copyApp: string) => `FROM python:3.11-slim AS builder\nRUN python -m venv /opt/venv\nENV PATH=/opt/venv/bin:$PATH\nWORKDIR /app\nCOPY pyproject.toml .\nCOPY src/ src/\nRUN pip install -e .\n\nFROM python:3.11-slim\nWORKDIR /srv\nCOPY --from=builder /opt/venv /opt/venv\n${copyApp}ENV PATH=/opt/venv/bin:$PATH\n${run}`;
      assert.deepEqual(codes(check(makeRepo({ ...proj, Dockerfile: df("COPY --from=builder /app /app\n") }))), []);
      assert.deepEqual(codes(check(makeRepo({ ...proj, Dockerfile: df("") }))), ["SS110 myapp.main"]);
    });
  });

  test("RUN --mount=type=bind: the install reads the mounted context files (pip, uv)", () => {
    const pip = (reqs: string) => makeRepo({ "requirements.txt": reqs, "main.py": "import requests\n", Dockerfile: `FROM python:3.11-slim\nWORKDIR /app\nRUN --mount=type=cache,target=/root/.cache/pip \\\n    --mount=type=bind,source=requirements.txt,target=/tmp/requirements.txt \\\n    pip install -r /tmp/requirements.txt\nCOPY main.py .\nCMD ["python", "main.py"]\n` });
    assert.deepEqual(pkg(check(pip("requests==2.31.0\n"))), []);
    const missing = check(pip("flask\n"));
    assert.deepEqual(pkg(missing), ["SS201 main.py:1 requests"]);
    assert.equal(only(missing, "SS201")[0].severity, "error");
    // uv's documented pattern: dependencies from the bind-mounted lock, then the project.
    const uv = check(makeRepo({
      "pyproject.toml": `[project]\nname = "hello"\nversion = "0.1"\ndependencies = ["requests"]\n`,
      "uv.lock": `version = 1\nrequires-python = ">=3.11"\n\n[[package]]\nname = "hello"\nversion = "0.1"\nsource = { editable = "." }\ndependencies = [{ name = "requests" }]\n\n[[package]]\nname = "requests"\nversion = "2.31.0"\nsource = { registry = "https://pypi.org/simple" }\n`,
      "src/hello/__init__.py": "",
      "src/hello/main.py": "import requests\nimport yaml\n",
      Dockerfile: `FROM python:3.11-slim\nCOPY --from=ghcr.io/astral-sh/uv:latest /uv /bin/\nWORKDIR /app\nRUN --mount=type=bind,source=uv.lock,target=uv.lock --mount=type=bind,source=pyproject.toml,target=pyproject.toml uv sync --frozen --no-install-project --no-dev\nCOPY . /app\nRUN uv sync --frozen --no-dev\nENV PATH="/app/.venv/bin:$PATH"\nCMD ["python", "-m", "hello.main"]\n`,
    }));
    assert.deepEqual(pkg(uv), ["SS201 src/hello/main.py:2 yaml"]);
    assert.equal(only(uv, "SS201")[0].severity, "error");
  });

  test("unknown base image: a warning with a note, and config can declare what it carries", () => {
    const files = { "requirements.txt": "flask\n", "main.py": "import flask\nimport yaml\n" };
    const df = `FROM gcr.io/acme/py-base:2\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY main.py .\nCMD ["python", "main.py"]\n`;
    const res = check(makeRepo({ ...files, Dockerfile: df }));
    assert.deepEqual(pkg(res).filter((s) => !s.startsWith("SS303")), ["SS201 main.py:2 yaml"]);
    assert.equal(only(res, "SS201")[0].severity, "warning");
    assert.ok(only(res, "SS201")[0].notes?.some((n) => /not one shipshape knows/.test(n)));
    const declared = check(makeRepo({ ...files, Dockerfile: df, "shipshape.toml": `[images."gcr.io/acme/py-base"]\npython = "3.11"\npackages = ["PyYAML"]\n` }));
    assert.deepEqual(pkg(declared), []);
  });

  test("[packages.import_names] maps an internal distribution", () => {
    const files = { "requirements.txt": "acme-utils==1.0\n", "main.py": "import acmeutils\n" };
    const df = `FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY main.py .\nCMD ["python", "main.py"]\n`;
    assert.deepEqual(pkg(check(makeRepo({ ...files, Dockerfile: df }))), ["SS201 main.py:1 acmeutils"]);
    assert.deepEqual(pkg(check(makeRepo({ ...files, Dockerfile: df, "shipshape.toml": `[packages.import_names]\nacme-utils = ["acmeutils"]\n` }))), []);
  });

  test("installed metadata of a local environment maps import names (top_level.txt, PEP 794 Import-Name)", () => {
    const files = {
      "requirements.txt": "foo-dist==1.0\nbar-dist\n",
      "main.py": "import foolib\nimport barlib\n",
      "Dockerfile": `FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY main.py .\nCMD ["python", "main.py"]\n`,
    };
    assert.deepEqual(pkg(check(makeRepo(files))), ["SS201 main.py:1 foolib", "SS201 main.py:2 barlib"].sort());
    const sp = ".venv/lib/python3.11/site-packages";
    const res = check(
      makeRepo({
        ...files,
        ".venv/pyvenv.cfg": "home = /usr/bin\n",
        [`${sp}/foo_dist-1.0.dist-info/METADATA`]: "Metadata-Version: 2.1\nName: foo-dist\nVersion: 1.0\n",
        [`${sp}/foo_dist-1.0.dist-info/top_level.txt`]: "foolib\n",
        [`${sp}/bar_dist-2.0.dist-info/METADATA`]: "Metadata-Version: 2.5\nName: bar-dist\nVersion: 2.0\nImport-Name: barlib\n",
      }),
    );
    assert.deepEqual(pkg(res), []);
  });
});

describe("regressions", () => {
  test("from yaml import safe_load is an attribute of yaml, not a module to install", () => {
    assert.deepEqual(pkg(check(app("PyYAML\n", "from yaml import safe_load\n"))), []);
    assert.deepEqual(pkg(check(app("flask\n", "from yaml import safe_load\n"))), ["SS201 main.py:1 yaml"]);
  });
  test("-r includes are looked up in the image as it was when the RUN ran", () => {
    const dir = makeRepo({
      Dockerfile: `FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt /app/requirements.txt\nRUN pip install -r requirements.txt\nCOPY . .\nCMD ["python", "main.py"]\n`,
      "requirements.txt": "-r base.txt\nflask\n",
      "base.txt": "requests\n",
      "main.py": "import flask\nimport requests\n",
    });
    assert.ok(pkg(check(dir)).includes("SS204 Dockerfile:4 /app/base.txt"), pkg(check(dir)).join());
  });
  test("a requirements file an earlier RUN writes (poetry export, uv export >) is opaque, not SS204", () => {
    const df = (run: string) => `FROM python:3.11-slim\nWORKDIR /app\nCOPY pyproject.toml poetry.lock ./\n${run}\nRUN pip install -r requirements.txt\nCOPY main.py .\nCMD ["python", "main.py"]\n`;
    const files = { "pyproject.toml": "[tool.poetry]\nname = 'x'\n", "poetry.lock": "", "main.py": "import requests\n" };
    for (const run of ["RUN pip install poetry && poetry export -f requirements.txt --output requirements.txt", "RUN uv export --frozen > requirements.txt"]) {
      const res = check(makeRepo({ ...files, Dockerfile: df(run) }));
      assert.deepEqual(res.findings.map((f) => `${f.code} ${f.severity}`), ["SS201 warning"], run);
      assert.match(res.findings[0].notes!.join("\n"), /requirements\.txt is written by the RUN at Dockerfile:4/);
    }
    // Nothing writes it: the build fails.
    assert.deepEqual(pkg(check(makeRepo({ ...files, Dockerfile: df("RUN true") }))), ["SS201 main.py:1 requests", "SS204 Dockerfile:5 /app/requirements.txt"]);
  });

  test("-r of a URL (inside a file or on the command line) is opaque, not a missing file", () => {
    const dir = makeRepo({
      Dockerfile: `FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt -r https://example.com/other.txt\nCOPY main.py .\nCMD ["python", "main.py"]\n`,
      "requirements.txt": "flask\n-r https://example.com/base.txt\n",
      "main.py": "import flask\nimport yaml\n",
    });
    const res = check(dir);
    assert.deepEqual(pkg(res), ["SS201 main.py:2 yaml"]);
    // What the URL holds is unknown, so the miss is a warning that says why.
    assert.equal(only(res, "SS201")[0].severity, "warning");
    assert.match(only(res, "SS201")[0].notes!.join("\n"), /includes https:\/\/example\.com\/base\.txt, which pip downloads at build time/);
  });
  test("ARG values are visible to RUN", () => {
    const dir = makeRepo({ Dockerfile: `FROM python:3.11-slim\nARG PKG=requests\nWORKDIR /app\nRUN pip install flask $PKG\nCOPY main.py .\nCMD ["python", "main.py"]\n`, "main.py": "import requests\n" });
    assert.deepEqual(pkg(check(dir)), []);
  });
  test("SS202 names the parent from a uv.lock's dependency graph", () => {
    const lock = `version = 1\n\n[[package]]\nname = "fastapi"\nversion = "0.110.0"\nsource = { registry = "https://pypi.org/simple" }\ndependencies = [{ name = "starlette" }]\n\n[[package]]\nname = "starlette"\nversion = "0.36.3"\nsource = { registry = "https://pypi.org/simple" }\n\n[[package]]\nname = "svc"\nversion = "0.1.0"\nsource = { virtual = "." }\ndependencies = [{ name = "fastapi" }]\n`;
    const dir = makeRepo({
      Dockerfile: `FROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml uv.lock ./\nRUN uv sync --frozen\nENV PATH="/app/.venv/bin:$PATH"\nCOPY main.py .\nCMD ["python", "main.py"]\n`,
      "pyproject.toml": `[project]\nname = "svc"\nversion = "0.1.0"\ndependencies = ["fastapi"]\n`,
      "uv.lock": lock,
      "main.py": "import starlette\n",
    });
    const res = check(dir);
    assert.deepEqual(pkg(res), ["SS202 main.py:1 starlette"]);
    assert.match(only(res, "SS202")[0].message, /only because fastapi depends on it, as the lock shows/);
  });
});

describe("SS201 false-alarm guards", () => {
  test("setuptools/pkg_resources come with python images before 3.12", () => {
    assert.deepEqual(pkg(check(app("flask\n", "import pkg_resources\n"))), []);
    assert.deepEqual(pkg(check(app("flask\n", "import pkg_resources\n", {}, "python:3.12-slim"))), ["SS201 main.py:1 pkg_resources"]);
  });
  test("modules generated by protoc in a RUN are not reported", () => {
    const dir = makeRepo({
      Dockerfile: `FROM python:3.11-slim\nWORKDIR /app\nRUN pip install grpcio-tools\nCOPY . .\nRUN python -m grpc_tools.protoc -I protos --python_out=. protos/svc.proto\nCMD ["python", "main.py"]\n`,
      "protos/svc.proto": "syntax = \"proto3\";\n",
      "main.py": "import svc_pb2\n",
    });
    assert.deepEqual(pkg(check(dir)), []);
  });
});

describe("fallback imports and version/platform conditions", () => {
  const REPRO = [
    "import sys",
    "try:",
    "    import tomllib",
    "except ImportError:",
    "    import tomli as tomllib",
    "try:",
    "    from importlib.metadata import version",
    "except ImportError:",
    "    from importlib_metadata import version",
    "if sys.version_info >= (3, 11): import tomllib",
    "else: import tomli",
    'if sys.platform == "win32": import win32api',
    "",
  ].join("\n");
  const bare = (code: string, from = "python:3.11-slim", extra: Record<string, string> = {}) =>
    makeRepo({ Dockerfile: `FROM ${from}\nWORKDIR /app\nCOPY . .\nCMD ["python","main.py"]\n`, "main.py": code, ...extra });
  /** Findings as `CODE file:line module severity`. */
  const sev = (res: CheckResult) => res.findings.map((f) => `${f.code} ${f.file}:${f.line} ${f.module} ${f.severity}`).sort();

  test("the reviewer's repro: fallbacks that never run on Linux with Python 3.11 are not checked", () => {
    const dir = bare(REPRO);
    assert.deepEqual(sev(check(dir)), []);
    const r = cli(["check"], dir);
    assert.equal(r.status, 0, r.stdout);
  });

  test("a fallback is checked, as a warning with a note, only when its try body fails", () => {
    const code = "try:\n    import yaml\nexcept ImportError:\n    import simplejson\n";
    const res = check(bare(code));
    assert.deepEqual(sev(res), ["SS201 main.py:2 yaml warning", "SS201 main.py:4 simplejson warning"]);
    const fb = res.findings.find((f) => f.module === "simplejson")!;
    assert.deepEqual(fb.notes, ["the import is in an except ImportError handler: it runs only if an import in the try: block at line 1 fails"]);
    // The body resolves (PyYAML installed): the handler never runs.
    assert.deepEqual(pkg(check(app("PyYAML\n", code))), []);
    // The same module in both: one finding, at the body import.
    const same = check(bare("try:\n    from yaml import CSafeLoader as Loader\nexcept ImportError:\n    from yaml import SafeLoader as Loader\n"));
    assert.deepEqual(sev(same), ["SS201 main.py:2 yaml warning"]);
    assert.ok(same.findings[0].notes?.includes("imported in 1 more place in this image"));
  });

  test("every import of the try body must resolve; one that never runs counts as resolving", () => {
    const code = "try:\n    import json\n    import yaml\nexcept ImportError:\n    import simplejson\n";
    assert.deepEqual(pkg(check(app("flask\n", code))), ["SS201 main.py:3 yaml", "SS201 main.py:5 simplejson"]);
    assert.deepEqual(pkg(check(app("PyYAML\n", code))), []);
    const win = 'import sys\ntry:\n    if sys.platform == "win32":\n        import winreg\nexcept ImportError:\n    import simplejson\n';
    assert.deepEqual(pkg(check(app("flask\n", win))), []);
    // A handler whose try body imports nothing is an ordinary import.
    const none = check(app("flask\n", "try:\n    run()\nexcept ImportError:\n    import simplejson\n"));
    assert.deepEqual(sev(none).filter((x) => x.startsWith("SS2")), ["SS201 main.py:4 simplejson error"]);
  });

  test("chains of fallbacks: each runs only if the one before fails", () => {
    const code = "try:\n    import ujson as json\nexcept ImportError:\n    try:\n        import simplejson as json\n    except ImportError:\n        import orjson as json\n";
    assert.deepEqual(pkg(check(app("ujson\n", code))), []);
    assert.deepEqual(pkg(check(app("simplejson\n", code))), ["SS201 main.py:2 ujson"]);
    assert.deepEqual(pkg(check(app("flask\n", code))), ["SS201 main.py:2 ujson", "SS201 main.py:5 simplejson", "SS201 main.py:7 orjson"]);
    assert.ok(only(check(app("flask\n", code)), "SS201").every((f) => f.severity === "warning"));
  });

  test("a handler that re-raises or exits leaves the try body unguarded: its missing import stays an error", () => {
    for (const handler of ['    print("pip install pyyaml")\n    raise', "    raise SystemExit(1) from None", "    sys.exit('pip install pyyaml')"]) {
      const dir = bare(`import sys\ntry:\n    import yaml\nexcept ImportError:\n${handler}\n`);
      const res = check(dir);
      assert.deepEqual(sev(res), ["SS201 main.py:3 yaml error"], handler);
      assert.equal(res.findings[0].notes, undefined);
      assert.equal(cli(["check"], dir).status, 1);
    }
    // Raising only on some path still falls back.
    assert.deepEqual(sev(check(bare("try:\n    import yaml\nexcept ImportError:\n    if STRICT:\n        raise\n    yaml = None\n"))), ["SS201 main.py:2 yaml warning"]);
  });

  test("version conditions are evaluated for the image's Python", () => {
    const code = "import sys\nif sys.version_info >= (3, 11):\n    import tomllib\nelse:\n    import tomli as tomllib\n";
    assert.deepEqual(pkg(check(app("flask\n", code))), []);
    assert.deepEqual(pkg(check(app("flask\n", code, {}, "python:3.10-slim"))), ["SS201 main.py:5 tomli"]);
    assert.equal(only(check(app("flask\n", code, {}, "python:3.10-slim")), "SS201")[0].severity, "error");
    // sys.version_info[:2] compares exactly.
    const sliced = "import sys\nif sys.version_info[:2] == (3, 12):\n    import distutils\n";
    assert.deepEqual(pkg(check(app("flask\n", sliced, {}, "python:3.13-slim"))), []);
    assert.deepEqual(pkg(check(app("flask\n", sliced, {}, "python:3.12-slim"))), ["SS301 main.py:3 distutils"]);
  });

  test("with an unknown Python version, version-conditioned imports are warnings with a note", () => {
    const code = "import sys\nif sys.version_info >= (3, 11):\n    import tomllib\nelse:\n    import tomli as tomllib\n";
    const res = check(app("flask\n", code, {}, "python:3-slim"));
    assert.deepEqual(pkg(res).filter((x) => !x.startsWith("SS303")), ["SS201 main.py:5 tomli"]);
    const f = only(res, "SS201")[0];
    assert.equal(f.severity, "warning");
    assert.ok(f.notes?.some((n) => /runs only on Python < 3\.11, and the image's Python version is unknown/.test(n)), String(f.notes));
  });

  test("platform conditions: the container is Linux", () => {
    const code = 'import sys\nif sys.platform == "win32":\n    import win32api\nelif sys.platform == "darwin":\n    import AppKit\nelse:\n    import uvloop\nif not sys.platform.startswith("win"):\n    import uvloop_extra\nif sys.platform != "linux":\n    import nonlinux\n';
    assert.deepEqual(pkg(check(app("flask\n", code))), ["SS201 main.py:7 uvloop", "SS201 main.py:9 uvloop_extra"]);
    assert.deepEqual(only(check(app("flask\n", code)), "SS201").map((f) => f.severity), ["error", "error"]);
  });
});

describe("bad input", () => {
  test("a binary requirements file is one clear finding, and the text report prints no control characters", () => {
    const dir = makeRepo({
      Dockerfile: `FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY main.py .\nCMD ["python", "main.py"]\n`,
      "requirements.txt": Buffer.from([0, 1, 2, 0x41, 10]),
      "main.py": "import os\n",
    });
    const res = check(dir);
    assert.deepEqual(res.findings.filter((f) => f.code === "SS507").map((f) => f.message), ["cannot parse requirement: binary content (NUL bytes): this is not a requirements file"]);
    const out = cli(["check", "--no-cache"], dir);
    assert.equal(out.status, 1);
    assert.doesNotMatch(out.stdout, /[\u0000-\u0008]/);
  });
  test("unreadable installs are findings: a broken pyproject.toml, a bad line in a heredoc requirements file", () => {
    const broken = check(makeRepo({ "svc/Dockerfile": `FROM python:3.11-slim\nWORKDIR /app\nCOPY pyproject.toml .\nRUN pip install .\nCOPY main.py .\nCMD ["python", "main.py"]\n`, "svc/pyproject.toml": "[project\nname = 'x'\n", "svc/main.py": "" }));
    assert.deepEqual(broken.findings.filter((f) => f.code === "SS507").map((f) => `${f.file}:${f.line}`), ["svc/pyproject.toml:1"]);
    const heredoc = check(makeRepo({ Dockerfile: `# syntax=docker/dockerfile:1\nFROM python:3.11-slim\nWORKDIR /app\nCOPY <<EOF requirements.txt\nflask==3.0\nbad line ((\nEOF\nRUN pip install -r requirements.txt\nCOPY main.py .\nCMD ["python", "main.py"]\n`, "main.py": "import flask\n" }));
    const f = heredoc.findings.filter((x) => x.code === "SS507");
    assert.deepEqual(f.map((x) => `${x.file}:${x.line}`), ["Dockerfile:8"]);
    assert.match(f[0].message, /^\/app\/requirements\.txt \(written in the image\), line 2: cannot parse requirement/);
  });
  test("on an unknown base image, SS201 is a warning whose message says 'may not be installed'", () => {
    const res = check(makeRepo({ Dockerfile: `FROM acme/base:1\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY main.py .\nCMD ["python", "main.py"]\n`, "requirements.txt": "flask\n", "main.py": "import flask\nimport yaml\n" }));
    const f = only(res, "SS201");
    assert.deepEqual(f.map((x) => `${x.severity} ${x.module}`), ["warning yaml"]);
    assert.match(f[0].message, /^module 'yaml' may not be installed in the image \(see the notes\): /);
    assert.match(f[0].notes!.join("\n"), /the base image acme\/base:1 is not one shipshape knows/);
    // A known base image: a plain error.
    assert.match(only(check(app("flask\n", "import yaml\n")), "SS201")[0].message, /^module 'yaml' is not installed in the image: /);
  });
  test("an unknown base image may put its own virtualenv on PATH: SS205 is a warning there", () => {
    const dir = makeRepo({
      Dockerfile: `FROM acme/base:1\nWORKDIR /app\nRUN python -m venv /opt/venv\nCOPY requirements.txt .\nRUN /opt/venv/bin/pip install -r requirements.txt\nCOPY main.py .\nCMD ["python", "main.py"]\n`,
      "requirements.txt": "requests\n",
      "main.py": "import requests\n",
    });
    const res = check(dir);
    assert.deepEqual(res.findings.filter((f) => /^SS20\d$/.test(f.code)).map((f) => `${f.code} ${f.severity}`).sort(), ["SS201 warning", "SS205 warning"]);
  });
});

describe("extras", () => {
  test("a requested extra's packages count as requested: uvicorn[standard] brings uvloop", () => {
    assert.deepEqual(pkg(check(app("uvicorn[standard]==0.30.1\n", "import uvicorn\nimport uvloop\nimport httptools\n"))), []);
    // Without the extra, uvloop is not installed at all.
    assert.deepEqual(pkg(check(app("uvicorn==0.30.1\n", "import uvicorn\nimport uvloop\n"))), ["SS201 main.py:2 uvloop"]);
  });
  test("a requirement with a false marker installs nothing; === pins parse", () => {
    assert.deepEqual(pkg(check(app("pywin32==306 ; sys_platform == 'win32'\nrequests===2.31.0\n", "import requests\nimport win32api\n"))), ["SS201 main.py:2 win32api"]);
    assert.deepEqual(pkg(check(app("uvloop ; sys_platform != 'win32'\n", "import uvloop\n"))), []);
  });
});

describe("SS202 package-transitive-only", () => {
  test("a loose requirement's well-known dependency imported directly", () => {
    const res = check(app("requests==2.31\n", "import requests\nimport urllib3\n"));
    assert.deepEqual(pkg(res), ["SS202 main.py:2 urllib3"]);
    assert.equal(only(res, "SS202")[0].severity, "warning");
    assert.match(only(res, "SS202")[0].message, /requests depends on it/);
  });

  test("uv sync with uv.lock: the lock shows what is transitive", () => {
    const pyproject = `[project]\nname = "svc"\nversion = "0.1.0"\ndependencies = ["fastapi>=0.110"]\n`;
    const lock = `version = 1\nrequires-python = ">=3.11"\n\n[[package]]\nname = "fastapi"\nversion = "0.110.0"\nsource = { registry = "https://pypi.org/simple" }\ndependencies = [{ name = "starlette" }]\n\n[[package]]\nname = "starlette"\nversion = "0.36.3"\nsource = { registry = "https://pypi.org/simple" }\n\n[[package]]\nname = "svc"\nversion = "0.1.0"\nsource = { virtual = "." }\ndependencies = [{ name = "fastapi" }]\n\n[package.metadata]\nrequires-dist = [{ name = "fastapi", specifier = ">=0.110" }]\n`;
    const dir = makeRepo({
      Dockerfile: `FROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml uv.lock ./\nRUN uv sync --frozen --no-dev\nENV PATH="/app/.venv/bin:$PATH"\nCOPY main.py .\nCMD ["python", "main.py"]\n`,
      "pyproject.toml": pyproject,
      "uv.lock": lock,
      "main.py": "import fastapi\nimport starlette\nimport pydantic\n",
    });
    assert.deepEqual(pkg(check(dir)), ["SS201 main.py:3 pydantic", "SS202 main.py:2 starlette"]);
  });

  test("uv sync --no-dev: a dev-group package of the lock is not in the image", () => {
    const lock = `version = 1\n\n[[package]]\nname = "fastapi"\nversion = "0.110.0"\nsource = { registry = "https://pypi.org/simple" }\ndependencies = [{ name = "starlette" }]\n\n[[package]]\nname = "starlette"\nversion = "0.36.3"\nsource = { registry = "https://pypi.org/simple" }\n\n[[package]]\nname = "pytest"\nversion = "8.0.0"\nsource = { registry = "https://pypi.org/simple" }\ndependencies = [{ name = "iniconfig" }]\n\n[[package]]\nname = "iniconfig"\nversion = "2.0.0"\nsource = { registry = "https://pypi.org/simple" }\n\n[[package]]\nname = "svc"\nversion = "0.1.0"\nsource = { virtual = "." }\ndependencies = [{ name = "fastapi" }]\n\n[package.dev-dependencies]\ndev = [{ name = "pytest" }]\n`;
    const files = {
      Dockerfile: `FROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml uv.lock ./\nRUN uv sync --frozen --no-dev\nENV PATH="/app/.venv/bin:$PATH"\nCOPY main.py .\nCMD ["python", "main.py"]\n`,
      "pyproject.toml": `[project]\nname = "svc"\nversion = "0.1.0"\ndependencies = ["fastapi"]\n\n[dependency-groups]\ndev = ["pytest"]\n`,
      "uv.lock": lock,
      "main.py": "import fastapi\nimport pytest\nimport iniconfig\n",
    };
    assert.deepEqual(pkg(check(makeRepo(files))), ["SS201 main.py:2 pytest", "SS201 main.py:3 iniconfig"].sort());
    // The same import of fastapi's own dependency stays a transitive-only warning.
    assert.deepEqual(pkg(check(makeRepo({ ...files, "main.py": "import starlette\n" }))), ["SS202 main.py:1 starlette"]);
  });

  test("pdm install with pdm.lock: the lock shows what is installed", () => {
    const lock = `[metadata]\ngroups = ["default"]\nlock_version = "4.4"\n\n[[package]]\nname = "fastapi"\nversion = "0.110.0"\ngroups = ["default"]\ndependencies = [\n    "starlette<0.37.0,>=0.36.3",\n]\n\n[[package]]\nname = "starlette"\nversion = "0.36.3"\ngroups = ["default"]\ndependencies = []\n`;
    const dir = makeRepo({
      Dockerfile: `FROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml pdm.lock ./\nRUN pip install pdm && pdm install --prod --frozen-lockfile\nENV PATH="/app/.venv/bin:$PATH"\nCOPY main.py .\nCMD ["python", "main.py"]\n`,
      "pyproject.toml": `[project]\nname = "svc"\nversion = "0.1.0"\ndependencies = ["fastapi"]\n`,
      "pdm.lock": lock,
      "main.py": "import fastapi\nimport starlette\nimport pydantic\n",
    });
    assert.deepEqual(pkg(check(dir)), ["SS201 main.py:3 pydantic", "SS202 main.py:2 starlette"]);
  });

  test("a pip-compile lock's # via lines", () => {
    const lock = "flask==3.0.3\n    # via -r requirements.in\nwerkzeug==3.0.1\n    # via flask\n";
    const res = check(app(lock, "import flask\nimport werkzeug\n"));
    assert.deepEqual(pkg(res), ["SS202 main.py:2 werkzeug"]);
    // The fix is in the input file, then a regenerated lock — never a hand edit of the lock.
    assert.match(only(res, "SS202")[0].message, /declare Werkzeug in requirements\.in and regenerate requirements\.txt \(pip-compile\), which the image installs \(RUN at Dockerfile:4\)$/);
    assert.deepEqual(pkg(check(app(lock, "import flask\n"))), []);
    const uvHeader = "# This file was autogenerated by uv via the following command:\n#    uv pip compile deps/base.in -o requirements.txt\n" + lock;
    assert.match(only(check(app(uvHeader, "import werkzeug\n")), "SS202")[0].message, /declare Werkzeug in deps\/base\.in and regenerate requirements\.txt \(uv pip compile\)/);
  });
});

describe("SS203 executable-not-installed", () => {
  const svc = (install: string) =>
    makeRepo({
      Dockerfile: `FROM python:3.11-slim\nWORKDIR /app\n${install}COPY app.py .\nCMD ["gunicorn", "--bind", ":8080", "app:app"]\n`,
      "app.py": "app = object()\n",
    });
  test("fires when the command's program is not installed", () => {
    const res = check(svc(""));
    assert.deepEqual(pkg(res), ["SS203 Dockerfile:4 gunicorn"]);
    assert.match(only(res, "SS203")[0].message, /gunicorn: not found/);
  });
  test("silent when installed", () => {
    assert.deepEqual(pkg(check(svc("RUN pip install gunicorn==22.0.0\n"))), []);
  });
  test("python -m of a standard-library module is fine; of a package, it must be installed", () => {
    const run = (cmd: string, install = "") =>
      check(makeRepo({ Dockerfile: `FROM python:3.11-slim\nWORKDIR /app\n${install}COPY app.py .\nCMD ${cmd}\n`, "app.py": "" }));
    assert.deepEqual(pkg(run(`["python", "-m", "http.server", "8080"]`)), []);
    assert.deepEqual(summary(run(`["python", "-m", "http.server", "8080"]`)), []);
    const res = run(`["python", "-m", "pytest"]`, "RUN pip install requests\n");
    assert.deepEqual(pkg(res), ["SS203 Dockerfile:5 pytest"]);
    assert.match(only(res, "SS203")[0].message, /No module named pytest/);
    assert.deepEqual(pkg(run(`["python", "-m", "pytest"]`, "RUN pip install pytest\n")), []);
  });
});

describe("SS110 and SS203: an entry module an installed distribution provides", () => {
  // The repository has a folder named like the module (alembic/ of migration scripts, or a
  // vendored copy), which the image does not get: Python imports the installed distribution.
  const repo = (cmd: string, reqs: string, init = false) =>
    makeRepo({
      Dockerfile: `FROM python:3.11-slim\nWORKDIR /srv\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY app/ app/\nCMD ${cmd}\n`,
      "requirements.txt": reqs,
      "app/__init__.py": "",
      "alembic/env.py": "from alembic import context\n",
      "alembic/versions/001_init.py": "revision = '001'\n",
      ...(init ? { "alembic/__init__.py": "" } : {}),
    });
  const codes = (res: CheckResult) => res.findings.map((f) => `${f.code} ${f.module}`);
  test("python -m and a runner's app module: silent when the image installs the distribution", () => {
    assert.deepEqual(codes(check(repo(`["python", "-m", "alembic", "upgrade", "head"]`, "alembic==1.13.1\n"))), []);
    assert.deepEqual(codes(check(repo(`["gunicorn", "alembic.wsgi:app"]`, "alembic==1.13.1\ngunicorn==22.0.0\n"))), []);
  });
  test("not installed: SS203 for a folder of scripts named like the distribution, SS110 with a COPY fix for a package", () => {
    const res = check(repo(`["python", "-m", "alembic", "upgrade", "head"]`, "sqlalchemy==2.0.30\n"));
    assert.deepEqual(codes(res), ["SS203 alembic"]);
    assert.match(only(res, "SS203")[0].message, /No module named alembic/);
    const pkgRes = check(repo(`["python", "-m", "alembic", "upgrade", "head"]`, "sqlalchemy==2.0.30\n", true));
    assert.deepEqual(codes(pkgRes), ["SS110 alembic"]);
    assert.equal(only(pkgRes, "SS110")[0].fix?.insert, "COPY alembic/ /srv/alembic/");
    const runner = check(repo(`["gunicorn", "alembic.wsgi:app"]`, "gunicorn==22.0.0\n"));
    assert.deepEqual(codes(runner), ["SS110 alembic.wsgi"]);
  });
});

describe("SS204 requirements-file-not-in-image", () => {
  test("each missing file of one RUN is reported, not only the first", () => {
    const res = check(makeRepo({ Dockerfile: `FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt -r missing.txt\nCOPY main.py .\nCMD ["python", "main.py"]\n`, "requirements.txt": "-r nested-missing.txt\nflask\n", "main.py": "import flask\n" }));
    assert.deepEqual(only(res, "SS204").map((f) => f.module).sort(), ["/app/missing.txt", "/app/nested-missing.txt"]);
  });
  test("fires when pip install -r runs before the file is copied, silent after", () => {
    const bad = makeRepo({ Dockerfile: `FROM python:3.11-slim\nWORKDIR /app\nRUN pip install -r requirements.txt\nCOPY . .\nCMD ["python", "main.py"]\n`, "requirements.txt": "requests\n", "main.py": "import requests\n" });
    const res = check(bad);
    assert.ok(pkg(res).includes("SS204 Dockerfile:3 /app/requirements.txt"), pkg(res).join());
    assert.equal(only(res, "SS204")[0].fix?.insert, "COPY requirements.txt /app/requirements.txt");
    assert.deepEqual(pkg(check(app("requests\n", "import requests\n"))), []);
  });
});

describe("SS205 packages-not-on-path", () => {
  test("a virtualenv program named in a shell-form CMD, through sh -c, or relative to WORKDIR sees its packages", () => {
    const df = (cmd: string) => `FROM python:3.11-slim\nWORKDIR /app\nRUN python -m venv .venv\nCOPY requirements.txt .\nRUN .venv/bin/pip install -r requirements.txt\nCOPY app.py .\n${cmd}\n`;
    const files = { "requirements.txt": "requests\ngunicorn\n", "app.py": "import requests\napp = 1\n" };
    for (const cmd of ["CMD /app/.venv/bin/gunicorn app:app", 'CMD ["sh", "-c", "exec /app/.venv/bin/python app.py"]', 'CMD [".venv/bin/python", "app.py"]']) {
      assert.deepEqual(pkg(check(makeRepo({ ...files, Dockerfile: df(cmd) }))), [], cmd);
    }
    // The system python does not see them.
    assert.deepEqual(pkg(check(makeRepo({ ...files, Dockerfile: df('CMD ["python", "app.py"]') }))), ["SS201 app.py:1 requests", "SS205 Dockerfile:5 "]);
  });
  const files = { "requirements.txt": "requests\n", "main.py": "import requests\n", "pyproject.toml": `[project]\nname = "svc"\nversion = "1"\ndependencies = ["requests"]\n` };
  test("a virtualenv the container's python never uses", () => {
    const dir = makeRepo({ ...files, Dockerfile: `FROM python:3.11-slim\nWORKDIR /app\nRUN python -m venv /opt/venv\nCOPY requirements.txt .\nRUN /opt/venv/bin/pip install -r requirements.txt\nCOPY main.py .\nCMD ["python", "main.py"]\n` });
    const res = check(dir);
    assert.deepEqual(pkg(res), ["SS201 main.py:1 requests", "SS205 Dockerfile:5 "]);
    assert.equal(only(res, "SS205")[0].fix?.insert, 'ENV PATH="/opt/venv/bin:$PATH"');
  });
  test("silent when PATH puts the virtualenv first, or the command is the venv's python", () => {
    const withPath = makeRepo({ ...files, Dockerfile: `FROM python:3.11-slim\nWORKDIR /app\nRUN python -m venv /opt/venv\nENV PATH="/opt/venv/bin:$PATH"\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY main.py .\nCMD ["python", "main.py"]\n` });
    assert.deepEqual(pkg(check(withPath)), []);
    const explicit = makeRepo({ ...files, Dockerfile: `FROM python:3.11-slim\nWORKDIR /app\nRUN python -m venv /opt/venv\nCOPY requirements.txt .\nRUN /opt/venv/bin/pip install -r requirements.txt\nCOPY main.py .\nCMD ["/opt/venv/bin/python", "main.py"]\n` });
    assert.deepEqual(pkg(check(explicit)), []);
  });
  test("venvs named through ENV VIRTUAL_ENV, and made by virtualenv or uv venv", () => {
    for (const make of ["python3 -m venv $VIRTUAL_ENV", "virtualenv /opt/venv", "uv venv /opt/venv"]) {
      const hidden = makeRepo({ ...files, Dockerfile: `FROM python:3.11-slim\nENV VIRTUAL_ENV=/opt/venv\nWORKDIR /app\nRUN ${make}\nCOPY requirements.txt .\nRUN /opt/venv/bin/pip install -r requirements.txt\nCOPY main.py .\nCMD ["python", "main.py"]\n` });
      assert.ok(pkg(check(hidden)).includes("SS205 Dockerfile:6 "), make + ": " + pkg(check(hidden)).join());
      const shown = makeRepo({ ...files, Dockerfile: `FROM python:3.11-slim\nENV VIRTUAL_ENV=/opt/venv\nENV PATH="$VIRTUAL_ENV/bin:$PATH"\nWORKDIR /app\nRUN ${make}\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY main.py .\nCMD ["python", "main.py"]\n` });
      assert.deepEqual(pkg(check(shown)), [], make);
    }
  });
  test("uv sync and poetry install without their run commands or PATH", () => {
    const uv = makeRepo({ ...files, "uv.lock": `version = 1\n\n[[package]]\nname = "requests"\nversion = "2.31.0"\nsource = { registry = "https://pypi.org/simple" }\n`, Dockerfile: `FROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml uv.lock ./\nRUN uv sync --frozen\nCOPY main.py .\nCMD ["python", "main.py"]\n` });
    assert.ok(pkg(check(uv)).includes("SS205 Dockerfile:4 "), pkg(check(uv)).join());
    const uvRun = makeRepo({ ...files, "uv.lock": `version = 1\n\n[[package]]\nname = "requests"\nversion = "2.31.0"\nsource = { registry = "https://pypi.org/simple" }\n`, Dockerfile: `FROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml uv.lock ./\nRUN uv sync --frozen\nCOPY main.py .\nCMD ["uv", "run", "python", "main.py"]\n` });
    assert.deepEqual(pkg(check(uvRun)).filter((x) => x.startsWith("SS205")), []);
    const poetry = makeRepo({ ...files, Dockerfile: `FROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml ./\nRUN pip install poetry && poetry install --no-root\nCOPY main.py .\nCMD ["python", "main.py"]\n` });
    assert.ok(pkg(check(poetry)).includes("SS205 Dockerfile:4 "), pkg(check(poetry)).join());
    const poetrySystem = makeRepo({ ...files, Dockerfile: `FROM python:3.12-slim\nENV POETRY_VIRTUALENVS_CREATE=false\nWORKDIR /app\nCOPY pyproject.toml ./\nRUN pip install poetry && poetry install --no-root\nCOPY main.py .\nCMD ["python", "main.py"]\n` });
    assert.deepEqual(pkg(check(poetrySystem)).filter((x) => x.startsWith("SS205")), []);
    const poetryConfig = makeRepo({ ...files, Dockerfile: `FROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml ./\nRUN pip install poetry && poetry config virtualenvs.create false && poetry install --no-root\nCOPY main.py .\nCMD ["python", "main.py"]\n` });
    assert.deepEqual(pkg(check(poetryConfig)), []);
    const uvSystem = makeRepo({ ...files, "uv.lock": `version = 1\n\n[[package]]\nname = "requests"\nversion = "2.31.0"\nsource = { registry = "https://pypi.org/simple" }\n`, Dockerfile: `FROM python:3.12-slim\nENV UV_PROJECT_ENVIRONMENT=/usr/local\nWORKDIR /app\nCOPY pyproject.toml uv.lock ./\nRUN uv sync --frozen\nCOPY main.py .\nCMD ["python", "main.py"]\n` });
    assert.deepEqual(pkg(check(uvSystem)), []);
  });
});

describe("SS205 a --user install in the site of another user", () => {
  const files = { "requirements.txt": "requests\n", "main.py": "import requests\n" };
  const builder = `FROM python:3.11-slim AS build\nCOPY requirements.txt /tmp/\nRUN pip install --user -r /tmp/requirements.txt\n\nFROM python:3.11-slim\n`;
  const tail = `WORKDIR /app\nCOPY main.py .\nCMD ["python", "main.py"]\n`;
  test("root's ~/.local copied into /root, the container running as app: SS205 at the COPY, SS201 points at it", () => {
    const res = check(makeRepo({ ...files, Dockerfile: builder + `RUN useradd -m app\nCOPY --from=build /root/.local /root/.local\nUSER app\n${tail}` }));
    assert.deepEqual(pkg(res), ["SS201 main.py:1 requests", "SS205 Dockerfile:7 "]);
    const [ss201, ss205] = [only(res, "SS201")[0], only(res, "SS205")[0]];
    assert.equal(ss205.severity, "error");
    assert.match(ss205.message, /they are in \/root\/\.local, but the container runs as app, whose python looks for its user site in \/home\/app\/\.local/);
    assert.equal(ss201.severity, "error");
    assert.match(ss201.message, /requests is installed \(requirements\.txt:1 \(RUN at Dockerfile:3\)\), but where the container's python does not look \(see SS205 at Dockerfile:7\)/);
  });
  test("installed in the final stage as root, run as app: SS205 at the RUN, fixed by installing as app", () => {
    const res = check(makeRepo({ ...files, Dockerfile: `FROM python:3.11-slim\nRUN useradd -m app\nCOPY requirements.txt /tmp/\nRUN pip install --user -r /tmp/requirements.txt\nUSER app\n${tail}` }));
    assert.deepEqual(pkg(res), ["SS201 main.py:1 requests", "SS205 Dockerfile:4 "]);
    assert.match(only(res, "SS205")[0].message, /^the packages this RUN installs are not importable when the container runs: pip install --user put them in \/root\/\.local, but the container runs as app/);
    assert.ok(only(res, "SS205")[0].notes?.some((n) => /run the install as app \(put USER app before it\) so that it goes to \/home\/app\/\.local/.test(n)));
    assert.deepEqual(pkg(check(makeRepo({ ...files, Dockerfile: `FROM python:3.11-slim\nRUN useradd -m app\nUSER app\nCOPY requirements.txt /tmp/\nRUN pip install --user -r /tmp/requirements.txt\n${tail}` }))), []);
  });
  test("silent: the same user, root with PYTHONUSERBASE=/root/.local, app with the copy in /home/app/.local, PYTHONPATH naming the site", () => {
    for (const df of [
      builder + `COPY --from=build /root/.local /root/.local\n${tail}`,
      builder + `RUN useradd -m app\nCOPY --from=build /root/.local /root/.local\nUSER root\nENV PYTHONUSERBASE=/root/.local\n${tail}`,
      builder + `RUN useradd -m app\nCOPY --from=build /root/.local /home/app/.local\nUSER app\n${tail}`,
      builder + `RUN useradd -m app\nCOPY --from=build /root /home/app\nUSER app:app\n${tail}`,
      builder + `RUN useradd -m app\nCOPY --from=build /root/.local /opt/pyuser\nENV PYTHONUSERBASE=/opt/pyuser\nUSER app\n${tail}`,
      builder + `COPY --from=build /root/.local /opt/pyuser\nENV PYTHONPATH=/opt/pyuser/lib/python3.11/site-packages\nUSER nobody\n${tail}`,
      builder + `COPY --from=build /root/.local/lib/python3.11/site-packages /usr/local/lib/python3.11/site-packages\nUSER nobody\n${tail}`,
    ]) assert.deepEqual(pkg(check(makeRepo({ ...files, Dockerfile: df }))), [], df);
  });
  test("PYTHONUSERBASE or PYTHONPATH into /root for another user, PYTHONNOUSERSITE, and a home only assumed", () => {
    const rootBase = check(makeRepo({ ...files, Dockerfile: builder + `RUN useradd -m app\nCOPY --from=build /root/.local /root/.local\nENV PYTHONUSERBASE=/root/.local\nUSER app\n${tail}` }));
    assert.deepEqual(pkg(rootBase), ["SS201 main.py:1 requests", "SS205 Dockerfile:7 "]);
    assert.match(only(rootBase, "SS205")[0].message, /\/root is readable only by root \(mode 700\), so python cannot read them, although \/root\/\.local is the user site of app \(PYTHONUSERBASE\)/);
    assert.ok(only(rootBase, "SS205")[0].notes?.some((n) => /copy them to a folder outside \/root and point PYTHONUSERBASE at it/.test(n)));
    const noUserSite = check(makeRepo({ ...files, Dockerfile: builder + `COPY --from=build /root/.local /root/.local\nENV PYTHONNOUSERSITE=1\n${tail}` }));
    assert.deepEqual(pkg(noUserSite), ["SS201 main.py:1 requests", "SS205 Dockerfile:6 "]);
    // A user created by a script shipshape does not read: its home is assumed (/home/app), so a
    // copy there counts, and one elsewhere is a warning.
    const script = (dest: string) => builder + `COPY create-user.sh /tmp/\nRUN sh /tmp/create-user.sh\nCOPY --from=build /root/.local ${dest}\nUSER app\n${tail}`;
    assert.deepEqual(pkg(check(makeRepo({ ...files, "create-user.sh": "useradd -m app\n", Dockerfile: script("/home/app/.local") }))), []);
    const assumed = check(makeRepo({ ...files, "create-user.sh": "useradd -m app\n", Dockerfile: script("/srv/.local") }));
    assert.deepEqual(pkg(assumed), ["SS201 main.py:1 requests", "SS205 Dockerfile:8 "]);
    assert.ok(assumed.findings.every((f) => f.severity === "warning"), assumed.findings.map((f) => f.severity).join());
    assert.ok(only(assumed, "SS205")[0].notes?.some((n) => /the HOME of app is not known for certain/.test(n)));
  });
});

describe("SS206 project-not-in-image", () => {
  const files = { "pyproject.toml": `[project]\nname = "svc"\nversion = "1"\ndependencies = ["requests"]\n`, "svc/__init__.py": "", "svc/__main__.py": "import requests\n", "requirements.txt": "requests\n" };
  const df = (body: string, from = "python:3.11-slim") => `FROM ${from}\nWORKDIR /app\n${body}\nCOPY . .\nCMD ["python", "-m", "svc"]\n`;
  const ss206 = (res: CheckResult) => only(res, "SS206").map((f) => `${f.line} ${f.severity}`);
  test("fires for pip, uv pip and pip wheel, with pip's (or uv's) own words", () => {
    const uv = check(makeRepo({ ...files, Dockerfile: df("RUN uv pip install --system -e .") }));
    assert.deepEqual(ss206(uv), ["3 error"]);
    assert.match(only(uv, "SS206")[0].message, /the build fails \(uv: "\/app does not appear to be a Python project/);
    const wheel = check(makeRepo({ ...files, Dockerfile: df("RUN pip wheel -w /wheels .") }));
    assert.match(only(wheel, "SS206")[0].message, /^RUN builds a wheel of the local project \., but \/app has neither .*Directory '\.' is not installable/);
    // A setup.cfg alone is not a project for pip.
    const cfg = check(makeRepo({ ...files, "setup.cfg": "[metadata]\nname = svc\n", Dockerfile: df("COPY setup.cfg .\nRUN pip install .") }));
    assert.match(only(cfg, "SS206")[0].message, /\(a setup\.cfg alone is not a project pip can build\)/);
    // The project's own install counts for nothing (no opaque note): its requirement is missing for real.
    assert.equal(only(cfg, "SS201")[0].severity, "error");
  });
  test("silent when the files are there: copied, bind-mounted, a setup.py project", () => {
    assert.deepEqual(ss206(check(makeRepo({ ...files, Dockerfile: df("COPY pyproject.toml .\nRUN pip install .") }))), []);
    const bind = check(makeRepo({ ...files, Dockerfile: `FROM python:3.11-slim\nWORKDIR /app\nRUN --mount=type=bind,source=.,target=/src pip install /src\nCOPY . .\nCMD ["python", "-m", "svc"]\n` }));
    assert.deepEqual(pkg(bind), []);
    assert.deepEqual(ss206(check(makeRepo({ ...files, "setup.py": "from setuptools import setup\nsetup()\n", Dockerfile: df("COPY setup.py .\nRUN pip install -e .") }))), []);
  });
  test("when the files may be there after all, no finding: the install is opaque, with the reason", () => {
    const cases: [string, RegExp][] = [
      [df("RUN git clone https://example.com/svc.git /src && pip install /src"), /`git clone https:\/\/example\.com\/svc\.git \/src` in this RUN may create files/],
      [df("RUN echo '[project]' > pyproject.toml && pip install ."), /in this RUN may create files/],
      [df("COPY gen.sh .\nRUN sh gen.sh\nRUN pip install ."), /the RUN at line 4 \(`sh gen\.sh`\) may create files/],
      [df("RUN pip install -e .", "acme/python:3.11"), /the base image acme\/python:3\.11 is not one shipshape knows/],
      [df("COPY --from=acme/sources:1 /src /app\nRUN pip install ."), /COPY --from=acme\/sources:1 at line 3 copies from an image shipshape does not read/],
      [df("RUN --mount=type=cache,target=/app pip install ."), /the RUN mounts something at \/app/],
      [`FROM python:3.11-slim AS gen\nWORKDIR /app\nRUN ./make-project\n\nFROM python:3.11-slim\nCOPY --from=gen /app /app\nWORKDIR /app\nRUN pip install .\nCOPY . .\nCMD ["python", "-m", "svc"]\n`, /COPY --from=gen at line 6 copies \/app, where the RUN of that stage at line 3/],
    ];
    for (const [dockerfile, note] of cases) {
      const res = check(makeRepo({ ...files, "gen.sh": "", Dockerfile: dockerfile }));
      assert.deepEqual(ss206(res), [], dockerfile);
      const w = only(res, "SS201")[0];
      assert.equal(w?.severity, "warning", dockerfile);
      assert.ok(w.notes?.some((n) => note.test(n)), `${dockerfile}\n${w.notes?.join("\n")}`);
    }
    // Commands that cannot create a project's files leave the prediction standing.
    assert.deepEqual(ss206(check(makeRepo({ ...files, Dockerfile: df("RUN apt-get update && apt-get install -y --no-install-recommends gcc && rm -rf /var/lib/apt/lists/*\nRUN useradd -m app && mkdir -p /data && chown app /data\nRUN pip install --no-cache-dir -r /dev/null 2>&1 || true\nRUN pip install -e .") }))), ["6 error"]);
  });
});

test("uv pip install -r pyproject.toml reads the project's requirements, not requirement lines", () => {
  const res = check(makeRepo({
    "pyproject.toml": `[project]\nname = "app"\nversion = "0.1"\ndependencies = ["requests>=2", "flask"]\n`,
    "main.py": "import requests\nimport flask\nimport yaml\n",
    Dockerfile: `FROM python:3.12-slim\nCOPY --from=ghcr.io/astral-sh/uv:latest /uv /bin/\nWORKDIR /app\nCOPY pyproject.toml .\nRUN uv pip install --system -r pyproject.toml\nCOPY main.py .\nCMD ["python", "main.py"]\n`,
  }));
  assert.deepEqual(res.findings.map((f) => `${f.code} ${f.file}:${f.line} ${f.module}`), ["SS201 main.py:3 yaml"]);
});

describe("pip install --no-deps", () => {
  test("installs the project without its requirements: an import of one is SS201, naming --no-deps", () => {
    const files = { "pyproject.toml": `[project]\nname = "app"\nversion = "0.1"\ndependencies = ["requests"]\n`, "src/app/__init__.py": "", "src/app/__main__.py": "import requests\n", "requirements.txt": "requests==2.31.0\n" };
    const df = (run: string) => `FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\n${run}\nCMD ["python", "-m", "app"]\n`;
    const res = check(makeRepo({ ...files, Dockerfile: df("RUN pip install --no-deps .") }));
    assert.deepEqual(pkg(res), ["SS201 src/app/__main__.py:1 requests"]);
    assert.match(only(res, "SS201")[0].message, /pyproject\.toml requires requests, but the RUN at Dockerfile:4 installs the project with --no-deps/);
    // The requirements installed first (the usual pattern): nothing to report.
    assert.deepEqual(pkg(check(makeRepo({ ...files, Dockerfile: df("RUN pip install -r requirements.txt && pip install --no-deps .") }))), []);
    assert.deepEqual(pkg(check(makeRepo({ ...files, Dockerfile: df("RUN pip install .") }))), []);
  });
});

describe("console scripts", () => {
  // Not in check-entry: the differential suite builds those fixtures, and its engine cannot pull uv's image.
  test("a console script ([project.scripts]) of an installed project runs its module (uv's multi-stage example)", () => {
    const files = {
      "pyproject.toml": `[project]\nname = "hello"\nversion = "0.1"\ndependencies = []\n[project.scripts]\nhello = "hello.cli:main"\n`,
      "uv.lock": `version = 1\nrequires-python = ">=3.12"\n\n[[package]]\nname = "hello"\nversion = "0.1"\nsource = { editable = "." }\n`,
      "src/hello/__init__.py": "",
      "src/hello/cli.py": "from hello import util\ndef main(): pass\n",
      "src/hello/util.py": "",
    };
    const df = (cmd: string) => `FROM python:3.12-slim AS builder\nCOPY --from=ghcr.io/astral-sh/uv:latest /uv /bin/\nWORKDIR /app\nCOPY uv.lock pyproject.toml /app/\nRUN uv sync --frozen --no-install-project --no-dev --no-editable\nCOPY . /app\nRUN uv sync --frozen --no-dev --no-editable\n\nFROM python:3.12-slim\nCOPY --from=builder /app/.venv /app/.venv\n${cmd}\n`;
    const abs = check(makeRepo({ ...files, Dockerfile: df(`CMD ["/app/.venv/bin/hello"]`) }));
    assert.deepEqual(summary(abs), []);
    assert.match(abs.results[0].entryPoints[0].label, /console script hello\.cli:main/);
    assert.deepEqual(summary(check(makeRepo({ ...files, Dockerfile: df(`ENV PATH=/app/.venv/bin:$PATH\nCMD ["hello"]`) }))), []);
    // Its code is checked like any entry point's.
    const { "src/hello/util.py": _util, ...noUtil } = files;
    void _util;
    assert.deepEqual(summary(check(makeRepo({ ...noUtil, Dockerfile: df(`CMD ["/app/.venv/bin/hello"]`) }))), ["SS108 src/hello/cli.py:1 hello.util"]);
    // A program the project does not declare is still missing.
    assert.deepEqual(summary(check(makeRepo({ ...files, Dockerfile: df(`CMD ["/app/.venv/bin/other"]`) }))), ["SS110 Dockerfile:11 "]);
  });
});

describe("dependency groups a project install installs", () => {
  const run = (pyproject: string, install: string, extra: Record<string, string> = {}) =>
    pkg(check(makeRepo({ "pyproject.toml": pyproject, "main.py": "import gunicorn\n", ...extra, Dockerfile: `FROM python:3.12-slim\nENV POETRY_VIRTUALENVS_CREATE=false UV_PROJECT_ENVIRONMENT=/usr/local\nWORKDIR /app\nCOPY . .\nRUN ${install}\nCMD ["python", "main.py"]\n` })));
  const poetry = (optional: boolean) => `[tool.poetry]\nname = "app"\nversion = "0.1"\n[tool.poetry.dependencies]\npython = "^3.12"\n[tool.poetry.group.dev.dependencies]\npytest = "^8"\n[tool.poetry.group.server]\noptional = ${optional}\n[tool.poetry.group.server.dependencies]\ngunicorn = "^22"\n`;
  const missing = ["SS201 main.py:1 gunicorn"];

  test("poetry install: every group not marked optional, minus --without; --with adds an optional one", () => {
    assert.deepEqual(run(poetry(false), "poetry install --no-root --without dev"), []);
    assert.deepEqual(run(poetry(false), "poetry install --no-root --only main"), missing);
    assert.deepEqual(run(poetry(true), "poetry install --no-root"), missing);
    assert.deepEqual(run(poetry(true), "poetry install --no-root --with server"), []);
  });

  test("uv sync: [tool.uv].default-groups, else dev", () => {
    const uv = (defaults: string) => `[project]\nname = "app"\nversion = "0.1"\ndependencies = []\n[dependency-groups]\ndev = ["pytest"]\nserver = ["gunicorn"]\n${defaults}`;
    assert.deepEqual(run(uv(""), "uv sync --no-install-project"), missing);
    assert.deepEqual(run(uv(""), "uv sync --no-install-project --group server"), []);
    assert.deepEqual(run(uv(`[tool.uv]\ndefault-groups = ["dev", "server"]\n`), "uv sync --no-install-project --no-dev"), []);
    assert.deepEqual(run(uv(`[tool.uv]\ndefault-groups = ["dev", "server"]\n`), "uv sync --no-install-project --no-group server"), missing);
  });
});

describe("SS209 packages-unknown", () => {
  test("an unknown base with no installs: one info finding instead of guesses", () => {
    const dir = makeRepo({ Dockerfile: `FROM acme/ml-base:5\nWORKDIR /app\nCOPY main.py .\nCMD ["python", "main.py"]\n`, "main.py": "import torch\nimport yaml\n" });
    const res = check(dir);
    assert.deepEqual(pkg(res), ["SS209 Dockerfile:1 ", "SS303 Dockerfile:1 "]);
    assert.equal(only(res, "SS209")[0].severity, "info");
  });
});

describe("SS301 stdlib-module-unavailable", () => {
  test("distutils on 3.12, tomllib on 3.10", () => {
    assert.deepEqual(pkg(check(app("flask\n", "import distutils.util\n", {}, "python:3.12-slim"))), ["SS301 main.py:1 distutils.util"]);
    assert.match(only(check(app("flask\n", "import distutils\n", {}, "python:3.12-slim")), "SS301")[0].message, /removed from the standard library in Python 3\.12.*setuptools/);
    assert.deepEqual(pkg(check(app("flask\n", "import distutils\nimport tomllib\n", {}, "python:3.11-slim"))), []);
    assert.match(only(check(app("flask\n", "import tomllib\n", {}, "python:3.10")), "SS301")[0].message, /added to the standard library in Python 3\.11/);
    assert.deepEqual(pkg(check(app("flask\n", "import cgi\nimport imp\n", {}, "python:3.13-slim"))), ["SS301 main.py:1 cgi", "SS301 main.py:2 imp"]);
  });
  test("a version without a shipped list (3.14) reports no standard-library changes", () => {
    const res = check(app("flask\n", "import flask\nimport asyncore\nimport tomllib\n", {}, "python:3.14-slim"));
    assert.deepEqual(pkg(res), ["SS303 Dockerfile:1 "]);
    assert.match(only(res, "SS303")[0].message, /no standard-library list for Python 3\.14/);
  });
  test("silent when a package provides the removed module", () => {
    assert.deepEqual(pkg(check(app("setuptools\nlegacy-cgi\n", "import distutils\nimport cgi\n", {}, "python:3.13-slim"))), []);
  });
  test("the version from an ARG-parameterised tag and from a distribution's python3", () => {
    const dir = makeRepo({ Dockerfile: `ARG PY=3.12\nFROM python:\${PY}-slim\nWORKDIR /app\nCOPY main.py .\nCMD ["python", "main.py"]\n`, "main.py": "import imp\n" });
    assert.deepEqual(pkg(check(dir)), ["SS301 main.py:1 imp"]);
    const deb = makeRepo({ Dockerfile: `FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y python3\nWORKDIR /app\nCOPY main.py .\nCMD ["python3", "main.py"]\n`, "main.py": "import asyncore\n" });
    const res = check(deb);
    assert.deepEqual(pkg(res), ["SS301 main.py:1 asyncore"]);
    assert.match(only(res, "SS301")[0].message, /Python 3\.12 \(ubuntu:24\.04's python3 package/);
  });
});

describe("SS302 stdlib-shadowed", () => {
  test("a logging.py next to the script shadows logging; os.py cannot; a nested one does not", () => {
    const dir = makeRepo({
      Dockerfile: `FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nCMD ["python", "main.py"]\n`,
      "main.py": "import helpers\n",
      "helpers.py": "",
      "logging.py": "",
      "os.py": "",
      "sub/queue.py": "",
    });
    const res = check(dir);
    assert.deepEqual(pkg(res), ["SS302 logging.py:1 logging"]);
    assert.equal(only(res, "SS302")[0].severity, "warning");
  });
});

describe("SS303 python-version-unknown", () => {
  test("an unknown base says so; python images do not", () => {
    const dir = makeRepo({ Dockerfile: `FROM acme/base\nWORKDIR /app\nRUN pip install requests\nCOPY main.py .\nCMD ["python", "main.py"]\n`, "main.py": "import requests\n" });
    assert.deepEqual(pkg(check(dir)), ["SS303 Dockerfile:1 "]);
    assert.deepEqual(pkg(check(app("requests\n", "import requests\n"))), []);
  });
});

describe("SS401 implicit-dependency-missing", () => {
  const bq = "from google.cloud import bigquery\n\ndef load(client):\n    return client.query('select 1').to_dataframe()\n";
  test("BigQuery to_dataframe() without db-dtypes, pandas, pyarrow", () => {
    const res = check(app("google-cloud-bigquery==3.14\n", bq));
    const ss401 = only(res, "SS401");
    assert.equal(ss401.length, 3);
    assert.deepEqual(ss401.map((f) => `${f.file}:${f.line}`), ["main.py:4", "main.py:4", "main.py:4"]);
    assert.deepEqual(ss401.map((f) => /needs pip ([\w-]+)/.exec(f.message)?.[1]).sort(), ["db-dtypes", "pandas", "pyarrow"]);
    assert.deepEqual(pkg(check(app("google-cloud-bigquery==3.14\ndb-dtypes\npandas\npyarrow\n", bq))), []);
    assert.deepEqual(pkg(check(app("google-cloud-bigquery==3.14\n", "from google.cloud import bigquery\n# rows.to_dataframe() later\n"))), []);
  });
  test("zoneinfo needs tzdata: present in python images, absent from ubuntu", () => {
    assert.deepEqual(pkg(check(app("flask\n", "import zoneinfo\n"))), []);
    const dir = makeRepo({ Dockerfile: `FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y python3\nWORKDIR /app\nCOPY main.py .\nCMD ["python3", "main.py"]\n`, "main.py": "from zoneinfo import ZoneInfo\n" });
    const res = check(dir);
    assert.deepEqual(pkg(res), ["SS401 main.py:1 tzdata"]);
    assert.match(only(res, "SS401")[0].fix?.insert ?? "", /apt-get install -y --no-install-recommends tzdata/);
  });
  test("lightgbm on slim images needs libgomp1", () => {
    assert.deepEqual(pkg(check(app("lightgbm\n", "import lightgbm\n"))), ["SS401 main.py:1 libgomp1"]);
    assert.deepEqual(pkg(check(app("lightgbm\n", "import lightgbm\n", {}, "python:3.11"))), []);
    // xgboost bundles its own libgomp (auditwheel, since 1.3): nothing to install.
    assert.deepEqual(pkg(check(app("xgboost==2.1.1\n", "import xgboost\n"))), []);
    const fixed = makeRepo({
      Dockerfile: `FROM python:3.11-slim\nRUN apt-get update && apt-get install -y --no-install-recommends libgomp1\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY main.py .\nCMD ["python", "main.py"]\n`,
      "requirements.txt": "lightgbm\n",
      "main.py": "import lightgbm\n",
    });
    assert.deepEqual(pkg(check(fixed)), []);
  });
  test("psycopg2 (not -binary) needs libpq", () => {
    assert.deepEqual(pkg(check(app("psycopg2==2.9.9\n", "import psycopg2\n"))), ["SS401 requirements.txt:1 libpq5"]);
    assert.deepEqual(pkg(check(app("psycopg2-binary==2.9.9\n", "import psycopg2\n"))), []);
  });
  test("pandas.read_parquet needs pyarrow or fastparquet", () => {
    const code = "import pandas as pd\ndf = pd.read_parquet('x.parquet')\n";
    assert.deepEqual(pkg(check(app("pandas\n", code))), ["SS401 main.py:2 pyarrow"]);
    assert.deepEqual(pkg(check(app("pandas\nfastparquet\n", code))), []);
  });
});

describe("[[implicit]] rules from configuration", () => {
  const toml = `[[implicit]]\nid = "weasyprint-pango"\ntrigger = { imports = ["weasyprint"] }\nrequires = [{ system = { apt = ["libpango-1.0-0"] }, why = "WeasyPrint loads Pango with ctypes" }]\n`;
  test("a configured rule fires and stays silent like a built-in one", () => {
    const files = { "requirements.txt": "weasyprint\n", "main.py": "import weasyprint\n", "shipshape.toml": toml };
    const df = (apt: string) => `FROM python:3.11-slim\n${apt}WORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY main.py .\nCMD ["python", "main.py"]\n`;
    const res = check(makeRepo({ ...files, Dockerfile: df("") }));
    assert.deepEqual(pkg(res), ["SS401 main.py:1 libpango-1.0-0"]);
    assert.match(only(res, "SS401")[0].message, /\[weasyprint-pango\].*WeasyPrint loads Pango/);
    assert.deepEqual(pkg(check(makeRepo({ ...files, Dockerfile: df("RUN apt-get update && apt-get install -y libpango-1.0-0\n") }))), []);
  });
  test("a malformed rule is a usage error", () => {
    const dir = makeRepo({ "shipshape.toml": `[[implicit]]\nid = "x"\nrequires = []\n`, Dockerfile: "FROM python:3.11-slim\n" });
    assert.throws(() => check(dir), /implicit\[0\]\.trigger needs imports or distributions/);
  });
});

describe("base images and standard-library data", () => {
  test("Python versions from image references", () => {
    const v = (r: string) => baseImageInfo(r).python;
    assert.equal(v("python:3.11-slim"), "3.11");
    assert.equal(v("python:3.12.1-bookworm"), "3.12");
    assert.equal(v("docker.io/library/python:3.10-alpine3.19"), "3.10");
    assert.equal(v("europe-docker.pkg.dev/acme/mirror/python:3.9"), "3.9");
    assert.equal(v("ghcr.io/astral-sh/uv:python3.12-bookworm-slim"), "3.12");
    assert.equal(v("gcr.io/distroless/python3-debian12"), "3.11");
    assert.equal(v("python:latest"), null);
    assert.equal(v("python:3"), null);
    assert.equal(v("acme/base:1"), null);
    assert.equal(baseImageInfo("python:3.11-slim").slim, true);
    assert.equal(baseImageInfo("python:3.11").slim, false);
    assert.equal(baseImageInfo("python:3.11").known, true);
    assert.equal(baseImageInfo("acme/base:1").known, false);
    // Only library/python is the official image; acme/python on Docker Hub follows its tags at best.
    assert.equal(baseImageInfo("docker.io/library/python:3.11").known, true);
    assert.equal(baseImageInfo("acme/python:3.11").known, false);
    assert.equal(v("acme/python:3.11"), "3.11");
  });
  test("stdlib lists per version", () => {
    assert.ok(stdlibFor("3.11")!.names.has("tomllib"));
    assert.ok(!stdlibFor("3.10")!.names.has("tomllib"));
    assert.ok(!stdlibFor("3.12")!.names.has("distutils"));
    assert.ok(stdlibFor("3.13")!.unshadowable.has("os"));
    assert.deepEqual(stdlibHistory("distutils", "3.12"), { kind: "removed", in: "3.12", last: "3.11" });
    assert.deepEqual(stdlibHistory("tomllib", "3.9"), { kind: "added", in: "3.11" });
    assert.equal(stdlibHistory("requests", "3.11"), null);
  });
});
