// Drift reports: text for people, JSON for machines.
import type { Round, ServiceDrift } from "./run.js";
import type { RevisionVerdict } from "./compare.js";

export const short = (s: string | null) => (s ? s.slice(0, 7) : "?");
const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;

/**
 * How far a stale revision (or service) is from the ref: "3 commits behind main", or, for a deploy
 * from another branch or a rewritten history whose build differs, "runs code that is not in main".
 */
export function behindText(n: number, ref: string): string {
  return n > 0 ? `${plural(n, "commit")} behind ${ref}` : `runs code that is not in ${ref}`;
}

/** Why a service is UNKNOWN: its own reason first, else the first unknown revision's. */
export function unknownReason(d: ServiceDrift): string {
  return d.reason ?? d.revisions.find((r) => r.state === "UNKNOWN")?.reason ?? "unknown";
}

function revisionText(r: RevisionVerdict, ref: string): string[] {
  const share = r.percent !== null ? ` (${r.percent}% of traffic)` : "";
  // A value that is not a known commit is shown whole (up to 40 characters): `api-00007-abc`, not `api-000`.
  const reported = r.reportedCommit && r.reportedCommit.length > 40 ? `${r.reportedCommit.slice(0, 40)}...` : r.reportedCommit;
  const runs = r.reportedCommit ? `runs ${r.commit ? short(r.commit) : reported}${r.commitSource ? ` (${r.commitSource})` : ""}` : "reports no commit";
  const deployed = r.deployedAt ? `, deployed ${r.deployedAt}` : "";
  const lines: string[] = [];
  let verdict: string;
  if (r.state === "STALE" && !r.commits.length) {
    verdict = `STALE: ${behindText(0, ref)}, and its build differs`;
  } else if (r.state === "STALE") {
    const total = r.totalCommits !== null ? ` of ${r.totalCommits}` : "";
    verdict = `STALE: ${r.commits.length}${total} commit${(r.totalCommits ?? r.commits.length) === 1 ? "" : "s"} on ${ref} since then changed what its image is built from${r.staleSince ? `; stale since ${r.staleSince}` : ""}`;
  } else if (r.state === "CURRENT") {
    if (r.touchedUnchanged) {
      const t = r.touchedUnchanged;
      const since = r.totalCommits && r.totalCommits !== t ? `${t} of ${r.totalCommits} commits since` : `${plural(t, "commit")} since`;
      verdict = `current (${since} ${t === 1 ? "touches" : "touch"} its files, but what its image is built from is the same)`;
    } else verdict = r.totalCommits ? `current (${plural(r.totalCommits, "commit")} since, none changes its image)` : "current";
  } else verdict = `UNKNOWN: ${r.reason ?? "no reason given"}`;
  lines.push(`  revision ${r.revision}${share} ${runs}${deployed}: ${verdict}`);
  if (r.state !== "UNKNOWN" && r.reason) lines.push(`    note: ${r.reason}`);
  if (r.fix) lines.push(`    fix: ${r.fix}`);
  for (const c of r.commits) {
    lines.push(`    ${c.sha.slice(0, 7)} ${c.date.slice(0, 10)} ${c.subject}`);
    for (const f of c.files) lines.push(`        ${f.status} ${f.path}`);
  }
  return lines;
}

function serviceHeadline(d: ServiceDrift): string {
  if (d.error) return `cannot read the deployed state: ${d.error}`;
  if (d.state === "STALE") {
    const n = Math.max(...d.revisions.map((r) => r.commits.length));
    return n > 0 ? `${plural(n, "commit")} behind` : behindText(0, d.ref);
  }
  if (d.state === "UNKNOWN") return unknownReason(d);
  return "";
}

export function driftText(round: Round): string {
  const out: string[] = [];
  const width = Math.max(...round.results.map((d) => d.service.length), 7);
  for (const d of round.results) {
    const ack = d.acknowledged ? ` [acknowledged until ${d.acknowledged.until}: ${d.acknowledged.reason}]` : "";
    out.push(`${d.service.padEnd(width)}  ${d.state.padEnd(7)}  ${serviceHeadline(d)}${ack}`.trimEnd());
    for (const r of d.revisions) out.push(...revisionText(r, round.ref));
    if (d.reason && d.revisions.length) out.push(`  note: ${d.reason}`);
  }
  const counts = (s: string) => round.results.filter((d) => d.state === s).length;
  out.push("");
  out.push(
    `${plural(round.results.length, "service")}: ${counts("CURRENT")} current, ${counts("STALE")} stale, ${counts("UNKNOWN")} unknown (compared with ${round.ref} at ${short(round.head)})`,
  );
  return out.join("\n") + "\n";
}

/** The verdict of one revision as both the JSON report and the webhook payload give it. */
export function revisionFields(r: RevisionVerdict) {
  return { revision: r.revision, percent: r.percent, state: r.state, reason: r.reason, fix: r.fix, basis: r.basis, behind: r.commits.length, totalCommits: r.totalCommits, staleSince: r.staleSince };
}

export function driftJson(round: Round): unknown {
  return {
    version: 1,
    ref: round.ref,
    head: round.head,
    services: round.results.map((d) => ({
      service: d.service,
      state: d.state,
      provider: d.provider,
      closure: { mode: d.closure, files: d.closureFiles },
      error: d.error,
      reason: d.reason,
      acknowledged: d.acknowledged ?? null,
      revisions: d.revisions.map((r) => ({
        ...revisionFields(r),
        reportedCommit: r.reportedCommit,
        commitSource: r.commitSource,
        commit: r.commit,
        deployedAt: r.deployedAt,
        image: r.image,
        digest: r.digest,
        commits: r.commits,
      })),
    })),
  };
}
