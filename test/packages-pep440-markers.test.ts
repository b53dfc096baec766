import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { satisfies, isPinned, pinnedVersion, compareVersions, isValidSpecifier } from "../src/packages/pep440.js";
import { evaluateMarker, parseMarker, defaultEnvironment, tryEvaluateMarker, MarkerError } from "../src/packages/markers.js";

describe("pep440", () => {
  it("satisfies", () => {
    const yes: [string, string][] = [["1.2.3", ">=1.0,<2"], ["1.2.3", ">= 1.0, < 2"], ["2.0", ""], ["1.4.5", "~=1.4.2"], ["1.0", "==1.0.0"], ["1.0+local", "==1.0"], ["1.0a1", ">=0.9"], ["1.0", "===1.0"], ["2.31.0", "==2.*"], ["1!1.0", ">=2"]];
    const no: [string, string][] = [["2.0", "~=1.4"], ["1.0.post1", "==1.0"], ["1.0", "!=1.0.*"], ["3.0", "<2"], ["not a version", ">=1"], ["1.0", ">=bogus"]];
    for (const [v, s] of yes) assert.ok(satisfies(v, s), `${v} ${s}`);
    for (const [v, s] of no) assert.ok(!satisfies(v, s), `${v} ${s}`);
  });
  it("isPinned / pinnedVersion", () => {
    assert.equal(pinnedVersion("==1.2.3"), "1.2.3");
    assert.equal(pinnedVersion("== 1.2.3"), "1.2.3");
    assert.equal(pinnedVersion("===weird"), "weird");
    for (const s of ["", ">=1", "==1.*", "==1.0,<2", "~=1.0", "!=1.0"]) assert.ok(!isPinned(s), s);
  });
  it("compares", () => {
    assert.equal(compareVersions("1.0", "1.0.0"), 0);
    assert.equal(compareVersions("1.10", "1.9"), 1);
    assert.equal(compareVersions("1.0rc1", "1.0"), -1);
    assert.ok(isValidSpecifier(">=1, <2") && !isValidSpecifier(">>1"));
  });
});

describe("markers", () => {
  const env = defaultEnvironment("3.11.7");
  it("builds a Linux CPython environment", () => {
    assert.equal(env.python_version, "3.11");
    assert.equal(env.python_full_version, "3.11.7");
    assert.equal(defaultEnvironment("3.12").python_full_version, "3.12.0");
    assert.equal(env.sys_platform, "linux");
  });
  it("evaluates the grammar with version and string semantics", () => {
    const t = (m: string, e = env) => evaluateMarker(m, e);
    assert.equal(t('python_version >= "3.8"'), true);
    assert.equal(t('python_version < "3.10"'), false); // "3.11" < "3.10" as strings would be true
    assert.equal(t("python_full_version >= '3.11.5' and python_full_version < '3.12'"), true);
    assert.equal(t('sys_platform == "win32" or (platform_system == "Linux" and platform_machine in "x86_64 aarch64")'), true);
    assert.equal(t('sys_platform == "win32" or platform_system == "Linux" and os_name == "nt"'), false); // and binds tighter
    assert.equal(t("'linux' in sys_platform"), true);
    assert.equal(t('implementation_name != "pypy"'), true);
    assert.equal(t('python_version == "3.*"'), true);
    assert.equal(t('extra == "Dev_Tools"', { ...env, extra: "dev-tools" }), true);
    assert.equal(t('extra == "test"', { ...env, extra: ["dev", "test"] }), true);
    assert.equal(t('extra != "test"', { ...env, extra: ["dev", "test"] }), false);
    assert.equal(t('extra == "test"'), false);
    assert.equal(t("os.name == 'posix'"), true);
  });
  it("reports malformed markers as MarkerError, never anything else", () => {
    for (const m of ["", "python_version", "python_version >", "(python_version > '3'", "'a' == 'b'", "foo == 'x'", "python_version >= '3' and", "python_version >= '3"]) {
      assert.throws(() => parseMarker(m), MarkerError, m);
      const r = tryEvaluateMarker(m, env);
      assert.equal(typeof r, "object", m);
    }
  });
});
