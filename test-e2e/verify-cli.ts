// The verify command end to end against a real engine: exit codes, the build's own last lines on
// a build failure, --keep, timeouts, --import, junit, and that nothing is left behind.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { makeRepo, cli, PROJECT_ROOT } from "../test/helpers.js";

const FROM = "FROM python:3.11-slim\nWORKDIR /app\n";
const env = () => ({ DOCKER_HOST: process.env.DOCKER_HOST ?? "", DOCKER_BUILDKIT: "0" });
const dockerOut = (args: string[]) => spawnSync("docker", args, { encoding: "utf8" }).stdout.trim();
const ours = () => dockerOut(["images", "--filter", "label=org.shipshape.verify=1", "--format", "{{.Repository}}:{{.Tag}}"]).split("\n").filter((l) => l && !l.includes("<none>"));
const probes = () => dockerOut(["ps", "-a", "--filter", "name=shipshape-probe", "--format", "{{.Names}}"]).split("\n").filter(Boolean);

{
  describe("shipshape verify against a real engine", () => {
    test("a missing module: exit 1, the runtime's own text, no disagreement, nothing left behind", () => {
      const before = ours();
      const dir = makeRepo({ "Dockerfile": FROM + "COPY app/ app/\nCMD [\"python\", \"-m\", \"app.main\"]\n", "app/__init__.py": "", "app/main.py": "import app.db\n", "app/db.py": "def f():\n    from lib import x\n", "lib/__init__.py": "", "lib/x.py": "" });
      const r = cli(["verify", "--build-network", "none"], dir, env());
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /proven: 3 module\(s\)/);
      assert.match(r.stdout, /\n    lib: ModuleNotFoundError: No module named 'lib'  \[predicted: SS101 app\/db.py:2\]/);
      assert.match(r.stdout, /disagreements with check: none/);
      assert.deepEqual(ours(), before, "the image is removed");
      assert.deepEqual(probes(), [], "the probe container is removed");
      const fixed = makeRepo({ "Dockerfile": FROM + "COPY app/ app/\nCOPY lib/ lib/\nCMD [\"python\", \"-m\", \"app.main\"]\n", "app/__init__.py": "", "app/main.py": "import app.db\n", "app/db.py": "def f():\n    from lib import x\n", "lib/__init__.py": "", "lib/x.py": "" });
      const ok = cli(["verify", "--build-network", "none", "--format", "junit"], fixed, env());
      assert.equal(ok.status, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, /<testsuites name="shipshape verify" tests="6" failures="0"/);
    });
    test("a failing build reports the build's own last lines, not a stack trace", () => {
      const dir = makeRepo({ "Dockerfile": FROM + "COPY main.py .\nRUN python3 -c \"raise SystemExit('the build step broke here')\"\nCMD python main.py\n", "main.py": "" });
      const r = cli(["verify", "--build-network", "none"], dir, env());
      assert.equal(r.status, 1);
      assert.match(r.stdout, /build failed \(exit 1\)/);
      assert.match(r.stdout, /check did not predict this build failure/);
      assert.match(r.stdout, /\| the build step broke here/);
      assert.doesNotMatch(r.stdout + r.stderr, /at .*\.js:\d+|DEPRECATED/);
    });
    test("--keep keeps the image and prints its tag; build args and target come from config", () => {
      const cfg = '[services.api]\ndockerfile = "Dockerfile"\ntarget = "runtime"\nbuild_args = { APP = "api.real" }\n';
      const df = "FROM python:3.11-slim AS runtime\nARG APP=api.missing\nENV APP=$APP\nWORKDIR /srv\nCOPY api/ api/\nCMD python -m $APP\nFROM runtime AS broken\nRUN false\n";
      const dir = makeRepo({ "shipshape.toml": cfg, "Dockerfile": df, "api/__init__.py": "", "api/real.py": "import api.util\n", "api/util.py": "" });
      const r = cli(["verify", "api", "--keep", "--build-network", "none"], dir, env());
      assert.equal(r.status, 0, r.stdout + r.stderr);
      const tag = /kept as (\S+)/.exec(r.stdout)?.[1];
      assert.ok(tag && tag.startsWith("shipshape-verify/api:"), r.stdout);
      assert.match(dockerOut(["image", "inspect", "--format", "{{json .Config.Env}}", tag!]), /APP=api\.real/);
      spawnSync("docker", ["image", "rm", tag!]);
    });
    test("build and probe timeouts are reported as such", () => {
      const slowBuild = makeRepo({ "Dockerfile": FROM + "COPY main.py .\nRUN sleep 60\nCMD python main.py\n", "main.py": "" });
      const t0 = Date.now();
      const b = cli(["verify", "--build-network", "none", "--build-timeout", "3"], slowBuild, env());
      assert.equal(b.status, 1);
      assert.match(b.stdout, /build failed \(timed out\)/);
      assert.ok(Date.now() - t0 < 45000, "the timeout stops the wait");
      const slowImport = makeRepo({ "Dockerfile": FROM + "COPY main.py slow.py ./\nCMD python main.py\n", "main.py": "import slow\n", "slow.py": "import time\ntime.sleep(60)\n" });
      const p = cli(["verify", "--import", "--build-network", "none", "--probe-timeout", "3"], slowImport, env());
      assert.equal(p.status, 1);
      assert.match(p.stdout, /probe failed: the probe timed out after 3 s/);
      assert.deepEqual(probes(), [], "the timed-out probe container is removed");
    });
    test("--import runs the code: examples/monorepo's api lacks flask, which check does not model yet", () => {
      const r = cli(["verify", "api", "--import", "--build-network", "none"], path.join(PROJECT_ROOT, "examples", "monorepo"), env());
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /ModuleNotFoundError: No module named 'flask'/);
      assert.match(r.stdout, /check predicted it imports; it fails at run time/);
    });
  });
}
