// A service's build settings as the config declares them at a commit: `dockerfile`, `context`,
// `target`, `build_args` and `build` of its `[services.NAME]` table in shipshape.toml (or
// [tool.shipshape] in pyproject.toml). They change the image as surely as the Dockerfile does,
// so a commit that changes them counts; one that changes the rest of the file (another service,
// a drift table, severities) does not.
import path from "node:path";
import { parse as parseToml } from "smol-toml";
import { git, type GitRepo } from "./git.js";

/** The files that may hold the config, relative to the shipshape root (shipshape.toml wins). */
export const CONFIG_FILES = ["shipshape.toml", "pyproject.toml"];

type Table = Record<string, unknown>;

/** Per repository (one per round): file contents at a revision, which never change. */
const blobs = new WeakMap<GitRepo, Map<string, Promise<string | null>>>();

/** The content of a root-relative `file` at `rev` (`<sha>`, `<sha>^`), or null when there is none. */
function blobAt(repo: GitRepo, rev: string, file: string): Promise<string | null> {
  let m = blobs.get(repo);
  if (!m) blobs.set(repo, (m = new Map()));
  const key = `${rev}:${file}`;
  let p = m.get(key);
  if (!p) {
    const spec = `${rev}:${repo.prefix ? `${repo.prefix}/` : ""}${file}`;
    p = git(repo.top, ["cat-file", "blob", spec], { allowFail: true }).then((r) => (r.code === 0 ? r.stdout : null));
    m.set(key, p);
  }
  return p;
}

const norm = (p: unknown) => (typeof p === "string" ? path.posix.normalize(p.split("\\").join("/")).replace(/(.)\/+$/, "$1") : p);

/**
 * The build settings of `service` at `rev` as one comparable string: null when the config at that
 * revision does not declare the service (or there is no config, or no such revision: a root
 * commit's parent). A config that does not parse is its own text: any change to it counts.
 */
export async function buildSettingsAt(repo: GitRepo, rev: string, service: string): Promise<string | null> {
  let table: Table | null = null;
  for (const file of CONFIG_FILES) {
    const text = await blobAt(repo, rev, file);
    if (text === null) continue;
    let doc: Table;
    try {
      doc = parseToml(text) as Table;
    } catch {
      return `${file}: unreadable: ${text}`;
    }
    if (file === "shipshape.toml") {
      table = doc;
      break;
    }
    const tool = doc.tool as Table | undefined;
    if (tool && typeof tool.shipshape === "object" && tool.shipshape) table = tool.shipshape as Table;
  }
  const svc = (table?.services as Table | undefined)?.[service];
  if (!svc || typeof svc !== "object" || Array.isArray(svc)) return null;
  const s = svc as Table;
  const args = s.build_args && typeof s.build_args === "object" ? (s.build_args as Table) : {};
  return JSON.stringify({
    dockerfile: norm(s.dockerfile) ?? null,
    context: norm(s.context) ?? null,
    target: s.target ?? null,
    build_args: Object.keys(args)
      .sort()
      .map((k) => [k, String(args[k])]),
    build: s.build ?? "docker",
  });
}

/** Do the build settings of `service` differ between two revisions? */
export async function buildSettingsDiffer(repo: GitRepo, a: string, b: string, service: string): Promise<boolean> {
  const [x, y] = await Promise.all([buildSettingsAt(repo, a, service), buildSettingsAt(repo, b, service)]);
  return x !== y;
}
