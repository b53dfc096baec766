// The differential suite: every fixture repository the check tests make (test/check-rules,
// test/check-entry) and examples/monorepo, built by a real Docker engine and probed inside the
// image; the runtime must agree with check's prediction on every module.
//
//   npm run test:e2e
//
// Loaded by e2e.test.ts once an engine answers at DOCKER_HOST.
import { test, describe, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../test/helpers.js";
import { runVerify, VerifyReport } from "../src/verify/run.js";
import { UsageError } from "../src/discover.js";


/** Dockerfile features the offline classic builder of the suite cannot build (no registry, no BuildKit frontends). */
const ENVIRONMENT_LIMITS: { pattern: RegExp; why: string }[] = [
  { pattern: /^\s*RUN\s+poetry\b/m, why: "poetry is not installed in the offline base image" },
  { pattern: /^\s*RUN\s+python -m grpc_tools\b/m, why: "grpcio-tools comes from a package index, which the offline engine does not reach" },
  { pattern: /^\s*COPY\s+.*--parents\b/m, why: "COPY --parents needs a BuildKit labs frontend (pulled from a registry)" },
  { pattern: /^\s*COPY\s+.*--exclude\b/m, why: "COPY --exclude needs a BuildKit frontend (pulled from a registry)" },
];

/**
 * Standard-library modules Debian ships in packages of their own, not in the suite's minbase
 * image (the official python images have them): a runtime absence is the engine's, not check's.
 */
const DEBIAN_SPLIT_STDLIB: Record<string, string> = { tkinter: "python3-tk", turtle: "python3-tk", idlelib: "idle-python3.11", ensurepip: "python3-venv", lib2to3: "python3-lib2to3", distutils: "python3-distutils" };

/** Run the check tests once with fixture logging on, keeping their repositories. */
function collectFixtures(): { dir: string; origin: string }[] {
  const work = mkdtempSync(path.join(tmpdir(), "shipshape-e2e-fixtures-"));
  const log = path.join(work, "fixtures.tsv");
  const files = ["check-rules.test.js", "check-entry.test.js"].map((f) => path.join(PROJECT_ROOT, "dist", "test", f));
  const env: NodeJS.ProcessEnv = { ...process.env, KEEP_TMP: "1", SHIPSHAPE_FIXTURE_LOG: log };
  delete env.NODE_TEST_CONTEXT; // a test runner of its own, not a child of this one
  const r = spawnSync(process.execPath, ["--test", ...files], { encoding: "utf8", env, timeout: 300000 });
  assert.equal(r.status, 0, "the check tests must pass before their fixtures are verified:\n" + r.stdout.slice(-2000));
  const out = readFileSync(log, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [dir, origin] = l.split("\t");
      return { dir, origin };
    });
  cleanup.push(work, ...out.map((f) => f.dir));
  return out;
}

const cleanup: string[] = [];
const t0 = performance.now();

interface Tally {
  fixtures: number;
  services: number;
  built: number;
  modules: number;
  /** Of them, third-party packages and standard-library modules. */
  external: number;
  agree: number;
  predictedBuildFailures: number;
  environmentLimited: string[];
  skipped: string[];
}
const tally: Tally = { fixtures: 0, services: 0, built: 0, modules: 0, external: 0, agree: 0, predictedBuildFailures: 0, environmentLimited: [], skipped: [] };

{
  const fixtures = [...collectFixtures(), { dir: path.join(PROJECT_ROOT, "examples", "monorepo"), origin: "examples/monorepo" }];

  after(() => {
    if (!process.env.KEEP_TMP) for (const d of cleanup) rmSync(d, { recursive: true, force: true });
    const s = (performance.now() - t0) / 1000;
    console.log(
      `differential: ${tally.fixtures} fixture repositories, ${tally.services} services, ${tally.built} images built; ` +
        `${tally.agree}/${tally.modules} module predictions agree with the runtime (${tally.external} of them packages or standard library); ${tally.predictedBuildFailures} build failures predicted by check; ` +
        `${tally.environmentLimited.length} not comparable on this engine (${tally.environmentLimited.join("; ") || "none"}); ` +
        `${tally.skipped.length} services skipped (${tally.skipped.join("; ")}); ${s.toFixed(0)} s`,
    );
  });

  describe("runtime agrees with check on every fixture", { concurrency: 2 }, () => {
    for (const fx of fixtures) {
      test(`${fx.origin} (${path.basename(fx.dir)})`, async () => {
        let report: VerifyReport;
        try {
          report = await runVerify({ args: [], cwd: fx.dir, mode: "find", keep: false, jobs: 1, buildTimeoutMs: 600000, probeTimeoutMs: 120000, buildNetwork: "none" });
        } catch (e) {
          // A repository check itself rejects (no Dockerfile, ...) has nothing to build.
          if (e instanceof UsageError) {
            tally.skipped.push(`${fx.origin}: ${(e as Error).message}`);
            return;
          }
          throw e;
        }
        tally.fixtures++;
        const problems: string[] = [];
        for (const s of report.services) {
          tally.services++;
          if (s.status === "skipped") {
            tally.skipped.push(`${fx.origin} ${s.service}: ${s.skipped}`);
            continue;
          }
          if (s.build && !s.build.ok) {
            if (s.predictedBuildFailure.length) {
              tally.predictedBuildFailures++;
              continue;
            }
            const df = readFileSync(path.join(report.repoRoot, s.dockerfile), "utf8");
            const lim = ENVIRONMENT_LIMITS.find((l) => l.pattern.test(df));
            if (lim) {
              tally.environmentLimited.push(`${fx.origin} ${s.service}: ${lim.why}`);
              continue;
            }
            problems.push(`${s.service}: the build failed, and check predicted it builds:\n    ${(s.build.lastLines ?? []).join("\n    ")}`);
            continue;
          }
          tally.built++;
          if (s.probe?.error) problems.push(`${s.service}: probe failed: ${s.probe.error}\n    ${(s.probe.lastLines ?? []).join("\n    ")}`);
          for (const m of s.comparison?.modules ?? []) {
            tally.modules++;
            if (m.external) tally.external++;
            if (m.agrees) tally.agree++;
          }
          // Package predictions this engine cannot make come true: its offline pip installs no
          // index requirements (package-fixtures.ts has bases that contain them), and Debian
          // splits some of the standard library into packages of their own.
          const limited = new Set<string>();
          for (const m of s.comparison?.modules ?? []) {
            if (m.agrees || m.ok || m.predicted !== "ok") continue;
            let why: string | undefined;
            if (m.external === "package" && !/^the base image/.test(m.via ?? "")) why = `${m.name} is installed from a package index (${m.via}), which the offline engine does not reach`;
            const split = DEBIAN_SPLIT_STDLIB[m.name.split(".")[0]];
            if (m.external === "stdlib" && split) why = `${m.name}: Debian ships it in ${split}, not in the minbase image`;
            if (!why) continue;
            limited.add(m.name);
            tally.environmentLimited.push(`${fx.origin} ${s.service}: ${why}`);
            tally.modules--;
            tally.external--;
          }
          for (const d of s.disagreements) {
            if (limited.has(d.slice(0, d.indexOf(": ")))) continue;
            // Dockerfile-specific ignore files (<Dockerfile>.dockerignore) are a BuildKit feature,
            // which check models; the classic builder of the suite reads only .dockerignore.
            const ownIgnore = path.join(report.repoRoot, s.dockerfile + ".dockerignore");
            if (process.env.DOCKER_BUILDKIT === "0" && / \(SS102 /.test(d) && existsSync(ownIgnore)) {
              tally.environmentLimited.push(`${fx.origin} ${s.service}: ${s.dockerfile}.dockerignore is read by BuildKit only`);
              tally.modules--; // not a comparison this engine can make
              continue;
            }
            problems.push(`${s.service}: ${d}`);
          }
        }
        assert.deepEqual(problems, [], `${fx.origin} ${fx.dir}`);
      });
    }
  });
}
