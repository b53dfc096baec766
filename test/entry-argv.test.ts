import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { interpretCommand, interpretShellScript, splitShellWords, commandsFromShellScript } from "../src/entry/argv.js";
import type { EntrySpec } from "../src/types.js";

const sh = (cmd: string): string[] => ["/bin/sh", "-c", cmd];

/** The one spec a command yields (fails otherwise). */
function one(argv: string[], env: Record<string, string> = {}): EntrySpec {
  const r = interpretCommand(argv, env);
  assert.equal(r.length, 1, JSON.stringify(r));
  return r[0];
}

/** A compact view of a spec for deepEqual. */
function view(s: EntrySpec): Record<string, unknown> {
  const { argv: _argv, ...rest } = s as EntrySpec & { argv: string[] };
  void _argv;
  if (s.kind === "other") return { kind: "other" };
  return rest;
}

const v1 = (argv: string[], env: Record<string, string> = {}): Record<string, unknown> => view(one(argv, env));

describe("python", () => {
  it("scripts with interpreter options", () => {
    assert.deepEqual(v1(["python", "app.py"]), { kind: "script", file: "app.py", runner: "python" });
    assert.deepEqual(v1(["python3", "-u", "main.py", "--port", "80"]), { kind: "script", file: "main.py", runner: "python" });
    assert.deepEqual(v1(["/usr/local/bin/python3.11", "-B", "-O", "-X", "dev", "-W", "ignore", "/app/run.py"]), { kind: "script", file: "/app/run.py", runner: "python" });
    assert.deepEqual(v1(["/opt/venv/bin/python", "-uB", "-Wignore", "-Xutf8", "src/main.py"]), { kind: "script", file: "src/main.py", runner: "python" });
    assert.deepEqual(v1(["python", "manage.py", "runserver", "0.0.0.0:8000"]), { kind: "script", file: "manage.py", runner: "python" });
    assert.deepEqual(one(["python", "-u", "main.py", "x"]).argv, ["python", "-u", "main.py", "x"]);
  });
  it("-m module", () => {
    assert.deepEqual(v1(["python", "-m", "app.main"]), { kind: "module", module: "app.main", runner: "python" });
    assert.deepEqual(v1(["python3", "-u", "-mworker.run", "--queue", "x"]), { kind: "module", module: "worker.run", runner: "python" });
    assert.deepEqual(v1(["python3.12", "-OO", "-m", "pkg"]), { kind: "module", module: "pkg", runner: "python" });
  });
  it("-m gunicorn / uvicorn / celery are those runners", () => {
    assert.deepEqual(v1(["python", "-m", "gunicorn", "app:app"]), { kind: "module", module: "app", attr: "app", runner: "gunicorn", configFile: "gunicorn.conf.py", configImplicit: true });
    assert.deepEqual(v1(["python", "-m", "uvicorn", "api_galaxy.app.main:app", "--host", "0.0.0.0", "--port", "8099", "--app-dir", "apps/api"]), {
      kind: "module",
      module: "api_galaxy.app.main",
      attr: "app",
      runner: "uvicorn",
      pythonpath: ["apps/api"],
    });
    assert.deepEqual(v1(["python", "-m", "celery", "-A", "proj", "worker"]), { kind: "module", module: "proj", runner: "celery" });
    assert.deepEqual(one(["python", "-m", "gunicorn", "app:app"]).argv, ["python", "-m", "gunicorn", "app:app"]);
  });
  it("-c, interactive, stdin → other", () => {
    assert.equal(one(["python", "-c", "import app; app.run()"]).kind, "other");
    assert.equal(one(["python"]).kind, "other");
    assert.equal(one(["python", "-"]).kind, "other");
    assert.equal(one(["python", "--version"]).kind, "other");
  });
  it("an executable .py file run directly", () => {
    assert.deepEqual(v1(["./main.py", "serve"]), { kind: "script", file: "./main.py", runner: "python" });
  });
});

describe("gunicorn", () => {
  it("application forms", () => {
    for (const [app, module, attr] of [
      ["main:app", "main", "app"],
      ["wsgi", "wsgi", undefined],
      ["myproject.wsgi:application", "myproject.wsgi", "application"],
      ["app:create_app()", "app", "create_app()"],
      ["app:create_app('prod')", "app", "create_app('prod')"],
    ] as const) {
      const s = one(["gunicorn", app]);
      assert.equal(s.kind, "module");
      if (s.kind !== "module") continue;
      assert.equal(s.module, module);
      assert.equal(s.attr, attr);
      assert.equal(s.runner, "gunicorn");
    }
  });
  it("options with values do not become the application", () => {
    const s = one(["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "-w", "4", "-b", "0.0.0.0:8000", "--timeout", "120", "--access-logfile", "-", "--log-level", "info", "--preload", "--reload", "api.main:app"]);
    assert.deepEqual(view(s), { kind: "module", module: "api.main", attr: "app", runner: "gunicorn", configFile: "gunicorn.conf.py", configImplicit: true });
    assert.equal(one(["gunicorn", "-w4", "-kgevent", "-b:8000", "a:b"]).kind === "module" && (one(["gunicorn", "-w4", "a:b"]) as { module: string }).module, "a");
    assert.equal((one(["gunicorn", "--workers=2", "--threads", "8", "m:app"]) as { module: string }).module, "m");
  });
  it("--chdir, --pythonpath, --config (also python:module), abbreviations", () => {
    assert.deepEqual(v1(["gunicorn", "--chdir", "/app/src", "--pythonpath", "/app/lib, /app/vendor", "-c", "conf/gunicorn.py", "svc.wsgi"]), {
      kind: "module",
      module: "svc.wsgi",
      runner: "gunicorn",
      chdir: "/app/src",
      pythonpath: ["/app/lib", "/app/vendor"],
      configFile: "conf/gunicorn.py",
    });
    assert.deepEqual(v1(["gunicorn", "--chdir=services/api", "--config=python:settings.gunicorn", "main:app"]), {
      kind: "module",
      module: "main",
      attr: "app",
      runner: "gunicorn",
      chdir: "services/api",
      configFile: "python:settings.gunicorn",
    });
    assert.equal((one(["gunicorn", "--work", "4", "--chd", "/srv", "x:y"]) as { chdir: string }).chdir, "/srv");
  });
  it("no application argument: the config file provides wsgi_app", () => {
    assert.deepEqual(v1(["gunicorn", "-c", "gunicorn.conf.py"]), { kind: "module", module: "", runner: "gunicorn", configFile: "gunicorn.conf.py" });
    assert.deepEqual(v1(["gunicorn"]), { kind: "module", module: "", runner: "gunicorn", configFile: "gunicorn.conf.py", configImplicit: true });
  });
  it("GUNICORN_CMD_ARGS supplies settings; the command line wins", () => {
    assert.equal((one(["gunicorn", "app:app"], { GUNICORN_CMD_ARGS: "--chdir /srv --workers 3" }) as { chdir: string }).chdir, "/srv");
    assert.equal((one(["gunicorn", "--chdir", "/cli", "app:app"], { GUNICORN_CMD_ARGS: "--chdir /srv" }) as { chdir: string }).chdir, "/cli");
  });
  it("--paste is not a module entry point", () => {
    assert.equal(one(["gunicorn", "--paste", "production.ini"]).kind, "other");
  });
});

describe("uvicorn, hypercorn, daphne, waitress, granian", () => {
  it("uvicorn", () => {
    assert.deepEqual(v1(["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "80"]), { kind: "module", module: "main", attr: "app", runner: "uvicorn" });
    assert.deepEqual(v1(["uvicorn", "app.main:app", "--app-dir", "src", "--host", "0.0.0.0", "--port", "8080"]), { kind: "module", module: "app.main", attr: "app", runner: "uvicorn", pythonpath: ["src"] });
    assert.deepEqual(v1(["uvicorn", "--factory", "--workers", "4", "--proxy-headers", "--forwarded-allow-ips", "*", "app:create_app"]), { kind: "module", module: "app", attr: "create_app", runner: "uvicorn" });
    assert.deepEqual(v1(["uvicorn", "--reload", "--log-level=debug", "svc.api:app"]), { kind: "module", module: "svc.api", attr: "app", runner: "uvicorn" });
    assert.equal(one(["uvicorn", "main"]).kind, "other");
    assert.equal(one(["uvicorn", "--port", "80"]).kind, "other");
  });
  it("hypercorn (module or path:app)", () => {
    assert.deepEqual(v1(["hypercorn", "--bind", "0.0.0.0:8000", "-w", "2", "app.main:app"]), { kind: "module", module: "app.main", attr: "app", runner: "hypercorn" });
    assert.deepEqual(v1(["hypercorn", "-c", "hypercorn.toml", "src/server.py:app"]), { kind: "module", module: "server", attr: "app", runner: "hypercorn", pythonpath: ["src"], configFile: "hypercorn.toml" });
  });
  it("daphne", () => {
    assert.deepEqual(v1(["daphne", "-b", "0.0.0.0", "-p", "8001", "myproject.asgi:application"]), { kind: "module", module: "myproject.asgi", attr: "application", runner: "daphne" });
  });
  it("waitress-serve with --call, --port=, positional or --app", () => {
    assert.deepEqual(v1(["waitress-serve", "--port=8080", "--call", "app:create_app"]), { kind: "module", module: "app", attr: "create_app", runner: "waitress-serve" });
    assert.deepEqual(v1(["waitress-serve", "--host", "0.0.0.0", "--threads=8", "wsgi:application"]), { kind: "module", module: "wsgi", attr: "application", runner: "waitress-serve" });
    assert.deepEqual(v1(["waitress-serve", "--app=pkg.web:app"]), { kind: "module", module: "pkg.web", attr: "app", runner: "waitress-serve" });
    assert.deepEqual(v1(["python", "-m", "waitress", "--port=80", "x:y"]), { kind: "module", module: "x", attr: "y", runner: "waitress-serve" });
  });
  it("granian", () => {
    assert.deepEqual(v1(["granian", "--interface", "asgi", "--host", "0.0.0.0", "--working-dir", "/srv", "main:app"]), { kind: "module", module: "main", attr: "app", runner: "granian", chdir: "/srv" });
  });
});

describe("celery and workers", () => {
  it("celery -A / --app / --app= / -A pkg.mod, with the subcommand before or after", () => {
    assert.deepEqual(v1(["celery", "-A", "proj", "worker", "-l", "INFO"]), { kind: "module", module: "proj", runner: "celery" });
    assert.deepEqual(v1(["celery", "--app", "proj", "beat"]), { kind: "module", module: "proj", runner: "celery" });
    assert.deepEqual(v1(["celery", "--app=proj.celery:app", "worker", "-Q", "default", "-c", "4"]), { kind: "module", module: "proj.celery", attr: "app", runner: "celery" });
    assert.deepEqual(v1(["celery", "worker", "-A", "proj.celery", "--loglevel=info"]), { kind: "module", module: "proj.celery", runner: "celery" });
    assert.deepEqual(v1(["celery", "--workdir", "/app/src", "-A", "tasks", "worker"]), { kind: "module", module: "tasks", runner: "celery", chdir: "/app/src" });
    assert.equal(one(["celery", "worker"]).kind, "other");
    assert.deepEqual(v1(["celery", "worker"], { CELERY_APP: "proj" }), { kind: "module", module: "proj", runner: "celery" });
  });
  it("dramatiq, arq, huey", () => {
    assert.deepEqual(v1(["dramatiq", "-p", "2", "--path", "src", "app.broker", "app.tasks"].slice(0, 6)), { kind: "module", module: "app.broker", runner: "dramatiq", pythonpath: ["src"] });
    assert.deepEqual(v1(["arq", "worker.WorkerSettings"]), { kind: "module", module: "worker", attr: "WorkerSettings", runner: "arq" });
    assert.deepEqual(v1(["huey_consumer.py", "main.huey", "-w", "4"]), { kind: "module", module: "main", attr: "huey", runner: "huey_consumer" });
  });
});

describe("functions-framework, flask, fastapi, streamlit, uwsgi", () => {
  it("functions-framework: --source (default main.py)", () => {
    assert.deepEqual(v1(["functions-framework", "--target", "handler"]), { kind: "script", file: "main.py", runner: "functions-framework" });
    assert.deepEqual(v1(["functions-framework", "--target=handler", "--source=src/fn.py", "--port", "8080"]), { kind: "script", file: "src/fn.py", runner: "functions-framework" });
    assert.deepEqual(v1(["python", "-m", "functions_framework", "--target", "f"]), { kind: "script", file: "main.py", runner: "functions-framework" });
  });
  it("flask --app / FLASK_APP", () => {
    assert.deepEqual(v1(["flask", "--app", "hello", "run", "--host=0.0.0.0"]), { kind: "module", module: "hello", runner: "flask" });
    assert.deepEqual(v1(["flask", "run", "--host", "0.0.0.0"], { FLASK_APP: "app:create_app()" }), { kind: "module", module: "app", attr: "create_app()", runner: "flask" });
    assert.deepEqual(v1(["flask", "run"], { FLASK_APP: "src/web/app.py" }), { kind: "module", module: "app", runner: "flask", pythonpath: ["src/web"] });
    assert.equal(one(["flask", "run"]).kind, "other");
  });
  it("fastapi run path.py", () => {
    assert.deepEqual(v1(["fastapi", "run", "app/main.py", "--port", "80"]), { kind: "script", file: "app/main.py", runner: "fastapi" });
    assert.deepEqual(v1(["fastapi", "run", "--entrypoint", "pkg.api:app"]), { kind: "module", module: "pkg.api", attr: "app", runner: "fastapi" });
    assert.equal(one(["fastapi", "run"]).kind, "other");
  });
  it("streamlit run", () => {
    assert.deepEqual(v1(["streamlit", "run", "dashboard.py", "--server.port", "8501", "--server.address=0.0.0.0"]), { kind: "script", file: "dashboard.py", runner: "streamlit" });
    assert.deepEqual(v1(["streamlit", "run", "--server.port", "8501", "ui/app.py"]), { kind: "script", file: "ui/app.py", runner: "streamlit" });
  });
  it("uwsgi", () => {
    assert.deepEqual(v1(["uwsgi", "--http", ":8000", "--master", "--chdir", "/app", "--module", "proj.wsgi:application"]), { kind: "module", module: "proj.wsgi", attr: "application", runner: "uwsgi", chdir: "/app" });
    assert.deepEqual(v1(["uwsgi", "--http=:80", "--wsgi-file", "app.py", "--callable", "app"]), { kind: "script", file: "app.py", runner: "uwsgi" });
    assert.equal(one(["uwsgi", "--ini", "uwsgi.ini"]).kind, "other");
  });
});

describe("wrappers and shells", () => {
  it("exec, env, VAR=value, tini --, dumb-init, gosu, su-exec", () => {
    const expect = { kind: "module", module: "app", attr: "app", runner: "gunicorn", configFile: "gunicorn.conf.py", configImplicit: true };
    assert.deepEqual(v1(["tini", "--", "gunicorn", "app:app"]), expect);
    assert.deepEqual(v1(["/usr/bin/tini", "-g", "--", "gunicorn", "app:app"]), expect);
    assert.deepEqual(v1(["dumb-init", "--", "gunicorn", "app:app"]), expect);
    assert.deepEqual(v1(["dumb-init", "gosu", "app", "gunicorn", "app:app"]), expect);
    assert.deepEqual(v1(["su-exec", "nobody", "env", "A=1", "gunicorn", "app:app"]), expect);
    assert.deepEqual(v1(sh("exec env -u X PYTHONUNBUFFERED=1 gunicorn app:app")), expect);
    assert.deepEqual(v1(["ddtrace-run", "gunicorn", "app:app"]), expect);
    assert.deepEqual(v1(["opentelemetry-instrument", "--traces_exporter", "console", "gunicorn", "app:app"]), expect);
    assert.deepEqual(v1(["newrelic-admin", "run-program", "gunicorn", "app:app"]), expect);
  });
  it("a command-line PYTHONPATH goes to pythonpath", () => {
    assert.deepEqual(v1(sh("PYTHONPATH=/app/src:/app/lib exec python -m svc")), { kind: "module", module: "svc", runner: "python", pythonpath: ["/app/src", "/app/lib"] });
  });
  it("uv run / poetry run / pipenv run", () => {
    assert.deepEqual(v1(["uv", "run", "--no-sync", "uvicorn", "main:app"]), { kind: "module", module: "main", attr: "app", runner: "uvicorn" });
    assert.deepEqual(v1(["uv", "run", "main.py"]), { kind: "script", file: "main.py", runner: "python" });
    assert.deepEqual(v1(["poetry", "run", "python", "-m", "app"]), { kind: "module", module: "app", runner: "python" });
    assert.deepEqual(v1(["pipenv", "run", "python", "bot.py"]), { kind: "script", file: "bot.py", runner: "python" });
  });
  it("sh -c with &&, ;, ||, |, newlines, cd", () => {
    const r = interpretCommand(sh("cd /app && python manage.py migrate --noinput; python manage.py collectstatic --noinput || true\nexec gunicorn proj.wsgi:application --bind 0.0.0.0:$PORT | tee /var/log/out"), {});
    assert.deepEqual(r.map(view), [
      { kind: "script", file: "/app/manage.py", runner: "python" },
      { kind: "module", module: "proj.wsgi", attr: "application", runner: "gunicorn", chdir: "/app", configFile: "/app/gunicorn.conf.py", configImplicit: true },
    ]);
  });
  it("nested sh -c / bash -c and shell options", () => {
    assert.deepEqual(v1(["bash", "-lc", "sh -c 'exec python /srv/x.py'"]), { kind: "script", file: "/srv/x.py", runner: "python" });
    assert.deepEqual(v1(["/bin/bash", "-e", "-o", "pipefail", "-c", 'python -u "my app.py"']), { kind: "script", file: "my app.py", runner: "python" });
  });
  it("sh -c with positional parameters", () => {
    assert.deepEqual(v1(["sh", "-c", 'exec python "$@"', "sh", "worker.py", "--x"]), { kind: "script", file: "worker.py", runner: "python" });
  });
  it("if/else branches are all reported; benign commands are skipped", () => {
    const r = interpretCommand(sh('set -e; echo starting; if [ "$ROLE" = worker ]; then exec celery -A proj worker; else exec uvicorn main:app; fi'), {});
    assert.deepEqual(r.map((s) => s.kind === "module" && s.runner), ["celery", "uvicorn"]);
  });
  it("non-Python commands are other", () => {
    assert.equal(one(["nginx", "-g", "daemon off;"]).kind, "other");
    assert.equal(one(sh("node server.js")).kind, "other");
    assert.equal(one(["supervisord", "-c", "/etc/supervisord.conf"]).kind, "other");
    assert.equal(one(sh("echo hello")).kind, "other");
  });
});

describe("shell scripts", () => {
  it("./entrypoint.sh, /app/start.sh, bash start.sh, sh /docker-entrypoint.sh", () => {
    assert.deepEqual(one(["./entrypoint.sh"]), { kind: "shell-script", file: "./entrypoint.sh", argv: [] });
    assert.deepEqual(one(["/app/start.sh", "web"]), { kind: "shell-script", file: "/app/start.sh", argv: ["web"] });
    assert.deepEqual(one(["bash", "start.sh"]), { kind: "shell-script", file: "start.sh", argv: [] });
    assert.deepEqual(one(["sh", "/docker-entrypoint.sh", "gunicorn", "app:app"]), { kind: "shell-script", file: "/docker-entrypoint.sh", argv: ["gunicorn", "app:app"] });
    assert.deepEqual(one(["/docker-entrypoint.sh", "gunicorn", "app:app"]), { kind: "shell-script", file: "/docker-entrypoint.sh", argv: ["gunicorn", "app:app"] });
    assert.deepEqual(one(["docker-entrypoint.sh"]), { kind: "shell-script", file: "docker-entrypoint.sh", argv: [] });
    assert.deepEqual(one(sh("cd /srv && ./run.sh")), { kind: "shell-script", file: "/srv/run.sh", argv: [] });
  });
  it("wait-for-it style: the command after -- is interpreted too", () => {
    const r = interpretCommand(["./wait-for-it.sh", "db:5432", "--", "python", "app.py"], {});
    assert.deepEqual(r.map((s) => s.kind), ["shell-script", "script"]);
  });
  it("commandsFromShellScript", () => {
    const script = [
      "#!/bin/sh",
      "set -e",
      "# migrate first",
      'if [ "$1" = "worker" ]; then',
      "  exec celery -A proj worker \\",
      "      --loglevel=info",
      "fi",
      "cat > /tmp/conf <<EOF",
      "python should_not_be_seen.py",
      "EOF",
      'case "$ROLE" in',
      '  web|api) exec gunicorn "${APP_MODULE:-app:app}" ;;',
      "  *) echo 'unknown $ROLE' >&2; exit 1 ;;",
      "esac",
      "start() {",
      "  python -m svc.main 2>&1 | tee log",
      "}",
      "for f in a b; do echo $f; done",
      'exec "$@"',
    ].join("\n");
    assert.deepEqual(commandsFromShellScript(script), [
      ["set", "-e"],
      ["[", "$1", "=", "worker", "]"],
      ["exec", "celery", "-A", "proj", "worker", "--loglevel=info"],
      ["cat"],
      ["exec", "gunicorn", "${APP_MODULE:-app:app}"],
      ["echo", "unknown \\$ROLE"],
      ["exit", "1"],
      ["python", "-m", "svc.main"],
      ["tee", "log"],
      ["echo", "$f"],
      ["exec", "$@"],
    ]);
  });
  it("script commands fed back to interpretCommand expand with the env", () => {
    const cmds = commandsFromShellScript('exec gunicorn "${APP_MODULE:-app:app}" --bind "0.0.0.0:${PORT}"\n');
    assert.deepEqual(view(one(cmds[0], { APP_MODULE: "svc.web:api" })), { kind: "module", module: "svc.web", attr: "api", runner: "gunicorn", configFile: "gunicorn.conf.py", configImplicit: true });
    assert.equal((one(cmds[0]) as { module: string }).module, "app");
    const echo = commandsFromShellScript("echo '$HOME'")[0];
    assert.deepEqual(interpretCommand(echo, { HOME: "/root" })[0].argv, ["echo", "$HOME"]);
  });
});

describe("variables", () => {
  it("${VAR:-default} vs env value, in exec form and sh -c", () => {
    assert.equal((one(["gunicorn", "${APP_MODULE:-main}:app"]) as { module: string }).module, "main");
    assert.equal((one(["gunicorn", "${APP_MODULE:-main}:app"], { APP_MODULE: "svc" }) as { module: string }).module, "svc");
    assert.equal((one(sh("gunicorn $APP_MODULE:app"), { APP_MODULE: "svc" }) as { module: string }).module, "svc");
    assert.equal((one(["python", "$SCRIPT"], { SCRIPT: "/app/run.py" }) as { file: string }).file, "/app/run.py");
  });
  it("an unresolved variable where it matters → other with the reason", () => {
    const r = one(["gunicorn", "$APP_MODULE:app"]);
    assert.equal(r.kind, "other");
    assert.match((r as { reason: string }).reason, /unresolved variable \$APP_MODULE/);
    const r2 = one(sh("exec python $ENTRY"));
    assert.equal(r2.kind, "other");
    assert.match((r2 as { reason: string }).reason, /\$ENTRY/);
    const r3 = one(sh("python -m $(cat /module.txt)"));
    assert.equal(r3.kind, "other");
  });
  it("an unresolved variable where it does not matter is fine (Cloud Run's $PORT)", () => {
    assert.deepEqual(v1(sh("exec gunicorn --bind :$PORT --workers 1 --threads 8 --timeout 0 main:app")), {
      kind: "module",
      module: "main",
      attr: "app",
      runner: "gunicorn",
      configFile: "gunicorn.conf.py",
      configImplicit: true,
    });
    assert.deepEqual(v1(["uvicorn", "main:app", "--port", "${PORT}"]), { kind: "module", module: "main", attr: "app", runner: "uvicorn" });
  });
  it("a variable holding several options is split", () => {
    assert.equal((one(["gunicorn", "$GUNICORN_OPTS", "app:app"], { GUNICORN_OPTS: "--chdir /srv -w 2" }) as { chdir: string }).chdir, "/srv");
    assert.equal((one(sh("gunicorn $OPTS app:app"), { OPTS: "--chdir /srv -w 2" }) as { chdir: string }).chdir, "/srv");
  });
  it("expand: false leaves words literal (Docker's exec form)", () => {
    assert.equal((interpretCommand(["gunicorn", "${APP:-main}:app"], {}, { expand: false })[0] as { module: string }).module, "${APP");
  });
  it("cwd option joins relative paths", () => {
    assert.equal((interpretCommand(["python", "main.py"], {}, { cwd: "/app" })[0] as { file: string }).file, "/app/main.py");
  });
  it("never throws on odd input", () => {
    for (const argv of [[], [""], ["$"], ["${"], ["sh", "-c"], ["sh", "-c", "'unterminated"], ["sh", "-c", "$((1+"], ["env"], ["tini", "--"], ["python", "-m"], ["gunicorn", "-c"], ["exec"], ["sh", "-c", "a && && b"], ["sh", "-c", "case x in"], ["uv", "run"]]) {
      const r = interpretCommand(argv, {});
      assert.ok(Array.isArray(r));
      assert.ok(r.length >= 1, JSON.stringify(argv));
    }
  });
});

describe("splitShellWords", () => {
  it("quotes and backslashes", () => {
    assert.deepEqual(splitShellWords(`gunicorn -b "0.0.0.0:80" 'a b' c\\ d "e\\"f"`), ["gunicorn", "-b", "0.0.0.0:80", "a b", "c d", 'e"f']);
  });
  it("keeps variables, escapes quoted dollars", () => {
    assert.deepEqual(splitShellWords(`echo "$HOME" '$HOME' \\$X \${A:-b c}`), ["echo", "$HOME", "\\$HOME", "\\$X", "${A:-b c}"]);
  });
  it("operators are separate words; a pipe is fine", () => {
    assert.deepEqual(splitShellWords("a && b || c; d | e &\nf"), ["a", "&&", "b", "||", "c", ";", "d", "|", "e", "&", "f"]);
    assert.deepEqual(splitShellWords("python app.py > /tmp/log 2>&1"), ["python", "app.py"]);
  });
  it("null for what cannot be split statically", () => {
    assert.equal(splitShellWords('echo "unterminated'), null);
    assert.equal(splitShellWords("python $(which app)"), null);
    assert.equal(splitShellWords("python `which app`"), null);
  });
});

describe("interpretShellScript", () => {
  it("follows cd, export and exec \"$@\" with the script's arguments", () => {
    const script = [
      "#!/bin/bash",
      "set -euo pipefail",
      "cd /srv/app",
      "export PYTHONPATH=/srv/app/src",
      'echo "starting $1"',
      "python manage.py migrate",
      'exec "$@"',
    ].join("\n");
    const r = interpretShellScript(script, {}, ["gunicorn", "svc.wsgi"]);
    assert.deepEqual(r.map(view), [
      { kind: "script", file: "/srv/app/manage.py", runner: "python" },
      { kind: "module", module: "svc.wsgi", runner: "gunicorn", chdir: "/srv/app", pythonpath: ["/srv/app/src"], configFile: "/srv/app/gunicorn.conf.py", configImplicit: true },
    ]);
  });
  it("nothing Python → one other; broken tail still yields the commands before it", () => {
    assert.deepEqual(interpretShellScript("nginx -g 'daemon off;'\n", {}).map((s) => s.kind), ["other"]);
    assert.deepEqual(interpretShellScript("python a.py\necho 'oops\n", {}).map(view), [{ kind: "script", file: "a.py", runner: "python" }]);
  });
});
