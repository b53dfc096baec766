// One drift round: for each configured service, its closure (from the image model), the revisions
// serving traffic (from its provider), and a verdict for each.
import { createHash } from "node:crypto";
import { discover, UsageError } from "../discover.js";
import { FsCache, BuildContext } from "../context/context.js";
import { ParseCache } from "../parse-cache.js";
import { computeClosure, ClosureMode } from "./closure.js";
import { loadDriftConfig, DriftConfig } from "./config.js";
import { deployedRevisions, ProviderError } from "./providers.js";
import { judgeRevision, serviceState, DriftState, RevisionVerdict } from "./compare.js";
import { openRepo, resolveRef, GitError, git, type GitRepo } from "./git.js";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";

export interface ServiceDrift {
  service: string;
  state: DriftState;
  provider: string;
  closure: ClosureMode;
  /** Files in the closure now. */
  closureFiles: number;
  ref: string;
  head: string;
  /** The provider failed: the deployed state is unknown. */
  error: string | null;
  /** Why the whole service is UNKNOWN when no revision says (e.g. the closure cannot be computed). */
  reason: string | null;
  revisions: RevisionVerdict[];
  /** Set by the alert step when an acknowledgement silences this drift. */
  acknowledged?: { until: string; reason: string } | null;
}

export interface RoundOptions {
  cwd: string;
  services: string[];
  closure?: ClosureMode;
  ref?: string;
  fetch?: boolean;
}

export interface Round {
  repoRoot: string;
  config: DriftConfig;
  ref: string;
  head: string;
  results: ServiceDrift[];
}

/** Load config and check the requested services exist: fails fast, before any provider runs. */
export function prepareRound(opts: RoundOptions): { repoRoot: string; config: DriftConfig; names: string[]; disc: ReturnType<typeof discover>; fs: FsCache } {
  const fs = new FsCache();
  const disc = discover([], opts.cwd, fs);
  const config = loadDriftConfig(disc.repoRoot);
  const configured = [...config.services.keys()];
  if (!configured.length) throw new UsageError(`no service has a deployment to compare with: add a [services.NAME.drift] table to ${config.file ?? "shipshape.toml"} (see docs/drift.md)`);
  for (const n of opts.services) {
    if (!config.services.has(n)) {
      const declared = disc.config.services.some((s) => s.name === n);
      throw new UsageError(declared ? `service ${n} has no [services.${n}.drift] table` : `unknown service ${n} (configured for drift: ${configured.join(", ")})`);
    }
  }
  for (const n of configured) {
    if (!disc.services.some((s) => s.name === n)) throw new UsageError(`service ${n} has a drift table but no Dockerfile: declare services.${n}.dockerfile`);
  }
  return { repoRoot: disc.repoRoot, config, names: opts.services.length ? [...new Set(opts.services)] : configured, disc, fs };
}

export async function runRound(opts: RoundOptions): Promise<Round> {
  const prep = prepareRound(opts);
  const { repoRoot, config, disc, fs } = prep;
  let repo: GitRepo;
  try {
    repo = await openRepo(repoRoot);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (opts.fetch) {
    const r = await git(repo.top, ["fetch", "--quiet", "--no-tags"], { allowFail: true });
    if (r.code !== 0) throw new GitError(`git fetch failed: ${r.stderr.trim().split("\n")[0] || "check the remote and credentials"}`, r.code, r.stderr);
    repo = await openRepo(repoRoot);
  }
  const ref = opts.ref ?? config.ref;
  let head: string;
  try {
    head = await resolveRef(repo, ref);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  // What the images are built from is read from the compared commit's tree: with `--ref
  // origin/main` and an older checkout, the working tree would be the wrong closure.
  const tree = await refTree(repo, head);
  const shared = { fs: tree ? new FsCache() : fs, parseCache: new ParseCache(null), contexts: new Map<string, BuildContext>() };
  const treeRoot = tree ? path.join(tree.dir, repo.prefix) : repoRoot;
  let treeServices = disc.services;
  if (tree) {
    try {
      treeServices = discover([], treeRoot, shared.fs).services;
    } catch {
      treeServices = []; // no Dockerfile at that commit: each service says so
    }
  }
  try {
    return { repoRoot, config, ref, head, results: await judgeAll() };
  } finally {
    tree?.remove();
  }

  async function judgeAll(): Promise<ServiceDrift[]> {
    return Promise.all(
      prep.names.map(async (name): Promise<ServiceDrift> => {
        const pc = config.services.get(name)!;
        const svc = treeServices.find((s) => s.name === name);
        const mode = opts.closure ?? pc.closure ?? config.closure;
        if (!svc) return { service: name, state: "UNKNOWN", provider: pc.provider, closure: mode, closureFiles: 0, ref, head, error: null, reason: `${ref} has no Dockerfile for ${name} (it exists only in the working tree)`, revisions: [] };
        const closure = computeClosure(svc, treeRoot, mode, shared);
        const out: ServiceDrift = { service: name, state: "UNKNOWN", provider: pc.provider, closure: mode, closureFiles: closure.files.size, ref, head, error: null, reason: null, revisions: [] };
        if (!closure.files.size && closure.problems.length) {
          out.reason = `cannot tell what the image is built from: ${closure.problems.join("; ")}`;
          return out;
        }
        let revs;
        try {
          revs = await deployedRevisions(pc, repoRoot);
        } catch (e) {
          if (!(e instanceof ProviderError)) throw e;
          out.error = e.message;
          return out;
        }
        try {
          out.revisions = await Promise.all(revs.map((r) => judgeRevision(repo, head, ref, closure, r)));
        } catch (e) {
          if (!(e instanceof GitError)) throw e;
          out.reason = e.message;
          return out;
        }
        out.state = serviceState(out.revisions);
        if (closure.problems.length) out.reason = closure.problems.join("; ");
        return out;
      }),
    );
  }
}

/**
 * The files of `commit` in a temporary folder, when it is not the checked-out commit (null
 * then: the working tree is what is compared). `git archive`, so the clone is not touched.
 */
async function refTree(repo: GitRepo, commit: string): Promise<{ dir: string; remove: () => void } | null> {
  const cur = await git(repo.top, ["rev-parse", "--verify", "--quiet", "HEAD"], { allowFail: true });
  if (cur.code === 0 && cur.stdout.trim() === commit) return null;
  const dir = mkdtempSync(path.join(tmpdir(), "shipshape-drift-"));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const tar = path.join(dir, "tree.tar");
  const r = await git(repo.top, ["archive", "--format=tar", "-o", tar, commit], { allowFail: true });
  const x = r.code === 0 ? spawnSync("tar", ["-xf", tar, "-C", dir], { encoding: "utf8" }) : null;
  if (!x || x.status !== 0) {
    remove();
    throw new GitError(`cannot read the files of ${commit.slice(0, 12)} to see what its images are built from (git archive${x ? " / tar" : ""} failed)`, r.code, "");
  }
  rmSync(tar);
  mkdirSync(path.join(dir, ".git")); // the repository root marker discovery looks for
  return { dir, remove };
}

/**
 * What identifies a drift for alerting: for STALE, the deployed commits and the newest commit each
 * lacks; for UNKNOWN, the reasons. Revision names and deploy times are left out, so a redeploy
 * that changes only environment variables is the same drift (and alerts nothing new), while a
 * new commit that changes the image is a new drift (and alerts again).
 */
export function fingerprint(d: ServiceDrift): string {
  let key: string;
  if (d.state === "STALE") {
    key =
      "STALE|" +
      d.revisions
        .filter((r) => r.state === "STALE")
        .map((r) => `${r.commit ?? r.reportedCommit}>${r.commits[0]?.sha ?? "diverged"}`)
        .sort()
        .join(",");
  } else {
    key = `UNKNOWN|${d.error ?? d.reason ?? ""}|${d.revisions
      .filter((r) => r.state === "UNKNOWN")
      .map((r) => `${r.reportedCommit}:${r.reason}`)
      .sort()
      .join(",")}`;
  }
  return createHash("sha256").update(`${d.service}\0${key}`).digest("hex").slice(0, 16);
}
