import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { makeRepo, cli, BIN } from "./helpers.js";
import { freezeToLock } from "../src/lock/generate.js";
import { parseLockFile } from "../src/packages/locks.js";

interface Dist { name: string; version: string; requires?: string[]; extras?: string[] }

// A tiny wheel writer: no package index is reachable, and the machine's Python may lack `wheel`.
const MKWHEEL = String.raw`
import sys, zipfile, hashlib, base64, os, json
out = sys.argv[1]
for p in json.loads(sys.argv[2]):
    name, ver = p["name"], p["version"]
    dist = name.replace("-", "_")
    di = f"{dist}-{ver}.dist-info"
    meta = "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, ver)
    meta += "".join(f"Provides-Extra: {e}\n" for e in p.get("extras", []))
    meta += "".join(f"Requires-Dist: {r}\n" for r in p.get("requires", []))
    files = {
        f"{dist}/__init__.py": f"__version__ = {ver!r}\n",
        f"{di}/METADATA": meta,
        f"{di}/WHEEL": "Wheel-Version: 1.0\nGenerator: shipshape-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{di}/top_level.txt": dist + "\n",
    }
    record = []
    for fn, content in files.items():
        d = base64.urlsafe_b64encode(hashlib.sha256(content.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{fn},sha256={d},{len(content.encode())}")
    record.append(f"{di}/RECORD,,")
    files[f"{di}/RECORD"] = "\n".join(record) + "\n"
    with zipfile.ZipFile(os.path.join(out, f"{dist}-{ver}-py3-none-any.whl"), "w") as z:
        for fn, content in files.items():
            z.writestr(fn, content)
`;

function makeWheels(dir: string, dists: Dist[]): void {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync("python3", ["-c", MKWHEEL, dir, JSON.stringify(dists)], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
}

/** pip >= 22.2 (for `pip inspect`) on the local python3. */
const pipOk = (() => {
  const r = spawnSync("python3", ["-c", "import pip,sys; v=tuple(int(x) for x in pip.__version__.split('.')[:2]); sys.exit(0 if v >= (22, 2) else 1)"], { encoding: "utf8" });
  return r.status === 0;
})();
const has = (cmd: string) => spawnSync(cmd, ["--version"], { encoding: "utf8" }).status === 0;

const DISTS: Dist[] = [
  { name: "alpha", version: "1.2.0", requires: ["beta>=2", 'gamma; sys_platform == "win32"', 'delta; extra == "fast"'], extras: ["fast"] },
  { name: "beta", version: "2.1.0" },
  { name: "beta", version: "1.0.0" },
  { name: "gamma", version: "0.1" },
  { name: "delta", version: "3.0" },
  { name: "omega", version: "1.0", requires: ["beta"] },
];

function service(): string {
  const dir = makeRepo({
    "svc/Dockerfile": `FROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY main.py .\nCMD ["python", "main.py"]\n`,
    "svc/main.py": "",
    "svc/requirements.in": "alpha[fast]>=1\nomega==1.0\n",
  });
  makeWheels(path.join(dir, "wheels"), DISTS);
  return dir;
}

describe("lock generate", () => {
  it("pip resolver: installs from a local wheel folder, writes a checkable lock with # via", { skip: !pipOk && "python3 with pip >= 22.2 needed" }, () => {
    const dir = service();
    const r = cli(["lock", "generate", "svc", "--resolver", "pip", "--no-index", "--find-links", "wheels"], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^wrote svc\/requirements.txt from svc\/requirements.in with pip: 4 packages\n$/);
    const text = readFileSync(path.join(dir, "svc/requirements.txt"), "utf8");
    const lock = parseLockFile(text, "requirements.txt");
    assert.deepEqual(lock.errors, []);
    assert.deepEqual(lock.packages.map((p) => `${p.name}==${p.version} <- ${[...(p.viaFiles ?? []).map((f) => "-r " + f), ...(p.requiredBy ?? [])].join(",")}`), [
      "alpha==1.2.0 <- -r requirements.in",
      "beta==2.1.0 <- alpha,omega",
      "delta==3.0 <- alpha",
      "omega==1.0 <- -r requirements.in",
    ]);
    // The generated lock passes lock check, service and pair.
    const c = cli(["lock", "check"], dir);
    assert.equal(c.status, 0, c.stdout);
  });

  it("pip resolver: a requirement the wheels cannot satisfy, or a missing input, is a one-line error", { skip: !pipOk && "python3 with pip >= 22.2 needed" }, () => {
    const dir = service();
    writeFileSync(path.join(dir, "svc/bad.in"), "alpha\nnothere==9.9\n");
    const r = cli(["lock", "generate", "svc", "--resolver", "pip", "--no-index", "-f", "wheels", "-i", "svc/bad.in", "-o", "svc/bad.lock"], dir);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^shipshape: error: python3 -m pip install failed: ERROR: No matching distribution found for nothere==9\.9\n$/);
    const bad = cli(["lock", "generate", "svc", "--resolver", "pip", "-i", "svc/missing.in"], dir);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^shipshape: error: no such file: .*missing.in\n$/);
  });

  it("uv resolver when uv is installed", { skip: !has("uv") && "uv not on PATH" }, () => {
    const dir = service();
    const r = cli(["lock", "generate", "svc", "--resolver", "uv", "--no-index", "-f", "wheels"], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(readFileSync(path.join(dir, "svc/requirements.txt"), "utf8"), /^beta==2\.1\.0/m);
  });

  it("pip-compile resolver when pip-tools is installed", { skip: !has("pip-compile") && "pip-compile not on PATH" }, () => {
    const dir = service();
    const r = cli(["lock", "generate", "svc", "--resolver", "pip-compile", "--no-index", "-f", "wheels"], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(readFileSync(path.join(dir, "svc/requirements.txt"), "utf8"), /^beta==2\.1\.0/m);
  });

  it("without uv, pip-compile or a Docker engine: one clear line, exit 2", () => {
    const dir = service();
    const r = cli(["lock", "generate", "svc"], dir, { PATH: "/nonexistent" });
    assert.equal(r.status, 2);
    assert.equal(r.stderr, "shipshape: error: no resolver: neither uv nor pip-compile is on PATH and no Docker engine answers (`docker version` failed); install uv or pip-tools, start Docker, or pass --resolver pip\n");
    const d = cli(["lock", "generate", "svc", "--resolver", "docker", "-f", "wheels"], dir, { PATH: "/nonexistent" });
    assert.equal(d.status, 2);
    assert.match(d.stderr, /^shipshape: error: docker resolver: no Docker engine answers/);
  });

  it("unknown service and missing input are usage errors", () => {
    const dir = service();
    const r = cli(["lock", "generate", "nope"], dir);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no service named 'nope' \(known: svc\)/);
  });

  it("freezeToLock computes # via from requires_dist with markers and extras", () => {
    const dir = makeRepo({ "requirements.in": "alpha[fast]\n" });
    const text = freezeToLock({
      environment: { python_version: "3.11", python_full_version: "3.11.7", sys_platform: "linux", platform_system: "Linux", os_name: "posix", platform_machine: "x86_64", implementation_name: "cpython", platform_python_implementation: "CPython", implementation_version: "3.11.7", platform_release: "", platform_version: "" },
      installed: [
        { metadata: { name: "Alpha", version: "1.0", requires_dist: ["beta>=2", "gamma; sys_platform == 'win32'", "delta; extra == 'fast'", "broken ((("] } },
        { metadata: { name: "beta", version: "2.0" } },
        { metadata: { name: "delta", version: "3.0" } },
        { metadata: { name: "pip", version: "24.0" } },
      ],
    }, { input: path.join(dir, "requirements.in") }, "pip");
    assert.match(text, /\nalpha==1\.0\n    # via -r requirements.in\nbeta==2\.0\n    # via alpha\ndelta==3\.0\n    # via alpha\n$/);
  });
});

describe("lock generate: docker resolver", () => {
  it("runs pip in the base image without network, with the wheel folder mounted (fake engine)", () => {
    const dir = service();
    // A stand-in `docker`: answers `version`, records `run`'s argv, prints a pip inspect report.
    const bin = path.join(dir, "fakebin");
    mkdirSync(bin);
    const report = JSON.stringify({
      environment: { python_version: "3.11", python_full_version: "3.11.9", sys_platform: "linux", platform_system: "Linux", os_name: "posix", platform_machine: "x86_64", implementation_name: "cpython", platform_python_implementation: "CPython", implementation_version: "3.11.9", platform_release: "", platform_version: "" },
      installed: [
        { metadata: { name: "alpha", version: "1.2.0", requires_dist: ["beta>=2"] } },
        { metadata: { name: "beta", version: "2.1.0" } },
        { metadata: { name: "omega", version: "1.0", requires_dist: ["beta"] } },
      ],
    });
    writeFileSync(path.join(bin, "report.json"), report);
    writeFileSync(path.join(bin, "docker"), `#!/bin/sh\nif [ "$1" = version ]; then echo 27.0.0; exit 0; fi\nprintf '%s\\n' "$@" > "${bin}/argv.txt"\ncat "${bin}/report.json"\n`, { mode: 0o755 });
    const r = cli(["lock", "generate", "svc", "-f", "wheels"], dir, { PATH: `${bin}:/usr/bin:/bin` });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "wrote svc/requirements.txt from svc/requirements.in with docker: 3 packages\n");
    const argv = readFileSync(path.join(bin, "argv.txt"), "utf8").split("\n");
    assert.deepEqual(argv.slice(0, 3), ["run", "--rm", "--network=none"]);
    assert.ok(argv.includes(`${path.join(dir, "svc")}:/ss/in:ro`), argv.join(" "));
    assert.ok(argv.includes(`${path.join(dir, "wheels")}:/ss/wheels0:ro`), argv.join(" "));
    assert.ok(argv.includes("python:3.11-slim"));
    assert.match(argv.find((a) => a.includes("pip install"))!, /--target \/tmp\/sst --no-index --find-links \/ss\/wheels0 -r "requirements.in"/);
    const text = readFileSync(path.join(dir, "svc/requirements.txt"), "utf8");
    assert.match(text, /resolver: docker, Python 3\.11\.9/);
    assert.match(text, /\nbeta==2\.1\.0\n    # via\n    #   alpha\n    #   omega\n/);
  });
});

/** A Docker engine that answers, with a local `python:3.11-slim` image that has pip (scripts/e2e-engine.sh builds one without a registry). */
const dockerImage = (() => {
  const v = spawnSync("docker", ["version", "--format", "{{.Server.Version}}"], { encoding: "utf8", timeout: 20000 });
  if (v.status !== 0) return false;
  return spawnSync("docker", ["run", "--rm", "--network=none", "python:3.11-slim", "python3", "-m", "pip", "--version"], { encoding: "utf8", timeout: 60000 }).status === 0;
})();

describe("lock generate: real Docker engine", () => {
  it("resolves inside the base image from the wheel folder", { skip: !dockerImage && "no Docker engine with a local python:3.11-slim image" }, () => {
    const dir = service();
    // A cold container start on the vfs storage driver can take a while: no 60 s limit here.
    const r = spawnSync(process.execPath, [BIN, "lock", "generate", "svc", "--resolver", "docker", "-f", "wheels"], { cwd: dir, encoding: "utf8", timeout: 300000 });
    assert.equal(r.status, 0, r.stderr);
    const text = readFileSync(path.join(dir, "svc/requirements.txt"), "utf8");
    assert.deepEqual(parseLockFile(text, "requirements.txt").packages.map((p) => `${p.name}==${p.version}`), ["alpha==1.2.0", "beta==2.1.0", "delta==3.0", "omega==1.0"]);
    assert.equal(cli(["lock", "check"], dir).status, 0);
  });
});
