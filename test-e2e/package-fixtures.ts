// The differential suite for package and standard-library predictions (SS201, SS301, and the
// imports check finds satisfied). Fixture repositories build on the image scripts/e2e-engine.sh
// tags shipshape-e2e/bookworm-packages:1: Debian bookworm (Python 3.11) with python3-yaml,
// python3-requests and python3-dateutil, which stand in for PyYAML, requests and python-dateutil
// (Debian installs them in /usr/lib/python3/dist-packages, on the interpreter's sys.path). Each
// fixture declares that image's contents in shipshape.toml, as a user does for a base image
// shipshape does not know. The runtime must agree with check on every module, and check's
// predictions are pinned first so that a fixture cannot pass by predicting nothing.
//
// Loaded by e2e.test.ts once an engine answers at DOCKER_HOST.
import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { makeRepo } from "../test/helpers.js";
import { runVerify } from "../src/verify/run.js";
import { check } from "../test/helpers.js";
import { planService } from "../src/verify/plan.js";

export const PACKAGE_IMAGE = "shipshape-e2e/bookworm-packages";
const TOML = `[images."${PACKAGE_IMAGE}"]\npython = "3.11"\npackages = ["PyYAML", "requests", "python-dateutil"]\n`;
const FROM = `FROM ${PACKAGE_IMAGE}:1\nWORKDIR /app\n`;
const CMD = 'CMD ["python", "main.py"]\n';

interface PackageFixture {
  name: string;
  files: Record<string, string>;
  /** check's predictions for the modules not in the repository: `name ok|missing[ (guarded)]`. */
  predicted: string[];
}

export const PACKAGE_FIXTURES: PackageFixture[] = [
  {
    // distutils (deprecated in 3.11, removed in 3.12): Debian puts distutils/__init__.py in
    // libpython3.11-stdlib and the rest (distutils.core, ...) in python3-distutils, which this
    // image has because python3-pip/-setuptools/-wheel depend on it. check models CPython's
    // standard library, so on a Debian python3 without python3-distutils it would predict
    // distutils.core present and be wrong; the official python images are CPython's own build.
    name: "packages the image has, and the standard library of 3.11",
    files: {
      "shipshape.toml": TOML,
      "Dockerfile": FROM + "COPY main.py .\n" + CMD,
      "main.py": "import json\nimport tomllib\nimport sqlite3\nimport xml.etree.ElementTree\nimport distutils\nimport distutils.core\nimport asyncore\nimport yaml\nimport requests\nfrom dateutil import parser\n",
    },
    predicted: ["asyncore ok", "dateutil ok", "distutils ok", "distutils.core ok", "json ok", "requests ok", "sqlite3 ok", "tomllib ok", "xml.etree.ElementTree ok", "yaml ok"],
  },
  {
    name: "packages the image lacks, and modules removed before 3.11",
    files: {
      "shipshape.toml": TOML,
      "Dockerfile": FROM + "COPY main.py jobs.py ./\n" + CMD,
      "main.py": "import yaml\nimport toml\nfrom google.cloud import bigquery\nimport binhex\nimport jobs\n",
      "jobs.py": "import formatter\n\ndef upload():\n    import boto3\n    return boto3\n",
    },
    predicted: ["binhex missing", "boto3 missing", "formatter missing", "google.cloud.bigquery missing", "toml missing", "yaml ok"],
  },
  {
    name: "guarded imports, one present and one absent",
    files: {
      "shipshape.toml": TOML,
      "Dockerfile": FROM + "COPY main.py .\n" + CMD,
      "main.py": "try:\n    import ujson as json\nexcept ImportError:\n    import json\ntry:\n    import yaml\nexcept ImportError:\n    yaml = None\n",
    },
    predicted: ["json ok", "ujson missing (guarded)", "yaml ok"],
  },
  {
    name: "requirements the image installs, already in the base image",
    files: {
      "shipshape.toml": TOML,
      "requirements.txt": "PyYAML>=6\nrequests\n",
      // The suite's offline pip skips index requirements; the base image already has them.
      "Dockerfile": FROM + "COPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY main.py .\n" + CMD,
      "main.py": "import yaml\nimport requests\nimport dateutil.tz\nimport attrs\n",
    },
    predicted: ["attrs missing", "dateutil.tz ok", "requests ok", "yaml ok"],
  },
  {
    name: "the same imports on the base image without the packages",
    files: {
      "Dockerfile": "FROM python:3.11-slim\nWORKDIR /app\nCOPY main.py .\n" + CMD,
      "main.py": "import tomllib\nimport yaml\nimport requests\n",
    },
    predicted: ["requests missing", "tomllib ok", "yaml missing"],
  },
];

const t0 = performance.now();
const tally = { fixtures: 0, modules: 0, external: 0, agree: 0, disagreements: [] as string[] };

after(() => {
  console.log(
    `package differential: ${tally.fixtures} fixture repositories on ${PACKAGE_IMAGE}:1 (Debian python3-* stand-ins); ` +
      `${tally.agree}/${tally.modules} module predictions agree with the runtime (${tally.external} of them packages or standard library); ` +
      `${tally.disagreements.length} disagreements${tally.disagreements.length ? ": " + tally.disagreements.join("; ") : ""}; ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
});

describe("runtime agrees with check on packages and the standard library", { concurrency: 2 }, () => {
  for (const fx of PACKAGE_FIXTURES) {
    test(fx.name, async () => {
      const dir = makeRepo(fx.files);
      // What check predicts, pinned.
      const plan = planService(check(dir).results[0]);
      const predicted = plan.expectations.filter((e) => e.external).map((e) => `${e.name} ${e.expect}${e.warning ? " (guarded)" : ""}`).sort();
      assert.deepEqual(predicted, fx.predicted, "check's predictions");
      const report = await runVerify({ args: [], cwd: dir, mode: "find", keep: false, jobs: 1, buildTimeoutMs: 600000, probeTimeoutMs: 120000, buildNetwork: "none" });
      tally.fixtures++;
      const problems: string[] = [];
      for (const s of report.services) {
        assert.ok(s.build?.ok, `${s.service}: the build failed:\n${(s.build?.lastLines ?? []).join("\n")}`);
        assert.ok(!s.probe?.error, `${s.service}: probe failed: ${s.probe?.error}`);
        for (const m of s.comparison?.modules ?? []) {
          tally.modules++;
          if (m.external) tally.external++;
          if (m.agrees) tally.agree++;
          else tally.disagreements.push(`${fx.name}: ${m.name}: ${m.note}`);
        }
        problems.push(...s.disagreements);
      }
      assert.deepEqual(problems, [], dir);
    });
  }
});
