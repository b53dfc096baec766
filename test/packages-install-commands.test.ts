import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { installCommands, PipInstall, ProjectInstall, SystemInstall } from "../src/packages/install-commands.js";

const pip = (s: string, env: Record<string, string> = {}) => installCommands(s, env).filter((c): c is PipInstall => c.kind === "pip");

describe("installCommands", () => {
  it("reads pip installs in all their spellings", () => {
    const cs = pip(`pip install --no-cache-dir -r requirements.txt -c constraints.txt "pkg==1" 'pkg2[extra]>=2' . \\
      && pip3 install -e . ./libs/x \\
      && python -m pip install --upgrade pip \\
      && python3.11 -m pip install --no-deps --target /deps dist/app-1.0-py3-none-any.whl \\
      && /opt/venv/bin/pip install --user -rreq2.txt --requirement=req3.txt \\
      && pip --disable-pip-version-check install --no-index --find-links /wheels foo`);
    assert.equal(cs.length, 6);
    assert.deepEqual([cs[0].requirementFiles, cs[0].constraintFiles, cs[0].packages, cs[0].localPaths], [["requirements.txt"], ["constraints.txt"], ["pkg==1", "pkg2[extra]>=2"], ["."]]);
    assert.deepEqual([cs[1].editable, cs[1].localPaths], [["."], ["./libs/x"]]);
    assert.deepEqual([cs[2].packages, cs[2].upgrade], [["pip"], true]);
    assert.deepEqual([cs[3].noDeps, cs[3].target, cs[3].localPaths], [true, "/deps", ["dist/app-1.0-py3-none-any.whl"]]);
    assert.deepEqual([cs[4].user, cs[4].requirementFiles], [true, ["req2.txt", "req3.txt"]]);
    assert.deepEqual([cs[5].noIndex, cs[5].findLinks, cs[5].packages], [true, ["/wheels"], ["foo"]]);
    assert.ok(cs.every((c) => c.tool === "pip" && c.cwd === null));
  });

  it("reads uv pip, pip-sync and uv pip sync", () => {
    const cs = pip("uv pip install --system -r requirements.lock; uv pip sync --system requirements.txt; pip-sync dev.txt base.txt");
    assert.deepEqual(cs.map((c) => [c.tool, c.mode, c.system, c.requirementFiles]), [
      ["uv", "install", true, ["requirements.lock"]],
      ["uv", "sync", true, ["requirements.txt"]],
      ["pip", "sync", false, ["dev.txt", "base.txt"]],
    ]);
  });

  it("follows cd and expands variables from the stage env and the script", () => {
    const cs = pip("cd /src && pip install -r $REQS && cd sub; export PKG=foo==1; pip install ${PKG} ${MISSING:-bar} $UNKNOWN", { REQS: "requirements/prod.txt" });
    assert.deepEqual([cs[0].cwd, cs[0].requirementFiles], ["/src", ["requirements/prod.txt"]]);
    assert.deepEqual([cs[1].cwd, cs[1].packages], ["/src/sub", ["foo==1", "bar", "$UNKNOWN"]]);
  });

  it("reads project installers: uv sync, poetry install, pdm install", () => {
    const cs = installCommands(`uv sync --frozen --no-dev --no-install-project && \\
      poetry install --no-root --only main && poetry install --without dev,docs -E s3 && \\
      pdm install --prod --no-self -G web && uv --directory svc sync --locked --group ml && cd app && poetry -C sub install`) as ProjectInstall[];
    assert.deepEqual(cs.map((c) => c.kind), ["uv-sync", "poetry-install", "poetry-install", "pdm-install", "uv-sync", "poetry-install"]);
    assert.deepEqual([cs[0].frozen, cs[0].noDev, cs[0].noRoot], [true, true, true]);
    assert.deepEqual([cs[1].noRoot, cs[1].onlyGroups, cs[1].noDev, cs[1].frozen], [true, ["main"], true, true]);
    assert.deepEqual([cs[2].withoutGroups, cs[2].extras, cs[2].noDev], [["dev", "docs"], ["s3"], true]);
    assert.deepEqual([cs[3].noDev, cs[3].noRoot, cs[3].groups], [true, true, ["web"]]);
    assert.deepEqual([cs[4].locked, cs[4].groups], [true, ["ml"]]);
    assert.deepEqual([cs[5].cwd, cs[5].project], ["app", "sub"]);
  });

  it("reads apt and apk system packages", () => {
    const cs = installCommands(`apt-get update && apt-get install -y --no-install-recommends libpq5 curl=7.88.1-10 \\
      && rm -rf /var/lib/apt/lists/* ; apt -o Dpkg::Options::=x install -y git; apk add --no-cache --virtual .build-deps gcc musl-dev py3-pip=23.1-r0`) as SystemInstall[];
    assert.deepEqual(cs.map((c) => [c.manager, c.packages, c.versions, c.noInstallRecommends]), [
      ["apt", ["libpq5", "curl"], { curl: "7.88.1-10" }, true],
      ["apt", ["git"], {}, false],
      ["apk", ["gcc", "musl-dev", "py3-pip"], { "py3-pip": "23.1-r0" }, false],
    ]);
  });

  it("looks into sh -c and ignores what installs nothing", () => {
    assert.deepEqual(pip(`sh -c "pip install -r r.txt"`).map((c) => c.requirementFiles), [["r.txt"]]);
    assert.deepEqual(installCommands("pip freeze > x; pip download foo; python -m venv /v; python app.py; uv lock; echo pip install x; apt-get update"), []);
    assert.deepEqual(installCommands(""), []);
    assert.deepEqual(installCommands("pip install 'unterminated"), []);
  });
});
