// Reporters for `shipshape verify`: text, json, junit. Pure functions of the report.
import type { ModuleVerdict } from "./plan.js";
import type { ServiceVerdict, VerifyReport } from "./run.js";

const label = (m: ModuleVerdict) => (m.name === "__main__" ? m.file ?? "__main__" : m.name);

export function verifyToText(r: VerifyReport): string {
  const out: string[] = [];
  const modeText = r.mode === "find" ? "find mode: modules located, no application code run" : "import mode: modules imported";
  out.push(`shipshape verify: ${r.summary.services} service(s), ${r.summary.builds} image build(s), Docker ${r.engine} (${modeText})`);
  for (const s of r.services) {
    out.push("");
    if (s.status === "skipped") {
      out.push(`- ${s.service}: skipped (${s.skipped})`);
      continue;
    }
    const b = s.build;
    const head = `${s.status === "verified" ? "ok  " : "FAIL"} ${s.service} (${s.dockerfile})`;
    if (b && !b.ok) {
      out.push(`${head}: build failed${b.timedOut ? " (timed out)" : ` (exit ${b.exitCode})`} after ${b.seconds} s`);
      out.push(s.predictedBuildFailure.length ? `  predicted by check: ${s.predictedBuildFailure.join(", ")}` : "  check did not predict this build failure");
      for (const l of b.lastLines ?? []) out.push(`  | ${l}`);
      continue;
    }
    const built = b ? (b.sharedWith ? `image shared with ${b.sharedWith}` : `built in ${b.seconds} s`) : "not built";
    out.push(`${head}: ${built}${s.probe ? `, probed in ${s.probe.seconds} s${s.probe.python ? ` (Python ${s.probe.python})` : ""}` : ""}${b?.image ? `, kept as ${b.image}` : ""}`);
    if (s.probe?.error) {
      out.push(`  probe failed: ${s.probe.error}`);
      for (const l of s.probe.lastLines ?? []) out.push(`  | ${l}`);
    }
    const c = s.comparison;
    if (c) {
      out.push(`  proven: ${c.proven} module(s)`);
      const failing = c.modules.filter((m) => !m.ok);
      if (failing.length) {
        out.push(`  failing: ${failing.length}`);
        for (const m of failing) out.push(`    ${label(m)}: ${m.error ?? "failed"}  [${m.predicted === "ok" ? "check predicted it resolves" : "predicted: " + m.why}${m.warning ? ", guarded" : ""}]`);
      }
    }
    for (const n of s.notProbed) out.push(`  not probed: ${n.finding} ${n.module} (${n.reason})`);
    if (s.disagreements.length) {
      out.push(`  disagreements with check: ${s.disagreements.length}`);
      for (const d of s.disagreements) out.push(`    ${d}`);
    } else if (c) out.push("  disagreements with check: none");
  }
  const m = r.summary;
  out.push("");
  out.push(`${m.verified} verified, ${m.failed} failed, ${m.skipped} skipped; ${m.proven} module(s) proven, ${m.failing} failing, ${m.disagreements} disagreement(s) with check (${m.seconds} s)`);
  return out.join("\n") + "\n";
}

export function verifyToJson(r: VerifyReport): string {
  return JSON.stringify(r, null, 2) + "\n";
}

const xml = (s: string) =>
  s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");

/** JUnit XML: one suite per service, one case per module (and one for the build). */
export function verifyToJunit(r: VerifyReport): string {
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let skipped = 0;
  for (const s of r.services) {
    const cases: string[] = [];
    let f = 0;
    let sk = 0;
    const cls = xml(s.service);
    const time = (n?: number) => (n ?? 0).toFixed(1);
    if (s.status === "skipped") {
      cases.push(`    <testcase classname="${cls}" name="build" time="0"><skipped message="${xml(s.skipped ?? "")}"/></testcase>`);
      sk++;
    } else if (s.build) {
      if (!s.build.ok) {
        f++;
        const msg = `build failed${s.predictedBuildFailure.length ? ` (predicted by ${s.predictedBuildFailure.join(", ")})` : ""}`;
        cases.push(`    <testcase classname="${cls}" name="build" time="${time(s.build.seconds)}"><failure type="build" message="${xml(msg)}">${xml((s.build.lastLines ?? []).join("\n"))}</failure></testcase>`);
      } else {
        const dis = s.disagreements.filter((d) => d.startsWith("check predicted the build"));
        if (dis.length) f++;
        cases.push(`    <testcase classname="${cls}" name="build" time="${time(s.build.seconds)}">${dis.length ? `<failure type="disagreement" message="${xml(dis[0])}"/>` : ""}</testcase>`);
      }
    }
    if (s.probe?.error) {
      f++;
      cases.push(`    <testcase classname="${cls}" name="probe" time="${time(s.probe.seconds)}"><failure type="probe" message="${xml(s.probe.error)}">${xml((s.probe.lastLines ?? []).join("\n"))}</failure></testcase>`);
    }
    for (const m of s.comparison?.modules ?? []) {
      let body = "";
      if (!m.agrees) body = `<failure type="disagreement" message="${xml(m.note ?? "disagrees with check")}">${xml(m.error ?? "")}</failure>`;
      else if (!m.ok && !m.warning) body = `<failure type="${m.predicted === "ok" ? "import" : "predicted"}" message="${xml(m.error ?? "failed")}">${xml(`predicted: ${m.why}`)}</failure>`;
      if (body) f++;
      cases.push(`    <testcase classname="${cls}" name="${xml(label(m))}" time="0">${body}</testcase>`);
    }
    tests += cases.length;
    failures += f;
    skipped += sk;
    suites.push(`  <testsuite name="${cls}" tests="${cases.length}" failures="${f}" errors="0" skipped="${sk}">\n${cases.join("\n")}\n  </testsuite>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="shipshape verify" tests="${tests}" failures="${failures}" errors="0" skipped="${skipped}" time="${r.summary.seconds}">\n${suites.join("\n")}\n</testsuites>\n`;
}

export type { ServiceVerdict };
