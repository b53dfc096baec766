// Judge one deployed revision against the repository: by commit when the platform records one,
// by committer time only when it does not (and then say so). A commit the local clone does not
// have is UNKNOWN with the fix, never CURRENT. A redeploy that changed only environment
// variables creates a new revision with the same commit: judged by commit, it changes nothing.
import type { Closure } from "./closure.js";
import type { DeployedRevision } from "./providers.js";
import { buildSettingsDiffer } from "./build-settings.js";
import { Commit, GitRepo, GIT_MIN_ABBREV, MIN_SHA_DIGITS, countCommits, isAncestor, logPaths, looksLikeSha, pathspec, resolveCommit, git } from "./git.js";

export type DriftState = "CURRENT" | "STALE" | "UNKNOWN";

export interface RevisionVerdict {
  revision: string;
  percent: number | null;
  state: DriftState;
  /** Why (always set for UNKNOWN; a note for the others when useful). */
  reason: string | null;
  /** What to do about an UNKNOWN. */
  fix: string | null;
  /** The commit as the provider reported it, and where it was read. */
  reportedCommit: string | null;
  commitSource: string | null;
  /** The full commit id, when the local clone has it. */
  commit: string | null;
  /** How the verdict was reached. */
  basis: "commit" | "time" | null;
  deployedAt: string | null;
  image: string | null;
  digest: string | null;
  /** Commits between the deployed one and the ref that change the closure, newest first (files limited to the closure). */
  commits: Commit[];
  /** Commits in the ref's history not in the deployed commit (all paths). */
  totalCommits: number | null;
  /** Committer date of the oldest commit the revision lacks (how long it has been stale). */
  staleSince: string | null;
  /**
   * CURRENT although this many commits since the deployed one touch its closure: together they
   * leave what the image is built from as it was (a change and its revert; a diverged history
   * with the same content). They are not listed in `commits`, and the revision is not behind.
   */
  touchedUnchanged: number;
}

function base(rev: DeployedRevision): RevisionVerdict {
  return {
    revision: rev.name,
    percent: rev.percent,
    state: "UNKNOWN",
    reason: null,
    fix: null,
    reportedCommit: rev.commit,
    commitSource: rev.commitSource,
    commit: null,
    basis: null,
    deployedAt: rev.deployedAt,
    image: rev.image,
    digest: rev.digest,
    commits: [],
    totalCommits: null,
    staleSince: null,
    touchedUnchanged: 0,
  };
}

/** A config file that is not itself part of the image, whose change counts only through the build settings. */
const settingsOnly = (closure: Closure, p: string) => closure.configFiles.includes(p) && !closure.contains(p);

async function closureCommits(repo: GitRepo, revArgs: string[], closure: Closure): Promise<Commit[]> {
  const specs = closure.pathspecs.map((p) => pathspec(repo, p));
  const raw = await logPaths(repo, revArgs, specs);
  const out: Commit[] = [];
  for (const c of raw) {
    const files = c.files.filter((f) => closure.contains(f.path));
    // A change to the service's build settings (build_args, target...) changes the image; a change
    // to the rest of the config file does not. Merges are not listed, so `^` is the one parent.
    const config = c.files.filter((f) => settingsOnly(closure, f.path));
    if (config.length && (await buildSettingsDiffer(repo, `${c.sha}^`, c.sha, closure.service))) files.push(...config);
    if (files.length) out.push({ ...c, files });
  }
  return out;
}

/** The closure paths whose content differs between two commits (the config file when the service's build settings do). */
async function closureDiff(repo: GitRepo, from: string, to: string, closure: Closure): Promise<string[]> {
  const diff = await git(repo.top, ["diff", "--no-color", "--no-renames", "--name-only", "-z", from, to, "--", ...closure.pathspecs.map((p) => pathspec(repo, p))]);
  const paths = diff.stdout
    .split("\0")
    .filter(Boolean)
    .map((p) => (repo.prefix ? p.slice(repo.prefix.length + 1) : p));
  const changed = paths.filter((p) => closure.contains(p));
  const config = paths.filter((p) => settingsOnly(closure, p));
  if (config.length && (await buildSettingsDiffer(repo, from, to, closure.service))) changed.push(...config);
  return changed;
}

/** Add a note to the verdict's reason (after any note the provider gave, such as a rollout in progress). */
function note(v: RevisionVerdict, text: string): void {
  v.reason = v.reason ? `${v.reason}; ${text}` : text;
}

export async function judgeRevision(repo: GitRepo, head: string, ref: string, closure: Closure, rev: DeployedRevision): Promise<RevisionVerdict> {
  const v = base(rev);
  if (rev.note) v.reason = rev.note;
  if (rev.commit !== null) {
    v.basis = "commit";
    const reported = rev.commit.trim();
    // A value read where the config says the commit is may be any abbreviation git accepts; one
    // picked up from a well-known key or plain text needs 7+ hex digits to count as a commit id.
    const min = rev.commitConfigured ? GIT_MIN_ABBREV : MIN_SHA_DIGITS;
    if (!looksLikeSha(reported, min)) {
      const short = /^[0-9a-f]+$/i.test(reported) && reported.length < min;
      v.reason = `the deployed commit reported (${rev.commitSource ?? "?"}) is not a commit id: ${JSON.stringify(reported.slice(0, 80))}${short ? ` (${reported.length} hex digit${reported.length === 1 ? "" : "s"}; a commit id needs at least ${min})` : ""}`;
      const where = rev.commitSource === "text" ? null : (rev.commitFix ?? "configure where it is recorded");
      v.fix = short && !rev.commitConfigured ? `record the full git commit id at build time (at least 7 hex digits)${where ? `, or ${where}` : ""}` : (rev.commitFix ?? "record the git commit id at build time (label, env var or image tag)");
      return v;
    }
    const full = await resolveCommit(repo, reported);
    if (!full) {
      v.reason = `deployed commit ${reported} is not in the local clone`;
      v.fix = repo.shallow
        ? "fetch more history: git fetch --unshallow"
        : "fetch it (git fetch origin); if it is still missing it was force-pushed away or built from an unpushed branch";
      return v;
    }
    v.commit = full;
    if (full === head) {
      v.state = "CURRENT";
      v.totalCommits = 0;
      return v;
    }
    if (await isAncestor(repo, full, head)) {
      v.commits = await closureCommits(repo, [`${full}..${head}`], closure);
      v.totalCommits = await countCommits(repo, `${full}..${head}`);
      // Commits that touch the closure but cancel out (a change and its `git revert`) leave the
      // image as it was: compare the content, as for a diverged history.
      if (v.commits.length && !(await closureDiff(repo, full, head, closure)).length) {
        v.touchedUnchanged = v.commits.length;
        v.commits = [];
        note(v, `the changes to what its image is built from since ${full.slice(0, 12)} were undone (e.g. reverted): its content on ${ref} is the same`);
      }
      v.state = v.commits.length ? "STALE" : "CURRENT";
      v.staleSince = v.commits.length ? v.commits[v.commits.length - 1].date : null;
      return v;
    }
    if (await isAncestor(repo, head, full)) {
      v.reason = `deployed commit ${full.slice(0, 12)} is newer than ${ref}`;
      v.fix = "update the local checkout (git pull), or compare against another ref with --ref";
      return v;
    }
    // Diverged: history was rewritten (force-push) or the deploy came from another branch. The
    // revision runs code the ref does not have; it is current only if the closure is identical.
    const changed = await closureDiff(repo, full, head, closure);
    const touching = await closureCommits(repo, [`${full}..${head}`], closure);
    v.totalCommits = await countCommits(repo, `${full}..${head}`);
    note(v, `deployed commit ${full.slice(0, 12)} is not in the history of ${ref} (force-push or another branch)`);
    if (!changed.length) {
      // Identical content (a rebase, a cherry-pick): current, and nothing is listed as missing.
      v.state = "CURRENT";
      v.touchedUnchanged = touching.length;
      note(v, `what its image is built from is the same as on ${ref}`);
      return v;
    }
    v.state = "STALE";
    v.commits = touching;
    if (!touching.length) v.reason += `; its build differs from ${ref} in ${changed.slice(0, 5).join(", ")}${changed.length > 5 ? ", ..." : ""}`;
    v.staleSince = touching.length ? touching[touching.length - 1].date : null;
    return v;
  }
  if (rev.deployedAt) {
    const t = Date.parse(rev.deployedAt);
    if (Number.isNaN(t)) {
      v.reason = `the provider reports no commit and an unreadable deploy time (${rev.deployedAt})`;
      v.fix = "record the git commit id at build time (label, env var or image tag)";
      return v;
    }
    v.basis = "time";
    const all = await closureCommits(repo, [`--since=${new Date(t - 86_400_000).toISOString()}`, head], closure);
    v.commits = all.filter((c) => Date.parse(c.date) > t);
    v.state = v.commits.length ? "STALE" : "CURRENT";
    v.staleSince = v.commits.length ? v.commits[v.commits.length - 1].date : null;
    v.reason = `no commit recorded: judged by committer time against the deploy time ${rev.deployedAt} (weak: a redeploy without a code change looks current; record the commit to judge exactly)${rev.commitSearched ? `; ${rev.commitSearched}` : ""}`;
    // A configured place that holds nothing is a setup problem worth a fix even when time decides.
    v.fix = rev.commitFix ?? null;
    return v;
  }
  v.reason = `the provider reports neither the deployed commit nor a deploy time${rev.commitSearched ? ` (${rev.commitSearched})` : ""}`;
  v.fix = rev.commitFix ?? "record the git commit id at build time (label, env var or image tag)";
  return v;
}

/** A service's state from its revisions: STALE if any serving revision is, else UNKNOWN if any is, else CURRENT. */
export function serviceState(verdicts: RevisionVerdict[]): DriftState {
  if (verdicts.some((v) => v.state === "STALE")) return "STALE";
  if (!verdicts.length || verdicts.some((v) => v.state === "UNKNOWN")) return "UNKNOWN";
  return "CURRENT";
}
