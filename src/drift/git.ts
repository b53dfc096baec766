// Git, asked the way a machine should ask it: execFile (no shell), `--` before paths, colour off
// (`-c color.ui=never` and `--no-color`), machine formats with control-character separators.
// Never grep coloured or human-formatted output (one of the six historical mistakes).
import { execFile } from "node:child_process";
import path from "node:path";

export class GitError extends Error {
  constructor(
    message: string,
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** Run git in `cwd` and return stdout. Colour is always off; the pager never runs. */
export function git(cwd: string, args: string[], opts: { allowFail?: boolean } = {}): Promise<{ stdout: string; code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      ["-c", "color.ui=never", "-c", "core.quotepath=off", "--no-pager", ...args],
      { cwd, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: "0", LC_ALL: "C" }, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (err) {
          const code = typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === "number" ? ((err as unknown as { code: number }).code as number) : null;
          if ((err as NodeJS.ErrnoException).code === "ENOENT") return reject(new GitError("git is not installed (or not on PATH)", null, ""));
          if (opts.allowFail) return resolve({ stdout, code: code ?? 1, stderr: String(stderr) });
          return reject(new GitError(`git ${args[0]} failed: ${String(stderr).trim().split("\n")[0] || err.message}`, code, String(stderr)));
        }
        resolve({ stdout, code: 0, stderr: String(stderr) });
      },
    );
  });
}

export interface GitRepo {
  /** Absolute path of the work tree's top level. */
  top: string;
  /** Where the shipshape repository root sits inside the git top level ("" or "sub/dir"). */
  prefix: string;
  shallow: boolean;
}

export async function openRepo(repoRoot: string): Promise<GitRepo> {
  const r = await git(repoRoot, ["rev-parse", "--show-toplevel", "--is-shallow-repository"], { allowFail: true });
  if (r.code !== 0) throw new GitError(`${repoRoot} is not inside a git repository (drift compares deployed commits with the repository's history)`, r.code, "");
  const [top, shallow] = r.stdout.split("\n");
  const prefix = path.relative(top, repoRoot).split(path.sep).join("/");
  return { top, prefix: prefix === "." ? "" : prefix, shallow: shallow?.trim() === "true" };
}

/** Hex digits a value must have to count as a commit id when nobody configured where it comes from. */
export const MIN_SHA_DIGITS = 7;
/** The shortest abbreviation git itself accepts: the floor for a value read from a configured key. */
export const GIT_MIN_ABBREV = 4;

/**
 * Does this look like a commit id (short or full, hex only, at least `minDigits` digits)? Seven by
 * default: "12345" (a build number) or "beef" (a word) must not be resolved to whatever commit
 * happens to start with those digits.
 */
export function looksLikeSha(s: string, minDigits = MIN_SHA_DIGITS): boolean {
  return s.length >= minDigits && /^[0-9a-f]{1,64}$/i.test(s);
}

/**
 * A short or full commit id normalised to the full id of a commit that exists in the local
 * clone, or null when it does not (unknown, ambiguous short id, or not a commit).
 * Comparing a short id with a full one as strings is always "different" (a historical mistake).
 */
export async function resolveCommit(repo: GitRepo, sha: string): Promise<string | null> {
  if (!looksLikeSha(sha, GIT_MIN_ABBREV)) return null;
  const r = await git(repo.top, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${sha.toLowerCase()}^{commit}`], { allowFail: true });
  if (r.code !== 0) return null;
  const full = r.stdout.trim();
  return /^[0-9a-f]{40,64}$/.test(full) ? full : null;
}

/** The commit a ref names (HEAD, origin/main...), or a one-line error. */
export async function resolveRef(repo: GitRepo, ref: string): Promise<string> {
  if (ref.startsWith("-")) throw new GitError(`not a git ref: ${ref}`, null, "");
  const r = await git(repo.top, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`], { allowFail: true });
  if (r.code !== 0) {
    // A fresh `git init`: say so, rather than "HEAD is not a commit".
    const any = await git(repo.top, ["rev-list", "-n", "1", "--all"], { allowFail: true });
    if (any.code === 0 && !any.stdout.trim()) throw new GitError(`the git repository at ${repo.top} has no commits yet: drift compares deployed commits with its history (commit first)`, r.code, "");
    throw new GitError(`not a commit in this repository: ${ref}`, r.code, "");
  }
  return r.stdout.trim();
}

export async function isAncestor(repo: GitRepo, a: string, b: string): Promise<boolean> {
  const r = await git(repo.top, ["merge-base", "--is-ancestor", a, b], { allowFail: true });
  return r.code === 0;
}

export async function countCommits(repo: GitRepo, range: string): Promise<number> {
  const r = await git(repo.top, ["rev-list", "--count", range]);
  return Number(r.stdout.trim()) || 0;
}

export interface Commit {
  sha: string;
  /** Committer date, ISO 8601. */
  date: string;
  author: string;
  subject: string;
  /** Changed paths, repository-relative (relative to the shipshape root), with the change kind. */
  files: { status: string; path: string }[];
}

/** Convert a shipshape-root-relative path to a pathspec git takes literally, from the top level. */
export function pathspec(repo: GitRepo, rel: string): string {
  const r = rel === "." ? "" : rel;
  const p = repo.prefix ? (r ? `${repo.prefix}/${r}` : repo.prefix) : r;
  return p ? `:(top,literal)${p}` : ":(top)";
}

/**
 * Commits in `range` (e.g. `DEPLOYED..HEAD`) that change any of the pathspecs, newest first,
 * with the files each changed. Merges are left out (their changes are in the commits merged);
 * renames are listed as a deletion and an addition so both paths are judged.
 */
export async function logPaths(repo: GitRepo, revArgs: string[], specs: string[]): Promise<Commit[]> {
  if (!specs.length) return [];
  const args = ["log", "--no-color", "--no-merges", "--full-history", "--no-renames", "-z", "--name-status", "--format=%x1e%H%x1f%cI%x1f%an%x1f%s", ...revArgs, "--", ...specs];
  const { stdout } = await git(repo.top, args);
  const out: Commit[] = [];
  for (const chunk of stdout.split("\x1e")) {
    if (!chunk) continue;
    const nul = chunk.indexOf("\0");
    const header = nul >= 0 ? chunk.slice(0, nul) : chunk;
    const [sha, date, author, subject] = header.split("\x1f");
    const rest = nul >= 0 ? chunk.slice(nul + 1).replace(/^\n/, "") : "";
    const parts = rest.split("\0").filter((x, i, a) => !(x === "" && i === a.length - 1));
    const files: { status: string; path: string }[] = [];
    for (let i = 0; i + 1 < parts.length; i += 2) {
      const status = parts[i].replace(/^\n/, "");
      let p = parts[i + 1];
      if (repo.prefix) {
        if (!p.startsWith(repo.prefix + "/")) continue;
        p = p.slice(repo.prefix.length + 1);
      }
      files.push({ status, path: p });
    }
    out.push({ sha, date, author, subject: subject ?? "", files });
  }
  return out;
}
