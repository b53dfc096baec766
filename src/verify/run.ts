// `shipshape verify`: build each service's image with the user's engine, run the probe inside
// it, and compare with what `check` predicted.
import { existsSync } from "node:fs";
import path from "node:path";
import { runCheck } from "../check-sync.js";
import { UsageError } from "../discover.js";
import { imageTag, lastLines, requireEngine, uniqueName } from "./docker.js";
import { DEFAULT_CLEANUP_TIMEOUT_MS, Ledger } from "./interrupt.js";
import { compare, planService, ref, Comparison, ServicePlan } from "./plan.js";
import { parseProbeOutput, ProbeInput, ProbeMode, ProbeOutputError, PROBE_SOURCE } from "./probe.js";

export interface VerifyOptions {
  /** Service names, or paths (repository, folder, Dockerfile) as `check` takes them. */
  args: string[];
  cwd: string;
  mode: ProbeMode;
  keep: boolean;
  jobs: number;
  buildTimeoutMs: number;
  probeTimeoutMs: number;
  /** `docker build --network` (e.g. "none" where no registry is reachable). */
  buildNetwork?: string;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
  /**
   * On SIGINT, SIGTERM or SIGHUP while images are built and probed: stop, remove what the run
   * built, and reject with a VerifyInterrupted (the CLI's; a library caller keeps Node's default).
   */
  handleSignals?: boolean;
  /** The time limit of that cleanup (default 20 s). */
  cleanupTimeoutMs?: number;
}

export { VerifyInterrupted } from "./interrupt.js";

export interface BuildInfo {
  ok: boolean;
  seconds: number;
  timedOut?: boolean;
  exitCode?: number | null;
  /** The build's own last lines, when it failed. */
  lastLines?: string[];
  /** Another service of the run built this same image. */
  sharedWith?: string;
  /** Kept image (with --keep). */
  image?: string;
}

export interface ServiceVerdict {
  service: string;
  dockerfile: string;
  status: "verified" | "failed" | "skipped";
  skipped?: string;
  build?: BuildInfo;
  /** Findings that predicted the build fails. */
  predictedBuildFailure: string[];
  probe?: { seconds: number; python: string; mode: ProbeMode; error?: string; lastLines?: string[] };
  comparison?: Comparison;
  notProbed: { finding: string; module: string; reason: string }[];
  /** Disagreements with check, one line each (build and modules). */
  disagreements: string[];
}

export interface VerifyReport {
  repoRoot: string;
  mode: ProbeMode;
  engine: string;
  services: ServiceVerdict[];
  summary: { services: number; verified: number; failed: number; skipped: number; builds: number; proven: number; failing: number; disagreements: number; seconds: number };
}

export async function runVerify(o: VerifyOptions): Promise<VerifyReport> {
  const t0 = performance.now();
  // A service name, or a path as `check` takes it; a bare word names a service when one has that name.
  const exists = (a: string) => existsSync(path.resolve(o.cwd, a));
  const pathLike = (a: string) => a.includes("/") || a.includes(path.sep) || a === "." || a === ".." || /dockerfile/i.test(a);
  const missingPath = o.args.find((a) => pathLike(a) && !exists(a));
  if (missingPath) throw new UsageError(`no such file or directory: ${missingPath}`);
  const targets = o.args.filter((a) => pathLike(a) && exists(a));
  let names = o.args.filter((a) => !targets.includes(a));
  const checkOf = (t: string[]) => runCheck({ targets: t.map((x) => path.resolve(o.cwd, x)), cwd: o.cwd, cache: false, keepExternals: true });
  let res = checkOf(targets);
  const known = () => res.results.map((r) => r.service.name);
  const asPaths = names.filter((n) => !known().includes(n) && exists(n));
  if (asPaths.length) {
    names = names.filter((n) => !asPaths.includes(n));
    res = checkOf([...targets, ...asPaths]);
  }
  let results = res.results;
  if (names.length) {
    const unknown = names.filter((n) => !known().includes(n));
    if (unknown.length) throw new UsageError(`unknown service ${unknown.map((n) => `'${n}'`).join(", ")} (services: ${known().join(", ") || "none"})`);
    results = results.filter((r) => names.includes(r.service.name));
  }
  const ledger = new Ledger(o.keep, o.cleanupTimeoutMs ?? DEFAULT_CLEANUP_TIMEOUT_MS);
  if (o.handleSignals) ledger.install();
  try {
    let done: VerifyReport | undefined;
    const work = verifyServices(results, res.repoRoot, o, ledger, t0).then((r) => (done = r));
    await Promise.race([work, ledger.interrupted]);
    if (ledger.signal) throw await ledger.cleanUp();
    return done!;
  } finally {
    ledger.dispose();
  }
}

async function verifyServices(results: ReturnType<typeof runCheck>["results"], repoRoot: string, o: VerifyOptions, ledger: Ledger, t0: number): Promise<VerifyReport> {
  const engine = await requireEngine(20000, ledger.ends);
  const plans = results.map(planService);
  const verdicts = new Map<ServicePlan, ServiceVerdict>();
  for (const p of plans) {
    verdicts.set(p, {
      service: p.service.name,
      dockerfile: path.relative(repoRoot, p.service.dockerfile).split(path.sep).join("/"),
      status: p.skip ? "skipped" : "failed",
      skipped: p.skip,
      predictedBuildFailure: p.buildFailures.map(ref),
      notProbed: p.notProbed.map((n) => ({ finding: ref(n.finding), module: n.finding.module, reason: n.reason })),
      disagreements: [],
    });
  }
  // One build per distinct (Dockerfile, context, target, build args).
  const builds = new Map<string, ServicePlan[]>();
  for (const p of plans) {
    if (p.skip) continue;
    const l = builds.get(p.buildKey) ?? [];
    l.push(p);
    builds.set(p.buildKey, l);
  }
  const queue = [...builds.values()];
  const worker = async () => {
    // Interrupted: no new build starts.
    for (let job = queue.shift(); job && !ledger.stopped; job = queue.shift()) await buildAndProbe(job, verdicts, o, ledger);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.jobs, queue.length)) }, worker));

  const services = plans.map((p) => verdicts.get(p)!);
  return { repoRoot, mode: o.mode, engine, services, summary: summarize(services, builds.size, Math.round((performance.now() - t0) / 100) / 10) };
}

/** The run's totals, from its services' verdicts. */
export function summarize(services: ServiceVerdict[], builds: number, seconds: number): VerifyReport["summary"] {
  const sum = (f: (c: Comparison) => number) => services.reduce((n, s) => n + (s.comparison ? f(s.comparison) : 0), 0);
  return {
    services: services.length,
    verified: services.filter((s) => s.status === "verified").length,
    failed: services.filter((s) => s.status === "failed").length,
    skipped: services.filter((s) => s.status === "skipped").length,
    builds,
    proven: sum((c) => c.proven),
    failing: sum((c) => c.failing),
    disagreements: services.reduce((n, s) => n + s.disagreements.length, 0),
    seconds,
  };
}

async function buildAndProbe(plans: ServicePlan[], verdicts: Map<ServicePlan, ServiceVerdict>, o: VerifyOptions, ledger: Ledger): Promise<void> {
  const svc = plans[0].service;
  const tag = imageTag(svc.name);
  // A label unique to this build gives it an image of its own: two builds of identical content
  // (two runs, or two services of one run) would otherwise share one image id, and removing one
  // tag while the other build is still tagging can delete the image from under it.
  const args = ["build", "-f", svc.dockerfile, "-t", tag, "--label", "org.shipshape.verify=1", "--label", `org.shipshape.verify.build=${tag.slice(tag.lastIndexOf(":") + 1)}`];
  if (svc.target) args.push("--target", svc.target);
  for (const [k, v] of Object.entries(svc.buildArgs)) args.push("--build-arg", `${k}=${v}`);
  if (o.buildNetwork) args.push("--network", o.buildNetwork);
  // The classic builder keeps the container of a failed step unless told otherwise.
  if (process.env.DOCKER_BUILDKIT === "0") args.push("--force-rm");
  args.push(svc.context);
  o.log?.(`building ${plans.map((p) => p.service.name).join(", ")}`);
  const t0 = performance.now();
  const b = await ledger.build(tag, args, { timeoutMs: o.buildTimeoutMs });
  const seconds = Math.round((performance.now() - t0) / 100) / 10;
  const built = b.code === 0 && !b.timedOut;
  try {
    for (const [i, p] of plans.entries()) {
      const v = verdicts.get(p)!;
      v.build = { ok: built, seconds, ...(i > 0 ? { sharedWith: plans[0].service.name } : {}) };
      if (!built) {
        v.build.exitCode = b.code;
        v.build.timedOut = b.timedOut || undefined;
        v.build.lastLines = b.spawnError ? [b.spawnError] : [...lastLines(withoutBanner(b.combined), 12), ...(b.timedOut ? [`(build timed out after ${o.buildTimeoutMs / 1000} s)`] : [])];
        v.status = "failed";
        // A failure check predicted agrees with it; one it did not predict is a failure, not a claim check made.
        continue;
      }
      if (p.buildFailures.length) v.disagreements.push(`check predicted the build fails (${p.buildFailures.map(ref).join(", ")}); it built`);
      if (o.keep) v.build.image = tag;
      if (ledger.stopped) break;
      await probe(p, v, tag, o, ledger);
    }
  } finally {
    // `docker image rm --no-prune` (after an interruption, the ledger's cleanup removes it).
    if (built && !o.keep) await ledger.removeImage(tag, 60000);
  }
}

async function probe(p: ServicePlan, v: ServiceVerdict, tag: string, o: VerifyOptions, ledger: Ledger): Promise<void> {
  const input: ProbeInput = { mode: o.mode, groups: p.groups };
  const t0 = performance.now();
  let r;
  for (const python of ["python3", "python"]) {
    const name = uniqueName("shipshape-probe");
    r = await ledger.run(name, ["run", "-i", "--rm", "--name", name, "--network=none", "--entrypoint", python, tag, "-c", PROBE_SOURCE], { input: JSON.stringify(input), timeoutMs: o.probeTimeoutMs });
    if (r.timedOut) await ledger.removeContainer(name, 30000);
    if (ledger.stopped) break;
    if (!(r.code === 127 && /executable file not found|not found in \$PATH|no such file/i.test(r.combined))) break;
  }
  const seconds = Math.round((performance.now() - t0) / 100) / 10;
  try {
    if (r!.timedOut) throw new ProbeOutputError(`the probe timed out after ${o.probeTimeoutMs / 1000} s`);
    const out = parseProbeOutput(r!.stdout);
    v.probe = { seconds, python: out.python, mode: out.mode };
    const c = compare(p, out);
    v.comparison = c;
    for (const m of c.modules) if (!m.agrees) v.disagreements.push(`${m.name === "__main__" ? m.file : m.name}: ${m.note ?? "disagrees"}`);
    v.status = c.failing || v.disagreements.length ? "failed" : "verified";
  } catch (e) {
    if (!(e instanceof ProbeOutputError)) throw e;
    v.probe = { seconds, python: "", mode: o.mode, error: e.message, lastLines: lastLines(r!.combined, 8) };
    v.status = "failed";
  }
}

/** The classic builder's deprecation banner is not part of the build's own output. */
function withoutBanner(text: string): string {
  return text.replace(/DEPRECATED: The legacy builder is deprecated[^\n]*\n(?:[ \t]+\S[^\n]*\n)*/, "");
}

/** Exit status: 0 all verified (or skipped), 1 any failure or disagreement. */
export function exitCode(r: VerifyReport): number {
  return r.services.some((s) => s.status === "failed" || s.disagreements.length) ? 1 : 0;
}
