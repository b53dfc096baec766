// Where a service's deployed state comes from. Each provider returns the revisions that serve
// traffic now (not the newest one created: a revision can exist without serving), each with the
// commit it was built from when the platform records it, or throws ProviderError. A provider
// error is never "no drift": the caller reports it as UNKNOWN with the reason.
import { execFile } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { ProviderConfig } from "./config.js";
import { fetchFailure, formatMs } from "./fetch-failure.js";

export class ProviderError extends Error {}

export interface DeployedRevision {
  /** Revision name (Cloud Run), deployment and generation (Kubernetes), URL (HTTP)... */
  name: string;
  /** Share of traffic, when the platform splits it. */
  percent: number | null;
  /** The commit as the platform reports it (short or full), or null. */
  commit: string | null;
  /** Where the commit was read: `label commit-sha`, `env BUILD_COMMIT`, `image tag`... */
  commitSource: string | null;
  /**
   * The commit was read where the config says it is (commit_label, commit_annotation, commit_env,
   * json_path): taken as it is. Otherwise it was picked up from a well-known key, the image tag or
   * plain text, and must have 7+ hex digits to count as a commit id.
   */
  commitConfigured?: boolean;
  /** With no commit: where it was looked for, said in the reason. */
  commitSearched?: string;
  /** With no usable commit: what to do, when the generic advice does not fit. */
  commitFix?: string;
  /** When this revision was deployed (ISO 8601), used only when no commit is known. */
  deployedAt: string | null;
  image: string | null;
  digest: string | null;
  /** Something the reader should know (rollout in progress...). */
  note?: string;
}

const DEFAULT_COMMIT_KEYS = ["commit-sha", "commit_sha", "commit", "git-commit", "git_commit", "git-sha", "vcs-ref", "org.opencontainers.image.revision", "shipshape.dev/commit"];
const DEFAULT_COMMIT_ENV = ["BUILD_COMMIT", "GIT_COMMIT", "COMMIT_SHA", "SOURCE_COMMIT", "GIT_SHA", "REVISION_SHA"];
const TAG_SHA = /^(?:sha-|git-|commit-)?([0-9a-f]{7,40})$/i;
const AUTO_SHA = /^[0-9a-f]{7,64}$/i;

/**
 * Why a program could not be started at all (ENOENT, EACCES...), in one line. A name without a
 * slash is looked up on PATH; a path with one is resolved from `cwd` (the shipshape root for the
 * command provider), and the message says so, with the absolute path that was tried.
 */
function cannotStart(cmd: string, code: string, cwd: string | undefined): string {
  if (!cmd.includes("/")) return code === "ENOENT" ? `${cmd} not found on PATH` : `${cmd} cannot be run (${code}): check the file PATH finds`;
  const abs = path.resolve(cwd ?? process.cwd(), cmd);
  const where = path.isAbsolute(cmd) ? cmd : `${cmd} (a relative path, resolved from the shipshape root ${cwd ?? process.cwd()}: ${abs})`;
  let st;
  try {
    st = statSync(abs);
  } catch {
    return `cannot run ${where}: no such file`;
  }
  if (st.isDirectory()) return `cannot run ${where}: it is a directory`;
  if (code === "EACCES") return `cannot run ${where}: not executable (chmod +x it, or run it through its interpreter: ["sh", "${cmd}"])`;
  if (code === "ENOENT") return `cannot run ${where}: the interpreter on its #! line was not found`;
  return `cannot run ${where}: ${code}`;
}

function run(cmd: string, args: string[], timeoutMs: number, cwd?: string): Promise<string> {
  const shown = [cmd, ...args.slice(0, 3)].join(" ");
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: "utf8" }, (err, stdout, stderr) => {
      if (err) {
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string; syscall?: string };
        // The program never started: a spawn error, not an exit status.
        if (typeof e.code === "string" && e.syscall?.startsWith("spawn")) return reject(new ProviderError(cannotStart(cmd, e.code, cwd)));
        if (e.killed) return reject(new ProviderError(`${shown} timed out after ${formatMs(timeoutMs)}`));
        const line = String(stderr).trim().split("\n").filter(Boolean).pop() || err.message.split("\n")[0];
        return reject(new ProviderError(`${shown} failed (exit ${e.code}): ${line}`));
      }
      resolve(stdout);
    });
  });
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ProviderError(`${what} did not print JSON`);
  }
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | null => (typeof v === "string" && v ? v : null);

/** A value at a dotted path (`git.commit`, `build.items[0].sha`, `$.version`). */
export function jsonPath(doc: unknown, p: string): unknown {
  let cur: unknown = doc;
  const steps = p.replace(/^\$\.?/, "").match(/[^.[\]]+|\[\d+\]/g) ?? [];
  for (const s of steps) {
    if (cur === null || cur === undefined) return undefined;
    if (s.startsWith("[")) cur = arr(cur)[Number(s.slice(1, -1))];
    else cur = (cur as Obj)[s];
  }
  return cur;
}

/** Where the commit was found, or where it was looked for in vain (for the reason and the fix). */
interface CommitSearch {
  found: { commit: string; source: string; configured: boolean } | null;
  /** Where it was looked for, e.g. `label git-rev and annotation shipshape.dev/commit (as configured)`. */
  searched: string;
  /** What to do when nothing usable was found (undefined: the generic advice). */
  fix?: string;
}

const orList = (xs: string[]) => (xs.length < 2 ? xs.join("") : `${xs.slice(0, -1).join(", ")} or ${xs[xs.length - 1]}`);

/**
 * The commit recorded in labels/annotations/env/image tag. Configured keys (commit_label,
 * commit_annotation, commit_env) are the only places read, in the order labels/annotations then
 * env; without configuration, the well-known keys, then the well-known variables, then the tag.
 */
function findCommit(maps: { kind: "label" | "annotation"; map: Obj }[], env: { name: string; value: string }[], image: string | null, cfg: ProviderConfig): CommitSearch {
  const configured: Partial<Record<"label" | "annotation" | "env", string>> = {};
  if (cfg.commit_label) configured.label = cfg.commit_label;
  if (cfg.commit_annotation) configured.annotation = cfg.commit_annotation;
  if (cfg.commit_env) configured.env = cfg.commit_env;
  if (Object.keys(configured).length) {
    for (const { kind, map } of maps) {
      const k = configured[kind];
      const v = k ? str(map[k]) : null;
      if (k && v) return { found: { commit: v, source: `${kind} ${k}`, configured: true }, searched: "" };
    }
    if (configured.env) {
      const v = env.find((e) => e.name === configured.env)?.value;
      if (v) return { found: { commit: v, source: `env ${configured.env}`, configured: true }, searched: "" };
    }
    const where = (["label", "annotation", "env"] as const).filter((k) => configured[k]).map((k) => `${k} ${configured[k]}`);
    const keys = (["label", "annotation", "env"] as const).filter((k) => configured[k]).map((k) => `commit_${k}`);
    return { found: null, searched: `looked for it only under ${orList(where)} (as configured), and it is not set`, fix: `record the commit under ${orList(where)} at deploy time, or point ${orList(keys)} at where it is recorded` };
  }
  for (const { kind, map } of maps) {
    for (const k of DEFAULT_COMMIT_KEYS) {
      const v = str(map[k]);
      if (v && AUTO_SHA.test(v)) return { found: { commit: v, source: `${kind} ${k}`, configured: false }, searched: "" };
    }
  }
  for (const k of DEFAULT_COMMIT_ENV) {
    const v = env.find((e) => e.name === k)?.value;
    if (v && AUTO_SHA.test(v)) return { found: { commit: v, source: `env ${k}`, configured: false }, searched: "" };
  }
  const tagged = cfg.commit_from_tag !== false;
  if (image && tagged) {
    const at = image.indexOf("@");
    const ref = at >= 0 ? image.slice(0, at) : image;
    const colon = ref.lastIndexOf(":");
    const tag = colon > ref.lastIndexOf("/") ? ref.slice(colon + 1) : "";
    const m = TAG_SHA.exec(tag);
    if (m) return { found: { commit: m[1], source: "image tag", configured: false }, searched: "" };
  }
  return { found: null, searched: `looked for it under the well-known label and annotation keys and environment variables${tagged ? " and in the image tag" : ""}` };
}

/** The fields of a DeployedRevision that say where its commit came from. */
function commitFields(s: CommitSearch): Pick<DeployedRevision, "commit" | "commitSource" | "commitConfigured" | "commitSearched" | "commitFix"> {
  if (s.found) return { commit: s.found.commit, commitSource: s.found.source, commitConfigured: s.found.configured };
  return { commit: null, commitSource: null, commitConfigured: false, commitSearched: s.searched, commitFix: s.fix };
}

function containerOf(spec: Obj, name: string | undefined): Obj {
  const cs = arr(spec.containers).map(obj);
  if (name) {
    const c = cs.find((x) => x.name === name);
    if (!c) throw new ProviderError(`no container named ${name}`);
    return c;
  }
  return cs[0] ?? {};
}

function envOf(c: Obj): { name: string; value: string }[] {
  return arr(c.env)
    .map(obj)
    .filter((e) => typeof e.name === "string" && typeof e.value === "string")
    .map((e) => ({ name: e.name as string, value: e.value as string }));
}

// ---------------------------------------------------------------------------------------------
// Cloud Run: `gcloud run services describe` gives a Knative serving.knative.dev/v1 Service whose
// status.traffic[] lists the revisions serving traffic (revisionName, percent, latestRevision);
// `gcloud run revisions describe` gives each Revision (metadata.labels/annotations,
// metadata.creationTimestamp, spec.containers[].image/env, status.imageDigest).
// ---------------------------------------------------------------------------------------------
async function cloudRun(cfg: ProviderConfig, timeoutMs: number): Promise<DeployedRevision[]> {
  const common = ["--format=json"];
  if (cfg.region) common.push(`--region=${cfg.region}`);
  if (cfg.project) common.push(`--project=${cfg.project}`);
  const svcName = cfg.service!;
  const svc = obj(parseJson(await run("gcloud", ["run", "services", "describe", svcName, ...common], timeoutMs), "gcloud run services describe"));
  const traffic = arr(obj(svc.status).traffic).map(obj);
  if (!traffic.length) throw new ProviderError(`Cloud Run service ${svcName} reports no traffic targets (status.traffic is empty): is it ready?`);
  // Several entries may name one revision (tags); sum their shares. Entries at 0% only serve tag URLs.
  const shares = new Map<string, number>();
  for (const t of traffic) {
    const rev = str(t.revisionName);
    const pct = typeof t.percent === "number" ? t.percent : 0;
    if (!rev) continue;
    shares.set(rev, (shares.get(rev) ?? 0) + pct);
  }
  const serving = [...shares].filter(([, p]) => p > 0);
  if (!serving.length) throw new ProviderError(`Cloud Run service ${svcName}: no revision has a share of traffic`);
  const out: DeployedRevision[] = [];
  for (const [revName, percent] of serving) {
    const rev = obj(parseJson(await run("gcloud", ["run", "revisions", "describe", revName, ...common], timeoutMs), "gcloud run revisions describe"));
    const md = obj(rev.metadata);
    const spec = obj(rev.spec);
    const c = containerOf(spec, cfg.container);
    const image = str(c.image);
    const found = findCommit(
      [
        { kind: "label", map: obj(md.labels) },
        { kind: "annotation", map: obj(md.annotations) },
      ],
      envOf(c),
      image,
      cfg,
    );
    out.push({
      name: revName,
      percent,
      ...commitFields(found),
      deployedAt: str(md.creationTimestamp),
      image,
      digest: str(obj(rev.status).imageDigest),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes: `kubectl get deployment NAME -n NS -o json` (apps/v1 Deployment). The commit comes
// from the pod template's annotations/labels, then the Deployment's, then the image tag.
// ---------------------------------------------------------------------------------------------
async function kubernetes(cfg: ProviderConfig, timeoutMs: number): Promise<DeployedRevision[]> {
  const args = ["get", "deployment", cfg.deployment!, "-o", "json"];
  if (cfg.namespace) args.push("-n", cfg.namespace);
  if (cfg.kube_context) args.push("--context", cfg.kube_context);
  const d = obj(parseJson(await run("kubectl", args, timeoutMs), "kubectl get deployment"));
  const md = obj(d.metadata);
  const tmpl = obj(obj(d.spec).template);
  const tmd = obj(tmpl.metadata);
  const c = containerOf(obj(tmpl.spec), cfg.container);
  const image = str(c.image);
  const found = findCommit(
    [
      { kind: "annotation", map: obj(tmd.annotations) },
      { kind: "label", map: obj(tmd.labels) },
      { kind: "annotation", map: obj(md.annotations) },
      { kind: "label", map: obj(md.labels) },
    ],
    envOf(c),
    image,
    cfg,
  );
  const st = obj(d.status);
  const conds = arr(st.conditions).map(obj);
  const progressing = conds.find((x) => x.type === "Progressing");
  const replicas = typeof st.replicas === "number" ? st.replicas : null;
  const updated = typeof st.updatedReplicas === "number" ? st.updatedReplicas : null;
  const rolling = replicas !== null && updated !== null && updated < replicas;
  const gen = str(obj(md.annotations)["deployment.kubernetes.io/revision"]);
  const digest = image && image.includes("@") ? image.slice(image.indexOf("@") + 1) : null;
  return [
    {
      name: `${str(md.name) ?? cfg.deployment}${gen ? ` (rollout ${gen})` : ""}`,
      percent: null,
      ...commitFields(found),
      deployedAt: str(progressing?.lastUpdateTime) ?? str(md.creationTimestamp),
      image,
      digest,
      note: rolling ? `rollout in progress: ${updated} of ${replicas} replicas updated; older pods still serve the previous version` : undefined,
    },
  ];
}

/** The keys searched for the commit in a JSON document without json_path, in this order (then `git.commit`). */
export const DOCUMENT_COMMIT_KEYS = ["commit", "git_commit", "gitCommit", "sha", "git_sha", "revision", "build_commit"];

/** What a JSON value is, for "not a commit id: a number (1234567)". */
function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === "object") return `an object${Object.keys(v as Obj).length ? ` with keys ${Object.keys(v as Obj).slice(0, 5).join(", ")}` : ""}`;
  if (typeof v === "string") return "an empty string";
  return `a ${typeof v} (${String(v).slice(0, 40)})`;
}

/** The dotted path of a value in `doc` that looks like a commit id (a full one first), for a json_path hint. */
function shaPath(doc: unknown): string | null {
  let best: { path: string; full: boolean } | null = null;
  const walk = (v: unknown, p: string, depth: number): void => {
    if (typeof v === "string") {
      if (p && AUTO_SHA.test(v) && (!best || (!best.full && (v.length === 40 || v.length === 64)))) best = { path: p, full: v.length === 40 || v.length === 64 };
      return;
    }
    if (depth > 6 || !v || typeof v !== "object") return;
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${p}[${i}]`, depth + 1));
    else for (const [k, x] of Object.entries(v as Obj)) if (/^[^.[\]\s"]+$/.test(k)) walk(x, p ? `${p}.${k}` : k, depth + 1);
  };
  walk(doc, "", 0);
  return (best as { path: string } | null)?.path ?? null;
}

/** What to do when a plain-text answer is not a commit id. */
const TEXT_FIX = "make the answer the git commit id (plain text, or JSON with it under \"commit\")";

/** Read a commit (and optionally a time) from a JSON document or plain text. */
function fromDocument(text: string, cfg: ProviderConfig, name: string): DeployedRevision[] {
  const trimmed = text.trim();
  let doc: unknown;
  try {
    // Plain text that JSON would read as a number: `1234567` or `4e12345` is an abbreviated commit id.
    if (!cfg.json_path && /^[0-9a-f]+$/i.test(trimmed)) throw new SyntaxError("plain text");
    doc = JSON.parse(trimmed);
  } catch {
    if (cfg.json_path) throw new ProviderError(`${name}: expected JSON (json_path = "${cfg.json_path}")`);
    if (/^[[{]/.test(trimmed)) throw new ProviderError(`${name}: invalid JSON`);
    const first = trimmed.split(/\s+/)[0] ?? "";
    if (!first) throw new ProviderError(`${name}: empty answer`);
    return [{ name, percent: null, commit: first, commitSource: "text", commitConfigured: false, commitFix: TEXT_FIX, deployedAt: null, image: null, digest: null }];
  }
  const one = (d: unknown, label: string): DeployedRevision => {
    if (typeof d === "string") return { name: label, percent: null, commit: d, commitSource: "text", commitConfigured: false, commitFix: TEXT_FIX, deployedAt: null, image: null, digest: null };
    const o = obj(d);
    let commit: unknown;
    let source: string | null = null;
    if (cfg.json_path) {
      commit = jsonPath(d, cfg.json_path);
      source = cfg.json_path;
      if (commit === undefined) throw new ProviderError(`${name}: no value at ${cfg.json_path}`);
      if (typeof commit !== "string" || !commit) throw new ProviderError(`${name}: the value at ${cfg.json_path} is not a commit id: ${describeValue(commit)}`);
    } else {
      // The first of the known keys that holds a commit id (7+ hex digits) wins: a revision name
      // under `revision` must not hide the commit under `git.commit`. When none does, the first
      // string found is reported, and judged "not a commit id".
      let other: [string, string] | null = null;
      for (const [k, val] of [...DOCUMENT_COMMIT_KEYS.map((k) => [k, o[k]] as const), ["git.commit", obj(o.git).commit] as const]) {
        if (typeof val !== "string" || !val) continue;
        if (AUTO_SHA.test(val.trim())) {
          commit = val;
          source = k;
          break;
        }
        other ??= [k, val];
      }
      if (commit === undefined && other) [source, commit] = other;
    }
    let searched: Pick<DeployedRevision, "commitSearched" | "commitFix"> = {};
    if (cfg.json_path) searched = { commitFix: `record the git commit id at ${cfg.json_path}, or point json_path at where it is` };
    else if (commit === undefined || (typeof commit === "string" && !AUTO_SHA.test(commit.trim()))) {
      const at = shaPath(d);
      searched = {
        commitSearched: `looked for it under the keys ${orList([...DOCUMENT_COMMIT_KEYS, "git.commit"]).replace(/ or /, " and ")}`,
        commitFix: at ? `set json_path = "${at}" (its value looks like a commit id)` : `set json_path = "..." to where the answer holds the commit id`,
      };
    }
    const time = cfg.time_path ? jsonPath(d, cfg.time_path) : (o.deployed_at ?? o.deployedAt ?? o.built_at ?? null);
    return {
      name: str(o.name) ?? str(o.revision_name) ?? label,
      percent: typeof o.percent === "number" ? o.percent : null,
      commit: typeof commit === "string" && commit ? commit : null,
      commitSource: source,
      commitConfigured: cfg.json_path !== undefined,
      ...searched,
      deployedAt: typeof time === "string" ? time : null,
      image: str(o.image),
      digest: str(o.digest),
    };
  };
  if (Array.isArray(doc) && !cfg.json_path) {
    const revs = doc.map((d, i) => one(d, `${name}[${i}]`)).filter((r) => r.percent === null || r.percent > 0);
    if (!revs.length) throw new ProviderError(`${name}: no revision listed`);
    return revs;
  }
  return [one(doc, name)];
}

async function http(cfg: ProviderConfig, timeoutMs: number): Promise<DeployedRevision[]> {
  // Messages (and alerts) name the endpoint without its query string, which may hold a token.
  const url = cfg.url!.replace(/[?#].*$/, "");
  let res: Response;
  try {
    res = await fetch(cfg.url!, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: "application/json, text/plain;q=0.9" }, redirect: "follow" });
  } catch (e) {
    throw new ProviderError(`${url}: ${fetchFailure(e, timeoutMs)}`);
  }
  // The timeout covers the body too: one that stalls after the headers, or a connection that is
  // reset mid-answer, is said as such (not read as an empty answer).
  const read = await res.text().then(
    (text) => ({ text, error: null as unknown }),
    (e: unknown) => ({ text: "", error: e ?? new Error("unknown error") }),
  );
  if (!res.ok) throw new ProviderError(`${url} answered HTTP ${res.status}`);
  if (read.error) throw new ProviderError(`${url}: ${fetchFailure(read.error, timeoutMs, "body")}`);
  const body = read.text;
  // A login page or a proxy's error page served with 200 (often after a redirect): say what it is,
  // rather than "invalid JSON" or "<!DOCTYPE is not a commit id".
  const trimmed = body.trimStart();
  if (/html/i.test(res.headers.get("content-type") ?? "") || /^<(?:!doctype|html|head|body|title|meta|div|p)[\s>]/i.test(trimmed)) {
    let parsed = false;
    try {
      JSON.parse(trimmed);
      parsed = true;
    } catch {
      /* HTML indeed */
    }
    if (!parsed) {
      const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1]?.replace(/\s+/g, " ").trim().slice(0, 80);
      let moved = "";
      if (res.redirected && res.url) {
        const u = new URL(res.url);
        moved = `, after a redirect to ${u.origin}${u.pathname}`;
      }
      throw new ProviderError(`${url} answered HTML, not JSON${title ? ` (page title "${title}")` : ""}${moved}: a login page or a proxy's error page? Point url at an endpoint that returns the commit`);
    }
  }
  return fromDocument(body, cfg, url);
}

async function file(cfg: ProviderConfig, repoRoot: string): Promise<DeployedRevision[]> {
  const p = path.resolve(repoRoot, cfg.path!);
  let text: string;
  try {
    text = readFileSync(p, "utf8");
  } catch (e) {
    throw new ProviderError(`cannot read ${cfg.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return fromDocument(text, cfg, cfg.path!);
}

async function command(cfg: ProviderConfig, timeoutMs: number, repoRoot: string): Promise<DeployedRevision[]> {
  const [cmd, ...args] = cfg.command!;
  return fromDocument(await run(cmd, args, timeoutMs, repoRoot), cfg, cmd);
}

export async function deployedRevisions(cfg: ProviderConfig, repoRoot: string): Promise<DeployedRevision[]> {
  const timeoutMs = cfg.timeoutMs;
  switch (cfg.provider) {
    case "cloudrun":
      return cloudRun(cfg, timeoutMs);
    case "kubernetes":
      return kubernetes(cfg, timeoutMs);
    case "http":
      return http(cfg, timeoutMs);
    case "file":
      return file(cfg, repoRoot);
    case "command":
      return command(cfg, timeoutMs, repoRoot);
  }
}
