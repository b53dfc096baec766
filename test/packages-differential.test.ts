// Differential tests against pip's own vendored `packaging` and requirements-file parser, when
// a python3 with pip is on the machine: the markers we evaluate and the versions we compare
// must agree with what pip decides.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { evaluateMarker, defaultEnvironment } from "../src/packages/markers.js";
import { satisfies } from "../src/packages/pep440.js";
import { parseRequirements } from "../src/packages/requirements.js";

const py = (code: string, input: string): string | null => {
  const r = spawnSync("python3", ["-c", code], { input, encoding: "utf8" });
  return r.status === 0 ? r.stdout : null;
};
const havePip = py("import pip._vendor.packaging.markers", "") !== null;

// Not compared: `extra == "Dev_Tools"` against extra "dev-tools" — PEP 685 normalises both
// sides (as we do and packaging >= 22 does); pip 23's vendored packaging 21 does not.
const MARKERS = [
  'python_version >= "3.8"', 'python_version < "3.10"', 'python_version == "3.11"', "python_version != '3.11'",
  'python_version > "3.9" and python_version < "3.12"', 'python_full_version >= "3.11.5"', 'python_full_version < "3.11.0"',
  'python_version ~= "3.10"', 'python_version == "3.*"', "python_version >= '3'", 'python_version <= "3.11"',
  'sys_platform == "linux"', 'sys_platform == "win32"', "sys_platform != 'darwin'", '"linux" in sys_platform', '"win" not in sys_platform',
  'platform_system == "Linux" and platform_machine == "x86_64"', 'platform_machine in "x86_64 aarch64"', 'platform_machine == "arm64"',
  'os_name == "nt" or os_name == "posix"', 'implementation_name == "cpython"', 'platform_python_implementation != "PyPy"',
  '(sys_platform == "win32" or sys_platform == "cygwin") and python_version < "3.12"', 'sys_platform == "win32" or platform_system == "Linux" and os_name == "nt"',
  'implementation_version >= "3.11"', 'python_version > "3.11.2"', '"3.11" == python_version', '"3.12" > python_version',
  'extra == "test"', 'extra != "test"', 'python_version in "3.10 3.11 3.12"', 'python_version not in "3.8 3.9"',
];

describe("differential: markers vs packaging", { skip: !havePip && "python3 with pip not available" }, () => {
  for (const version of ["3.8.18", "3.11.7", "3.12.1"]) {
    for (const extra of ["", "dev-tools"]) {
      it(`agree on ${MARKERS.length} markers for Python ${version}, extra '${extra}'`, () => {
        const env = defaultEnvironment(version, { extra });
        const out = py(
          "import sys, json\nfrom pip._vendor.packaging.markers import Marker\nenv = json.loads(sys.stdin.readline())\nfor line in sys.stdin.read().splitlines():\n    print(Marker(line).evaluate(env))",
          JSON.stringify(env) + "\n" + MARKERS.join("\n"),
        );
        assert.ok(out !== null);
        const theirs = out.trim().split("\n").map((x) => x === "True");
        const ours = MARKERS.map((m) => evaluateMarker(m, env));
        const diff = MARKERS.filter((_, i) => theirs[i] !== ours[i]).map((m, i) => `${m}: ours ${ours[MARKERS.indexOf(m)]}`);
        assert.deepEqual(diff, [], `disagreements at index ${i_(theirs, ours)}`);
      });
    }
  }
});
const i_ = (a: boolean[], b: boolean[]) => a.findIndex((x, i) => x !== b[i]);

describe("differential: versions vs packaging", { skip: !havePip && "python3 with pip not available" }, () => {
  it("agree on satisfies() over a grid of versions and specifiers", () => {
    const versions = ["0.9", "1.0", "1.0.0", "1.0.1", "1.0a1", "1.0rc2", "1.0.post1", "1.1", "1.4.2", "1.4.9", "1.5", "2.0", "2.0.0b1", "2.31.0", "10.0", "1.0+local.1", "1.0.dev3", "0.9.post2", "1!0.5", "1.0.post1.dev1"];
    const specs = [">=1.0", ">1.0", "<2", "<=1.4.2", "==1.0", "==1.*", "!=1.0.*", "~=1.4.2", "~=1.4", ">=1.0,<2.0", "!=1.0", "===1.0", "==1.0+local.1", ">1.0.post0", "<1.0rc3", ">1.0rc1", ">1.0.dev0", "<1.0", ">0.9", "<1.0a1", ">=1!0.1"];
    const pairs = versions.flatMap((v) => specs.map((s) => [v, s] as const));
    const out = py(
      "import sys\nfrom pip._vendor.packaging.specifiers import SpecifierSet\nfor line in sys.stdin.read().splitlines():\n    v, s = line.split('|')\n    print(SpecifierSet(s).contains(v, prereleases=True))",
      pairs.map(([v, s]) => `${v}|${s}`).join("\n"),
    );
    assert.ok(out !== null);
    const theirs = out.trim().split("\n").map((x) => x === "True");
    const diff = pairs.filter(([v, s], i) => satisfies(v, s) !== theirs[i]).map(([v, s]) => `${v} ${s}`);
    // Known edges of @renovatebot/pep440 (docs/dependencies.md); anything else is a regression.
    const known = new Set<string>([]);
    assert.deepEqual(diff.filter((d) => !known.has(d)), []);
  });
});

describe("differential: requirements files vs pip", { skip: !havePip && "python3 with pip not available" }, () => {
  it("agree on names, specifiers, markers and hashes of a real-shaped file", () => {
    const text = [
      "# comment", "--index-url https://example.com/simple", "Django>=4.2,<5  # inline", "requests[security,socks] ~= 2.31",
      "uvicorn[standard]==0.30.1 ; python_version >= '3.8'", "anyio==4.4.0 \\", "    --hash=sha256:aa \\", "    --hash=sha256:bb",
      "Zope.Interface", "colorama==0.4.6; sys_platform == \"win32\"", "pip @ https://example.com/pip-22.0.2.zip", "numpy>=1.26,!=1.26.1",
    ].join("\n") + "\n";
    const out = py(
      "import sys, tempfile, json\nfrom pip._internal.req.req_file import parse_requirements\nfrom pip._internal.network.session import PipSession\nfrom pip._vendor.packaging.requirements import Requirement\nfrom pip._vendor.packaging.utils import canonicalize_name\n" +
        "t = tempfile.NamedTemporaryFile('w', suffix='.txt', delete=False); t.write(sys.stdin.read()); t.close()\nres = []\n" +
        "for r in parse_requirements(t.name, session=PipSession()):\n    q = Requirement(r.requirement)\n    res.append([canonicalize_name(q.name), ','.join(sorted(str(s) for s in q.specifier)), str(q.marker) if q.marker else None, sorted(r.options.get('hashes', {}).get('sha256', [])) if r.options else []])\nprint(json.dumps(res))",
      text,
    );
    assert.ok(out !== null);
    const theirs = JSON.parse(out) as [string, string, string | null, string[]][];
    const norm = (m: string | null) => (m === null ? null : m.replace(/'/g, '"').replace(/\s+/g, " "));
    const ours = parseRequirements(text, "r.txt").requirements.map((r) => [r.name, r.specifier.split(",").filter(Boolean).sort().join(","), norm(r.marker), [...r.hashes.map((h) => h.replace(/^sha256:/, ""))].sort()]);
    assert.deepEqual(ours, theirs.map(([n, s, m, h]) => [n, s, norm(m), h]));
  });
});
