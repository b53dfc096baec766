// A deterministic synthetic Python monorepo for the `shipshape check` benchmark.
//
// Shape (defaults): 2,500 Python files, ~30 MB, 40 services. A handful of shared packages
// (libs/common, libs/db, libs/http, libs/telemetry, libs/ml, predictions/shared) with nested
// subpackages and re-exporting __init__ files, and one service per Dockerfile under
// services/<name>/, each built from the repository root and copying the shared packages it uses.
// Imports form a connected graph: every module is reachable from some service's entry point,
// most of every shared package is reachable from every service that uses it (the realistic
// worst case). The repository is clean except for a small, known set of injected problems,
// which generateMonorepo() returns.
//
// Run alone: node dist/bench/gen-monorepo.js <dir> [--files N] [--bytes B] [--dockerfiles D] [--seed S]
// (generates, then runs verifyGenerated() and compares its findings with the injected problems).
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

export interface GenerateOptions {
  /** Python files to write (default 2,500). */
  files?: number;
  /** Total bytes of Python source to aim for (default files × 12,000: 30 MB for 2,500 files). */
  bytes?: number;
  /** Dockerfiles = services (default 40). */
  dockerfiles?: number;
  /** PRNG seed (default 1). */
  seed?: number;
}

export interface InjectedProblem {
  kind: "module-not-copied" | "deferred-import-not-copied";
  /** Service folder name (services/<service>/). */
  service: string;
  dockerfile: string;
  /** The importing file, repository-relative. */
  file: string;
  /** 1-based line of the import statement. */
  line: number;
  /** The dotted module imported. */
  module: string;
  /** The repository path the Dockerfile does not copy. */
  missing: string;
  description: string;
}

export interface GeneratedService {
  name: string;
  dockerfile: string;
  kind: EntryKind;
  cmd: string[];
  /** Shared package folders the Dockerfile copies. */
  copies: string[];
}

export interface GenerateResult {
  /** Python files written. */
  files: number;
  /** Bytes of Python source written. */
  bytes: number;
  dockerfiles: number;
  /** Other files written (Dockerfiles, requirements, .dockerignore, shipshape.toml, README). */
  otherFiles: number;
  services: GeneratedService[];
  problems: InjectedProblem[];
}

export type EntryKind = "gunicorn" | "python-m" | "uvicorn" | "celery" | "script";

const MARKER = ".shipshape-bench.json";

// ---------------------------------------------------------------------------
// PRNG
// ---------------------------------------------------------------------------

class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = (seed ^ 0x9e3779b9) >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[Math.floor(this.next() * a.length)];
  }
  weighted<T>(a: readonly T[], w: readonly number[]): T {
    const total = w.reduce((x, y) => x + y, 0);
    let r = this.next() * total;
    for (let i = 0; i < a.length; i++) {
      r -= w[i];
      if (r < 0) return a[i];
    }
    return a[a.length - 1];
  }
  shuffle<T>(a: readonly T[]): T[] {
    const b = a.slice();
    for (let i = b.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [b[i], b[j]] = [b[j], b[i]];
    }
    return b;
  }
  sample<T>(a: readonly T[], k: number): T[] {
    return this.shuffle(a).slice(0, Math.max(0, Math.min(k, a.length)));
  }
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

// ---------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------

// Module and package names. Checked against sys.stdlib_module_names, keywords, builtins and the
// names the generated imports bind, so a module never shadows anything.
const NOUNS = (
  "account adapter address agent aggregate alert allocation archive asset audit backoff balance batch bucket budget " +
  "buffer bundle cache campaign catalog channel checkpoint claim client cluster cohort column command connector " +
  "consumer contract counter coupon cursor customer dataset deadline delivery device digest dispatch document domain " +
  "draft engine entity envelope estimator exporter feature feed fixture forecast formatter gateway grade graph guard " +
  "handler header history hook ingest inventory invoice job journal kernel label ledger lease limiter loader manifest " +
  "mapper market matcher metric migration monitor notifier offset order outcome pager partition payload payment " +
  "pipeline planner policy pool portfolio predictor pricing probe producer profiler projection publisher quota " +
  "ranking reader receipt record registry report repository resolver router rule runner sampler scheduler schema " +
  "scorer segment sensor serializer session settlement shard snapshot splitter stage stream subscriber summary tenant " +
  "ticket timer tracker upload validator vector vendor window writer auditor broker courier ingestor reducer selector " +
  "tagger tokenizer throttle watcher warehouse wallet voucher venue trade transfer usage workflow artifact blob " +
  "credential crawler decoder encoder evaluator fetcher indexer linker notice packer parcel quote rollup sketch spool " +
  "staging tally bridge cadence citation dossier facet fragment ingress keeper lineage mailer matrix meter nudge " +
  "outbox pivot prefetch quorum relay roster scope sieve slot spindle summit tier tracer vault verdict"
).split(" ");

const VERBS = (
  "build compute load fetch parse render validate normalize merge split apply collect resolve publish schedule " +
  "refresh rank encode decode register emit flush compact reconcile estimate sample prune enrich hydrate persist " +
  "archive stage score summarize aggregate partition dedupe backfill rebalance evict throttle verify extract"
).split(" ");

const ADJS = (
  "active cached daily default external hourly incoming internal latest local nightly outgoing partial pending " +
  "primary raw remote scheduled shared stale staged unified weekly batched derived frozen global rolling streaming"
).split(" ");

const CLASS_KINDS = ["Client", "Service", "Manager", "Repository", "Handler", "Config", "Processor", "Builder", "Policy", "Store", "Adapter", "Tracker"];
const CONST_PREFIX = ["DEFAULT", "MAX", "MIN", "BASE"];
const CONST_SUFFIX = ["SIZE", "TIMEOUT", "LIMIT", "RETRIES", "TTL", "PREFIX", "WINDOW", "THRESHOLD"];
const PARAMS = ["payload", "records", "limit", "name", "options", "timeout", "items", "key", "value", "path", "client", "batch_size", "rows", "config", "context", "since", "tenant_id", "threshold"];
const PARAM_TYPES: Record<string, string> = {
  payload: "Dict[str, Any]", records: "List[Dict[str, Any]]", limit: "int", name: "str", options: "Optional[Dict[str, Any]]",
  timeout: "float", items: "List[Any]", key: "str", value: "Any", path: "str", client: "Any", batch_size: "int",
  rows: "List[Dict[str, Any]]", config: "Dict[str, Any]", context: "Optional[Dict[str, Any]]", since: "Optional[str]",
  tenant_id: "str", threshold: "float",
};
const LOCALS = ["result", "rows_out", "frame", "index_map", "scores", "buffered", "pending", "selected", "summary_map", "entries", "grouped", "ratio", "cutoff", "digest_value", "window_rows", "merged", "response_data", "weights", "counts", "started"];
const KEYS = ["id", "name", "status", "created_at", "updated_at", "score", "tenant", "region", "kind", "version", "weight", "label", "source", "owner", "priority"];
const PROSE = (
  "the service keeps this module small so that it can be imported by workers and by the api alike; values are " +
  "normalised before they are written and every write is idempotent so retries are safe; callers pass plain " +
  "dictionaries rather than model objects because the payloads cross process boundaries; results are cached for " +
  "a short window and invalidated when the upstream version changes; errors are logged with enough context to " +
  "replay the request; the batch size is tuned for the warehouse quotas and should not be raised without checking " +
  "the cost dashboard; timestamps are always timezone aware and stored in utc"
).split("; ");

// Third-party imports: statement, names it binds, the distribution that provides it.
interface ThirdParty {
  stmt: string;
  bound: string[];
  top: string;
  dist: string | null; // null: optional, never installed (always imported under try/except ImportError)
}
const THIRD_PARTY: Record<string, ThirdParty> = {
  requests: { stmt: "import requests", bound: ["requests"], top: "requests", dist: "requests==2.31.0" },
  numpy: { stmt: "import numpy as np", bound: ["np"], top: "numpy", dist: "numpy==1.26.4" },
  pandas: { stmt: "import pandas as pd", bound: ["pd"], top: "pandas", dist: "pandas==2.1.4" },
  yaml: { stmt: "import yaml", bound: ["yaml"], top: "yaml", dist: "PyYAML==6.0.1" },
  pydantic: { stmt: "from pydantic import BaseModel, Field", bound: ["BaseModel", "Field"], top: "pydantic", dist: "pydantic==2.5.3" },
  dateutil: { stmt: "from dateutil import parser as date_parser", bound: ["date_parser"], top: "dateutil", dist: "python-dateutil==2.8.2" },
  sqlalchemy: { stmt: "import sqlalchemy as sa", bound: ["sa"], top: "sqlalchemy", dist: "SQLAlchemy==2.0.25" },
  bigquery: { stmt: "from google.cloud import bigquery", bound: ["bigquery"], top: "google", dist: "google-cloud-bigquery==3.14.1" },
  gcs: { stmt: "from google.cloud import storage as gcs", bound: ["gcs"], top: "google", dist: "google-cloud-storage==2.14.0" },
  dbdtypes: { stmt: "import db_dtypes  # noqa: F401  (needed by .to_dataframe())", bound: ["db_dtypes"], top: "db_dtypes", dist: "db-dtypes==1.2.0" },
  redis: { stmt: "import redis", bound: ["redis"], top: "redis", dist: "redis==5.0.1" },
  psycopg2: { stmt: "import psycopg2", bound: ["psycopg2"], top: "psycopg2", dist: "psycopg2-binary==2.9.9" },
  httpx: { stmt: "import httpx", bound: ["httpx"], top: "httpx", dist: "httpx==0.26.0" },
  flask: { stmt: "from flask import Flask, jsonify", bound: ["Flask", "jsonify"], top: "flask", dist: "Flask==3.0.0" },
  fastapi: { stmt: "from fastapi import FastAPI, HTTPException", bound: ["FastAPI", "HTTPException"], top: "fastapi", dist: "fastapi==0.109.0" },
  celery: { stmt: "from celery import Celery", bound: ["Celery"], top: "celery", dist: "celery==5.3.6" },
  sklearn: { stmt: "from sklearn.linear_model import LogisticRegression", bound: ["LogisticRegression"], top: "sklearn", dist: "scikit-learn==1.3.2" },
  scipy: { stmt: "from scipy import stats as sp_stats", bound: ["sp_stats"], top: "scipy", dist: "scipy==1.11.4" },
  joblib: { stmt: "import joblib", bound: ["joblib"], top: "joblib", dist: "joblib==1.3.2" },
  prometheus: { stmt: "from prometheus_client import Counter, Histogram", bound: ["Counter", "Histogram"], top: "prometheus_client", dist: "prometheus-client==0.19.0" },
  structlog: { stmt: "import structlog", bound: ["structlog"], top: "structlog", dist: "structlog==23.2.0" },
  tenacity: { stmt: "from tenacity import retry, stop_after_attempt", bound: ["retry", "stop_after_attempt"], top: "tenacity", dist: "tenacity==8.2.3" },
  orjson: { stmt: "import orjson as fast_json", bound: ["fast_json"], top: "orjson", dist: null },
  ujson: { stmt: "import ujson as fast_json", bound: ["fast_json"], top: "ujson", dist: null },
};
const RUNNER_DIST: Record<EntryKind, string | null> = { gunicorn: "gunicorn==21.2.0", uvicorn: "uvicorn==0.25.0", celery: "celery==5.3.6", "python-m": null, script: null };

// Standard-library imports: statement and bound names.
const STDLIB: Record<string, { stmt: string; bound: string[]; from?: string }> = {
  os: { stmt: "import os", bound: ["os"] },
  sys: { stmt: "import sys", bound: ["sys"] },
  json: { stmt: "import json", bound: ["json"] },
  re: { stmt: "import re", bound: ["re"] },
  time: { stmt: "import time", bound: ["time"] },
  uuid: { stmt: "import uuid", bound: ["uuid"] },
  hashlib: { stmt: "import hashlib", bound: ["hashlib"] },
  math: { stmt: "import math", bound: ["math"] },
  threading: { stmt: "import threading", bound: ["threading"] },
  csv: { stmt: "import csv", bound: ["csv"] },
  io: { stmt: "import io", bound: ["io"] },
  itertools: { stmt: "import itertools", bound: ["itertools"] },
  functools: { stmt: "import functools", bound: ["functools"] },
  collections: { stmt: "from collections import OrderedDict, defaultdict", bound: ["OrderedDict", "defaultdict"], from: "collections" },
  dataclasses: { stmt: "from dataclasses import dataclass, field", bound: ["dataclass", "field"], from: "dataclasses" },
  datetime: { stmt: "from datetime import datetime, timedelta, timezone", bound: ["datetime", "timedelta", "timezone"], from: "datetime" },
  enum: { stmt: "from enum import Enum", bound: ["Enum"], from: "enum" },
  pathlib: { stmt: "from pathlib import Path", bound: ["Path"], from: "pathlib" },
  contextlib: { stmt: "from contextlib import contextmanager", bound: ["contextmanager"], from: "contextlib" },
  concurrent: { stmt: "from concurrent.futures import ThreadPoolExecutor", bound: ["ThreadPoolExecutor"], from: "concurrent.futures" },
};
const STDLIB_OPTIONAL = ["os", "sys", "json", "re", "time", "uuid", "hashlib", "math", "threading", "csv", "io", "itertools", "functools", "collections", "datetime", "pathlib", "contextlib", "concurrent"];
/** Top-level names every generated import may use that are not in the repository. */
const EXTERNAL_TOPS = new Set<string>([
  "__future__", "logging", "typing", ...Object.keys(STDLIB).map((k) => (STDLIB[k].from ?? k).split(".")[0]),
  ...Object.values(THIRD_PARTY).map((t) => t.top), "pytest",
]);

const RESERVED = new Set<string>([
  "app", "main", "api", "tasks", "logger", "annotations", "TYPE_CHECKING", "Any", "Dict", "List", "Optional", "logging", "pytest",
  ...Object.values(STDLIB).flatMap((s) => s.bound), ...Object.values(THIRD_PARTY).flatMap((t) => t.bound), ...EXTERNAL_TOPS,
]);
const MODULE_NOUNS = NOUNS.filter((n) => !RESERVED.has(n));

// ---------------------------------------------------------------------------
// The model: units (shared packages, services), modules, import edges
// ---------------------------------------------------------------------------

type ExportKind = "func" | "class" | "error" | "dataclass" | "enum" | "const";
interface Export {
  name: string;
  kind: ExportKind;
}

type Placement = "top" | "deferred" | "typecheck" | "guarded";
interface Edge {
  /** The module that ends up imported (for "from-sub": the submodule or subpackage). */
  target: Mod;
  /** import a.b.c | from a.b.c import x | from a.b import c */
  form: "import" | "from" | "from-sub";
  names: string[];
  /** 0 = absolute, else the number of leading dots. */
  level: number;
  placement: Placement;
  problem?: InjectedProblem;
}

interface Mod {
  id: number;
  unit: Unit;
  /** Repo-relative posix path of the file. */
  file: string;
  /** Dotted segments from its sys.path root (the repo root, or the script folder for script services). */
  segs: string[];
  isInit: boolean;
  /** main/api/tasks of a service. */
  special: "" | "main" | "api" | "tasks";
  rank: number;
  exports: Export[];
  /** For __init__ files: names re-exported from children (importable as `from pkg import name`). */
  reexported: Export[];
  edges: Edge[];
  thirdParty: string[];
  optional: string | null;
  targetBytes: number;
  test: boolean;
}

interface Unit {
  key: string;
  kind: "shared" | "service";
  /** Repo-relative folder. */
  dir: string;
  /** Dotted segments of `dir` from its sys.path root ([] for a script service). */
  rootSegs: string[];
  script: boolean;
  deps: Unit[];
  mods: Mod[];
  rootInit: Mod | null;
  profile: string[];
  // services only
  entryKind?: EntryKind;
  uses?: Unit[];
  omitted?: Unit | null;
  main?: Mod;
  entry?: Mod;
}

interface Dir {
  segs: string[]; // full dotted segments
  file: string; // repo-relative dir
  depth: number;
  init: Mod | null;
  names: Set<string>;
  parent: Dir | null;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

class Names {
  private used = new Set<string>(RESERVED);
  constructor(private rng: Rng) {}
  private unique(make: () => string): string {
    for (let i = 0; i < 50; i++) {
      const n = make();
      if (!this.used.has(n)) {
        this.used.add(n);
        return n;
      }
    }
    const base = make();
    let i = 2;
    while (this.used.has(`${base}_${i}`)) i++;
    this.used.add(`${base}_${i}`);
    return `${base}_${i}`;
  }
  func(): string {
    const r = this.rng;
    return this.unique(() => (r.chance(0.5) ? `${r.pick(VERBS)}_${r.pick(NOUNS)}` : `${r.pick(VERBS)}_${r.pick(ADJS)}_${r.pick(NOUNS)}`));
  }
  cls(kind: ExportKind): string {
    const r = this.rng;
    const suffix = kind === "error" ? "Error" : kind === "dataclass" ? r.pick(["Record", "Snapshot", "Result", "Spec"]) : kind === "enum" ? "Kind" : r.pick(CLASS_KINDS);
    return this.unique(() => `${cap(r.pick(ADJS))}${cap(r.pick(NOUNS))}${suffix}`);
  }
  constant(): string {
    const r = this.rng;
    return this.unique(() => `${r.pick(CONST_PREFIX)}_${r.pick(NOUNS).toUpperCase()}_${r.pick(CONST_SUFFIX)}`);
  }
}

function apportion(total: number, weights: number[], min: number): number[] {
  const n = weights.length;
  const out = new Array<number>(n).fill(min);
  let rest = total - min * n;
  if (rest < 0) throw new Error(`cannot split ${total} files into ${n} parts of at least ${min}`);
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (w / sum) * rest);
  const floors = exact.map(Math.floor);
  for (let i = 0; i < n; i++) out[i] += floors[i];
  rest -= floors.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - floors[i], i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; k < rest; k++) out[order[k % n][1]]++;
  return out;
}

// ---------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------

const SHARED_SPECS: { key: string; dir: string; deps: string[]; weight: number; profile: string[]; use: number }[] = [
  { key: "common", dir: "libs/common", deps: [], weight: 0.27, profile: ["yaml", "requests", "pydantic", "dateutil"], use: 0.9 },
  { key: "db", dir: "libs/db", deps: ["common"], weight: 0.18, profile: ["sqlalchemy", "bigquery", "dbdtypes", "pandas", "redis", "psycopg2"], use: 0.5 },
  { key: "http", dir: "libs/http", deps: ["common"], weight: 0.1, profile: ["requests", "httpx", "tenacity"], use: 0.35 },
  { key: "telemetry", dir: "libs/telemetry", deps: ["common"], weight: 0.08, profile: ["prometheus", "structlog"], use: 0.45 },
  { key: "ml", dir: "libs/ml", deps: ["common", "db"], weight: 0.21, profile: ["numpy", "pandas", "sklearn", "scipy", "joblib"], use: 0.3 },
  { key: "pshared", dir: "predictions/shared", deps: ["common", "db", "ml"], weight: 0.16, profile: ["numpy", "pandas", "gcs", "bigquery", "dbdtypes"], use: 0.25 },
];
const SERVICE_DOMAINS = (
  "billing grading ingest pricing ranking reporting scoring search alerts catalog checkout export forecast " +
  "inventory ledger notify payments prediction quotes recommend settlement signup tracking usage vendor audit " +
  "backfill coordinator dispatch enrichment features geo identity labels matching metrics onboarding payouts " +
  "refunds risk routing schedule sessions shipping streams tenants webhooks"
).split(" ");
const SERVICE_ROLES = ["api", "worker", "sync", "gateway", "scheduler", "exporter", "consumer", "jobs"];
const SERVICE_PROFILE = ["requests", "pydantic", "numpy", "pandas", "redis", "httpx", "yaml"];

class Generator {
  rng: Rng;
  names: Names;
  mods: Mod[] = [];
  units: Unit[] = [];
  shared: Unit[] = [];
  services: Unit[] = [];
  problems: InjectedProblem[] = [];
  /** Lookup: sys.path root ("" or script dir) + dotted segments -> init module of that package. */
  inits = new Map<string, Mod>();

  constructor(
    private nFiles: number,
    private nBytes: number,
    private nServices: number,
    seed: number,
  ) {
    this.rng = new Rng(seed);
    this.names = new Names(this.rng);
  }

  rootKey(u: Unit): string {
    return u.script ? u.dir : "";
  }

  newMod(unit: Unit, file: string, segs: string[], isInit: boolean, special: Mod["special"] = ""): Mod {
    const m: Mod = {
      id: this.mods.length, unit, file, segs, isInit, special, rank: 0, exports: [], reexported: [], edges: [],
      thirdParty: [], optional: null, targetBytes: 0, test: false,
    };
    this.mods.push(m);
    unit.mods.push(m);
    if (isInit) this.inits.set(this.rootKey(unit) + "|" + segs.join("."), m);
    return m;
  }

  uniqueName(d: Dir): string {
    const avail = MODULE_NOUNS.filter((n) => !d.names.has(n));
    let n = avail.length ? this.rng.pick(avail) : "";
    while (!n || d.names.has(n)) n = `${this.rng.pick(MODULE_NOUNS)}_${this.rng.pick(MODULE_NOUNS)}`;
    d.names.add(n);
    return n;
  }

  /** Subpackages and modules under `root`, `budget` files in all (subpackage inits included). */
  buildTree(unit: Unit, root: Dir, budget: number): void {
    const rng = this.rng;
    const nSub = Math.floor(budget / 9);
    const dirs: Dir[] = [root];
    for (let i = 0; i < nSub; i++) {
      const cands = dirs.filter((d) => d.depth < root.depth + 3);
      const parent = rng.weighted(cands, cands.map((d) => (d.depth === root.depth ? 3 : d.depth === root.depth + 1 ? 1.5 : 1)));
      const name = this.uniqueName(parent);
      const d: Dir = { segs: [...parent.segs, name], file: `${parent.file}/${name}`, depth: parent.depth + 1, init: null, names: new Set(["__init__"]), parent };
      d.init = this.newMod(unit, `${d.file}/__init__.py`, d.segs, true);
      dirs.push(d);
    }
    const nMods = budget - nSub;
    const subs = dirs.slice(1);
    const placeIn: Dir[] = [...subs];
    while (placeIn.length < nMods) placeIn.push(rng.weighted(dirs, dirs.map((d) => (d === root ? 2.5 : 1))));
    for (const d of placeIn.slice(0, nMods)) {
      const name = this.uniqueName(d);
      this.newMod(unit, `${d.file}/${name}.py`, [...d.segs, name], false);
    }
  }

  plan(): void {
    const rng = this.rng;
    const N = this.nFiles;
    const S = this.nServices;
    const nTests = Math.floor(N * 0.02);
    const minPerService = 5;
    const servicesTotal = Math.max(S * minPerService, Math.round(N * 0.58));
    const sharedTotal = N - nTests - servicesTotal;
    if (sharedTotal < SHARED_SPECS.length * 6) throw new Error(`--files ${N} is too small for ${S} services (need at least ${S * minPerService + SHARED_SPECS.length * 6 + nTests})`);

    // Shared packages.
    const sharedCounts = apportion(sharedTotal, SHARED_SPECS.map((s) => s.weight), 6);
    SHARED_SPECS.forEach((spec, i) => {
      const segs = spec.dir.split("/");
      const u: Unit = { key: spec.key, kind: "shared", dir: spec.dir, rootSegs: segs, script: false, deps: spec.deps.map((k) => this.shared.find((x) => x.key === k)!), mods: [], rootInit: null, profile: spec.profile };
      this.shared.push(u);
      this.units.push(u);
      let budget = sharedCounts[i];
      if (spec.key === "pshared") {
        this.newMod(u, "predictions/__init__.py", ["predictions"], true);
        budget--;
      }
      u.rootInit = this.newMod(u, `${spec.dir}/__init__.py`, segs, true);
      budget--;
      const root: Dir = { segs, file: spec.dir, depth: 0, init: u.rootInit, names: new Set(["__init__", "tests"]), parent: null };
      this.buildTree(u, root, budget);
    });

    // Services.
    const kinds: EntryKind[] = [];
    const cycle: EntryKind[] = ["gunicorn", "python-m", "uvicorn", "celery", "script"];
    for (let i = 0; i < S; i++) kinds.push(cycle[i % cycle.length]);
    const shuffledKinds = rng.shuffle(kinds);
    const serviceNames = new Set<string>();
    const weights = Array.from({ length: S }, () => Math.exp(0.5 * rng.normal()));
    const counts = apportion(servicesTotal, weights, minPerService);
    for (let i = 0; i < S; i++) {
      let name = "";
      while (!name || serviceNames.has(name)) name = `${rng.pick(SERVICE_DOMAINS)}_${rng.pick(SERVICE_ROLES)}`;
      serviceNames.add(name);
      const kind = shuffledKinds[i];
      const script = kind === "script";
      const dir = `services/${name}`;
      const u: Unit = { key: name, kind: "service", dir, rootSegs: script ? [] : ["services", name], script, deps: [], mods: [], rootInit: null, profile: SERVICE_PROFILE, entryKind: kind, uses: [], omitted: null };
      this.services.push(u);
      this.units.push(u);
      let budget = counts[i];
      if (!script) {
        u.rootInit = this.newMod(u, `${dir}/__init__.py`, u.rootSegs, true);
        budget--;
      }
      u.main = this.newMod(u, `${dir}/main.py`, [...u.rootSegs, "main"], false, "main");
      budget--;
      u.entry = u.main;
      if (kind === "uvicorn") {
        u.entry = this.newMod(u, `${dir}/api.py`, [...u.rootSegs, "api"], false, "api");
        budget--;
      } else if (kind === "celery") {
        u.entry = this.newMod(u, `${dir}/tasks.py`, [...u.rootSegs, "tasks"], false, "tasks");
        budget--;
      }
      const root: Dir = { segs: u.rootSegs, file: dir, depth: 0, init: u.rootInit, names: new Set(["__init__", "main", "api", "tasks", "requirements"]), parent: null };
      this.buildTree(u, root, budget);
      // Which shared packages the service uses (closed under dependencies).
      const used = new Set<Unit>();
      const add = (p: Unit): void => {
        if (used.has(p)) return;
        used.add(p);
        p.deps.forEach(add);
      };
      SHARED_SPECS.forEach((spec, j) => {
        if (rng.chance(spec.use)) add(this.shared[j]);
      });
      if (!used.size) add(this.shared[0]);
      u.uses = this.shared.filter((p) => used.has(p));
    }
    // Every shared package is used by at least one service.
    for (const p of this.shared) {
      if (this.services.some((s) => s.uses!.includes(p))) continue;
      const s = rng.pick(this.services);
      const add = (q: Unit): void => {
        if (!s.uses!.includes(q)) s.uses!.push(q);
        q.deps.forEach(add);
      };
      add(p);
      s.uses = this.shared.filter((q) => s.uses!.includes(q));
    }

    // Tests: excluded by .dockerignore, reachable from nothing.
    const testCounts = apportion(nTests, SHARED_SPECS.map((s) => s.weight), 0);
    this.shared.forEach((u, i) => {
      const names = new Set<string>();
      for (let k = 0; k < testCounts[i]; k++) {
        let n = "";
        while (!n || names.has(n)) n = names.size < MODULE_NOUNS.length / 2 ? rng.pick(MODULE_NOUNS) : `${rng.pick(MODULE_NOUNS)}_${rng.pick(MODULE_NOUNS)}`;
        names.add(n);
        const m = this.newMod(u, `${u.dir}/tests/test_${n}.py`, [...u.rootSegs, "tests", `test_${n}`], false);
        m.test = true;
      }
    });

    // Ranks: regular modules first (shuffled), then specials, then inits deepest first.
    for (const u of this.units) {
      const regular = rng.shuffle(u.mods.filter((m) => !m.isInit && !m.special && !m.test));
      const specials = u.mods.filter((m) => m.special === "main").concat(u.mods.filter((m) => m.special === "api" || m.special === "tasks"));
      const inits = u.mods.filter((m) => m.isInit).sort((a, b) => b.segs.length - a.segs.length || a.file.localeCompare(b.file));
      [...regular, ...specials, ...inits].forEach((m, i) => (m.rank = i));
    }
  }

  regular(u: Unit): Mod[] {
    return u.mods.filter((m) => !m.isInit && !m.special && !m.test).sort((a, b) => a.rank - b.rank);
  }

  exportsFor(m: Mod): void {
    const rng = this.rng;
    const n = Math.max(2, Math.min(45, Math.round(m.targetBytes / 2600) + rng.int(-1, 2)));
    const consts = rng.int(0, Math.min(3, n - 1));
    for (let i = 0; i < consts; i++) m.exports.push({ name: this.names.constant(), kind: "const" });
    for (let i = consts; i < n; i++) {
      const r = rng.next();
      const kind: ExportKind = r < 0.5 ? "func" : r < 0.72 ? "class" : r < 0.82 ? "dataclass" : r < 0.92 ? "error" : "enum";
      m.exports.push({ name: kind === "func" ? this.names.func() : this.names.cls(kind), kind });
    }
  }

  sizes(): void {
    const rng = this.rng;
    const regular = this.mods.filter((m) => !m.isInit && !m.test);
    const nLarge = Math.max(1, Math.round(regular.length * 0.02));
    const large = new Set(rng.sample(regular, nLarge));
    const estSmall = this.mods.filter((m) => m.isInit).length * 700 + this.mods.filter((m) => m.test).length * 3500;
    let largeBytes = 0;
    for (const m of large) {
      m.targetBytes = rng.int(100_000, 240_000);
      largeBytes += m.targetBytes;
    }
    const rest = regular.filter((m) => !large.has(m));
    const raw = rest.map(() => Math.exp(0.75 * rng.normal()));
    const sum = raw.reduce((a, b) => a + b, 0);
    let budget = this.nBytes - estSmall - largeBytes;
    if (budget < rest.length * 1500) {
      // Small byte targets: shrink the large files first.
      for (const m of large) m.targetBytes = Math.max(3000, Math.round(m.targetBytes * 0.1));
      budget = Math.max(rest.length * 1500, this.nBytes - estSmall - [...large].reduce((a, m) => a + m.targetBytes, 0));
    }
    rest.forEach((m, i) => (m.targetBytes = Math.max(1200, Math.round((raw[i] / sum) * budget))));
    for (const m of this.mods) if (m.isInit) m.targetBytes = 700;
    for (const m of this.mods) if (m.test) m.targetBytes = 3500;
    for (const m of this.mods) if (!m.isInit && !m.test) this.exportsFor(m);
  }

  // --- edges --------------------------------------------------------------------------

  /** Relative level from importer to target package segments, or 0 when a relative import is not possible. */
  relLevel(from: Mod, targetPkgSegs: string[]): { level: number; rest: string[] } | null {
    const pkg = from.isInit ? from.segs : from.segs.slice(0, -1);
    let c = 0;
    while (c < pkg.length && c < targetPkgSegs.length && pkg[c] === targetPkgSegs[c]) c++;
    const minCommon = Math.max(1, from.unit.rootSegs.length);
    if (c < minCommon) return null;
    return { level: pkg.length - c + 1, rest: targetPkgSegs.slice(c) };
  }

  pickNames(target: Mod, placement: Placement): string[] {
    const pool = target.isInit ? target.reexported : target.exports;
    if (!pool.length) return [];
    if (placement === "typecheck") {
      const classes = pool.filter((e) => e.kind !== "func" && e.kind !== "const");
      if (classes.length) return this.rng.sample(classes, this.rng.int(1, 2)).map((e) => e.name);
    }
    return this.rng.sample(pool, this.rng.weighted([1, 2, 3, 4], [5, 3, 2, 1])).map((e) => e.name);
  }

  /** An edge from `from` to `target` (same unit: maybe relative). */
  edge(from: Mod, target: Mod, opts: { placement?: Placement; sameUnit: boolean; form?: Edge["form"] }): Edge | null {
    const rng = this.rng;
    const placement = opts.placement ?? "top";
    let form: Edge["form"] = opts.form ?? (rng.next() < 0.76 ? "from" : rng.next() < 0.6 ? "from-sub" : "import");
    if (target.isInit && form === "from" && !target.reexported.length) form = "from-sub";
    if (form === "from-sub" && target.segs.length < 2) form = "import";
    if (form === "import" && placement === "typecheck") form = "from";
    let names: string[] = [];
    if (form === "from") {
      names = this.pickNames(target, placement);
      if (!names.length) return null;
    }
    let level = 0;
    if (opts.sameUnit && form !== "import" && rng.chance(0.5)) {
      const pkgSegs = form === "from" ? target.segs : target.segs.slice(0, -1);
      const rel = this.relLevel(from, pkgSegs);
      // A relative `from` that names an ancestor package itself (`from .. import X`) is avoided.
      if (rel && !(form === "from" && rel.rest.length === 0)) level = rel.level;
    }
    return { target, form, names, level, placement };
  }

  randomPlacement(): Placement {
    const r = this.rng.next();
    return r < 0.82 ? "top" : r < 0.92 ? "deferred" : r < 0.96 ? "typecheck" : "guarded";
  }

  /** A random import target in shared package p: a module, the root init's re-exports, or a submodule. */
  sharedTarget(p: Unit): { target: Mod; form?: Edge["form"] } {
    const rng = this.rng;
    const r = rng.next();
    if (r < 0.2 && p.rootInit && p.rootInit.reexported.length) return { target: p.rootInit, form: "from" };
    const regs = this.regular(p);
    return { target: rng.pick(regs), form: r < 0.3 ? "from-sub" : undefined };
  }

  addEdges(): void {
    const rng = this.rng;
    // Init re-exports first (so cross-package `from libs.common import X` has names to use).
    for (const u of this.units) {
      for (const init of u.mods.filter((m) => m.isInit)) {
        if (init.unit.kind === "service" || init.segs.length < 2 || init.file === "predictions/__init__.py") continue;
        const isRoot = init === u.rootInit;
        if (!isRoot && !rng.chance(0.5)) continue;
        const children = u.mods.filter((m) => !m.isInit && !m.test && m.segs.length === init.segs.length + 1 && m.segs.slice(0, -1).join(".") === init.segs.join("."));
        for (const c of rng.sample(children, isRoot ? rng.int(2, 6) : rng.int(1, 3))) this.reexport(init, c);
      }
    }
    for (const u of this.units) {
      const regs = this.regular(u);
      const crossPool = u.kind === "shared" ? u.deps : u.uses!;
      regs.forEach((m, idx) => {
        const nSame = idx ? rng.weighted([0, 1, 2, 3, 4], [2, 4, 4, 2, 1]) : 0;
        for (const t of rng.sample(regs.slice(0, idx), nSame)) {
          const e = this.edge(m, t, { sameUnit: true, placement: this.randomPlacement() });
          if (e) m.edges.push(e);
        }
        const nCross = crossPool.length ? (u.kind === "service" ? rng.int(1, 4) : rng.int(0, 3)) : 0;
        for (let k = 0; k < nCross; k++) {
          const p = rng.pick(crossPool);
          const t = this.sharedTarget(p);
          const e = this.edge(m, t.target, { sameUnit: false, placement: this.randomPlacement(), form: t.form });
          if (e) m.edges.push(e);
        }
        m.thirdParty = rng.sample(u.profile, rng.weighted([0, 1, 2, 3], [2, 4, 3, 1]));
        if (rng.chance(0.08)) m.optional = rng.pick(["orjson", "ujson"]);
      });
      if (u.kind === "service") {
        const main = u.main!;
        for (const t of rng.sample(regs, rng.int(3, 8))) {
          const e = this.edge(main, t, { sameUnit: true });
          if (e) main.edges.push(e);
        }
        for (const p of rng.sample(u.uses!, rng.int(1, 2))) {
          const t = this.sharedTarget(p);
          const e = this.edge(main, t.target, { sameUnit: false, form: t.form });
          if (e) main.edges.push(e);
        }
        // Each used package is imported somewhere in the service.
        for (const p of u.uses!) {
          if (regs.concat(main).some((m) => m.edges.some((e) => e.target.unit === p))) continue;
          const from = regs.length ? rng.pick(regs) : main;
          const e = this.edge(from, rng.pick(this.regular(p)), { sameUnit: false, form: "from" });
          if (e) from.edges.push(e);
        }
        main.thirdParty = u.entryKind === "gunicorn" ? ["flask"] : [];
        if (u.entry !== main) {
          const entry = u.entry!;
          const e = this.edge(entry, main, { sameUnit: true, form: "from" });
          if (e) entry.edges.push(e);
          for (const t of rng.sample(regs, rng.int(2, 5))) {
            const e2 = this.edge(entry, t, { sameUnit: true });
            if (e2) entry.edges.push(e2);
          }
          entry.thirdParty = u.entryKind === "uvicorn" ? ["fastapi"] : ["celery"];
        }
      }
    }
    // Tests import a few modules of their package.
    for (const m of this.mods.filter((x) => x.test)) {
      for (const t of rng.sample(this.regular(m.unit), rng.int(1, 3))) {
        const e = this.edge(m, t, { sameUnit: false, form: "from" });
        if (e) m.edges.push(e);
      }
    }
    this.fixReachability();
  }

  reexport(init: Mod, child: Mod): void {
    const pool = child.isInit ? child.reexported : child.exports;
    if (pool.length && this.rng.chance(child.isInit ? 0.5 : 1)) {
      const picked = this.rng.sample(pool.filter((e) => !init.reexported.some((r) => r.name === e.name)), this.rng.int(1, 3));
      if (picked.length) {
        init.edges.push({ target: child, form: "from", names: picked.map((e) => e.name), level: 1, placement: "top" });
        init.reexported.push(...picked);
        return;
      }
    }
    init.edges.push({ target: child, form: "from-sub", names: [], level: 1, placement: "top" });
  }

  parentInits(m: Mod): Mod[] {
    const out: Mod[] = [];
    const key = this.rootKey(m.unit);
    const top = m.isInit ? m.segs.length - 1 : m.segs.length - 1;
    for (let i = 1; i <= top; i++) {
      const init = this.inits.get(key + "|" + m.segs.slice(0, i).join("."));
      if (init) out.push(init);
    }
    return out;
  }

  /** Modules reachable from `starts` over all (non-problem) edges, parents' __init__ included. */
  reach(starts: Mod[]): Set<Mod> {
    const seen = new Set<Mod>();
    const stack = [...starts];
    while (stack.length) {
      const m = stack.pop()!;
      if (seen.has(m)) continue;
      seen.add(m);
      for (const p of this.parentInits(m)) stack.push(p);
      for (const e of m.edges) if (!e.problem) stack.push(e.target);
    }
    return seen;
  }

  fixReachability(): void {
    for (let round = 0; round < 10; round++) {
      const seen = this.reach(this.services.map((s) => s.entry!));
      const missing = this.mods.filter((m) => !seen.has(m) && !m.test);
      if (!missing.length) return;
      for (const m of missing) {
        if (seen.has(m)) continue;
        const u = m.unit;
        if (u.kind === "service") {
          // The service's main imports it.
          const e = this.edge(u.main!, m, { sameUnit: true });
          u.main!.edges.push(e ?? { target: m, form: "import", names: [], level: 0, placement: "top" });
          for (const x of this.reach([m])) seen.add(x);
          continue;
        }
        // Shared: the parent package's __init__ re-exports it, up to the package root.
        let child = m;
        for (;;) {
          const parentSegs = child.isInit ? child.segs.slice(0, -1) : child.segs.slice(0, -1);
          const parent = this.inits.get("|" + parentSegs.join("."));
          if (!parent || parent.file === "predictions/__init__.py") break;
          if (!parent.edges.some((e) => e.target === child)) this.reexport(parent, child);
          if (seen.has(parent)) break;
          child = parent;
        }
        for (const x of this.reach([m])) seen.add(x);
      }
    }
  }

  injectProblems(): void {
    const rng = this.rng;
    const moduleStyle = this.services.filter((s) => !s.script);
    // One deferred import of another service's module, which the Dockerfile does not copy.
    const d = rng.pick(moduleStyle);
    const used = new Set<Unit>([d]);
    const others = moduleStyle.filter((s) => s !== d && this.regular(s).length);
    const o = rng.pick(others);
    used.add(o);
    // Three services whose Dockerfile omits a shared package they import (at one place).
    // The omitted package is one no other package the service copies depends on, and which
    // other services still use (so the rest of the repository stays reachable).
    const omittable = (s: Unit): Unit | null => {
      const uses = s.uses!;
      const tops = uses.filter((p) => !uses.some((q) => q !== p && q.deps.includes(p)));
      const ok = tops.filter((p) => this.services.some((o2) => o2 !== s && !used.has(o2) && o2.uses!.includes(p)));
      return ok.sort((a, b) => SHARED_SPECS.findIndex((x) => x.key === b.key) - SHARED_SPECS.findIndex((x) => x.key === a.key))[0] ?? null;
    };
    const candidates = rng.shuffle(this.services.filter((s) => !used.has(s) && this.regular(s).length));
    const chosen: Unit[] = [];
    const kindsSeen = new Set<EntryKind>();
    const take = (s: Unit): void => {
      const p = omittable(s);
      if (!p) return;
      s.omitted = p;
      chosen.push(s);
      used.add(s);
      kindsSeen.add(s.entryKind!);
    };
    for (const s of candidates) if (chosen.length < 3 && !kindsSeen.has(s.entryKind!)) take(s);
    for (const s of candidates) if (chosen.length < 3 && !chosen.includes(s)) take(s);
    for (const s of chosen) {
      const p = s.omitted!;
      // Remove every import of p from the service; put back exactly one, one file away from main.
      for (const m of s.mods) m.edges = m.edges.filter((e) => e.target.unit !== p);
      const regs = this.regular(s);
      const viaMain = s.main!.edges.filter((e) => e.placement === "top" && e.target.unit === s && !e.target.isInit && !e.target.special).map((e) => e.target);
      let x = viaMain.length ? rng.pick(viaMain) : null;
      if (!x) {
        x = rng.pick(regs);
        s.main!.edges.push({ target: x, form: "import", names: [], level: 0, placement: "top" });
      }
      const target = rng.pick(this.regular(p).filter((t) => t.exports.length));
      const problem: InjectedProblem = {
        kind: "module-not-copied", service: s.key, dockerfile: `${s.dir}/Dockerfile`, file: x.file, line: 0,
        module: target.segs.join("."), missing: `${p.dir}/`,
        description: `${s.dir}/Dockerfile does not COPY ${p.dir}/, which ${x.file} imports`,
      };
      x.edges.push({ target, form: "from", names: [target.exports[0].name], level: 0, placement: "top", problem });
      this.problems.push(problem);
    }
    {
      const viaMain = d.main!.edges.filter((e) => e.placement === "top" && e.target.unit === d && !e.target.isInit && !e.target.special).map((e) => e.target);
      const regs = this.regular(d);
      let x = viaMain.length ? rng.pick(viaMain) : null;
      if (!x) {
        x = rng.pick(regs);
        d.main!.edges.push({ target: x, form: "import", names: [], level: 0, placement: "top" });
      }
      const target = rng.pick(this.regular(o).filter((t) => t.exports.some((e) => e.kind === "func")));
      const fn = target.exports.find((e) => e.kind === "func")!;
      const problem: InjectedProblem = {
        kind: "deferred-import-not-copied", service: d.key, dockerfile: `${d.dir}/Dockerfile`, file: x.file, line: 0,
        module: target.segs.join("."), missing: `${o.dir}/`,
        description: `a function in ${x.file} imports ${target.segs.join(".")} (another service's code), which ${d.dir}/Dockerfile does not copy`,
      };
      x.edges.push({ target, form: "from", names: [fn.name], level: 0, placement: "deferred", problem });
      this.problems.push(problem);
    }
    this.fixReachability();
  }

  // --- rendering ---------------------------------------------------------------------

  importText(from: Mod, e: Edge): string {
    const dotted = (segs: string[]): string => segs.join(".");
    if (e.level > 0) {
      const pkgSegs = e.form === "from" ? e.target.segs : e.target.segs.slice(0, -1);
      const rel = this.relLevel(from, pkgSegs);
      const restSegs = rel ? rel.rest : pkgSegs;
      const lvl = rel ? rel.level : e.level;
      const mod = ".".repeat(lvl) + dotted(restSegs);
      return e.form === "from" ? fromLine(mod, e.names) : `from ${mod} import ${e.target.segs[e.target.segs.length - 1]}`;
    }
    if (e.form === "import") return `import ${dotted(e.target.segs)}`;
    if (e.form === "from-sub") return `from ${dotted(e.target.segs.slice(0, -1))} import ${e.target.segs[e.target.segs.length - 1]}`;
    return fromLine(dotted(e.target.segs), e.names);
  }

  render(m: Mod, target: number): string {
    const rng = this.rng;
    const lines: string[] = [];
    const unitTitle = m.unit.kind === "service" ? `the ${m.unit.key.replace(/_/g, " ")} service` : m.unit.dir.replace(/\//g, ".");
    const leaf = m.isInit ? m.segs[m.segs.length - 1] ?? m.unit.key : m.segs[m.segs.length - 1];
    // Docstring.
    lines.push(`"""${cap(leaf.replace(/_/g, " "))} ${m.isInit ? "package" : "module"} of ${unitTitle}.`);
    if (!m.isInit || rng.chance(0.5)) {
      lines.push("");
      for (const s of rng.sample(PROSE, rng.int(1, 3))) lines.push(...wrap(cap(s) + ".", 88));
    }
    lines.push('"""');

    // Which edges bind which names; drop duplicates.
    const bound = new Set<string>();
    const keep = (e: Edge): boolean => {
      if (e.placement === "deferred") return true;
      if (e.form === "from") {
        e.names = e.names.filter((n) => !bound.has(n));
        e.names.forEach((n) => bound.add(n));
        return e.names.length > 0;
      }
      if (e.form === "from-sub") {
        const b = e.target.segs[e.target.segs.length - 1];
        if (bound.has(b) || RESERVED.has(b) || m.exports.some((x) => x.name === b)) return false;
        bound.add(b);
        return true;
      }
      return true;
    };
    // An edge whose names are all bound already becomes `import a.b.c`: the module still loads.
    const edges = m.edges.map((e) => {
      if (!keep(e)) {
        e.form = "import";
        e.level = 0;
        e.names = [];
      }
      return e;
    });

    if (m.isInit) {
      for (const e of edges) this.pushImport(lines, m, e);
      if (m === m.unit.rootInit && m.unit.kind === "shared") lines.push("", `__version__ = "${rng.int(1, 4)}.${rng.int(0, 20)}.${rng.int(0, 9)}"`);
      if (m.reexported.length) {
        lines.push("", "__all__ = [");
        for (const r of m.reexported) lines.push(`    "${r.name}",`);
        lines.push("]");
      }
      return lines.join("\n") + "\n";
    }

    const std = new Set<string>(["logging"]);
    for (const k of rng.sample(STDLIB_OPTIONAL, rng.int(2, 7))) std.add(k);
    if (m.exports.some((e) => e.kind === "dataclass")) std.add("dataclasses");
    if (m.exports.some((e) => e.kind === "enum")) std.add("enum");
    if (m.special === "main" && m.unit.entryKind !== "gunicorn") std.add("sys");
    if (m.special === "tasks") std.add("os");
    const tp = new Set<string>(m.thirdParty);
    if (m.test) tp.clear();

    const ctx: Ctx = { rng, bound: new Set<string>(), locals: [], funcs: [], classes: [], consts: [], modules: [], lines, pending: [] };
    lines.push("from __future__ import annotations", "");
    const stdLines: string[] = ["import logging"];
    for (const k of std) {
      if (k === "logging") continue;
      stdLines.push(STDLIB[k].stmt);
      STDLIB[k].bound.forEach((b) => ctx.bound.add(b));
    }
    ctx.bound.add("logging");
    stdLines.push("from typing import TYPE_CHECKING, Any, Dict, List, Optional");
    lines.push(...stdLines.sort(isortKey));
    const tpLines = [...tp].map((k) => THIRD_PARTY[k].stmt);
    if (m.test) tpLines.push("import pytest");
    if (tpLines.length) lines.push("", ...tpLines.sort(isortKey));
    for (const k of tp) THIRD_PARTY[k].bound.forEach((b) => ctx.bound.add(b));

    const top = edges.filter((e) => e.placement === "top");
    const abs = top.filter((e) => e.level === 0).sort((a, b) => this.importText(m, a).localeCompare(this.importText(m, b)));
    const rel = top.filter((e) => e.level > 0).sort((a, b) => this.importText(m, a).localeCompare(this.importText(m, b)));
    if (abs.length) lines.push("");
    for (const e of abs) this.pushImport(lines, m, e);
    if (rel.length) lines.push("");
    for (const e of rel) this.pushImport(lines, m, e);
    for (const e of top) this.noteBound(ctx, e);

    const tc = edges.filter((e) => e.placement === "typecheck");
    if (tc.length) {
      lines.push("", "if TYPE_CHECKING:");
      for (const e of tc) this.pushImport(lines, m, e, "    ");
    }
    const guarded = edges.filter((e) => e.placement === "guarded");
    for (const e of guarded) {
      lines.push("", "try:");
      this.pushImport(lines, m, e, "    ");
      lines.push(`except ImportError:  # pragma: no cover - optional at run time`);
      if (e.form === "from") for (const n of e.names) lines.push(`    ${n} = None  # type: ignore[assignment]`);
      else if (e.form === "from-sub") lines.push(`    ${e.target.segs[e.target.segs.length - 1]} = None  # type: ignore[assignment]`);
      else lines.push("    pass");
      this.noteBound(ctx, e);
    }
    if (m.optional) {
      lines.push("", "try:", `    ${THIRD_PARTY[m.optional].stmt}`, "except ImportError:  # pragma: no cover - the stdlib json is fine", "    fast_json = None");
    }
    lines.push("", "logger = logging.getLogger(__name__)");
    ctx.bound.add("logger");

    // Exports.
    const deferred = edges.filter((e) => e.placement === "deferred");
    const consts = m.exports.filter((e) => e.kind === "const");
    if (consts.length) {
      lines.push("");
      for (const c of consts) lines.push(`${c.name} = ${constValue(rng, c.name)}`);
    }
    const defs = m.exports.filter((e) => e.kind !== "const");
    let fnWithDeferred = defs.find((e) => e.kind === "func");
    const headerBytes = byteLen(lines);
    const perDef = Math.max(300, (target - headerBytes - 600) / Math.max(1, defs.length));
    for (const d of defs) {
      lines.push("", "");
      if (d.kind === "func") {
        emitFunction(ctx, d.name, "", perDef, d === fnWithDeferred ? { edges: deferred, render: (e) => this.importText(m, e), problemLine: (e, line) => e.problem && (e.problem.line = line) } : undefined);
      } else emitClass(ctx, d, perDef);
    }
    if (!fnWithDeferred && deferred.length) {
      fnWithDeferred = { name: this.names.func(), kind: "func" };
      lines.push("", "");
      emitFunction(ctx, "_" + fnWithDeferred.name, "", 600, { edges: deferred, render: (e) => this.importText(m, e), problemLine: (e, line) => e.problem && (e.problem.line = line) });
    }
    this.emitSpecial(ctx, m);
    let size = byteLen(lines);
    while (size < target - 400) {
      lines.push("", "");
      const before = lines.length;
      emitFunction(ctx, "_" + this.names.func(), "", Math.min(4000, target - size));
      size += byteLen(lines.slice(before - 2));
    }
    if (m.test) {
      lines.push("", "");
      lines.push(`def test_${leaf.replace(/^test_/, "")}_smoke() -> None:`, `    assert ${ctx.funcs.length ? ctx.funcs[0] : "logger"} is not None`);
    }
    return lines.join("\n") + "\n";
  }

  noteBound(ctx: Ctx, e: Edge): void {
    if (e.form === "from") {
      const pool = e.target.isInit ? e.target.reexported : e.target.exports;
      for (const n of e.names) {
        const k = pool.find((x) => x.name === n)?.kind ?? "func";
        if (k === "func") ctx.funcs.push(n);
        else if (k === "const") ctx.consts.push(n);
        else if (k === "class" || k === "dataclass" || k === "error") ctx.classes.push(n);
      }
    } else if (e.form === "from-sub") {
      const fn = e.target.exports.find((x) => x.kind === "func");
      if (fn) ctx.modules.push(`${e.target.segs[e.target.segs.length - 1]}.${fn.name}`);
    } else {
      const fn = e.target.exports.find((x) => x.kind === "func");
      if (fn) ctx.modules.push(`${e.target.segs.join(".")}.${fn.name}`);
    }
  }

  pushImport(lines: string[], m: Mod, e: Edge, indent = ""): void {
    const text = this.importText(m, e);
    if (e.problem) e.problem.line = lines.length + 1;
    for (const l of text.split("\n")) lines.push(indent + l);
  }

  emitSpecial(ctx: Ctx, m: Mod): void {
    const u = m.unit;
    const L = ctx.lines;
    const call = ctx.funcs.length ? `${ctx.rng.pick(ctx.funcs)}` : null;
    if (m.special === "main") {
      if (u.entryKind === "gunicorn") {
        L.push("", "", "def create_app() -> Flask:", `    """Build the WSGI application served by gunicorn."""`, "    application = Flask(__name__)", "",
          '    @application.route("/health")', "    def health() -> Any:", '        return jsonify({"status": "ok"})', "",
          '    @application.route("/run", methods=["POST"])', "    def run() -> Any:", `        logger.info("run requested")`,
          `        return jsonify({"result": ${call ? `str(${call})` : '"ok"'}})`, "", "    return application", "", "", "app = create_app()");
      } else if (u.entryKind === "script" || u.entryKind === "python-m") {
        L.push("", "", "def main() -> int:", `    """Entry point of the ${u.key} service."""`, '    logging.basicConfig(level=logging.INFO)', `    logger.info("starting ${u.key}")`,
          ...(call ? [`    logger.debug("entry helper: %s", ${call})`] : []), "    return 0", "", "", 'if __name__ == "__main__":', "    sys.exit(main())");
      } else {
        L.push("", "", "def configure() -> Dict[str, Any]:", `    """Settings shared by the ${u.entryKind === "uvicorn" ? "api" : "task"} module."""`, '    return {"service": "' + u.key + '"}');
      }
    } else if (m.special === "api") {
      L.push("", "", `app = FastAPI(title="${u.key}")`, "", "", '@app.get("/health")', "async def health() -> Dict[str, str]:", '    return {"status": "ok"}', "", "",
        '@app.post("/run")', "async def run(payload: Dict[str, Any]) -> Dict[str, Any]:", "    if not payload:", '        raise HTTPException(status_code=400, detail="empty payload")',
        `    return {"result": ${call ? `str(${call})` : '"ok"'}}`);
    } else if (m.special === "tasks") {
      L.push("", "", `app = Celery("${u.key}", broker=os.environ.get("BROKER_URL", "redis://localhost:6379/0"))`, "", "",
        `@app.task(name="${u.key}.process")`, "def process(payload: Dict[str, Any]) -> Dict[str, Any]:", `    logger.info("processing %s", payload.get("id"))`,
        `    return {"result": ${call ? `str(${call})` : '"ok"'}}`);
    }
  }

  // --- files ----------------------------------------------------------------------------

  requirements(s: Unit): string[] {
    const seen = this.reach([s.entry!]);
    const dists = new Set<string>();
    for (const m of seen) for (const k of m.thirdParty) if (THIRD_PARTY[k].dist) dists.add(THIRD_PARTY[k].dist!);
    const runner = RUNNER_DIST[s.entryKind!];
    if (runner) dists.add(runner);
    return [...dists].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
  }

  dockerfile(s: Unit, i: number): { text: string; cmd: string[]; copies: string[] } {
    const name = s.key;
    const copies = s.uses!.filter((p) => p !== s.omitted).map((p) => p.dir);
    const lines: string[] = [`# ${name}: ${s.entryKind} service.`, "# Built from the repository root:", `#   docker build -f ${s.dir}/Dockerfile -t ${name} .`];
    if (i % 4 === 1) lines.push("ARG PYTHON_IMAGE=python:3.11-slim", "FROM ${PYTHON_IMAGE}");
    else lines.push("FROM python:3.11-slim");
    lines.push("");
    const env = ["PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1"];
    if (s.script) env.push("PYTHONPATH=/app");
    lines.push(`ENV ${env.join(" \\\n    ")}`);
    lines.push("WORKDIR /app", "");
    if (copies.includes("libs/db") && i % 3 === 0) lines.push("RUN apt-get update \\", "    && apt-get install -y --no-install-recommends libpq5 \\", "    && rm -rf /var/lib/apt/lists/*", "");
    lines.push(`COPY ${s.dir}/requirements.txt /tmp/requirements.txt`, "RUN pip install --no-cache-dir -r /tmp/requirements.txt", "");
    for (const c of copies) {
      if (c === "predictions/shared") lines.push("COPY predictions/__init__.py predictions/");
      lines.push(`COPY ${c}/ ${c}/`);
    }
    lines.push(`COPY ${s.dir}/ ${s.dir}/`, "");
    if (i % 3 === 2) lines.push("RUN useradd --create-home --uid 10001 app", "USER app", "");
    const mod = s.rootSegs.join(".");
    let cmd: string[];
    switch (s.entryKind!) {
      case "gunicorn":
        cmd = i % 2 ? ["gunicorn", "--bind", ":8080", `${mod}.main:app`] : ["gunicorn", "--bind", ":8080", "--workers", "2", "--timeout", "120", `${mod}.main:app`];
        break;
      case "python-m":
        cmd = ["python", "-m", `${mod}.main`];
        break;
      case "uvicorn":
        cmd = i % 2 ? ["uvicorn", `${mod}.api:app`] : ["uvicorn", `${mod}.api:app`, "--host", "0.0.0.0", "--port", "8080"];
        break;
      case "celery":
        cmd = i % 2 ? ["celery", "-A", `${mod}.tasks`, "worker"] : ["celery", "-A", `${mod}.tasks`, "worker", "--loglevel=INFO", "--concurrency=2"];
        break;
      case "script":
        cmd = ["python", `${s.dir}/main.py`];
        break;
    }
    if (s.entryKind !== "celery") lines.push("EXPOSE 8080");
    lines.push(`CMD [${cmd.map((a) => JSON.stringify(a)).join(", ")}]`);
    return { text: lines.join("\n") + "\n", cmd, copies };
  }

  write(dir: string): GenerateResult {
    let files = 0;
    let bytes = 0;
    let other = 0;
    const made = new Set<string>();
    const put = (rel: string, text: string, py: boolean): void => {
      const abs = path.join(dir, rel);
      const d = path.dirname(abs);
      if (!made.has(d)) {
        mkdirSync(d, { recursive: true });
        made.add(d);
      }
      const buf = Buffer.from(text, "utf8");
      writeFileSync(abs, buf);
      if (py) {
        files++;
        bytes += buf.length;
      } else other++;
    };
    // Render in path order, carrying the byte error forward so the total lands on target.
    let carry = 0;
    const ordered = this.mods.slice().sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    const pending: [string, string][] = [];
    for (const m of ordered) {
      const want = m.isInit || m.test ? m.targetBytes : Math.max(Math.round(m.targetBytes * 0.4), m.targetBytes + carry);
      const text = this.render(m, want);
      const got = Buffer.byteLength(text);
      carry += m.targetBytes - got;
      pending.push([m.file, text]);
    }
    for (const [f, t] of pending) put(f, t, true);

    const services: GeneratedService[] = [];
    this.services.forEach((s, i) => {
      const df = this.dockerfile(s, i);
      put(`${s.dir}/Dockerfile`, df.text, false);
      put(`${s.dir}/requirements.txt`, this.requirements(s).join("\n") + "\n", false);
      services.push({ name: s.key, dockerfile: `${s.dir}/Dockerfile`, kind: s.entryKind!, cmd: df.cmd, copies: df.copies });
    });
    put(
      ".dockerignore",
      ["# Every service is built from the repository root.", ".git", ".shipshape_cache", "**/__pycache__", "**/*.pyc", "**/tests", "**/*.md", ".venv", MARKER, ""].join("\n"),
      false,
    );
    put("shipshape.toml", "# shipshape configuration: services are discovered from services/*/Dockerfile.\n", false);
    put(
      "README.md",
      "# Synthetic monorepo\n\nGenerated by shipshape's bench/gen-monorepo.ts for the `shipshape check` benchmark.\n" +
        "Shared code lives in libs/ and predictions/shared/; each folder under services/ is one Docker image built from this root.\n",
      false,
    );
    return { files, bytes, dockerfiles: this.services.length, otherFiles: other, services, problems: this.problems };
  }
}

// ---------------------------------------------------------------------------
// Python code emitters
// ---------------------------------------------------------------------------

interface Ctx {
  rng: Rng;
  bound: Set<string>;
  locals: string[];
  funcs: string[];
  classes: string[];
  consts: string[];
  /** `module.function` expressions usable in calls. */
  modules: string[];
  lines: string[];
  /** Locals assigned by the statement being built. */
  pending: string[];
}

function byteLen(lines: string[]): number {
  let n = 0;
  for (const l of lines) n += l.length + 1;
  return n;
}

function isortKey(a: string, b: string): number {
  const ka = a.replace(/^(import|from) /, "");
  const kb = b.replace(/^(import|from) /, "");
  return ka.localeCompare(kb);
}

function fromLine(mod: string, names: string[]): string {
  const one = `from ${mod} import ${names.join(", ")}`;
  if (one.length <= 88) return one;
  return `from ${mod} import (\n${names.map((n) => `    ${n},`).join("\n")}\n)`;
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let cur = "";
  for (const w of text.split(" ")) {
    if (cur && cur.length + 1 + w.length > width) {
      out.push(cur);
      cur = w;
    } else cur = cur ? cur + " " + w : w;
  }
  if (cur) out.push(cur);
  // A docstring line must never look like an import statement to a line-based scanner.
  return out.map((l) => (/^(import|from)\b/.test(l) ? "- " + l : l));
}

function constValue(rng: Rng, name: string): string {
  if (name.endsWith("_PREFIX")) return `"${rng.pick(NOUNS)}:"`;
  if (name.endsWith("_TIMEOUT") || name.endsWith("_THRESHOLD")) return `${rng.int(1, 90)}.${rng.int(0, 9)}`;
  return String(rng.int(2, 5000));
}

function sentence(rng: Rng): string {
  return `${rng.pick(VERBS)} the ${rng.pick(ADJS)} ${rng.pick(NOUNS)} ${rng.pick(["records", "rows", "entries", "payloads", "batches"])}`;
}

type Stmt = (c: Ctx, ind: string) => string[] | null;

function anyVar(c: Ctx): string {
  return c.locals.length ? c.rng.pick(c.locals) : "None";
}
/** A local to assign; it becomes usable by later statements (not by the one assigning it). */
function newVar(c: Ctx): string {
  const v = c.rng.pick(LOCALS);
  if (!c.locals.includes(v) && !c.pending.includes(v)) c.pending.push(v);
  return v;
}

// A comment alone is not a valid block body: never the only statement under if/for/try.
const COMMENT_STMT: Stmt = (c, i) => [`${i}# ${cap(c.rng.pick(PROSE))}.`];

const SIMPLE: Stmt[] = [
  (c, i) => [`${i}${newVar(c)} = ${anyVar(c)}.get("${c.rng.pick(KEYS)}", ${c.rng.pick(["None", "0", '""', "[]", "{}"])}) if isinstance(${anyVar(c)}, dict) else None`],
  (c, i) => {
    const a = anyVar(c);
    const f = c.funcs.length && c.rng.chance(0.5) ? c.rng.pick(c.funcs) : c.rng.pick(["str", "repr", "len", "bool"]);
    return [`${i}${newVar(c)} = [${f}(item) for item in (${a} or []) if item is not None]`];
  },
  (c, i) => [`${i}${newVar(c)} = {k: v for k, v in dict(${anyVar(c)} or {}).items() if str(k).startswith("${c.rng.pick(KEYS)}")}`],
  (c, i) => [`${i}logger.${c.rng.pick(["debug", "info", "warning"])}("${sentence(c.rng)}: %s", ${anyVar(c)})`],
  (c, i) => [`${i}if ${anyVar(c)} is None:`, `${i}    raise ValueError("${sentence(c.rng)}: missing ${c.rng.pick(KEYS)}")`],
  (c, i) => [`${i}if not ${anyVar(c)}:`, `${i}    return ${c.rng.pick(["None", "[]", "{}", "0", "False"])}`],
  (c, i) => {
    const a = anyVar(c);
    const v = newVar(c);
    return [`${i}${v} = []`, `${i}for position, entry in enumerate(${a} or []):`, `${i}    if position >= ${c.rng.int(10, 5000)}:`, `${i}        break`, `${i}    ${v}.append(entry)`];
  },
  (c, i) =>
    c.bound.has("json")
      ? (() => {
          const a = anyVar(c);
          const v = newVar(c);
          return [`${i}try:`, `${i}    ${v} = json.loads(${a}) if isinstance(${a}, (str, bytes)) else ${a}`, `${i}except (TypeError, ValueError) as exc:`, `${i}    logger.warning("could not decode ${c.rng.pick(KEYS)}: %s", exc)`, `${i}    ${v} = {}`];
        })()
      : null,
  (c, i) => (c.bound.has("os") ? [`${i}${newVar(c)} = os.path.join(os.environ.get("${c.rng.pick(NOUNS).toUpperCase()}_DIR", "/tmp"), "${c.rng.pick(NOUNS)}.json")`] : null),
  (c, i) => (c.bound.has("os") ? [`${i}${newVar(c)} = os.environ.get("${c.rng.pick(NOUNS).toUpperCase()}_${c.rng.pick(["URL", "MODE", "REGION"])}", "${c.rng.pick(NOUNS)}")`] : null),
  (c, i) => (c.bound.has("time") ? [`${i}started = time.monotonic()`, `${i}${newVar(c)} = round(time.monotonic() - started, 3)`] : null),
  (c, i) => (c.bound.has("datetime") ? [`${i}${newVar(c)} = datetime.now(timezone.utc) - timedelta(days=${c.rng.int(1, 90)})`] : null),
  (c, i) => (c.bound.has("hashlib") ? [`${i}${newVar(c)} = hashlib.sha256(str(${anyVar(c)}).encode("utf-8")).hexdigest()`] : null),
  (c, i) => (c.bound.has("uuid") ? [`${i}${newVar(c)} = str(uuid.uuid4())`] : null),
  (c, i) => (c.bound.has("math") ? [`${i}${newVar(c)} = math.log1p(max(0.0, float(len(${anyVar(c)} or []))))`] : null),
  (c, i) => (c.bound.has("re") ? [`${i}${newVar(c)} = re.sub(r"[^a-z0-9_]+", "_", str(${anyVar(c)}).lower())`] : null),
  (c, i) => (c.bound.has("defaultdict") ? (() => {
    const v = newVar(c);
    return [`${i}${v} = defaultdict(list)`, `${i}for row in ${anyVar(c)} or []:`, `${i}    ${v}[row.get("${c.rng.pick(KEYS)}")].append(row)`];
  })() : null),
  (c, i) => (c.bound.has("np") ? (() => {
    const v = newVar(c);
    return [`${i}${v} = np.asarray(${anyVar(c)} or [], dtype=float)`, `${i}${newVar(c)} = float(np.mean(${v})) if ${v}.size else 0.0`];
  })() : null),
  (c, i) => (c.bound.has("pd") ? (() => {
    const v = newVar(c);
    return [`${i}${v} = pd.DataFrame.from_records(${anyVar(c)} or [])`, `${i}${v} = ${v}.dropna(how="all")`];
  })() : null),
  (c, i) => (c.bound.has("requests") ? [`${i}response = requests.get("https://${c.rng.pick(NOUNS)}.internal/v1/${c.rng.pick(NOUNS)}", params={"limit": ${c.rng.int(10, 500)}}, timeout=${c.rng.int(2, 30)})`, `${i}response.raise_for_status()`, `${i}${newVar(c)} = response.json()`] : null),
  (c, i) => (c.bound.has("httpx") ? [`${i}with httpx.Client(timeout=${c.rng.int(2, 30)}.0) as http_client:`, `${i}    ${newVar(c)} = http_client.get("https://${c.rng.pick(NOUNS)}.internal/health").status_code`] : null),
  (c, i) => (c.bound.has("bigquery") ? [`${i}query_job = bigquery.Client().query("SELECT ${c.rng.pick(KEYS)}, ${c.rng.pick(KEYS)} FROM ${c.rng.pick(NOUNS)}_${c.rng.pick(NOUNS)} LIMIT ${c.rng.int(10, 1000)}")`, `${i}${newVar(c)} = query_job.to_dataframe()`] : null),
  (c, i) => (c.bound.has("sa") ? [`${i}${newVar(c)} = sa.select(sa.text("${c.rng.pick(KEYS)}")).limit(${c.rng.int(10, 1000)})`] : null),
  (c, i) => (c.bound.has("yaml") ? [`${i}${newVar(c)} = yaml.safe_load(str(${anyVar(c)})) or {}`] : null),
  (c, i) => (c.bound.has("redis") ? [`${i}${newVar(c)} = redis.Redis.from_url("redis://localhost:6379/${c.rng.int(0, 15)}")`] : null),
  (c, i) => (c.funcs.length ? [`${i}${newVar(c)} = ${c.rng.pick(c.funcs)}(${anyVar(c)})`] : null),
  (c, i) => (c.modules.length ? [`${i}${newVar(c)} = ${c.rng.pick(c.modules)}(${anyVar(c)})`] : null),
  (c, i) => (c.classes.length ? [`${i}${newVar(c)} = ${c.rng.pick(c.classes)}(${anyVar(c)})`] : null),
  (c, i) => (c.consts.length ? [`${i}${newVar(c)} = ${c.rng.pick(c.consts)}`] : null),
  (c, i) => [`${i}${newVar(c)} = sorted(${anyVar(c)} or [], key=lambda row: str(row), reverse=${c.rng.pick(["True", "False"])})[:${c.rng.int(5, 500)}]`],
  (c, i) => {
    const a = anyVar(c);
    return [`${i}total = 0.0`, `${i}for weight, score in zip(${a} or [], ${anyVar(c)} or []):`, `${i}    total += float(weight) * float(score)`, `${i}${newVar(c)} = total / max(len(${a} or []), 1)`];
  },
  (c, i) => [`${i}assert ${anyVar(c)} is not None or ${anyVar(c)} is None, "${sentence(c.rng)}"`],
  COMMENT_STMT,
  (c, i) => [`${i}${newVar(c)} = f"{${anyVar(c)}}:{${anyVar(c)}}"`],
  (c, i) => {
    const v = newVar(c);
    return [`${i}${v} = 0`, `${i}while ${v} < ${c.rng.int(3, 50)}:`, `${i}    ${v} += 1`, `${i}    if ${v} % ${c.rng.int(2, 7)} == 0:`, `${i}        continue`];
  },
];

function simple(c: Ctx, ind: string, inBlock = false): string[] {
  for (;;) {
    const t = c.rng.pick(SIMPLE);
    if (inBlock && t === COMMENT_STMT) continue;
    const s = t(c, ind);
    if (s) {
      for (const v of c.pending) if (!c.locals.includes(v)) c.locals.push(v);
      c.pending.length = 0;
      return s;
    }
    c.pending.length = 0;
  }
}

function statement(c: Ctx, ind: string): string[] {
  const r = c.rng.next();
  if (r < 0.12) {
    const out = [`${ind}if ${anyVar(c)}:`];
    for (let k = c.rng.int(1, 3); k > 0; k--) out.push(...simple(c, ind + "    ", true));
    if (c.rng.chance(0.4)) {
      out.push(`${ind}else:`);
      out.push(...simple(c, ind + "    ", true));
    }
    return out;
  }
  if (r < 0.2) {
    const out = [`${ind}for record in ${anyVar(c)} or []:`];
    c.locals.push("record");
    for (let k = c.rng.int(1, 3); k > 0; k--) out.push(...simple(c, ind + "    ", true));
    c.locals.pop();
    return out;
  }
  if (r < 0.26) {
    const out = [`${ind}try:`];
    for (let k = c.rng.int(1, 3); k > 0; k--) out.push(...simple(c, ind + "    ", true));
    out.push(`${ind}except Exception:  # noqa: BLE001`, `${ind}    logger.exception("${sentence(c.rng)} failed")`, `${ind}    raise`);
    return out;
  }
  return simple(c, ind);
}

interface DeferredSpec {
  edges: Edge[];
  render: (e: Edge) => string;
  problemLine: (e: Edge, line: number) => unknown;
}

function emitFunction(c: Ctx, name: string, ind: string, budget: number, deferred?: DeferredSpec, method = false): void {
  const rng = c.rng;
  const params = rng.sample(PARAMS, rng.int(1, 4));
  const typed = rng.chance(0.7);
  const sig = params.map((p) => (typed ? `${p}: ${PARAM_TYPES[p]}` : p));
  if (method) sig.unshift("self");
  const L = c.lines;
  const start = L.length;
  L.push(`${ind}def ${name}(${sig.join(", ")})${typed ? " -> Any" : ""}:`);
  if (rng.chance(0.4)) {
    L.push(`${ind}    """${cap(sentence(rng))}.`, "");
    for (const p of params.slice(0, 2)) L.push(`${ind}    ${p}: ${rng.pick(PROSE).replace(/ \S*$/, "").slice(0, 70)}.`);
    L.push(`${ind}    """`);
  } else L.push(`${ind}    """${cap(sentence(rng))}."""`);
  const savedLocals = c.locals;
  const savedFuncs = c.funcs.length;
  c.locals = params.slice();
  if (deferred) {
    for (const e of deferred.edges) {
      const text = deferred.render(e);
      deferred.problemLine(e, L.length + 1);
      for (const l of text.split("\n")) L.push(`${ind}    ${l}`);
      if (e.form === "from") for (const n of e.names) if (/^[a-z]/.test(n) && !/^[A-Z_0-9]+$/.test(n)) c.funcs.push(n);
    }
  }
  if (rng.chance(0.15)) L.push(`${ind}    import ${rng.pick(["csv", "tempfile", "shutil", "statistics", "gzip"])}  # local: rarely needed`);
  let bytes = byteLen(L.slice(start));
  const maxStmts = 60;
  for (let k = 0; bytes < budget && k < maxStmts; k++) {
    const s = statement(c, ind + "    ");
    L.push(...s);
    bytes += byteLen(s);
  }
  L.push(`${ind}    return ${c.locals.length > params.length ? c.locals[c.locals.length - 1] : params[0]}`);
  c.locals = savedLocals;
  c.funcs.length = savedFuncs;
}

function emitClass(c: Ctx, e: Export, budget: number): void {
  const rng = c.rng;
  const L = c.lines;
  if (e.kind === "error") {
    L.push(`class ${e.name}(Exception):`, `    """Raised when ${sentence(rng)} fails."""`, "", "    def __init__(self, message: str, code: int = 0) -> None:", "        super().__init__(message)", "        self.code = code");
    return;
  }
  if (e.kind === "enum") {
    L.push(`class ${e.name}(str, Enum):`, `    """Kinds of ${rng.pick(NOUNS)}."""`, "");
    for (const n of rng.sample(NOUNS, rng.int(3, 8))) L.push(`    ${n.toUpperCase()} = "${n}"`);
    return;
  }
  const start = L.length;
  if (e.kind === "dataclass") {
    L.push("@dataclass", `class ${e.name}:`, `    """A ${rng.pick(NOUNS)} as stored by ${rng.pick(NOUNS)}."""`, "");
    for (const k of rng.sample(KEYS, rng.int(2, 6))) L.push(`    ${k}: ${rng.pick(["str", "int", "float", "Optional[str]"])} = ${rng.pick(["None", "0", '""'])}`);
    L.push("    tags: List[str] = field(default_factory=list)");
  } else {
    const base = c.classes.length && rng.chance(0.25) ? c.rng.pick(c.classes) : null;
    L.push(`class ${e.name}${base && !/Error$|Kind$|Record$|Snapshot$|Result$|Spec$/.test(base) ? `(${base})` : ""}:`, `    """${cap(sentence(rng))}."""`, "");
    L.push("    def __init__(self, client: Any = None, timeout: float = 30.0) -> None:", "        self.client = client", "        self.timeout = timeout", `        self._cache: Dict[str, Any] = {}`);
  }
  let bytes = byteLen(L.slice(start));
  const used = new Set<string>();
  let n = 0;
  while (bytes < budget && n < 40) {
    let mname = `${rng.pick(VERBS)}_${rng.pick(NOUNS)}`;
    while (used.has(mname)) mname += "_" + rng.pick(NOUNS);
    used.add(mname);
    L.push("");
    const before = L.length;
    emitFunction(c, mname, "    ", Math.min(3500, Math.max(300, budget / 4)), undefined, true);
    bytes += byteLen(L.slice(before)) + 1;
    n++;
  }
}

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

export function generateMonorepo(dir: string, opts: GenerateOptions = {}): GenerateResult {
  const files = opts.files ?? 2500;
  const bytes = opts.bytes ?? files * 12_000;
  const dockerfiles = opts.dockerfiles ?? 40;
  const seed = opts.seed ?? 1;
  if (!Number.isInteger(files) || files < 1) throw new Error(`files must be a positive integer, got ${files}`);
  if (!Number.isInteger(dockerfiles) || dockerfiles < 5 || dockerfiles > 300) throw new Error(`dockerfiles must be an integer from 5 to 300, got ${dockerfiles}`);
  prepareDir(dir);
  const g = new Generator(files, bytes, dockerfiles, seed);
  g.plan();
  g.sizes();
  g.addEdges();
  g.injectProblems();
  const res = g.write(dir);
  writeFileSync(path.join(dir, MARKER), JSON.stringify({ options: { files, bytes, dockerfiles, seed }, result: { ...res, services: undefined } }, null, 2) + "\n");
  return res;
}

function prepareDir(dir: string): void {
  if (existsSync(dir)) {
    const entries = readdirSync(dir);
    if (entries.length && !entries.includes(MARKER)) throw new Error(`${dir} is not empty and was not made by gen-monorepo (no ${MARKER}); refusing to overwrite it`);
    for (const e of entries) rmSync(path.join(dir, e), { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
}

// ---------------------------------------------------------------------------
// Self-check: every local import resolves in the repository, and what each image lacks
// ---------------------------------------------------------------------------

interface ScannedImport {
  line: number;
  /** Dotted module without leading dots. */
  module: string;
  level: number;
  /** null for `import a.b`; the imported names for `from`. */
  names: string[] | null;
  /** Bound name for `import a.b` (first segment or alias). */
  alias?: string;
  inFunction: boolean;
  guarded: boolean;
  typeChecking: boolean;
}

interface ScannedFile {
  imports: ScannedImport[];
  /** Names bound at module level. */
  defined: Set<string>;
}

/** A line-based import scanner for the generator's own output (not a general Python parser). */
function scanPython(text: string): ScannedFile {
  const lines = text.split("\n");
  const imports: ScannedImport[] = [];
  const defined = new Set<string>();
  let inDoc = false;
  const defIndents: number[] = [];
  let blockKind: "" | "try" | "tc" = "";
  let blockIndent = -1;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const tq = (raw.match(/"""/g) ?? []).length;
    if (inDoc) {
      if (tq % 2 === 1) inDoc = false;
      continue;
    }
    if (tq % 2 === 1) {
      inDoc = true;
      continue;
    }
    if (!raw.trim() || raw.trim().startsWith("#")) continue;
    const indent = raw.length - raw.trimStart().length;
    while (defIndents.length && indent <= defIndents[defIndents.length - 1]) defIndents.pop();
    if (blockKind && indent <= blockIndent) blockKind = "";
    const s = raw.trim();
    if (/^(async\s+)?def\s/.test(s)) {
      if (indent === 0) defined.add(s.replace(/^(async\s+)?def\s+/, "").split("(")[0]);
      defIndents.push(indent);
      continue;
    }
    if (indent === 0 && /^class\s/.test(s)) defined.add(s.replace(/^class\s+/, "").split(/[(:]/)[0]);
    if (indent === 0 && s === "try:") {
      blockKind = "try";
      blockIndent = 0;
      continue;
    }
    if (indent === 0 && s === "if TYPE_CHECKING:") {
      blockKind = "tc";
      blockIndent = 0;
      continue;
    }
    if (!defIndents.length) {
      const asg = /^([A-Za-z_]\w*)\s*(:[^=]*)?=(?!=)/.exec(s);
      if (asg && (indent === 0 || blockKind === "try")) defined.add(asg[1]);
    }
    const flags = { inFunction: defIndents.length > 0, guarded: blockKind === "try", typeChecking: blockKind === "tc" };
    let m = /^from\s+(\.*)([\w.]*)\s+import\s+(.*)$/.exec(s);
    if (m) {
      const startLine = i + 1;
      let rest = m[3].replace(/#.*$/, "").trim();
      if (rest.startsWith("(") && !rest.includes(")")) {
        while (++i < lines.length && !lines[i].includes(")")) rest += " " + lines[i].trim();
        rest += " )";
      }
      const names = rest.replace(/[()]/g, "").split(",").map((x) => x.trim()).filter(Boolean);
      imports.push({ line: startLine, module: m[2], level: m[1].length, names: names.map((n) => n.split(/\s+as\s+/)[0].trim()), ...flags });
      if (!flags.inFunction) for (const n of names) defined.add((n.split(/\s+as\s+/)[1] ?? n).trim());
      continue;
    }
    m = /^import\s+(.*)$/.exec(s);
    if (m) {
      for (const part of m[1].replace(/#.*$/, "").split(",")) {
        const [mod, alias] = part.trim().split(/\s+as\s+/);
        imports.push({ line: i + 1, module: mod.trim(), level: 0, names: null, alias: (alias ?? mod.split(".")[0]).trim(), ...flags });
        if (!flags.inFunction) defined.add((alias ?? mod.split(".")[0]).trim());
      }
    }
  }
  return { imports, defined };
}

export interface NotCopied {
  /** Dockerfile of the service. */
  dockerfile: string;
  file: string;
  line: number;
  module: string;
  deferred: boolean;
  guarded: boolean;
  typeChecking: boolean;
}

export interface VerifyReport {
  ok: boolean;
  pythonFiles: number;
  bytes: number;
  dockerfiles: number;
  imports: number;
  localImports: number;
  /** Problems with the repository itself: imports that do not resolve, names not defined, etc. */
  errors: string[];
  /** Per Dockerfile: files reachable from the entry point (following every import, as a static check does). */
  services: { dockerfile: string; entry: string; reachable: number }[];
  /** Local imports reachable from an entry point whose target the Dockerfile does not copy. */
  notCopied: NotCopied[];
}

/**
 * Self-check of a generated repository: every absolute and relative local import resolves to a
 * file in the repository (and `from X import name` names a submodule or a name X defines), no
 * local module shadows an external one, and, per Dockerfile, which reachable imports the image
 * lacks and whether the third-party packages reachable are in the service's requirements.txt.
 */
export function verifyGenerated(dir: string): VerifyReport {
  const files = new Map<string, string>(); // rel -> text
  const dirs = new Set<string>([""]);
  const dockerfiles: string[] = [];
  let bytes = 0;
  const walk = (rel: string): void => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name === ".shipshape_cache" || e.name === ".git" || e.name === "__pycache__") continue;
        dirs.add(r);
        walk(r);
      } else if (e.name.endsWith(".py")) {
        const buf = readFileSync(path.join(dir, r));
        bytes += buf.length;
        files.set(r, buf.toString("utf8"));
      } else if (e.name === "Dockerfile") dockerfiles.push(r);
    }
  };
  walk("");
  const scanned = new Map<string, ScannedFile>();
  for (const [f, t] of files) scanned.set(f, scanPython(t));

  const errors: string[] = [];
  // Script services: `python services/x/main.py` puts services/x first on sys.path.
  const scriptRoots = new Map<string, string>(); // dir -> dockerfile
  const parsedDf = new Map<string, { cmd: string[]; copies: string[]; pythonpath: boolean; reqs: string | null }>();
  for (const df of dockerfiles) {
    const text = readFileSync(path.join(dir, df), "utf8").replace(/\\\n/g, " ");
    const cmdLine = /^CMD\s+(\[.*\])\s*$/m.exec(text);
    const cmd = cmdLine ? (JSON.parse(cmdLine[1]) as string[]) : [];
    const copies: string[] = [];
    let reqs: string | null = null;
    for (const m of text.matchAll(/^COPY\s+(.+)$/gm)) {
      const parts = m[1].trim().split(/\s+/).filter((p) => !p.startsWith("--"));
      const dest = parts.pop()!;
      for (const src of parts) {
        if (dest.startsWith("/")) {
          if (src.endsWith("requirements.txt")) reqs = src;
          continue;
        }
        const srcClean = src.replace(/\/$/, "");
        const mapped = src.endsWith("/") ? dest.replace(/\/$/, "") : dest.endsWith("/") ? dest + path.posix.basename(src) : dest;
        if (mapped !== srcClean) errors.push(`${df}: COPY ${src} ${dest} does not keep the repository layout (the self-check assumes it does)`);
        copies.push(srcClean);
      }
    }
    const pythonpath = /PYTHONPATH=\/app\b/.test(text);
    parsedDf.set(df, { cmd, copies, pythonpath, reqs });
    if (cmd[0] === "python" && cmd[1]?.endsWith(".py")) scriptRoots.set(path.posix.dirname(cmd[1]), df);
  }
  const rootsFor = (file: string): string[] => {
    for (const r of scriptRoots.keys()) if (file.startsWith(r + "/")) return [r, ""];
    return [""];
  };
  const join = (root: string, segs: string[]): string => [root, ...segs].filter(Boolean).join("/");
  type Resolved = { file: string | null; dir: string | null; root: string };
  const resolveIn = (roots: string[], segs: string[]): Resolved | null => {
    let ns: Resolved | null = null;
    for (const root of roots) {
      const base = join(root, segs);
      if (files.has(base + ".py")) return { file: base + ".py", dir: null, root };
      if (files.has(base + "/__init__.py")) return { file: base + "/__init__.py", dir: base, root };
      if (!ns && dirs.has(base)) ns = { file: null, dir: base, root };
    }
    return ns;
  };
  const externalTop = (top: string): boolean => EXTERNAL_TOPS.has(top) || ["tempfile", "shutil", "statistics", "gzip"].includes(top);

  interface Target {
    segs: string[];
    resolved: Resolved | null;
    subs: Resolved[];
    external: boolean;
  }
  let nImports = 0;
  let nLocal = 0;
  /** Resolve one import of `file`; returns the modules it loads (or null when external). */
  const resolveImport = (file: string, imp: ScannedImport, report: boolean): Target => {
    const roots = rootsFor(file);
    let segs: string[];
    if (imp.level > 0) {
      const pkgDir = path.posix.dirname(file);
      const root = roots.find((r) => r === "" || pkgDir === r || pkgDir.startsWith(r + "/")) ?? "";
      const rel = root ? pkgDir.slice(root.length + 1) : pkgDir;
      const pkg = rel ? rel.split("/") : [];
      const base = pkg.slice(0, pkg.length - (imp.level - 1));
      if (imp.level - 1 >= pkg.length) {
        if (report) errors.push(`${file}:${imp.line}: relative import beyond the top-level package`);
        return { segs: [], resolved: null, subs: [], external: false };
      }
      segs = [...base, ...(imp.module ? imp.module.split(".") : [])];
      const r = resolveIn([root], segs);
      if (!r && report) errors.push(`${file}:${imp.line}: relative import ${".".repeat(imp.level)}${imp.module} does not resolve`);
      const subs: Resolved[] = [];
      if (r && imp.names) for (const n of imp.names) this_checkName(file, imp, [root], segs, r, n, subs, report);
      return { segs, resolved: r, subs, external: false };
    }
    segs = imp.module.split(".");
    const local = resolveIn(roots, [segs[0]]);
    const ext = externalTop(segs[0]);
    if (local && ext && report) errors.push(`${file}:${imp.line}: local ${segs[0]} shadows an external module`);
    if (!local) {
      if (!ext && report) errors.push(`${file}:${imp.line}: import ${imp.module} is neither local nor a known external module`);
      return { segs, resolved: null, subs: [], external: true };
    }
    const r = resolveIn(roots, segs);
    if (!r && report) errors.push(`${file}:${imp.line}: import ${imp.module} does not resolve in the repository`);
    const subs: Resolved[] = [];
    if (r && imp.names) for (const n of imp.names) this_checkName(file, imp, roots, segs, r, n, subs, report);
    return { segs, resolved: r, subs, external: false };
  };
  function this_checkName(file: string, imp: ScannedImport, roots: string[], segs: string[], r: Resolved, n: string, subs: Resolved[], report: boolean): void {
    if (n === "*") return;
    const sub = resolveIn([r.root], [...segs, n].filter(Boolean)) ?? (r.root === "" ? null : resolveIn(roots, [...segs, n]));
    if (sub) {
      subs.push(sub);
      return;
    }
    if (!r.file) {
      if (report) errors.push(`${file}:${imp.line}: ${n} is not a submodule of namespace package ${segs.join(".")}`);
      return;
    }
    if (!scanned.get(r.file)!.defined.has(n) && report) errors.push(`${file}:${imp.line}: ${segs.join(".") || "."} does not define ${n}`);
  }

  for (const [f, s] of scanned) {
    for (const imp of s.imports) {
      nImports++;
      const t = resolveImport(f, imp, true);
      if (!t.external) nLocal++;
    }
  }

  // Per Dockerfile: walk from the entry point over every import; note what the image lacks.
  const notCopied: NotCopied[] = [];
  const services: VerifyReport["services"] = [];
  // Which distribution an external import needs: keyed by top-level name, or by
  // `google.cloud.<name>` for the google namespace.
  const extKey = (imp: ScannedImport): string => (imp.module.startsWith("google.") ? `${imp.module}.${imp.names?.[0] ?? ""}` : imp.module.split(".")[0]);
  const distOf = new Map<string, string>();
  for (const t of Object.values(THIRD_PARTY)) if (t.dist) for (const imp of scanPython(t.stmt).imports) distOf.set(extKey(imp), t.dist.split("==")[0].toLowerCase());
  for (const df of dockerfiles) {
    const d = parsedDf.get(df)!;
    const inImage = (f: string): boolean => d.copies.some((c) => f === c || f.startsWith(c + "/"));
    /** A namespace package exists in the image when anything below it is copied. */
    const dirInImage = (p: string): boolean => d.copies.some((c) => c === p || c.startsWith(p + "/") || p.startsWith(c + "/"));
    const cmd = d.cmd;
    let entry: string | null = null;
    const modFile = (dotted: string): string | null => resolveIn([""], dotted.split("."))?.file ?? null;
    if (cmd[0] === "python" && cmd[1] === "-m") entry = modFile(cmd[2]);
    else if (cmd[0] === "python") entry = cmd[1];
    else if (cmd[0] === "gunicorn" || cmd[0] === "uvicorn") entry = modFile(cmd.find((a) => /^[\w.]+:\w+$/.test(a))!.split(":")[0]);
    else if (cmd[0] === "celery") entry = modFile(cmd[cmd.indexOf("-A") + 1]);
    if (!entry || !files.has(entry)) {
      errors.push(`${df}: cannot find the entry point of CMD ${JSON.stringify(cmd)}`);
      continue;
    }
    if (!inImage(entry)) errors.push(`${df}: the entry point ${entry} is not copied`);
    if (cmd[0] === "python" && !cmd[1].startsWith("-") && !d.pythonpath) errors.push(`${df}: script service without PYTHONPATH=/app cannot import the shared packages`);
    const reqText = d.reqs && existsSync(path.join(dir, d.reqs)) ? readFileSync(path.join(dir, d.reqs), "utf8") : "";
    const reqs = new Set(reqText.split("\n").map((l) => l.split("==")[0].trim().toLowerCase()).filter(Boolean));
    const seen = new Set<string>();
    const queue = [entry];
    const ancestors = (f: string): string[] => {
      const out: string[] = [];
      const root = rootsFor(f).find((r) => r === "" || f.startsWith(r + "/")) ?? "";
      let p = path.posix.dirname(f);
      while (p && p !== root && p !== ".") {
        const init = `${p}/__init__.py`;
        if (files.has(init)) out.push(init);
        p = path.posix.dirname(p);
        if (p === ".") break;
      }
      return out;
    };
    while (queue.length) {
      const f = queue.pop()!;
      if (seen.has(f)) continue;
      seen.add(f);
      for (const a of ancestors(f)) if (inImage(a)) queue.push(a);
      for (const imp of scanned.get(f)!.imports) {
        const t = resolveImport(f, imp, false);
        if (t.external) {
          const top = extKey(imp);
          const dist = distOf.get(top);
          if (dist && !imp.guarded && !reqs.has(dist)) errors.push(`${df}: ${f}:${imp.line} imports ${top} but ${d.reqs ?? "no requirements file"} does not install ${dist}`);
          continue;
        }
        const loads = [t.resolved, ...t.subs].filter((x): x is Resolved => !!x);
        let missingHere = false;
        for (const r of loads) {
          const lacking = r.file ? [r.file, ...ancestors(r.file)].filter((x) => !inImage(x)) : dirInImage(r.dir!) ? [] : [r.dir!];
          if (lacking.length) {
            missingHere = true;
            continue;
          }
          if (r.file) queue.push(r.file);
        }
        if (missingHere) {
          const modSegs = t.segs;
          notCopied.push({ dockerfile: df, file: f, line: imp.line, module: modSegs.join("."), deferred: imp.inFunction, guarded: imp.guarded, typeChecking: imp.typeChecking });
        }
      }
    }
    services.push({ dockerfile: df, entry, reachable: seen.size });
  }
  return {
    ok: errors.length === 0,
    pythonFiles: files.size,
    bytes,
    dockerfiles: dockerfiles.length,
    imports: nImports,
    localImports: nLocal,
    errors,
    services,
    notCopied,
  };
}

/** Does the self-check's list of images lacking a module match the injected problems exactly? */
export function compareWithProblems(problems: InjectedProblem[], notCopied: NotCopied[]): { matched: InjectedProblem[]; missed: InjectedProblem[]; unexpected: NotCopied[] } {
  const key = (f: string, l: number, d: string): string => `${d}|${f}|${l}`;
  const nc = new Map(notCopied.map((n) => [key(n.file, n.line, n.dockerfile), n]));
  const matched: InjectedProblem[] = [];
  const missed: InjectedProblem[] = [];
  for (const p of problems) {
    const k = key(p.file, p.line, p.dockerfile);
    if (nc.has(k)) {
      matched.push(p);
      nc.delete(k);
    } else missed.push(p);
  }
  return { matched, missed, unexpected: [...nc.values()] };
}

// ---------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------

function isMain(): boolean {
  try {
    return import.meta.url === pathToFileURL(process.argv[1] ?? "").href;
  } catch {
    return false;
  }
}

if (isMain()) {
  const args = process.argv.slice(2);
  const opt = (name: string): number | undefined => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const v = Number(args[i + 1]);
    args.splice(i, 2);
    if (!Number.isFinite(v)) throw new Error(`${name} needs a number`);
    return v;
  };
  const o: GenerateOptions = { files: opt("--files"), bytes: opt("--bytes"), dockerfiles: opt("--dockerfiles"), seed: opt("--seed") };
  const dir = args[0];
  if (!dir) {
    process.stderr.write("usage: node dist/bench/gen-monorepo.js <dir> [--files N] [--bytes B] [--dockerfiles D] [--seed S]\n");
    process.exit(2);
  }
  const t0 = performance.now();
  const res = generateMonorepo(path.resolve(dir), o);
  const t1 = performance.now();
  process.stdout.write(`generated ${res.files} Python files, ${(res.bytes / 1e6).toFixed(1)} MB, ${res.dockerfiles} Dockerfiles (+${res.otherFiles} other files) in ${((t1 - t0) / 1000).toFixed(2)} s\n`);
  process.stdout.write(`injected problems (${res.problems.length}):\n`);
  for (const p of res.problems) process.stdout.write(`  ${p.kind}: ${p.file}:${p.line} imports ${p.module}; ${p.dockerfile} does not copy ${p.missing}\n`);
  const v = verifyGenerated(path.resolve(dir));
  const t2 = performance.now();
  const reach = v.services.reduce((a, s) => a + s.reachable, 0);
  process.stdout.write(`self-check (${((t2 - t1) / 1000).toFixed(2)} s): ${v.pythonFiles} files, ${v.imports} imports (${v.localImports} local), ${v.errors.length} errors; ${reach} files reachable summed over ${v.services.length} services\n`);
  for (const e of v.errors.slice(0, 30)) process.stdout.write(`  error: ${e}\n`);
  const cmp = compareWithProblems(res.problems, v.notCopied);
  process.stdout.write(`images lacking a module: ${v.notCopied.length} (${cmp.matched.length} injected, ${cmp.missed.length} injected but not seen, ${cmp.unexpected.length} unexpected)\n`);
  for (const u of cmp.unexpected.slice(0, 20)) process.stdout.write(`  unexpected: ${u.dockerfile}: ${u.file}:${u.line} ${u.module}\n`);
  for (const m of cmp.missed) process.stdout.write(`  missed: ${m.dockerfile}: ${m.file}:${m.line} ${m.module}\n`);
  process.exit(v.ok && !cmp.missed.length && !cmp.unexpected.length ? 0 : 1);
}
