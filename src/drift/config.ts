// Drift configuration: `[services.NAME.drift]` per service (where its deployed state comes from)
// and `[drift]` for the whole repository (state file, closure mode, alert channels). Read from
// the same file as the rest of the config: shipshape.toml, or [tool.shipshape] in pyproject.toml.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseToml } from "smol-toml";
import { UsageError, knownKeys } from "../discover.js";
import type { ClosureMode } from "./closure.js";
import { MAX_TIMER_MS } from "../timers.js";

export type ProviderKind = "cloudrun" | "kubernetes" | "http" | "file" | "command";

export interface ProviderConfig {
  provider: ProviderKind;
  timeoutMs: number;
  closure?: ClosureMode;
  // cloudrun
  service?: string;
  region?: string;
  project?: string;
  // kubernetes
  deployment?: string;
  namespace?: string;
  kube_context?: string;
  container?: string;
  // where the commit is recorded (cloudrun, kubernetes)
  commit_label?: string;
  commit_annotation?: string;
  commit_env?: string;
  commit_from_tag?: boolean;
  // http / file / command
  url?: string;
  path?: string;
  command?: string[];
  json_path?: string;
  time_path?: string;
}

export interface AlertsConfig {
  slackEnv: string;
  webhookEnv: string;
  timeoutMs: number;
  retries: number;
  retryBaseMs: number;
}

export interface DriftConfig {
  /** Config file (repo-relative) or null. */
  file: string | null;
  statePath: string;
  closure: ClosureMode;
  ref: string;
  alerts: AlertsConfig;
  /** Per service name: its provider. */
  services: Map<string, ProviderConfig>;
}

/** `500ms`, `10s`, `5m`, `2h`, `1d` (a bare number is seconds) to milliseconds, or null. */
export function parseDuration(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v) && v >= 0) return v * 1000;
  if (typeof v !== "string") return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(v);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? "s") as "ms"];
  return n * unit;
}

const PROVIDERS: ProviderKind[] = ["cloudrun", "kubernetes", "http", "file", "command"];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function readTable(repoRoot: string): { table: Record<string, unknown>; file: string | null; where: string } {
  const st = path.join(repoRoot, "shipshape.toml");
  const pp = path.join(repoRoot, "pyproject.toml");
  const read = (f: string) => {
    try {
      return parseToml(readFileSync(f, "utf8")) as Record<string, unknown>;
    } catch (e) {
      throw new UsageError(`${path.basename(f)}: invalid TOML: ${(e as Error).message.split("\n")[0]}`);
    }
  };
  if (existsSync(st)) return { table: read(st), file: "shipshape.toml", where: "shipshape.toml" };
  if (existsSync(pp)) {
    const tool = (read(pp).tool ?? {}) as Record<string, unknown>;
    if (tool.shipshape) return { table: tool.shipshape as Record<string, unknown>, file: "pyproject.toml", where: "[tool.shipshape]" };
  }
  return { table: {}, file: null, where: "config" };
}

export function loadDriftConfig(repoRoot: string): DriftConfig {
  const { table, file, where } = readTable(repoRoot);
  const d = (table.drift ?? {}) as Record<string, unknown>;
  if (typeof d !== "object" || Array.isArray(d)) throw new UsageError(`${where} drift must be a table`);
  const str = (v: unknown, what: string): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== "string" || !v) throw new UsageError(`${where} ${what} must be a non-empty string`);
    return v;
  };
  const dur = (v: unknown, what: string, dflt: number): number => {
    if (v === undefined) return dflt;
    const ms = parseDuration(v);
    if (ms === null) throw new UsageError(`${where} ${what} must be a duration like "10s" or "500ms"`);
    // Node's timers take at most 2^31-1 ms (about 24.8 days); a longer one fires at once.
    if (ms <= 0 || ms > MAX_TIMER_MS) throw new UsageError(`${where} ${what} must be more than 0 and at most 24d`);
    return ms;
  };
  const closureOf = (v: unknown, what: string): ClosureMode | undefined => {
    if (v === undefined) return undefined;
    if (v !== "image" && v !== "reachable") throw new UsageError(`${where} ${what} must be "image" or "reachable"`);
    return v;
  };
  const alerts = (d.alerts ?? {}) as Record<string, unknown>;
  const slack = (alerts.slack ?? {}) as Record<string, unknown>;
  const hook = (alerts.webhook ?? {}) as Record<string, unknown>;
  // A misspelt key (`comit_label`, `[drift.alert]`) must not silently do nothing.
  const tableKeys = (t: unknown, keys: string[], prefix: string) => {
    if (t && typeof t === "object" && !Array.isArray(t)) knownKeys(t as Record<string, unknown>, keys, where, prefix);
  };
  tableKeys(d, ["state", "closure", "ref", "alerts"], "drift.");
  tableKeys(alerts, ["timeout", "retries", "retry_base", "slack", "webhook"], "drift.alerts.");
  tableKeys(slack, ["webhook_env"], "drift.alerts.slack.");
  tableKeys(hook, ["url_env"], "drift.alerts.webhook.");
  const slackEnv = str(slack.webhook_env, "drift.alerts.slack.webhook_env") ?? "SHIPSHAPE_SLACK_WEBHOOK";
  const webhookEnv = str(hook.url_env, "drift.alerts.webhook.url_env") ?? "SHIPSHAPE_DRIFT_WEBHOOK";
  for (const [n, what] of [
    [slackEnv, "drift.alerts.slack.webhook_env"],
    [webhookEnv, "drift.alerts.webhook.url_env"],
  ])
    if (!ENV_NAME.test(n)) throw new UsageError(`${where} ${what} must name an environment variable (the URL itself never goes in the config)`);
  const retries = alerts.retries ?? 3;
  if (typeof retries !== "number" || !Number.isInteger(retries) || retries < 0 || retries > 10) throw new UsageError(`${where} drift.alerts.retries must be an integer from 0 to 10`);

  const cfg: DriftConfig = {
    file,
    statePath: path.resolve(repoRoot, str(d.state, "drift.state") ?? path.join(".shipshape", "state.db")),
    closure: closureOf(d.closure, "drift.closure") ?? "image",
    ref: str(d.ref, "drift.ref") ?? "HEAD",
    alerts: {
      slackEnv,
      webhookEnv,
      timeoutMs: dur(alerts.timeout, "drift.alerts.timeout", 10_000),
      retries,
      retryBaseMs: dur(alerts.retry_base, "drift.alerts.retry_base", 1000),
    },
    services: new Map(),
  };

  const services = (table.services ?? {}) as Record<string, Record<string, unknown>>;
  for (const [name, s] of Object.entries(services)) {
    if (!s || typeof s !== "object" || s.drift === undefined) continue;
    const t = s.drift as Record<string, unknown>;
    const w = `services.${name}.drift`;
    if (typeof t !== "object" || Array.isArray(t)) throw new UsageError(`${where} ${w} must be a table`);
    tableKeys(t, ["provider", "timeout", "closure", "service", "region", "project", "deployment", "namespace", "context", "container", "commit_label", "commit_annotation", "commit_env", "commit_from_tag", "url", "path", "json_path", "time_path", "command"], `${w}.`);
    const provider = t.provider;
    if (typeof provider !== "string" || !PROVIDERS.includes(provider as ProviderKind)) throw new UsageError(`${where} ${w}.provider must be one of ${PROVIDERS.map((p) => `"${p}"`).join(", ")}`);
    const p: ProviderConfig = {
      provider: provider as ProviderKind,
      timeoutMs: dur(t.timeout, `${w}.timeout`, provider === "http" ? 10_000 : 60_000),
      closure: closureOf(t.closure, `${w}.closure`),
      service: str(t.service, `${w}.service`),
      region: str(t.region, `${w}.region`),
      project: str(t.project, `${w}.project`),
      deployment: str(t.deployment, `${w}.deployment`),
      namespace: str(t.namespace, `${w}.namespace`),
      kube_context: str(t.context, `${w}.context`),
      container: str(t.container, `${w}.container`),
      commit_label: str(t.commit_label, `${w}.commit_label`),
      commit_annotation: str(t.commit_annotation, `${w}.commit_annotation`),
      commit_env: str(t.commit_env, `${w}.commit_env`),
      url: str(t.url, `${w}.url`),
      path: str(t.path, `${w}.path`),
      json_path: str(t.json_path, `${w}.json_path`),
      time_path: str(t.time_path, `${w}.time_path`),
    };
    if (t.commit_from_tag !== undefined) {
      if (typeof t.commit_from_tag !== "boolean") throw new UsageError(`${where} ${w}.commit_from_tag must be true or false`);
      p.commit_from_tag = t.commit_from_tag;
    }
    if (t.command !== undefined) {
      if (!Array.isArray(t.command) || !t.command.length || !t.command.every((x) => typeof x === "string")) throw new UsageError(`${where} ${w}.command must be a list of strings (program and arguments, no shell)`);
      p.command = t.command as string[];
    }
    const need = (k: keyof ProviderConfig, key = k as string) => {
      if (p[k] === undefined) throw new UsageError(`${where} ${w}.${key} is required for provider "${provider}"`);
    };
    if (p.provider === "cloudrun") {
      p.service ??= name;
      need("region");
    } else if (p.provider === "kubernetes") {
      p.deployment ??= name;
    } else if (p.provider === "http") {
      need("url");
      if (!/^https?:\/\//.test(p.url!)) throw new UsageError(`${where} ${w}.url must be an http:// or https:// URL`);
      if (/^https?:\/\/[^/?#]*@/.test(p.url!)) throw new UsageError(`${where} ${w}.url must not hold a user or password (fetch refuses them, and the config is no place for secrets)`);
    } else if (p.provider === "file") need("path");
    else if (p.provider === "command") need("command");
    for (const k of ["service", "region", "project", "deployment", "namespace", "kube_context", "container"] as const) {
      if (p[k]?.startsWith("-")) throw new UsageError(`${where} ${w}: ${k} may not start with "-"`);
    }
    cfg.services.set(name, p);
  }
  return cfg;
}
