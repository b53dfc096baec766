import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseDockerfile, stageRuntimeEnv, targetStageIndex, DEFAULT_PATH } from "../src/dockerfile/parse.js";
import { expandDockerWord, expandShellWords, expandWord } from "../src/dockerfile/expand.js";
import type { DfInstruction, ParsedDockerfile } from "../src/types.js";

const parse = (text: string, buildArgs: Record<string, string> = {}, target?: string): ParsedDockerfile =>
  parseDockerfile("Dockerfile", text, buildArgs, target);

/** The instructions with a keyword, over all stages. */
function ins(df: ParsedDockerfile, keyword: string): DfInstruction[] {
  return df.stages.flatMap((s) => s.instructions.filter((i) => i.keyword === keyword));
}

function env(df: ParsedDockerfile, stage = df.stages.length - 1): Record<string, string> {
  return stageRuntimeEnv(df, stage);
}

const lines = (...l: string[]): string => l.join("\n") + "\n";

describe("stages", () => {
  it("reads FROM image AS name (lower-cased), --platform, and includes FROM as the first instruction", () => {
    const df = parse(lines("FROM --platform=$BUILDPLATFORM python:3.11-slim AS Builder", "RUN true", "FROM builder", "CMD x"));
    assert.equal(df.errors.length, 0, JSON.stringify(df.errors));
    assert.equal(df.stages.length, 2);
    assert.equal(df.stages[0].name, "builder");
    assert.equal(df.stages[0].baseImage, "python:3.11-slim");
    assert.equal(df.stages[0].instructions[0].keyword, "FROM");
    assert.deepEqual(df.stages[0].instructions[0].flags, [{ name: "platform", value: "linux/amd64", raw: "$BUILDPLATFORM" }]);
    assert.equal(df.stages[1].name, null);
    assert.equal(df.stages[1].baseImage, "builder");
    assert.deepEqual(df.stages.map((s) => s.index), [0, 1]);
  });

  it("stage ranges cover their instructions (1-based lines, 0-based columns)", () => {
    const df = parse(lines("FROM a AS one", "RUN x", "", "FROM b", "  WORKDIR /app"));
    assert.deepEqual(df.stages[0].range, { line: 1, col: 0, endLine: 2, endCol: 5 });
    assert.deepEqual(df.stages[1].instructions[1].range, { line: 5, col: 2, endLine: 5, endCol: 14 });
  });

  it("lower-case keywords work", () => {
    const df = parse(lines("from python:3.12 as app", "workdir /srv", "copy . .", 'cmd ["python", "main.py"]'));
    assert.equal(df.errors.length, 0, JSON.stringify(df.errors));
    assert.deepEqual(df.stages[0].instructions.map((i) => i.keyword), ["FROM", "WORKDIR", "COPY", "CMD"]);
    assert.equal(df.stages[0].name, "app");
  });

  it("target: must exist; all stages are returned", () => {
    const text = lines("FROM a AS build", "FROM b AS prod", "FROM c AS debug");
    const ok = parse(text, {}, "PROD");
    assert.equal(ok.errors.length, 0);
    assert.equal(ok.stages.length, 3);
    assert.equal(targetStageIndex(ok, "prod"), 1);
    const bad = parse(text, {}, "production");
    assert.match(bad.errors.map((e) => e.message).join("\n"), /target stage "production" could not be found/);
    assert.equal(bad.stages.length, 3);
    assert.equal(targetStageIndex(ok), 2);
  });
});

describe("ARG scoping (Docker's rules)", () => {
  it("global ARGs are usable in FROM; build args override them", () => {
    const text = lines("ARG PY=3.11", "ARG BASE=python:${PY}-slim", "FROM ${BASE}");
    assert.equal(parse(text).stages[0].baseImage, "python:3.11-slim");
    assert.equal(parse(text, { PY: "3.13" }).stages[0].baseImage, "python:3.13-slim");
    assert.equal(parse(text, { BASE: "debian" }).stages[0].baseImage, "debian");
  });

  it("a global ARG is not visible inside a stage until re-declared", () => {
    const df = parse(lines("ARG VERSION=1.2", "FROM x", "ENV A=v$VERSION", "ARG VERSION", "ENV B=v$VERSION"));
    const [a, b] = ins(df, "ENV");
    assert.equal(a.properties![0].value, "v");
    assert.deepEqual(a.undefinedVars, ["VERSION"]);
    assert.equal(b.properties![0].value, "v1.2");
    assert.deepEqual(b.undefinedVars, []);
    assert.deepEqual(ins(df, "ARG")[0].properties, [{ name: "VERSION", value: "1.2" }]);
  });

  it("re-declared global ARG takes the build-arg value", () => {
    const df = parse(lines("ARG VERSION=1.2", "FROM x", "ARG VERSION", "ENV B=$VERSION"), { VERSION: "9" });
    assert.equal(ins(df, "ENV")[0].properties![0].value, "9");
  });

  it("${APP_MODULE:-main}: default when unset, build arg when given", () => {
    const text = lines("FROM python", "ARG APP_MODULE", "ENV APP=${APP_MODULE:-main}", "ARG PORT=8000", "ENV BIND=0.0.0.0:${PORT}");
    const d1 = parse(text);
    assert.equal(env(d1).APP, "main");
    assert.equal(env(d1).BIND, "0.0.0.0:8000");
    assert.deepEqual(ins(d1, "ARG")[0].properties, [{ name: "APP_MODULE", value: null }]);
    const d2 = parse(text, { APP_MODULE: "svc.app", PORT: "9000" });
    assert.equal(env(d2).APP, "svc.app");
    assert.equal(env(d2).BIND, "0.0.0.0:9000");
  });

  it("build args only apply to declared ARGs", () => {
    const df = parse(lines("FROM x", "ENV A=${UNDECLARED:-d}"), { UNDECLARED: "nope" });
    assert.equal(env(df).A, "d");
  });

  it("ARG values do not cross stages, even FROM an earlier stage", () => {
    const df = parse(lines("FROM x AS one", "ARG TOKEN=secret", "ENV E=kept", "FROM one", "RUN true", "ENV T=$TOKEN E2=$E"));
    const last = ins(df, "ENV")[1];
    assert.deepEqual(last.properties, [
      { name: "T", value: "" },
      { name: "E2", value: "kept" },
    ]);
    assert.deepEqual(last.undefinedVars, ["TOKEN"]);
  });

  it("stage ARG default beats the global default; build arg beats both", () => {
    const text = lines("ARG V=global", "FROM x", "ARG V=stage", "ENV V2=$V");
    assert.equal(env(parse(text)).V2, "stage");
    assert.equal(env(parse(text, { V: "cli" })).V2, "cli");
  });

  it("multiple ARGs on one line and the automatic platform ARGs", () => {
    const df = parse(lines("FROM x", "ARG A=1 B TARGETARCH", "ENV X=$A-$B-$TARGETARCH"));
    assert.deepEqual(ins(df, "ARG")[0].properties, [
      { name: "A", value: "1" },
      { name: "B", value: null },
      { name: "TARGETARCH", value: "amd64" },
    ]);
    assert.equal(env(df).X, "1--amd64");
  });

  it("ENV overrides an earlier ARG of the same name", () => {
    const df = parse(lines("FROM x", "ARG V=arg", "ENV V=env", "ENV W=$V"));
    assert.equal(env(df).W, "env");
  });
});

describe("ENV", () => {
  it("both forms; quotes; values see the variables from before the instruction", () => {
    const df = parse(lines("FROM x", 'ENV A=1 B="x y" C=\'$A\'', "ENV LEGACY hello big world", "ENV A=2 D=$A"));
    assert.deepEqual(ins(df, "ENV")[0].properties, [
      { name: "A", value: "1" },
      { name: "B", value: "x y" },
      { name: "C", value: "$A" },
    ]);
    assert.deepEqual(ins(df, "ENV")[1].properties, [{ name: "LEGACY", value: "hello big world" }]);
    assert.deepEqual(ins(df, "ENV")[2].properties, [
      { name: "A", value: "2" },
      { name: "D", value: "1" },
    ]);
  });

  it("recursive ENV: a value built from earlier ENV values", () => {
    const df = parse(lines("FROM x", "ENV APP_HOME=/srv/app", "ENV PYTHONPATH=${APP_HOME}/src:${APP_HOME}/lib", "ENV P2=$PYTHONPATH"));
    assert.equal(env(df).P2, "/srv/app/src:/srv/app/lib");
  });

  it("inherits through FROM <earlier stage>, not from an external image; PATH defaults", () => {
    const df = parse(lines("FROM python:3.11 AS base", "ENV APP=/app", "FROM base AS child", "ENV X=$APP", "FROM python:3.11", "ENV Y=${APP:-none}", "ENV PATH=/opt/venv/bin:$PATH"));
    assert.equal(env(df, 1).APP, "/app");
    assert.equal(env(df, 1).X, "/app");
    assert.equal(env(df, 2).Y, "none");
    assert.equal(env(df, 2).APP, undefined);
    assert.equal(env(df, 2).PATH, "/opt/venv/bin:" + DEFAULT_PATH);
  });

  it("escaped dollar stays literal", () => {
    const df = parse(lines("FROM x", "ENV A=1", "ENV B=\\$A C=\"\\$A\""));
    assert.deepEqual(ins(df, "ENV")[1].properties, [
      { name: "B", value: "$A" },
      { name: "C", value: "$A" },
    ]);
  });

  it("baseImageEnv option feeds external images", () => {
    const df = parseDockerfile("D", lines("FROM python:3.11", "ENV P=$PYTHON_VERSION"), {}, undefined, {
      baseImageEnv: (img) => (img.startsWith("python:") ? { PYTHON_VERSION: "3.11.9" } : undefined),
    });
    assert.equal(ins(df, "ENV")[0].properties![0].value, "3.11.9");
  });
});

describe("expansion operators", () => {
  const text = lines("FROM x", "ARG EMPTY=", "ARG SET=v", "ARG UNSET", "ENV A=${EMPTY:-d1} B=${EMPTY-d2} C=${UNSET-d3} D=${SET:+alt} E=${EMPTY:+alt} F=${EMPTY+alt} G=${UNSET+alt} H=${UNSET:-${SET}x}");
  it("fire / not fire", () => {
    const p = Object.fromEntries(ins(parse(text), "ENV")[0].properties!.map((x) => [x.name, x.value]));
    assert.deepEqual(p, { A: "d1", B: "", C: "d3", D: "alt", E: "", F: "alt", G: "", H: "vx" });
  });
  it("defaults do not count as undefined references", () => {
    assert.deepEqual(ins(parse(text), "ENV")[0].undefinedVars, []);
  });
  it("no expansion inside single quotes, yes inside double quotes", () => {
    const df = parse(lines("FROM x", "ARG V=1", "LABEL a='$V' b=\"$V\" c=$V"));
    assert.deepEqual(ins(df, "LABEL")[0].properties, [
      { name: "a", value: "$V" },
      { name: "b", value: "1" },
      { name: "c", value: "1" },
    ]);
  });
  it("WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL are expanded; RUN, CMD, ENTRYPOINT are not", () => {
    const df = parse(
      lines("FROM x", "ARG D=/srv", "ARG U=app", "ARG P=8000", "WORKDIR $D/app", "USER ${U}", "EXPOSE $P 9000", 'VOLUME ["$D/data"]', "STOPSIGNAL ${SIG:-SIGTERM}", "RUN echo $D", "CMD echo $D", 'ENTRYPOINT ["run", "$D"]'),
    );
    assert.deepEqual(ins(df, "WORKDIR")[0].args, ["/srv/app"]);
    assert.deepEqual(ins(df, "USER")[0].args, ["app"]);
    assert.deepEqual(ins(df, "EXPOSE")[0].args, ["8000", "9000"]);
    assert.deepEqual(ins(df, "VOLUME")[0].args, ["/srv/data"]);
    assert.deepEqual(ins(df, "STOPSIGNAL")[0].args, ["SIGTERM"]);
    assert.deepEqual(ins(df, "RUN")[0].args, ["echo $D"]);
    assert.deepEqual(ins(df, "RUN")[0].rawArgs, ["echo $D"]);
    assert.deepEqual(ins(df, "CMD")[0].args, ["echo $D"]);
    assert.deepEqual(ins(df, "ENTRYPOINT")[0].args, ["run", "$D"]);
    assert.deepEqual(ins(df, "ENTRYPOINT")[0].rawArgs, ["run", "$D"]);
  });
  it("WORKDIR keeps spaces (one argument)", () => {
    const df = parse(lines("FROM x", "WORKDIR /my app"));
    assert.deepEqual(ins(df, "WORKDIR")[0].args, ["/my app"]);
  });
  it("undefinedVars records references without a value", () => {
    const df = parse(lines("FROM x", "COPY $SRC ${DEST}/"));
    assert.deepEqual(ins(df, "COPY")[0].undefinedVars, ["SRC", "DEST"]);
    assert.deepEqual(ins(df, "COPY")[0].args, ["", "/"]);
    assert.deepEqual(ins(df, "COPY")[0].rawArgs, ["$SRC", "${DEST}/"]);
  });
  it("escape directive: backtick continues lines and backslash is literal", () => {
    const df = parse(lines("# escape=`", "FROM mcr.microsoft.com/windows", "ARG D=C:\\app", "WORKDIR $D\\src", "RUN echo a `", "  b"));
    assert.equal(df.errors.length, 0, JSON.stringify(df.errors));
    assert.deepEqual(ins(df, "WORKDIR")[0].args, ["C:\\app\\src"]);
    assert.deepEqual(ins(df, "RUN")[0].args, ["echo a   b"]);
  });
  it("escape directive: `\\$ with backtick escape` is not an escape", () => {
    const df = parse(lines("# escape=`", "FROM x", "ARG A=1", "ENV B=`$A C=\\$A"));
    assert.deepEqual(ins(df, "ENV")[0].properties, [
      { name: "B", value: "$A" },
      { name: "C", value: "\\1" },
    ]);
  });
});

describe("JSON (exec) form", () => {
  it("keeps whitespace inside arguments (dockerfile-ast loses it)", () => {
    const df = parse(lines("FROM x", 'CMD ["python",  "my  script.py", "--name", "a b"]'));
    const cmd = ins(df, "CMD")[0];
    assert.equal(cmd.jsonForm, true);
    assert.deepEqual(cmd.args, ["python", "my  script.py", "--name", "a b"]);
    assert.deepEqual(cmd.rawArgs, cmd.args);
  });
  it("JSON spread over continuation lines", () => {
    const df = parse(lines("FROM x", 'ENTRYPOINT ["gunicorn", \\', '    "--bind", "0.0.0.0:80", \\', '    "app:app"]'));
    assert.deepEqual(ins(df, "ENTRYPOINT")[0].args, ["gunicorn", "--bind", "0.0.0.0:80", "app:app"]);
  });
  it("invalid JSON falls back to the shell form (the whole text), like Docker", () => {
    const df = parse(lines("FROM x", "CMD [python, app.py]", "RUN ['pip', 'install']"));
    const cmd = ins(df, "CMD")[0];
    assert.equal(cmd.jsonForm, false);
    assert.deepEqual(cmd.args, ["[python, app.py]"]);
    assert.equal(ins(df, "RUN")[0].args[0], "['pip', 'install']");
    assert.equal(df.errors.length, 0);
  });
  it("a JSON array with non-strings is an error (Docker rejects it)", () => {
    const df = parse(lines("FROM x", 'CMD ["python", 1]'));
    assert.match(df.errors[0].message, /only strings/);
  });
  it("COPY in JSON form, expanded", () => {
    const df = parse(lines("FROM x", "ARG D=/app", 'COPY ["my file.py", "$D/"]'));
    assert.deepEqual(ins(df, "COPY")[0].args, ["my file.py", "/app/"]);
    assert.equal(ins(df, "COPY")[0].jsonForm, true);
  });
  it("SHELL must be JSON", () => {
    assert.equal(parse(lines("FROM x", 'SHELL ["/bin/bash", "-c"]')).errors.length, 0);
    assert.match(parse(lines("FROM x", "SHELL /bin/bash -c")).errors[0].message, /JSON/);
  });
});

describe("heredocs", () => {
  it("a << inside quotes is not a heredoc (dockerfile-ast defect)", () => {
    const df = parse(lines("FROM x", 'RUN echo "a <<EOF b"', 'RUN python -c "print(1 <<2)"', "RUN echo next", "CMD [\"python\", \"app.py\"]"));
    assert.equal(df.errors.length, 0, JSON.stringify(df.errors));
    assert.deepEqual(df.stages[0].instructions.map((i) => i.keyword), ["FROM", "RUN", "RUN", "RUN", "CMD"]);
    assert.equal(ins(df, "RUN")[0].heredocs, undefined);
    assert.deepEqual(ins(df, "RUN")[1].args, ['python -c "print(1 <<2)"']);
  });
  it("a quoted << glued to text is not a heredoc", () => {
    const df = parse(lines("FROM x", "RUN echo 'x'\"<<EOF\"", "RUN echo 'a <<EOF'", "WORKDIR /w"));
    assert.deepEqual(df.stages[0].instructions.map((i) => i.keyword), ["FROM", "RUN", "RUN", "WORKDIR"]);
  });
  it("RUN heredoc: the body goes to heredocs", () => {
    const df = parse(lines("FROM x", "RUN <<EOF", "pip install x", "echo $HOME", "EOF", "WORKDIR /w"));
    const run = ins(df, "RUN")[0];
    assert.deepEqual(run.heredocs, [{ name: "EOF", content: "pip install x\necho $HOME\n", line: 3 }]);
    assert.deepEqual(run.args, ["<<EOF"]);
    assert.deepEqual(run.range, { line: 2, col: 0, endLine: 5, endCol: 3 });
    assert.equal(ins(df, "WORKDIR").length, 1);
  });
  it("COPY <<EOF /app/x.py: body expanded unless the delimiter is quoted", () => {
    const df = parse(lines("FROM x", "ARG M=mod", "COPY <<EOF /app/x.py", 'import $M', 'print("hi")', "EOF", "COPY <<'EOT' /app/y.py", "import $M", "EOT"));
    const [a, b] = ins(df, "COPY");
    assert.deepEqual(a.heredocs, [{ name: "EOF", content: 'import mod\nprint("hi")\n', line: 4 }]);
    assert.deepEqual(a.args, ["<<EOF", "/app/x.py"]);
    assert.deepEqual(b.heredocs, [{ name: "EOT", content: "import $M\n", line: 8 }]);
    assert.equal(df.errors.length, 0);
  });
  it("<<- strips leading tabs; several heredocs in one RUN", () => {
    const df = parse(lines("FROM x", "RUN <<-A cat - <<B", "\tone", "\tA", "two", "B", "USER u"));
    assert.deepEqual(ins(df, "RUN")[0].heredocs, [
      { name: "A", content: "one\n", line: 3 },
      { name: "B", content: "two\n", line: 5 },
    ]);
    assert.deepEqual(ins(df, "USER")[0].args, ["u"]);
  });
  it("unterminated heredoc is an error", () => {
    const df = parse(lines("FROM x", "RUN <<EOF", "echo hi"));
    assert.match(df.errors.map((e) => e.message).join(), /unterminated heredoc/);
  });
});

describe("flags", () => {
  it("COPY/ADD flags, expanded values, repeated --exclude, bare booleans", () => {
    const df = parse(
      lines(
        "FROM x AS build",
        "FROM y",
        "ARG USER=app",
        "COPY --from=build --chown=$USER:$USER --chmod=755 --link --parents --exclude=*.pyc --exclude=tests/ src/ /app/",
        "ADD --keep-git-dir=true --checksum=sha256:abc https://x/y.tar.gz /tmp/",
      ),
    );
    assert.equal(df.errors.length, 0, JSON.stringify(df.errors));
    const copy = ins(df, "COPY")[0];
    assert.deepEqual(copy.flags, [
      { name: "from", value: "build", raw: "build" },
      { name: "chown", value: "app:app", raw: "$USER:$USER" },
      { name: "chmod", value: "755", raw: "755" },
      { name: "link", value: null, raw: null },
      { name: "parents", value: null, raw: null },
      { name: "exclude", value: "*.pyc", raw: "*.pyc" },
      { name: "exclude", value: "tests/", raw: "tests/" },
    ]);
    assert.deepEqual(copy.args, ["src/", "/app/"]);
    const add = ins(df, "ADD")[0];
    assert.deepEqual(add.flags.map((f) => [f.name, f.value]), [
      ["keep-git-dir", "true"],
      ["checksum", "sha256:abc"],
    ]);
  });
  it("quoted flag values", () => {
    const df = parse(lines("FROM x AS b", "FROM y", 'COPY --from="b" --chown="a b" s d'));
    assert.deepEqual(ins(df, "COPY")[0].flags.map((f) => f.value), ["b", "a b"]);
  });
  it("RUN --mount flags are kept and not part of the command", () => {
    const df = parse(lines("FROM x", "RUN --mount=type=cache,target=/root/.cache pip install -r req.txt"));
    assert.deepEqual(ins(df, "RUN")[0].flags, [{ name: "mount", value: "type=cache,target=/root/.cache", raw: "type=cache,target=/root/.cache" }]);
    assert.deepEqual(ins(df, "RUN")[0].args, ["pip install -r req.txt"]);
  });
  it("unknown flags and missing values are errors", () => {
    const df = parse(lines("FROM x", "COPY --bogus=1 a b", "COPY --from a b", "CMD --help"));
    const msgs = df.errors.map((e) => e.message).join("\n");
    assert.match(msgs, /unknown flag: --bogus/);
    assert.match(msgs, /missing a value on flag: --from/);
    assert.match(msgs, /unknown flag: --help for CMD/);
  });
  it("--from: stage name, index, image reference, or an error", () => {
    const ok = parse(lines("FROM a AS build", "FROM b", "COPY --from=build x y", "COPY --from=0 x y", "COPY --from=ghcr.io/astral-sh/uv:latest /uv /bin/", "COPY --from=python:3.11 /x /y"));
    assert.equal(ok.errors.length, 0, JSON.stringify(ok.errors));
    const bad = parse(lines("FROM a AS build", "FROM b", "COPY --from=buidl x y", "COPY --from=7 x y"));
    const msgs = bad.errors.map((e) => e.message).join("\n");
    assert.match(msgs, /no build stage is named "buidl"/);
    assert.match(msgs, /no stage with index 7/);
    const self = parse(lines("FROM a AS me", "COPY --from=me x y"));
    assert.match(self.errors[0].message, /its own stage/);
  });
});

describe("syntax", () => {
  it("continuations with comments and blank lines inside", () => {
    const df = parse(lines("FROM x", "RUN apt-get update && \\", "    # a comment", "", "    apt-get install -y \\", "      curl", "WORKDIR /a"));
    assert.equal(df.errors.length, 0, JSON.stringify(df.errors));
    assert.deepEqual(ins(df, "RUN")[0].args, ["apt-get update &&     apt-get install -y       curl"]);
    assert.equal(ins(df, "RUN")[0].range.line, 2);
    assert.equal(ins(df, "RUN")[0].range.endLine, 6);
    assert.equal(ins(df, "WORKDIR")[0].range.line, 7);
  });
  it("parser directives and comments are not instructions; CRLF works", () => {
    const df = parse("# syntax=docker/dockerfile:1.7\r\n# escape=\\\r\n# just a comment\r\nFROM python:3.12\r\nCOPY a.py \\\r\n  /app/\r\nCMD [\"python\", \"/app/a.py\"]\r\n");
    assert.equal(df.errors.length, 0, JSON.stringify(df.errors));
    assert.deepEqual(ins(df, "COPY")[0].args, ["a.py", "/app/"]);
    assert.deepEqual(ins(df, "CMD")[0].args, ["python", "/app/a.py"]);
    assert.equal(ins(df, "CMD")[0].range.line, 7);
  });
  it("LABEL and ARG properties; MAINTAINER; HEALTHCHECK; ONBUILD", () => {
    const df = parse(lines("FROM x", 'LABEL org.opencontainers.image.title="My App" version=1', "MAINTAINER me", "HEALTHCHECK --interval=30s CMD curl -f http://localhost/ || exit 1", "HEALTHCHECK NONE", "ONBUILD COPY . /app"));
    assert.equal(df.errors.length, 0, JSON.stringify(df.errors));
    assert.deepEqual(ins(df, "LABEL")[0].properties, [
      { name: "org.opencontainers.image.title", value: "My App" },
      { name: "version", value: "1" },
    ]);
    assert.deepEqual(ins(df, "HEALTHCHECK")[0].args, ["CMD", "curl -f http://localhost/ || exit 1"]);
    assert.deepEqual(ins(df, "HEALTHCHECK")[1].args, ["NONE"]);
    assert.deepEqual(ins(df, "ONBUILD")[0].args, ["COPY . /app"]);
  });
  it("BOM is ignored", () => {
    const df = parse("\uFEFFFROM x\nCMD y\n");
    assert.equal(df.errors.length, 0);
    assert.equal(df.stages[0].range.col, 0);
  });
});

describe("errors, never exceptions", () => {
  const msgs = (t: string): string => parse(t).errors.map((e) => e.message).join("\n");
  it("no FROM / empty file", () => {
    assert.match(msgs(""), /no instructions/);
    assert.match(msgs("# only a comment\n"), /no instructions/);
    assert.match(msgs("ARG X=1\n"), /no FROM/);
  });
  it("unknown instruction", () => assert.match(msgs(lines("FROM x", "RUNN echo")), /unknown instruction: RUNN/));
  it("instruction before FROM other than ARG", () => assert.match(msgs(lines("ENV A=1", "FROM x")), /ENV instruction before the first FROM/));
  it("empty or one-argument COPY", () => {
    assert.match(msgs(lines("FROM x", "COPY")), /COPY requires at least two arguments/);
    assert.match(msgs(lines("FROM x", "COPY onlyone")), /COPY requires at least two arguments/);
  });
  it("FROM with a wrong number of arguments; duplicate stage names; bad stage name", () => {
    assert.match(msgs(lines("FROM a b")), /one or three arguments/);
    assert.match(msgs(lines("FROM a AS s", "FROM b AS S")), /duplicate stage name/);
    assert.match(msgs(lines("FROM a AS 1st")), /invalid name/);
  });
  it("ENV without a value; bad substitution", () => {
    assert.match(msgs(lines("FROM x", "ENV ONLYNAME")), /two arguments/);
    assert.match(msgs(lines("FROM x", "ENV A=${:x}")), /bad substitution/);
    assert.match(msgs(lines("FROM x", "ENV A=\"${B:?B must be set}\"")), /B must be set/);
  });
  it("random garbage, binary-ish text and odd inputs never throw", () => {
    let seed = 42;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const alphabet = ["FROM ", "RUN ", "COPY ", "ENV ", "ARG ", "CMD ", '["', '"]', "<<EOF", "EOF", "\\\n", "\n", "'", '"', "$", "${", "}", ":-", "#", " ", "\t", "\r\n", "--from=", "=", "\u0000", "\uFFFD", "é", "`", "# escape=`\n", "AS ", "x"];
    for (let n = 0; n < 400; n++) {
      let s = "";
      const len = Math.floor(rnd() * 40);
      for (let k = 0; k < len; k++) s += rnd() < 0.8 ? alphabet[Math.floor(rnd() * alphabet.length)] : String.fromCharCode(Math.floor(rnd() * 0x3000));
      const df = parseDockerfile("D", s, { X: "1" }, rnd() < 0.3 ? "x" : undefined);
      assert.ok(Array.isArray(df.stages) && Array.isArray(df.errors));
    }
    const bin = Buffer.from(Array.from({ length: 2048 }, (_, k) => (k * 7919) % 256)).toString("latin1");
    assert.ok(Array.isArray(parseDockerfile("D", bin).errors));
    assert.ok(Array.isArray(parseDockerfile("D", "FROM x\nRUN <<EOF\n").errors));
    assert.ok(Array.isArray(parseDockerfile("D", "FROM x\nCMD [\n").errors));
    assert.ok(Array.isArray(parseDockerfile("D", "\\").errors));
  });
});

describe("expanders", () => {
  it("expandDockerWord", () => {
    const e = { A: "1", EMPTY: "" };
    assert.equal(expandDockerWord("${A}-$A-${A:+y}-${EMPTY:-d}-${NOPE-n}", e).value, "1-1-y-d-n");
    assert.equal(expandDockerWord("'$A'\"$A\"\\$A", e).value, "$A1$A");
    assert.deepEqual(expandDockerWord("$NOPE ${ALSO}", e).undefinedVars, ["NOPE", "ALSO"]);
    assert.equal(expandDockerWord("$$ $1 $", e).value, "  $");
  });
  it("expandShellWords: shell-style, no field splitting", () => {
    const env = { APP_MODULE: "svc.main", PORT: "8080", HOME: "/root" };
    assert.equal(expandShellWords("${APP_MODULE:-main}:app", env), "svc.main:app");
    assert.equal(expandShellWords("${MISSING:-main}:app", env), "main:app");
    assert.equal(expandShellWords("0.0.0.0:$PORT", env), "0.0.0.0:8080");
    assert.equal(expandShellWords("'$PORT' \"$PORT\" \\$PORT", env), "$PORT 8080 $PORT");
    assert.equal(expandShellWords("~/app", env), "/root/app");
    assert.equal(expandShellWords("$(whoami)-x", env), "$(whoami)-x");
    assert.equal(expandShellWords("${APP_MODULE%.main}/${APP_MODULE#svc.}", env), "svc/main");
  });
  it("shell mode field splitting and \"$@\"", () => {
    assert.deepEqual(expandWord("$OPTS", { OPTS: " -w  4 " }, { mode: "shell" }).fields, ["-w", "4"]);
    assert.deepEqual(expandWord('"$OPTS"', { OPTS: "-w 4" }, { mode: "shell" }).fields, ["-w 4"]);
    assert.deepEqual(expandWord('"$@"', {}, { mode: "shell", positional: ["a b", "c"] }).fields, ["a b", "c"]);
    assert.deepEqual(expandWord('"$@"', {}, { mode: "shell", positional: [] }).fields, []);
    assert.deepEqual(expandWord("$NOPE", {}, { mode: "shell" }).fields, []);
    assert.deepEqual(expandWord('""', {}, { mode: "shell" }).fields, [""]);
  });
});
