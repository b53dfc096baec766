// Fixture tests per finding code: each fires on the broken repository and stays silent on the
// fixed one. Repositories are real folders; nothing is mocked.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { makeRepo, check, summary, summaryAll, codes, only } from "./helpers.js";

const FROM = "FROM python:3.11-slim\nWORKDIR /app\n";

describe("SS101 module-not-copied", () => {
  test("flattened single-file copy whose sibling import was never copied (coordinator incident)", () => {
    const files = {
      "svc/Dockerfile": FROM + "COPY svc/main.py /app/\nCOPY worker/writer.py /app/\nCMD [\"python\", \"main.py\"]\n",
      "svc/main.py": "from writer import Writer\n",
      "worker/writer.py": "import json\nfrom distributed_lock import Lock\n\nclass Writer: pass\n",
      "worker/distributed_lock.py": "class Lock: pass\n",
    };
    const res = check(makeRepo(files));
    assert.deepEqual(summary(res), ["SS101 worker/writer.py:2 distributed_lock"]);
    const f = res.findings[0];
    assert.deepEqual(f.chain, ["svc/main.py", "worker/writer.py"]);
    assert.equal(f.fix?.insert, "COPY worker/distributed_lock.py /app/");
    assert.equal(f.fix?.after_line, 4);
    assert.equal(f.severity, "error");
    // Fixed: silent.
    const fixed = check(makeRepo({ ...files, "svc/Dockerfile": FROM + "COPY svc/main.py /app/\nCOPY worker/writer.py worker/distributed_lock.py /app/\nCMD [\"python\", \"main.py\"]\n" }));
    assert.deepEqual(summary(fixed), []);
  });

  test("shared package never copied (worker incident), with the context inferred at the repo root", () => {
    const files = {
      "predictions/__init__.py": "",
      "predictions/worker/__init__.py": "",
      "predictions/worker/main.py": "from predictions.shared.config import settings\n",
      "predictions/shared/__init__.py": "",
      "predictions/shared/config.py": "settings = {}\n",
      "predictions/worker/Dockerfile": FROM + "COPY predictions/__init__.py predictions/\nCOPY predictions/worker/ predictions/worker/\nCMD [\"python\", \"-m\", \"predictions.worker.main\"]\n",
    };
    const res = check(makeRepo(files));
    assert.deepEqual(summary(res), ["SS101 predictions/worker/main.py:1 predictions.shared.config"]);
    assert.equal(res.results[0].contextRepoPath, ".");
    assert.equal(res.findings[0].fix?.insert, "COPY predictions/shared/ /app/predictions/shared/");
    const fixed = check(makeRepo({ ...files, "predictions/worker/Dockerfile": FROM + "COPY predictions/ predictions/\nCMD [\"python\", \"-m\", \"predictions.worker.main\"]\n" }));
    assert.deepEqual(summary(fixed), []);
  });

  test("an import inside a function is checked too, and says so (19-hour incident)", () => {
    const files = {
      "Dockerfile": FROM + "COPY app/ app/\nCMD [\"gunicorn\", \"app.main:app\"]\n",
      "app/__init__.py": "",
      "app/main.py": "app = object()\n\ndef run():\n        from predictions.worker.data_loaders import load\n        return load()\n",
      "predictions/__init__.py": "",
      "predictions/worker/__init__.py": "",
      "predictions/worker/data_loaders.py": "def load(): pass\n",
    };
    const res = check(makeRepo(files));
    assert.deepEqual(summary(res), ["SS101 app/main.py:4 predictions.worker.data_loaders"]);
    assert.ok(res.findings[0].notes?.some((n) => n.includes("inside a function")));
  });

  test("a COPY of pkg/__init__.py alone, or the name in a comment, does not fool it (grading incident)", () => {
    const files = {
      "Dockerfile": FROM + "# COPY predictions/ predictions/  (removed)\nCOPY predictions/__init__.py predictions/\nCOPY shared/ shared/\nCOPY grading/ grading/\nCMD exec gunicorn --bind :8080 grading.main:app\n",
      "grading/__init__.py": "",
      "grading/main.py": "from shared import util\nfrom predictions.shared.distributed_lock import DistributedLock\napp = 1\n",
      "shared/__init__.py": "",
      "shared/util.py": "",
      "predictions/__init__.py": "",
      "predictions/shared/__init__.py": "",
      "predictions/shared/distributed_lock.py": "class DistributedLock: pass\n",
    };
    const res = check(makeRepo(files));
    assert.deepEqual(summary(res), ["SS101 grading/main.py:2 predictions.shared.distributed_lock"]);
  });

  test("stdlib and third-party imports are not local modules", () => {
    const res = check(
      makeRepo({
        "Dockerfile": FROM + "COPY app.py .\nCMD python app.py\n",
        "app.py": "import os, json\nimport requests\nfrom google.cloud import bigquery\nimport numpy as np\n",
      }),
    );
    assert.deepEqual(summary(res), []);
  });

  test("a local folder named like a stdlib module is not reported when absent", () => {
    const res = check(
      makeRepo({
        "Dockerfile": FROM + "COPY app.py .\nCMD python app.py\n",
        "app.py": "import logging\n",
        "logging/__init__.py": "",
      }),
    );
    assert.deepEqual(summary(res), []);
  });

  test("from pkg import name where name is a submodule that was not copied", () => {
    const files = {
      "Dockerfile": FROM + "COPY pkg/__init__.py pkg/a.py pkg/\nCOPY main.py .\nCMD python main.py\n",
      "main.py": "from pkg import a, b\n",
      "pkg/__init__.py": "",
      "pkg/a.py": "",
      "pkg/b.py": "",
    };
    assert.deepEqual(summary(check(makeRepo(files))), ["SS101 main.py:1 pkg.b"]);
    // b defined in __init__: an attribute, not a submodule: silent.
    assert.deepEqual(summary(check(makeRepo({ ...files, "pkg/__init__.py": "b = 1\n" }))), []);
  });

  test("transitive closure: the import two files away from the entry point", () => {
    const res = check(
      makeRepo({
        "Dockerfile": FROM + "COPY app/ app/\nCMD [\"python\", \"-m\", \"app\"]\n",
        "app/__init__.py": "",
        "app/__main__.py": "from app import a\n",
        "app/a.py": "from app import b\n",
        "app/b.py": "import libx.core\n",
        "libx/__init__.py": "",
        "libx/core.py": "",
      }),
    );
    assert.deepEqual(summary(res), ["SS101 app/b.py:1 libx.core"]);
    assert.deepEqual(res.findings[0].chain, ["app/__main__.py", "app/a.py", "app/b.py"]);
  });

  test("TYPE_CHECKING imports are ignored; __main__ blocks count only in the entry script", () => {
    const res = check(
      makeRepo({
        "Dockerfile": FROM + "COPY main.py helper.py ./\nCMD python main.py\n",
        "main.py": "import helper\nif __name__ == '__main__':\n    import tools.cli\n",
        "helper.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import tools.types\nif __name__ == '__main__':\n    import tools.debug\n",
        "tools/__init__.py": "",
        "tools/cli.py": "",
        "tools/types.py": "",
        "tools/debug.py": "",
      }),
    );
    assert.deepEqual(summary(res), ["SS101 main.py:3 tools.cli"]);
  });

  test("guarded imports are warnings", () => {
    const res = check(
      makeRepo({
        "Dockerfile": FROM + "COPY main.py ./\nCMD python main.py\n",
        "main.py": "try:\n    import fastjson\nexcept ImportError:\n    fastjson = None\n",
        "fastjson.py": "",
      }),
    );
    assert.deepEqual(summary(res), ["SS101 main.py:2 fastjson"]);
    assert.equal(res.findings[0].severity, "warning");
  });

  test("a fallback import is not checked, nor followed, when its try body resolves", () => {
    const files = {
      "Dockerfile": FROM + "COPY main.py fast.py ./\nCMD python main.py\n",
      "main.py": "try:\n    from fast import run\nexcept ImportError:\n    from slow import run\n",
      "fast.py": "def run(): pass\n",
      "slow.py": "import helpers\ndef run(): pass\n",
      "helpers.py": "",
    };
    const res = check(makeRepo(files));
    assert.deepEqual(summary(res), []);
    assert.deepEqual(res.results[0].reachable.map((m) => m.repoFile).sort(), ["fast.py", "main.py"]);
    // slow.py copied too: still not followed, so helpers.py (never copied) is not reported.
    assert.deepEqual(summary(check(makeRepo({ ...files, "Dockerfile": FROM + "COPY main.py fast.py slow.py ./\nCMD python main.py\n" }))), []);
    // fast.py missing: both are reported, as warnings, and the fallback is followed.
    const miss = check(makeRepo({ ...files, "Dockerfile": FROM + "COPY main.py slow.py ./\nCMD python main.py\n" }));
    assert.deepEqual(summary(miss), ["SS101 main.py:2 fast", "SS101 slow.py:1 helpers"]);
    assert.deepEqual(miss.findings.map((f) => `${f.module} ${f.severity}`).sort(), ["fast warning", "helpers error"]);
    const nofallback = check(makeRepo({ ...files, "Dockerfile": FROM + "COPY main.py ./\nCMD python main.py\n" }));
    assert.deepEqual(summary(nofallback), ["SS101 main.py:2 fast", "SS101 main.py:4 slow"]);
    const fb = nofallback.findings.find((f) => f.module === "slow")!;
    assert.equal(fb.severity, "warning");
    assert.match(fb.notes!.join("\n"), /runs only if an import in the try: block at line 1 fails/);
  });

  test("a relative import with an absolute fallback: the fallback counts only where the relative one fails", () => {
    const files = {
      "main.py": "try:\n    from .util import x\nexcept ImportError:\n    from util import x\n",
      "util.py": "x = 1\n",
      "__init__.py": "",
    };
    // As a script the relative import fails (SS107, guarded) and the fallback resolves.
    const script = check(makeRepo({ ...files, "Dockerfile": FROM + "COPY . .\nCMD python main.py\n" }));
    assert.deepEqual(summary(script), ["SS107 main.py:2 .util"]);
    assert.equal(script.findings[0].severity, "warning");
    // As a module of a package the relative import resolves: `from util import x` would fail, but never runs.
    const pkgRun = check(makeRepo({ "app/main.py": files["main.py"], "app/util.py": "x = 1\n", "app/__init__.py": "", "Dockerfile": FROM + "COPY app/ app/\nCMD python -m app.main\n" }));
    assert.deepEqual(summary(pkgRun), []);
  });

  test("imports under a false sys.platform / sys.version_info test are not followed", () => {
    const res = check(
      makeRepo({
        "Dockerfile": FROM + "COPY main.py ./\nCMD python main.py\n",
        "main.py": 'import sys\nif sys.platform == "win32":\n    import winhelpers\nelse:\n    import posixhelpers\nif sys.version_info < (3, 8):\n    import legacy\n',
        "winhelpers.py": "",
        "posixhelpers.py": "",
        "legacy.py": "",
      }),
    );
    assert.deepEqual(summary(res), ["SS101 main.py:5 posixhelpers"]);
    assert.equal(res.findings[0].severity, "error");
  });

  test("importlib.import_module with a literal is followed", () => {
    const res = check(
      makeRepo({
        "Dockerfile": FROM + "COPY main.py ./\nCMD python main.py\n",
        "main.py": "import importlib\nplugin = importlib.import_module('plugins.fast')\n",
        "plugins/__init__.py": "",
        "plugins/fast.py": "",
      }),
    );
    assert.deepEqual(summary(res), ["SS101 main.py:2 plugins.fast"]);
  });

  test("inline suppression and per-service ignore", () => {
    const files = {
      "Dockerfile": FROM + "COPY main.py ./\nCMD python main.py\n",
      "main.py": "import extra  # shipshape: ignore[SS101]\nimport other\n",
      "extra.py": "",
      "other.py": "",
    };
    assert.deepEqual(summary(check(makeRepo(files))), ["SS101 main.py:2 other"]);
    const cfg = 'discover = false\n[services.app]\ndockerfile = "Dockerfile"\nignore = ["SS101"]\n';
    assert.deepEqual(summary(check(makeRepo({ ...files, "shipshape.toml": cfg }))), []);
    const sev = '[severity]\nSS101 = "warning"\n';
    const r = check(makeRepo({ ...files, "shipshape.toml": sev }));
    assert.deepEqual(r.findings.map((f) => f.severity), ["warning"]);
  });
});

describe("SS102 module-excluded", () => {
  test("an excluded package whose empty folder is still copied somewhere is SS102, not SS103", () => {
    const res = check(makeRepo({ "Dockerfile": FROM + "COPY lib/ /opt/lib/\nCOPY main.py .\nCMD python main.py\n", ".dockerignore": "lib/*.py\n", "main.py": "import lib.x\n", "lib/__init__.py": "", "lib/x.py": "", "lib/data.txt": "" }));
    assert.deepEqual(summary(res), ["SS102 main.py:1 lib.x"]);
  });
  const files = {
    "Dockerfile": FROM + "COPY . .\nCMD [\"python\", \"-m\", \"app.main\"]\n",
    "app/__init__.py": "",
    "app/main.py": "from app.fixtures import seed\n",
    "app/fixtures.py": "seed = 1\n",
  };
  test("fires when .dockerignore excludes an imported module, with a `!` exception as the fix", () => {
    const res = check(makeRepo({ ...files, ".dockerignore": "**/fixtures.py\n" }));
    assert.deepEqual(summary(res), ["SS102 app/main.py:1 app.fixtures"]);
    assert.deepEqual(res.findings[0].fix, { dockerfile: ".dockerignore", after_line: 1, insert: "!app/fixtures.py" });
  });
  test("silent when a `!` exception re-includes it (Docker's matcher)", () => {
    assert.deepEqual(summary(check(makeRepo({ ...files, ".dockerignore": "app/\n!app/*.py\n" }))), []);
  });
  test("a per-Dockerfile ignore file takes precedence over the context's", () => {
    const res = check(makeRepo({ ...files, ".dockerignore": "", "Dockerfile.dockerignore": "app/fixtures.py\n" }));
    assert.deepEqual(codes(res), ["SS102"]);
  });
  test("gcloud builds: .gcloudignore applies first and cannot re-include inside an excluded folder", () => {
    const cfg = '[services.app]\ndockerfile = "Dockerfile"\ncontext = "."\nbuild = "gcloud"\n';
    const res = check(makeRepo({ ...files, "shipshape.toml": cfg, ".gcloudignore": "app/\n!app/fixtures.py\n" }));
    assert.ok(codes(res).includes("SS110") || codes(res).includes("SS102"), summary(res).join("\n"));
    const plain = check(makeRepo({ ...files, ".gcloudignore": "app/\n" }));
    assert.deepEqual(summary(plain), [], "without build = gcloud the .gcloudignore is not used");
  });
});

describe("SS103 / SS104 copied to the wrong place", () => {
  test("SS104: COPY dir /app/ copies the contents, so the package name is lost", () => {
    const files = {
      "Dockerfile": FROM + "COPY shared /app/\nCOPY main.py .\nCMD python main.py\n",
      "main.py": "from shared.util import x\n",
      "shared/__init__.py": "",
      "shared/util.py": "x = 1\n",
    };
    const res = check(makeRepo(files));
    assert.deepEqual(summary(res), ["SS104 main.py:1 shared.util"]);
    assert.equal(res.findings[0].fix?.insert, "COPY shared/ /app/shared/");
    assert.deepEqual(summary(check(makeRepo({ ...files, "Dockerfile": FROM + "COPY shared /app/shared\nCOPY main.py .\nCMD python main.py\n" }))), []);
  });
  test("SS103: in the image, but under a folder that is not on sys.path", () => {
    const files = {
      "Dockerfile": FROM + "COPY lib/ /opt/lib/\nCOPY main.py .\nCMD python main.py\n",
      "main.py": "import lib.tools\n",
      "lib/__init__.py": "",
      "lib/tools.py": "",
    };
    const res = check(makeRepo(files));
    assert.deepEqual(codes(res), ["SS103"]);
    assert.match(res.findings[0].message, /\/opt\/lib/);
    // ENV PYTHONPATH=/opt puts it on sys.path.
    assert.deepEqual(summary(check(makeRepo({ ...files, "Dockerfile": FROM + "ENV PYTHONPATH=/opt\nCOPY lib/ /opt/lib/\nCOPY main.py .\nCMD python main.py\n" }))), []);
  });
});

describe("SS105 / SS106 __init__.py left behind", () => {
  const files = {
    "Dockerfile": FROM + "COPY predictions/shared/lock.py predictions/shared/\nCOPY job.py .\nCMD [\"python\", \"-m\", \"job\"]\n",
    "job.py": "from predictions.shared import DistributedLock\n",
    "predictions/shared/__init__.py": "from .lock import DistributedLock\n",
    "predictions/shared/lock.py": "class DistributedLock: pass\n",
  };
  test("SS105 when a name defined in the uncopied __init__.py is imported", () => {
    const res = check(makeRepo(files));
    assert.ok(summary(res).includes("SS105 job.py:1 predictions.shared"), summary(res).join("\n"));
    assert.equal(only(res, "SS105")[0].fix?.insert, "COPY predictions/shared/__init__.py /app/predictions/shared/");
  });
  test("SS106 warning when only a submodule is imported; silent for an empty __init__", () => {
    const sub = { ...files, "job.py": "from predictions.shared.lock import DistributedLock\n" };
    const res = check(makeRepo(sub));
    assert.deepEqual(codes(res), ["SS106"]);
    assert.equal(res.findings[0].severity, "warning");
    assert.deepEqual(summary(check(makeRepo({ ...sub, "predictions/shared/__init__.py": "# empty\n" }))), []);
  });
  test("silent when the __init__.py is copied", () => {
    const ok = { ...files, "Dockerfile": FROM + "COPY predictions/shared/ predictions/shared/\nCOPY job.py .\nCMD [\"python\", \"-m\", \"job\"]\n" };
    assert.deepEqual(summary(check(makeRepo(ok))), []);
  });
});

describe("SS108 module-not-found", () => {
  const df = FROM + "COPY . .\nCMD [\"python\", \"main.py\"]\n";
  test("a submodule of a local package that exists nowhere", () => {
    const res = check(makeRepo({ Dockerfile: df, "pkg/__init__.py": "X = 1\n", "pkg/real.py": "", "main.py": "import pkg.gone\nfrom pkg import missing_name\nfrom pkg.also_gone import f\nfrom pkg import X, real\n" }));
    assert.deepEqual(summary(res), ["SS108 main.py:1 pkg.gone", "SS108 main.py:2 pkg.missing_name", "SS108 main.py:3 pkg.also_gone"]);
    assert.match(only(res, "SS108")[1].message, /'missing_name' cannot be imported from 'pkg': pkg\/ has no missing_name\.py or missing_name\/, and its __init__\.py does not define 'missing_name'/);
  });
  test("silent for names __init__ defines, __getattr__, extended __path__, and protoc output", () => {
    const files = { "main.py": "from pkg import X\nfrom lazy import anything\nimport ext.plugin\nfrom protos import svc_pb2\n", "pkg/__init__.py": "X = 1\n", "lazy/__init__.py": "def __getattr__(name):\n    return name\n", "ext/__init__.py": "__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n", "protos/__init__.py": "", "protos/svc.proto": "" };
    assert.deepEqual(summary(check(makeRepo({ ...files, Dockerfile: FROM + "RUN pip install grpcio-tools\nCOPY . .\nRUN python -m grpc_tools.protoc -I protos --python_out=protos protos/svc.proto\nCMD [\"python\", \"main.py\"]\n" }))), []);
  });
  test("silent for lazy-module packages that replace themselves in sys.modules or fill globals()", () => {
    for (const init of ["import sys\nsys.modules[__name__] = _LazyModule(__name__, {})\n", "globals().update(_load())\n", "for k, v in _load().items():\n    globals()[k] = v\n"]) {
      const res = check(makeRepo({ Dockerfile: df, "pkg/__init__.py": init, "main.py": "from pkg import Anything\n" }));
      assert.deepEqual(summary(res), [], init);
    }
  });
  test("a local namespace folder named like a distribution is left to the package rules", () => {
    const res = check(makeRepo({ Dockerfile: FROM + "RUN pip install apache-airflow\nCOPY . .\nCMD [\"python\", \"main.py\"]\n", "airflow/dags/x.py": "", "main.py": "import airflow.models\n" }));
    assert.deepEqual(res.findings.map((f) => f.code), []);
  });
});

describe("SS107 relative imports without a parent package", () => {
  test("a package module copied flat and run as a script loses its package", () => {
    const files = {
      "Dockerfile": FROM + "COPY pkg/main.py pkg/util.py /app/\nCMD python main.py\n",
      "pkg/__init__.py": "",
      "pkg/main.py": "from .util import x\n",
      "pkg/util.py": "x = 1\n",
    };
    const res = check(makeRepo(files));
    assert.deepEqual(codes(res), ["SS107"]);
    assert.match(res.findings[0].message, /no known parent package/);
    const ok = { ...files, "Dockerfile": FROM + "COPY pkg/ pkg/\nCMD [\"python\", \"-m\", \"pkg.main\"]\n" };
    assert.deepEqual(summary(check(makeRepo(ok))), []);
  });
  test("beyond the top-level package", () => {
    const res = check(
      makeRepo({
        "Dockerfile": FROM + "COPY pkg/ pkg/\nCMD [\"python\", \"-m\", \"pkg.main\"]\n",
        "pkg/__init__.py": "",
        "pkg/main.py": "from ..other import x\n",
      }),
    );
    assert.deepEqual(codes(res), ["SS107"]);
    assert.match(res.findings[0].message, /beyond top-level/);
  });
});

describe("SS110 entry point missing", () => {
  test("python script not copied, with the COPY that fixes it", () => {
    const res = check(makeRepo({ "Dockerfile": FROM + "COPY lib.py .\nCMD [\"python\", \"main.py\"]\n", "main.py": "", "lib.py": "" }));
    assert.deepEqual(codes(res), ["SS110"]);
    assert.equal(res.findings[0].fix?.insert, "COPY main.py /app/main.py");
  });
  test("gunicorn module not importable", () => {
    const res = check(makeRepo({ "Dockerfile": FROM + "COPY app/ .\nCMD gunicorn app.main:app\n", "app/__init__.py": "", "app/main.py": "app = 1\n" }));
    assert.deepEqual(codes(res), ["SS110"]);
  });
  test("a project installed in a builder stage reaches the final image only through what COPY --from takes", () => {
    // Built for real by the differential suite (no dependencies: its engine has no package index;
    // --prefix is in check-packages: its Debian python reads dist-packages, not site-packages).
    const proj = { "pyproject.toml": `[project]\nname = "svc"\nversion = "0.1"\n[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n`, "src/svc/__init__.py": "", "src/svc/main.py": "from svc import util\n", "src/svc/util.py": "X = 1\n" };
    const builder = (install: string) => `FROM python:3.11-slim AS builder\nWORKDIR /src\nCOPY pyproject.toml .\nCOPY src/ src/\nRUN ${install}\n\nFROM python:3.11-slim\nWORKDIR /srv\n`;
    const run = `CMD ["python", "-m", "svc.main"]\n`;
    for (const df of [
      builder("pip install --user .") + `COPY --from=builder /root/.local /root/.local\n${run}`,
      builder("pip wheel --no-deps -w /wheels .") + `COPY --from=builder /wheels /tmp/wheels\nRUN pip install /tmp/wheels/*.whl\n${run}`,
    ]) assert.deepEqual(summary(check(makeRepo({ ...proj, Dockerfile: df }))), [], df);
    const lost = builder("pip install --user .") + `COPY --from=builder /src/pyproject.toml /tmp/\n${run}`;
    assert.deepEqual(codes(check(makeRepo({ ...proj, Dockerfile: lost }))), ["SS110"]);
  });
  test("gunicorn --chdir puts the folder on sys.path", () => {
    const res = check(makeRepo({ "Dockerfile": FROM + "COPY app/ /srv/app/\nCMD gunicorn --chdir /srv/app main:app\n", "app/main.py": "import helpers\napp = 1\n", "app/helpers.py": "" }));
    assert.deepEqual(summary(res), []);
  });
});

describe("SS005 / SS006 / SS001 build problems", () => {
  test("a COPY source escaping the context", () => {
    const res = check(makeRepo({ "svc/Dockerfile": FROM + "COPY ../lib /app/lib\nCOPY main.py .\nCMD python main.py\n", "svc/main.py": "" }), ["svc/Dockerfile"]);
    assert.ok(codes(res).includes("SS005"), summary(res).join("\n"));
  });
  test("a COPY source that does not exist", () => {
    const res = check(makeRepo({ "Dockerfile": FROM + "COPY main.py missing_dir/ ./\nCMD python main.py\n", "main.py": "" }));
    assert.deepEqual(codes(res), ["SS006"]);
  });
  test("a broken Dockerfile is a finding, not a crash, and other services are still checked", () => {
    const res = check(
      makeRepo({
        "a/Dockerfile": "FROM python:3.11\nFROBNICATE yes\nCOPY main.py .\nCMD python main.py\n",
        "a/main.py": "",
        "b/Dockerfile": FROM + "COPY main.py .\nCMD python main.py\n",
        "b/main.py": "import gone\n",
        "b/gone.py": "",
      }),
    );
    assert.ok(codes(res).includes("SS001"), summary(res).join("\n"));
    assert.ok(codes(res).includes("SS101"));
  });
  test("a non-UTF-8 byte in a comment or LABEL builds (Docker reads bytes); in a COPY path SS001 names its line", () => {
    const latin1 = (s: string) => Buffer.from(s, "latin1");
    const ok = check(makeRepo({ "Dockerfile": latin1(FROM + "# caf\xe9 ol\xe9\nCOPY main.py .\nCMD python main.py\n"), "main.py": "import gone\n", "gone.py": "" }));
    assert.deepEqual(summary(ok), ["SS101 main.py:1 gone"]);
    const bad = check(makeRepo({ "Dockerfile": latin1(FROM + "COPY caf\xe9.py .\nCMD python main.py\n"), "main.py": "" }));
    assert.deepEqual(summary(bad), ["SS001 Dockerfile:3 "]);
    assert.match(bad.findings[0].message, /line 3 is not valid UTF-8, so the paths it copies cannot be read/);
    // A LABEL with a Latin-1 byte builds too.
    const label = check(makeRepo({ "Dockerfile": latin1(FROM + 'LABEL maintainer="Jos\xe9"\nCOPY main.py .\nCMD python main.py\n'), "main.py": "import gone\n", "gone.py": "" }));
    assert.deepEqual(summary(label), ["SS101 main.py:1 gone"]);
  });
});

describe("SS206 project-not-in-image", () => {
  // Built for real by the differential suite: pip (the engine's, offline) stops on a folder with
  // neither pyproject.toml nor setup.py, and the build fails as predicted.
  const proj = { "pyproject.toml": `[project]\nname = "svc"\nversion = "0.1"\n[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n`, "svc/__init__.py": "", "svc/main.py": "from svc import util\n", "svc/util.py": "X = 1\n" };
  const run = `CMD ["python", "-m", "svc.main"]\n`;
  test("pip install -e . before the project is copied: the build fails, at the RUN, with the COPY to put first", () => {
    const res = check(makeRepo({ ...proj, Dockerfile: FROM + `RUN pip install -e .\nCOPY . .\n${run}` }));
    assert.deepEqual(summaryAll(res), ["SS206 Dockerfile:3 "]);
    const f = res.findings[0];
    assert.equal(f.severity, "error");
    assert.match(f.message, /^RUN installs the local project -e \., but \/app has neither pyproject\.toml nor setup\.py at that point; the build fails \(pip: "file:\/\/\/app does not appear to be a Python project/);
    assert.deepEqual(f.fix, { dockerfile: "Dockerfile", after_line: 2, insert: "COPY . /app" });
    assert.ok(f.notes?.some((n) => /\/app\/pyproject\.toml is copied into the image only later, at line 4/.test(n)), f.notes?.join("\n"));
    // Copied first: it builds.
    assert.deepEqual(summaryAll(check(makeRepo({ ...proj, Dockerfile: FROM + `COPY . .\nRUN pip install -e .\n${run}` }))), []);
    assert.deepEqual(summaryAll(check(makeRepo({ ...proj, Dockerfile: FROM + `COPY pyproject.toml .\nCOPY svc/ svc/\nRUN pip install .\n${run}` }))), []);
  });
  test("a folder that is not there, and -e . in a requirements file", () => {
    const missing = check(makeRepo({ ...proj, Dockerfile: FROM + `COPY svc/ svc/\nRUN pip install ./libs/shared\n${run}` }));
    assert.deepEqual(summaryAll(missing), ["SS206 Dockerfile:4 "]);
    assert.match(missing.findings[0].message, /\/app\/libs\/shared is not in the image at that point; the build fails \(pip: "Invalid requirement: '\.\/libs\/shared'/);
    const viaFile = check(makeRepo({ ...proj, "requirements.txt": "-e .\n", Dockerfile: FROM + `COPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n${run}` }));
    assert.deepEqual(summaryAll(viaFile), ["SS206 Dockerfile:4 "]);
    assert.match(viaFile.findings[0].message, /the local project -e \. \(from requirements\.txt:1\), but \/app has neither/);
  });
  test("multi-stage: the project copied in another stage only", () => {
    const df = `FROM python:3.11-slim AS source\nWORKDIR /app\nCOPY . .\n\nFROM python:3.11-slim\nWORKDIR /app\nCOPY --from=source /app/svc svc\nRUN pip install .\n${run}`;
    const res = check(makeRepo({ ...proj, Dockerfile: df }));
    assert.deepEqual(summaryAll(res), ["SS206 Dockerfile:8 "]);
    assert.equal(res.findings[0].fix?.insert, "COPY . /app");
    // Built on that stage (FROM source), the project is there.
    assert.deepEqual(summaryAll(check(makeRepo({ ...proj, Dockerfile: `FROM python:3.11-slim AS source\nWORKDIR /app\nCOPY . .\n\nFROM source\nRUN pip install .\n${run}` }))), []);
  });
});

describe("SS205 a --user install in another user's site", () => {
  // Built for real by the differential suite: the final stage runs as another user than the one
  // whose ~/.local the builder's `pip install --user` filled.
  const proj = { "pyproject.toml": `[project]\nname = "svc"\nversion = "0.1"\n[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n`, "src/svc/__init__.py": "", "src/svc/main.py": "from svc import util\n", "src/svc/util.py": "X = 1\n" };
  const builder = `FROM python:3.11-slim AS builder\nWORKDIR /src\nCOPY pyproject.toml .\nCOPY src/ src/\nRUN pip install --user .\n\nFROM python:3.11-slim\n`;
  const run = `WORKDIR /srv\nCMD ["python", "-m", "svc.main"]\n`;
  test("root's ~/.local copied as is, the container running as app: SS205 at the COPY names both homes", () => {
    const res = check(makeRepo({ ...proj, Dockerfile: builder + `RUN useradd -m app\nCOPY --from=builder /root/.local /root/.local\nUSER app\n${run}` }));
    assert.deepEqual(summaryAll(res), ["SS110 Dockerfile:12 svc.main", "SS205 Dockerfile:9 "]);
    const f = only(res, "SS205")[0];
    assert.equal(f.severity, "error");
    assert.match(f.message, /this COPY brings \(pip install --user, RUN at Dockerfile:5\) are not importable when the container runs: they are in \/root\/\.local, but the container runs as app, whose python looks for its user site in \/home\/app\/\.local \(HOME \/home\/app, from the RUN at line 8\); and \/root is readable only by root/);
    assert.ok(f.notes?.some((n) => /copy them to \/home\/app\/\.local/.test(n)));
  });
  test("silent for the same user, for root with PYTHONUSERBASE, and for app with the copy in its own home", () => {
    for (const df of [
      builder + `COPY --from=builder /root/.local /root/.local\n${run}`,
      builder + `RUN useradd -m app\nCOPY --from=builder /root/.local /root/.local\nUSER root\nENV PYTHONUSERBASE=/root/.local\n${run}`,
      builder + `RUN useradd -m app\nCOPY --from=builder /root/.local /home/app/.local\nUSER app\n${run}`,
      builder + `RUN useradd -m -u 1000 app\nCOPY --from=builder /root/.local /home/app/.local\nUSER 1000\n${run}`,
    ]) assert.deepEqual(summaryAll(check(makeRepo({ ...proj, Dockerfile: df }))), [], df);
  });
  test("the right folder for the name, but the USER's HOME is elsewhere; a uid without an account", () => {
    const other = check(makeRepo({ ...proj, Dockerfile: builder + `RUN useradd -m -d /opt/app app\nCOPY --from=builder /root/.local /home/app/.local\nUSER app\n${run}` }));
    assert.deepEqual(summaryAll(other), ["SS110 Dockerfile:12 svc.main", "SS205 Dockerfile:9 "]);
    assert.match(only(other, "SS205")[0].message, /they are in \/home\/app\/\.local, but the container runs as app, whose python looks for its user site in \/opt\/app\/\.local \(HOME \/opt\/app, from the RUN at line 8\)/);
    const uid = check(makeRepo({ ...proj, Dockerfile: builder + `COPY --from=builder /root/.local /home/app/.local\nUSER 1000\n${run}` }));
    assert.deepEqual(summaryAll(uid), ["SS110 Dockerfile:11 svc.main", "SS205 Dockerfile:8 "]);
    assert.match(only(uid, "SS205")[0].message, /runs as uid 1000, whose python looks for its user site in \/\.local \(uid 1000 has no \/etc\/passwd entry, so HOME is \/\)/);
  });
});

describe("SS002 / SS003 unreadable Python", () => {
  test("syntax errors and non-UTF-8 files are findings; the rest is still checked", () => {
    const res = check(
      makeRepo({
        "Dockerfile": FROM + "COPY . .\nCMD python main.py\n",
        "main.py": "import broken\nimport latin\nimport bad_bytes\nimport gone_after\n",
        "broken.py": "def f(:\n    pass\n",
        "latin.py": Buffer.from("# -*- coding: latin-1 -*-\ns = '\xe9'\n", "latin1"),
        "bad_bytes.py": Buffer.from([0x69, 0x6d, 0x70, 0x6f, 0x72, 0x74, 0x20, 0x78, 0x0a, 0xff, 0xfe, 0x00]),
        ".dockerignore": "gone_after.py\n",
        "gone_after.py": "",
      }),
    );
    assert.deepEqual(codes(res), ["SS002", "SS003", "SS102"]);
  });
});

describe("image model semantics", () => {
  test("ARG-parameterised entry point with a default and a build-arg override", () => {
    const df = "FROM python:3.11-slim\nARG APP_MODULE=api.main\nENV APP_MODULE=${APP_MODULE}\nWORKDIR /srv\nCOPY api/ ./api/\nCMD gunicorn --bind :8080 ${APP_MODULE}:app\n";
    const files = { "Dockerfile": df, "api/__init__.py": "", "api/main.py": "app = 1\n", "api/other.py": "import missing_mod\n", "missing_mod.py": "" };
    const res = check(makeRepo(files));
    assert.deepEqual(summary(res), []);
    assert.deepEqual(res.results[0].entryPoints.map((e) => e.label), ["gunicorn api.main:app"]);
    const cfg = '[services.api]\ndockerfile = "Dockerfile"\nbuild_args = { APP_MODULE = "api.other" }\n';
    const res2 = check(makeRepo({ ...files, "shipshape.toml": cfg }));
    assert.deepEqual(summary(res2), ["SS101 api/other.py:1 missing_mod"]);
  });
  test("multi-stage: COPY --from carries files from the builder stage; target selects a stage", () => {
    const df =
      "FROM python:3.11 AS build\nWORKDIR /src\nCOPY lib/ lib/\nCOPY app/ app/\n" +
      "FROM python:3.11-slim AS runtime\nWORKDIR /app\nCOPY --from=build /src/app ./app\nCMD [\"python\", \"-m\", \"app.main\"]\n" +
      "FROM runtime AS full\nCOPY --from=build /src/lib ./lib\n";
    const files = { "Dockerfile": df, "app/__init__.py": "", "app/main.py": "import lib.x\n", "lib/__init__.py": "", "lib/x.py": "" };
    assert.deepEqual(summary(check(makeRepo(files))), []);
    const cfg = '[services.app]\ndockerfile = "Dockerfile"\ntarget = "runtime"\n';
    const res = check(makeRepo({ ...files, "shipshape.toml": cfg }));
    assert.deepEqual(summary(res), ["SS101 app/main.py:1 lib.x"]);
    assert.match(res.findings[0].message, /copied into stage 'build' \(line 3\) but never reaches the final image/);
  });
  test("wildcards, trailing slashes, and relative destinations under WORKDIR", () => {
    const df = FROM + "WORKDIR sub\nCOPY mods/*.py ./\nCMD python main.py\n";
    const res = check(makeRepo({ "Dockerfile": df, "mods/main.py": "import a, b\n", "mods/a.py": "", "mods/b.py": "", "mods/c.txt": "" }));
    assert.deepEqual(summary(res), []);
    assert.deepEqual(res.results[0].entryPoints.map((e) => e.file), ["/app/sub/main.py"]);
  });
  test("COPY --parents keeps the source paths", () => {
    const df = "# syntax=docker/dockerfile:1.7-labs\n" + FROM + "COPY --parents pkg/a/*.py pkg/__init__.py pkg/a/__init__.py ./\nCOPY main.py .\nCMD python main.py\n";
    const res = check(makeRepo({ "Dockerfile": df, "main.py": "import pkg.a.mod\n", "pkg/__init__.py": "", "pkg/a/__init__.py": "", "pkg/a/mod.py": "" }));
    assert.deepEqual(summary(res), []);
  });
  test("pip install . makes the project's packages importable from anywhere", () => {
    const df = FROM + "COPY . /src\nRUN pip install /src\nWORKDIR /\nCMD [\"python\", \"-m\", \"mylib.cli\"]\n";
    const res = check(makeRepo({ "Dockerfile": df, "pyproject.toml": "[project]\nname='mylib'\n", "mylib/__init__.py": "", "mylib/cli.py": "import mylib.core\n", "mylib/core.py": "" }));
    assert.deepEqual(summary(res), []);
  });
  test("a non-editable pip install copies the project as it is at that line; later COPYs do not reach site-packages", () => {
    const files = { "pyproject.toml": "[project]\nname='mylib'\n", "src/mylib/__init__.py": "", "src/mylib/core.py": "", "main.py": "import mylib.core\n" };
    const late = FROM + "COPY pyproject.toml .\nRUN pip install .\nCOPY src/ src/\nCOPY main.py .\nCMD [\"python\", \"main.py\"]\n";
    const res = check(makeRepo({ ...files, Dockerfile: late }));
    assert.deepEqual(summary(res), ["SS103 main.py:1 mylib.core"]);
    assert.match(res.findings[0].message, /is in the image at \/app\/src\/mylib, but it got there after line 4 installed \/app with pip \(not editable\), which copied the project into \/usr\/local\/lib\/python3\.11\/site-packages without it/);
    assert.equal(res.findings[0].fix, undefined);
    // Copied first: importable. Installed editable from a src layout: setuptools puts src/ itself
    // on sys.path (a .pth file), so modules added there later are importable too.
    assert.deepEqual(summary(check(makeRepo({ ...files, Dockerfile: FROM + "COPY pyproject.toml .\nCOPY src/ src/\nRUN pip install .\nCOPY main.py .\nCMD [\"python\", \"main.py\"]\n" }))), []);
    const later = { ...files, "src/mylib/extra.py": "", "main.py": "import mylib.extra\n" };
    assert.deepEqual(summary(check(makeRepo({ ...later, Dockerfile: FROM + "COPY pyproject.toml .\nCOPY src/mylib/__init__.py src/mylib/\nRUN pip install -e .\nCOPY src/ src/\nCOPY main.py .\nCMD [\"python\", \"main.py\"]\n" }))), []);
  });
  test("a module shadows a same-named namespace directory in a later sys.path entry", () => {
    const df = FROM + "ENV PYTHONPATH=/opt/extra\nCOPY main.py .\nCOPY tools/ /app/tools/\nCOPY extra/ /opt/extra/\nCMD python main.py\n";
    const res = check(makeRepo({ "Dockerfile": df, "main.py": "from tools import helper\n", "tools/readme.txt": "", "extra/tools.py": "helper = 1\n" }));
    assert.deepEqual(summary(res), []);
  });
  test("entrypoint shell scripts are followed to the command they exec", () => {
    const df = FROM + "COPY entrypoint.sh /entrypoint.sh\nCOPY app/ app/\nENTRYPOINT [\"/entrypoint.sh\"]\nCMD [\"gunicorn\", \"app.main:app\"]\n";
    const res = check(makeRepo({ "Dockerfile": df, "entrypoint.sh": "#!/bin/sh\nset -e\necho starting\nexec \"$@\"\n", "app/__init__.py": "", "app/main.py": "import app.db\napp = 1\n" , "app/db.py": "import gone\n", "gone.py": ""}));
    assert.deepEqual(summary(res), ["SS101 app/db.py:1 gone"]);
  });
  test("symlink loops in the context do not hang or crash", () => {
    const res = check(makeRepo({ "Dockerfile": FROM + "COPY . .\nCMD python main.py\n", "main.py": "import loop.x\n", "loop": { symlink: "loop" } }));
    assert.ok(Array.isArray(res.findings));
  });
  test("exec-form CMD is not expanded by Docker: a variable there is a literal", () => {
    const df = "FROM python:3.11-slim\nENV APP=api.main\nWORKDIR /srv\nCOPY api/ ./api/\nCMD [\"gunicorn\", \"${APP}:app\"]\n";
    const res = check(makeRepo({ "Dockerfile": df, "api/__init__.py": "", "api/main.py": "app = 1\n" }));
    assert.deepEqual(codes(res), ["SS110"]);
    assert.match(res.findings[0].message, /not expanded/);
  });
  test("a bare ENTRYPOINT name is found through PATH; one from the base image is not reported", () => {
    const df = FROM + "COPY start.sh /usr/local/bin/start.sh\nCOPY app/ app/\nENTRYPOINT [\"start.sh\"]\n";
    const files = { "Dockerfile": df, "start.sh": "#!/bin/sh\ncd /app\nexec python -m app.main\n", "app/__init__.py": "", "app/main.py": "import lib.gone\n", "lib/__init__.py": "", "lib/gone.py": "" };
    assert.deepEqual(summary(check(makeRepo(files))), ["SS101 app/main.py:1 lib.gone"]);
    const base = FROM + "COPY app/ app/\nENTRYPOINT [\"docker-entrypoint.sh\"]\nCMD [\"python\", \"-m\", \"app.main\"]\n";
    const r2 = check(makeRepo({ ...files, "Dockerfile": base }));
    // docker-entrypoint.sh comes from the base image: no SS110, and its `exec "$@"` runs the CMD.
    assert.deepEqual(summary(r2), ["SS101 app/main.py:1 lib.gone"]);
  });
  test("poetry install (without --no-root) installs the project; with --no-root it does not", () => {
    const df = (flag: string) => FROM + "COPY pyproject.toml poetry.lock ./\nCOPY src/ src/\nRUN poetry install" + flag + "\nWORKDIR /\nCMD [\"python\", \"-m\", \"svc.main\"]\n";
    const files = { "pyproject.toml": "[tool.poetry]\nname='svc'\n", "poetry.lock": "", "src/svc/__init__.py": "", "src/svc/main.py": "import svc.db\n", "src/svc/db.py": "" };
    assert.deepEqual(summary(check(makeRepo({ ...files, "Dockerfile": df("") }))), []);
    assert.deepEqual(codes(check(makeRepo({ ...files, "Dockerfile": df(" --no-root") }))), ["SS110"]);
  });
});
