// Entry points and discovery, end to end through `check`: each runner's sys.path semantics,
// config files, compose files and context inference.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { makeRepo, check, summary, codes, cli } from "./helpers.js";

const FROM = "FROM python:3.11-slim\nWORKDIR /app\n";
const lib = { "lib/__init__.py": "", "lib/x.py": "" };

describe("runners", () => {
  test("gunicorn -c config file: wsgi_app and the config's own imports", () => {
    const files = {
      "Dockerfile": FROM + "COPY app/ app/\nCOPY gunicorn.conf.py .\nCMD [\"gunicorn\", \"-c\", \"gunicorn.conf.py\"]\n",
      "gunicorn.conf.py": "import lib.x\nwsgi_app = 'app.main:app'\nbind = ':8080'\n",
      "app/__init__.py": "",
      "app/main.py": "import app.views\napp = 1\n",
      "app/views.py": "",
      ...lib,
    };
    const res = check(makeRepo(files));
    assert.deepEqual(summary(res), ["SS101 gunicorn.conf.py:1 lib.x"]);
    assert.ok(res.results[0].entryPoints.some((e) => e.label === "gunicorn app.main"), JSON.stringify(res.results[0].entryPoints));
  });
  test("gunicorn without -c reads ./gunicorn.conf.py when present, and is fine without it", () => {
    const files = { "Dockerfile": FROM + "COPY . .\nCMD gunicorn app:app\n", "app.py": "app = 1\n", "gunicorn.conf.py": "import lib.x\n", ...lib };
    assert.deepEqual(summary(check(makeRepo({ ...files, ".dockerignore": "lib\n" }))), ["SS102 gunicorn.conf.py:1 lib.x"]);
    const { "gunicorn.conf.py": _c, ...noconf } = files;
    void _c;
    assert.deepEqual(summary(check(makeRepo(noconf))), []);
  });
  test("uvicorn --app-dir puts that folder first on sys.path", () => {
    const files = { "Dockerfile": FROM + "COPY src/ src/\nCMD [\"uvicorn\", \"--app-dir\", \"src\", \"api:app\", \"--port\", \"8080\"]\n", "src/api.py": "import helpers\napp = 1\n", "src/helpers.py": "" };
    assert.deepEqual(summary(check(makeRepo(files))), []);
    const noDir = { ...files, "Dockerfile": FROM + "COPY src/ src/\nCMD [\"uvicorn\", \"api:app\"]\n" };
    assert.deepEqual(codes(check(makeRepo(noDir))), ["SS110"]);
  });
  test("SS110 for a module entry point suggests copying the package folder, not one file", () => {
    const files = { "Dockerfile": FROM + "COPY main.py .\nCMD [\"python\", \"-m\", \"svc.cli\"]\n", "main.py": "", "svc/__init__.py": "", "svc/cli.py": "import svc.util\n", "svc/util.py": "" };
    const res = check(makeRepo(files));
    assert.deepEqual(codes(res), ["SS110"]);
    assert.equal(res.findings[0].fix?.insert, "COPY svc/ /app/svc/");
    assert.match(res.findings[0].message, /\(svc\/ exists in the build context\)/);
    // The package is there but the module is not: copy the file.
    const res2 = check(makeRepo({ ...files, Dockerfile: FROM + "COPY svc/__init__.py svc/\nCMD [\"python\", \"-m\", \"svc.cli\"]\n" }));
    assert.equal(res2.findings.find((f) => f.code === "SS110")?.fix?.insert, "COPY svc/cli.py /app/svc/cli.py");
  });
  test("SS110 for a CMD that looks like exec form but is not JSON (Docker runs it with /bin/sh -c)", () => {
    const res = check(makeRepo({ "Dockerfile": FROM + "COPY main.py .\nCMD ['python', 'main.py']\n", "main.py": "" }));
    assert.deepEqual(summary(res), ["SS110 Dockerfile:4 "]);
    assert.match(res.findings[0].message, /JSON needs double quotes, so Docker runs the whole line with \/bin\/sh -c, and the container exits at once with "\/bin\/sh: 1: \[python,: not found"/);
    assert.deepEqual(res.findings[0].notes, ['write it as JSON: CMD ["python", "main.py"]']);
    const res2 = check(makeRepo({ "Dockerfile": FROM + "COPY main.py .\nENTRYPOINT [\"python\", \"main.py\"\n", "main.py": "" }));
    assert.match(res2.findings[0].message, /^ENTRYPOINT \["python", "main.py" looks like exec form, but it is not valid JSON/);
    // Valid JSON, and a shell-form command that merely contains a bracket, are fine.
    assert.deepEqual(summary(check(makeRepo({ "Dockerfile": FROM + "COPY main.py .\nCMD [\"python\", \"main.py\"]\n", "main.py": "" }))), []);
    assert.deepEqual(summary(check(makeRepo({ "Dockerfile": FROM + "COPY main.py .\nCMD python main.py [x]\n", "main.py": "" }))), []);
    // The shell's `[` test command is not a JSON attempt.
    const testCmd = check(makeRepo({ "Dockerfile": FROM + "COPY main.py .\nCMD [ -f /app/.env ] && . /app/.env; exec python main.py\n", "main.py": "import gone\n", "gone.py": "" }));
    assert.deepEqual(summary(testCmd), ["SS101 main.py:1 gone"]);
  });
  test("celery -A pkg worker", () => {
    const files = { "Dockerfile": FROM + "COPY tasks/ tasks/\nCMD celery -A tasks worker --loglevel=info\n", "tasks/__init__.py": "from tasks.jobs import run\n", "tasks/jobs.py": "import lib.x\ndef run(): pass\n", ...lib };
    assert.deepEqual(summary(check(makeRepo(files))), ["SS101 tasks/jobs.py:1 lib.x"]);
  });
  test("functions-framework --source: the source's folder is on sys.path", () => {
    const files = { "Dockerfile": FROM + "COPY fn/ /workspace/\nWORKDIR /workspace\nCMD exec functions-framework --target=handler --source=main.py\n", "fn/main.py": "import util\nimport lib.x\ndef handler(r): pass\n", "fn/util.py": "", ...lib };
    assert.deepEqual(summary(check(makeRepo(files))), ["SS101 fn/main.py:2 lib.x"]);
  });
  test("python script: sys.path[0] is the script's folder, not the WORKDIR", () => {
    const files = { "Dockerfile": FROM + "COPY . .\nCMD [\"python\", \"jobs/run.py\"]\n", "jobs/run.py": "import lib.x\nimport sibling\n", "jobs/sibling.py": "", ...lib };
    const res = check(makeRepo(files));
    assert.deepEqual(codes(res), ["SS103"]);
    assert.match(res.findings[0].message, /\/app\/lib/);
  });
  test("config entry_points add scripts and modules; no entry point is a warning", () => {
    const none = check(makeRepo({ "Dockerfile": FROM + "COPY . .\n", "job.py": "import lib.x\n", ...lib }));
    assert.deepEqual(codes(none), ["SS004"]);
    const cfg = '[services.job]\ndockerfile = "Dockerfile"\nentry_points = ["/app/job.py", "cron.tasks"]\n';
    const res = check(makeRepo({ "shipshape.toml": cfg, "Dockerfile": FROM + "COPY job.py cron/ ./\n", "job.py": "import lib.x\n", "cron/tasks.py": "", ...lib }));
    // The finding on a configured entry point points at the line that declares it.
    assert.deepEqual(summary(res), ["SS101 job.py:1 lib.x", "SS110 shipshape.toml:3 cron.tasks"].sort());
    const inPyproject = '[project]\nname = "x"\n\n[tool.shipshape.services.other]\ndockerfile = "Dockerfile"\nentry_points = ["nope.py"]\n\n[tool.shipshape.services.job]\ndockerfile = "Dockerfile"\nentry_points = [\n  "/app/job.py",\n  "cron.tasks",\n]\n';
    const py = check(makeRepo({ "pyproject.toml": inPyproject, "Dockerfile": FROM + "COPY job.py cron/ ./\n", "job.py": "", "cron/tasks.py": "" }));
    assert.deepEqual(summary(py).filter((x) => x.includes("cron.tasks")), ["SS110 pyproject.toml:12 cron.tasks"]);
  });
  test("a non-Python image (nginx) with no Python files is silent", () => {
    assert.deepEqual(summary(check(makeRepo({ "Dockerfile": "FROM nginx:1.27\nCOPY site/ /usr/share/nginx/html/\n", "site/index.html": "<p>hi</p>" }))), []);
  });
});

describe("image model details", () => {
  test("ADD of a local tar extracts it", () => {
    const dir = makeRepo({ "Dockerfile": FROM + "ADD vendor.tar.gz /app/\nCOPY main.py .\nCMD python main.py\n", "main.py": "import vendored.util\n", "src/vendored/__init__.py": "", "src/vendored/util.py": "" });
    execFileSync("tar", ["-czf", path.join(dir, "vendor.tar.gz"), "-C", path.join(dir, "src"), "vendored"]);
    assert.deepEqual(summary(check(dir)), []);
  });
  test("COPY --exclude leaves files out", () => {
    const df = "# syntax=docker/dockerfile:1.9\n" + FROM + "COPY --exclude=lib/x.py . .\nCMD python main.py\n";
    assert.deepEqual(summary(check(makeRepo({ "Dockerfile": df, "main.py": "import lib.x\n", ...lib }))), ["SS101 main.py:1 lib.x"]);
  });
  test("COPY of a symlink inside the context follows it", () => {
    const res = check(makeRepo({ "Dockerfile": FROM + "COPY current/ lib/\nCOPY main.py .\nCMD python main.py\n", "main.py": "import lib.x\n", "v2/__init__.py": "", "v2/x.py": "", "current": { symlink: "v2" } }));
    assert.deepEqual(summary(res), []);
  });
});

describe("discovery", () => {
  test("Dockerfile names: Dockerfile, *.Dockerfile, Dockerfile.*; service names from their paths", () => {
    const res = check(
      makeRepo({
        "svc/Dockerfile": FROM + "COPY a.py .\nCMD python a.py\n",
        "svc/a.py": "",
        "docker/api.Dockerfile": FROM + "COPY a.py .\nCMD python a.py\n",
        "docker/a.py": "",
        "Dockerfile.worker": FROM + "COPY a.py .\nCMD python a.py\n",
        "a.py": "",
        "svc/Dockerfile.dockerignore": "",
      }),
    );
    assert.deepEqual(res.results.map((r) => r.service.name).sort(), ["docker/api", "svc", "worker"]);
  });
  test("context inferred: nearest ancestor where all COPY sources exist", () => {
    const res = check(
      makeRepo({
        "services/api/Dockerfile": FROM + "COPY libs/common/ libs/common/\nCOPY services/api/ services/api/\nCMD [\"python\", \"-m\", \"services.api.main\"]\n",
        "services/api/main.py": "import libs.common.x\n",
        "libs/common/x.py": "",
        "services/local/Dockerfile": FROM + "COPY main.py .\nCMD python main.py\n",
        "services/local/main.py": "",
      }),
    );
    const ctx = Object.fromEntries(res.results.map((r) => [r.service.name, r.contextRepoPath]));
    assert.deepEqual(ctx, { "services/api": ".", "services/local": "services/local" });
    assert.deepEqual(summary(res), []);
  });
  test("compose build sections name services and set context, dockerfile, args", () => {
    const compose = "services:\n  web:\n    build:\n      context: .\n      dockerfile: deploy/web.Dockerfile\n      args:\n        APP: web.main\n";
    const df = "FROM python:3.11-slim\nARG APP=missing\nENV APP=$APP\nWORKDIR /app\nCOPY web/ web/\nCMD python -m $APP\n";
    const res = check(makeRepo({ "compose.yaml": compose, "deploy/web.Dockerfile": df, "web/__init__.py": "", "web/main.py": "" }));
    assert.deepEqual(res.results.map((r) => [r.service.name, r.contextRepoPath, r.service.buildArgs.APP]), [["web", ".", "web.main"]]);
    assert.deepEqual(summary(res), []);
  });
  test("compose services that share one Dockerfile are each checked, with their own command", () => {
    const compose = "services:\n  web:\n    build: .\n  worker:\n    build: .\n    command: celery -A tasks worker\n  beat:\n    build: .\n    command: [\"python\", \"beat.py\"]\n  web2:\n    build: .\n";
    const files = {
      "compose.yaml": compose,
      "Dockerfile": FROM + "RUN pip install flask celery\nCOPY app.py tasks.py ./\nCMD [\"python\", \"app.py\"]\n",
      "app.py": "import flask\n",
      "tasks.py": "import celery\nimport jobs.nightly\n",
      "jobs/__init__.py": "",
      "jobs/nightly.py": "",
      "beat.py": "",
    };
    const res = check(makeRepo(files));
    // web and web2 build and run the same image the same way: one service.
    assert.deepEqual(res.results.map((r) => `${r.service.name}: ${r.entryPoints.map((e) => e.label).join(", ")}`), ["web: python app.py", "worker: celery tasks", "beat: "]);
    assert.deepEqual(summary(res), ["SS101 tasks.py:2 jobs.nightly", "SS110 compose.yaml:9 "]);
    assert.equal(res.findings.find((f) => f.code === "SS101")!.service, "worker");
    assert.equal(res.findings.find((f) => f.code === "SS110")!.service, "beat");
  });
  test("compose interpolates ${VAR} in a command from .env and defaults; an unknown variable leaves the image's command", () => {
    const df = FROM + "RUN pip install gunicorn\nCOPY api/ api/\nCMD [\"gunicorn\", \"api.main:app\"]\n";
    const files = { "Dockerfile": df, "api/__init__.py": "", "api/main.py": "app = 1\n", "api/admin.py": "import gone_local\napp = 1\n", "gone_local.py": "" };
    const compose = (cmd: string) => `services:\n  admin:\n    build: .\n    command: ${cmd}\n`;
    const fromEnv = check(makeRepo({ ...files, "compose.yaml": compose("gunicorn ${APP_MODULE}:app"), ".env": "APP_MODULE=api.admin\n" }));
    assert.deepEqual(summary(fromEnv), ["SS101 api/admin.py:1 gone_local"]);
    const fromDefault = check(makeRepo({ ...files, "compose.yaml": compose("gunicorn ${APP_MODULE:-api.admin}:app") }));
    assert.deepEqual(summary(fromDefault), ["SS101 api/admin.py:1 gone_local"]);
    const unknown = check(makeRepo({ ...files, "compose.yaml": compose("gunicorn ${APP_MODULE}:app") }));
    assert.deepEqual(unknown.results.map((r) => r.entryPoints.map((e) => e.label).join()), ["gunicorn api.main:app"]);
    assert.deepEqual(summary(unknown), []);
  });
  test("when every compose service overrides the command (a dev compose file), the image's own CMD is checked too", () => {
    const files = {
      "compose.yaml": "services:\n  web:\n    build: .\n    command: python manage.py runserver\n    volumes: ['.:/app']\n",
      "Dockerfile": FROM + "COPY manage.py .\nCMD [\"python\", \"-m\", \"prodapp.wsgi\"]\n",
      "manage.py": "",
      "prodapp/__init__.py": "",
      "prodapp/wsgi.py": "",
    };
    const res = check(makeRepo(files));
    assert.deepEqual(res.results.map((r) => r.service.name).sort(), [path.basename(res.repoRoot), "web"].sort());
    assert.deepEqual(summary(res), ["SS110 Dockerfile:4 prodapp.wsgi"]);
  });
  test("compose environment: and working_dir: apply to the service's command", () => {
    const files = {
      "compose.yaml": "services:\n  web:\n    build: .\n  worker:\n    build: .\n    environment:\n      PYTHONPATH: /srv/src\n    working_dir: /srv\n    command: python -m app.worker\n",
      "Dockerfile": "FROM python:3.11-slim\nWORKDIR /opt\nCOPY src/ /srv/src/\nCMD [\"python\", \"/srv/src/main.py\"]\n",
      "src/main.py": "",
      "src/app/__init__.py": "",
      "src/app/worker.py": "import app.jobs\n",
      "src/app/jobs.py": "",
    };
    assert.deepEqual(summary(check(makeRepo(files))), []);
    // Without the environment, the module is not on sys.path.
    const bare = { ...files, "compose.yaml": "services:\n  web:\n    build: .\n  worker:\n    build: .\n    command: python -m app.worker\n" };
    assert.deepEqual(summary(check(makeRepo(bare))), ["SS110 compose.yaml:6 app.worker"]);
     // Two services that differ only in their environment are two services: the one without it fails.
    const twins = { ...files, "compose.yaml": "services:\n  a:\n    build: .\n    environment: {PYTHONPATH: /srv/src}\n    command: python -m app.worker\n  d:\n    build: .\n    command: python -m app.worker\n" };
    const res = check(makeRepo(twins));
    // (and the image's own CMD, which every compose service overrides)
    assert.deepEqual(res.results.map((r) => r.service.name).sort(), ["a", "d", path.basename(res.repoRoot)]);
    assert.deepEqual(summary(res), ["SS110 compose.yaml:8 app.worker"]);
  });
  test("compose build context, dockerfile, target and args are interpolated; a build with no Dockerfile is a warning", () => {
    const files = {
      ".env": "SRC_DIR=app\n",
      "compose.yaml": "services:\n  a:\n    build:\n      context: ${CTX:-svc}\n      args: {SRC: \"${SRC_DIR:-other}\"}\n",
      "svc/Dockerfile": "FROM python:3.11-slim\nARG SRC\nWORKDIR /srv\nCOPY ${SRC}/ app/\nCMD [\"python\", \"-m\", \"app.main\"]\n",
      "svc/app/__init__.py": "",
      "svc/app/main.py": "import app.util\n",
      "svc/app/util.py": "",
    };
    const res = check(makeRepo(files));
    assert.deepEqual(summary(res), []);
    assert.deepEqual(res.results.map((r) => r.service.name), ["a"]);
    const dir = makeRepo({ ...files, "compose.yaml": "services:\n  a:\n    build:\n      context: svc\n      dockerfile: Dockerfile.prod\n" });
    const r = cli(["check", "--no-cache"], dir);
    assert.match(r.stderr, /^shipshape: warning: compose\.yaml: services\.a: its Dockerfile svc\/Dockerfile\.prod does not exist; this service is not checked from the compose file\n/);
  });
  test("a compose service with wrongly typed build keys is a warning naming it, not a crash", () => {
    const dir = makeRepo({ "compose.yaml": "services:\n  web:\n    build:\n      context: 5\n", "Dockerfile": FROM + "COPY a.py .\nCMD python a.py\n", "a.py": "" });
    const r = cli(["check", "--no-cache"], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, "shipshape: warning: compose.yaml: services.web: build.context must be a string; this service is not checked from the compose file\n");
  });
  test("an unparsable compose file is a warning on stderr, not silence", () => {
    const dir = makeRepo({ "compose.yaml": "services:\n  web:\n    build: [unclosed\n", "Dockerfile": FROM + "COPY a.py .\nCMD python a.py\n", "a.py": "" });
    const r = cli(["check", "--no-cache"], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /^shipshape: warning: compose\.yaml: not valid YAML \(line \d+: .*\); its build sections are not used for service contexts\n$/);
  });
  test("declared services that build one Dockerfile to different targets are two services", () => {
    const df = "FROM python:3.11-slim AS base\nWORKDIR /app\nCOPY api.py .\nCMD python api.py\nFROM base AS worker\nCOPY worker.py .\nCMD python worker.py\n";
    const cfg = '[services.api]\ndockerfile = "Dockerfile"\ntarget = "base"\n[services.worker]\ndockerfile = "Dockerfile"\ntarget = "worker"\n';
    const res = check(makeRepo({ "shipshape.toml": cfg, "Dockerfile": df, "api.py": "import worker\n", "worker.py": "" }));
    assert.deepEqual(res.results.map((r) => r.service.name).sort(), ["api", "worker"]);
    assert.deepEqual(res.findings.map((f) => `${f.service} ${f.code}`), ["api SS101"]);
  });
  test("exclude patterns in config skip Dockerfiles", () => {
    const res = check(makeRepo({ "shipshape.toml": 'exclude = ["legacy/**"]\n', "legacy/Dockerfile": "FROBNICATE\n", "Dockerfile": FROM + "COPY a.py .\nCMD python a.py\n", "a.py": "" }));
    assert.equal(res.results.length, 1);
    // Relative to the repository root, also when a subfolder is checked.
    const dir = makeRepo({ "shipshape.toml": 'exclude = ["services/legacy/**"]\n', "services/legacy/Dockerfile": "FROBNICATE\n", "services/api/Dockerfile": FROM + "COPY a.py .\nCMD python a.py\n", "services/api/a.py": "" });
    assert.deepEqual(check(dir, ["services"]).results.map((r) => r.service.name), ["services/api"]);
  });
});
