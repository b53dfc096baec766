// The alert state: which drift each service is in, whether it has been alerted, and
// acknowledgements. A SQLite file (default .shipshape/state.db) through sql.js (SQLite compiled
// to WebAssembly: no native build, installs anywhere `npm ci` does). sql.js works on an
// in-memory copy: the file is read at open and written back (atomically, by rename) on save.
// One writer at a time: run one `drift --watch` per state file.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Database, SqlJsStatic } from "sql.js";
import { UsageError } from "../discover.js";

export interface DriftRow {
  service: string;
  fingerprint: string;
  state: string;
  summary: string;
  firstSeen: string;
  lastSeen: string;
  alertedAt: string | null;
  /** Channels the current drift was delivered to. */
  channels: string[];
}

export interface AckRow {
  service: string;
  fingerprint: string;
  until: string;
  reason: string;
  createdAt: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS drift (
  service TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  state TEXT NOT NULL,
  summary TEXT NOT NULL,
  first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  alerted_at TEXT,
  channels TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS ack (
  service TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  until TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (service, fingerprint)
);
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', '1');
`;

/**
 * The state file cannot be read or written. A UsageError (one line, exit 2) where nothing else
 * can go on (`drift ack`); `drift` itself prints the report first and says it after.
 */
export class StateFileError extends UsageError {}

/** `not a directory (ENOTDIR)` from a Node fs error, without the path it repeats. */
function fsReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const m = /^(E[A-Z]+): ([^,]+)/.exec(err.message ?? "");
  if (m) return `${m[2]} (${m[1]})`;
  return (err.message ?? String(e)).split("\n")[0];
}

/** The nearest existing ancestor of `dir` when it is not a directory (mkdir then says EEXIST or ENOTDIR). */
function fileInTheWay(dir: string): string | null {
  for (let d = dir; ; d = path.dirname(d)) {
    try {
      return statSync(d).isDirectory() ? null : d;
    } catch {
      if (path.dirname(d) === d) return null;
    }
  }
}

// Loaded on first use only: `shipshape check` never pays for it.
let sqlPromise: Promise<SqlJsStatic> | null = null;

export class StateDb {
  private constructor(
    private db: Database,
    readonly file: string,
  ) {}

  static async open(file: string): Promise<StateDb> {
    sqlPromise ??= import("sql.js").then((m) => m.default());
    const SQL = await sqlPromise;
    let db: Database;
    if (existsSync(file)) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (e) {
        throw new StateFileError(`cannot read state file ${file}: ${fsReason(e)}`);
      }
      try {
        db = new SQL.Database(bytes);
        db.exec("SELECT count(*) FROM sqlite_master");
      } catch (e) {
        throw new StateFileError(`state file ${file} is not a SQLite database (${(e as Error).message.split("\n")[0]})`);
      }
    } else db = new SQL.Database();
    try {
      db.exec(SCHEMA);
      // Another program's SQLite file (a table of ours with other columns, or another schema version).
      const v = db.exec("SELECT value FROM meta WHERE key = 'schema'")[0]?.values[0]?.[0];
      if (v !== "1") throw new Error(`schema version ${String(v)}, expected 1`);
      db.exec("SELECT service, fingerprint, state, summary, first_seen, last_seen, alerted_at, channels FROM drift LIMIT 0");
      db.exec("SELECT service, fingerprint, until, reason, created_at FROM ack LIMIT 0");
    } catch (e) {
      db.close();
      throw new StateFileError(`state file ${file} is a SQLite database, but not shipshape's drift state (${(e as Error).message.split("\n")[0]}): give --state another file`);
    }
    return new StateDb(db, file);
  }

  /** Write the database back (to a temporary file, renamed over the old one), or throw StateFileError. */
  save(): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      writeFileSync(tmp, this.db.export());
      renameSync(tmp, this.file);
    } catch (e) {
      try {
        rmSync(tmp, { force: true });
      } catch {
        /* nothing was written there */
      }
      const blocker = fileInTheWay(path.dirname(this.file));
      throw new StateFileError(`cannot write state file ${this.file}: ${blocker ? `${blocker} is a file, not a directory` : fsReason(e)}`);
    }
  }

  close(): void {
    this.db.close();
  }

  private rows<T>(sql: string, params: (string | null)[]): T[] {
    const st = this.db.prepare(sql);
    try {
      st.bind(params);
      const out: T[] = [];
      while (st.step()) out.push(st.getAsObject() as T);
      return out;
    } finally {
      st.free();
    }
  }

  getDrift(service: string): DriftRow | null {
    const r = this.rows<Record<string, string | null>>("SELECT * FROM drift WHERE service = ?", [service])[0];
    if (!r) return null;
    return { service: r.service!, fingerprint: r.fingerprint!, state: r.state!, summary: r.summary!, firstSeen: r.first_seen!, lastSeen: r.last_seen!, alertedAt: r.alerted_at ?? null, channels: (r.channels ?? "").split(",").filter(Boolean) };
  }

  putDrift(r: DriftRow): void {
    this.db.run("INSERT OR REPLACE INTO drift (service, fingerprint, state, summary, first_seen, last_seen, alerted_at, channels) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
      r.service,
      r.fingerprint,
      r.state,
      r.summary,
      r.firstSeen,
      r.lastSeen,
      r.alertedAt,
      r.channels.join(","),
    ]);
  }

  clearDrift(service: string): void {
    this.db.run("DELETE FROM drift WHERE service = ?", [service]);
  }

  addAck(a: AckRow): void {
    this.db.run("INSERT OR REPLACE INTO ack (service, fingerprint, until, reason, created_at) VALUES (?, ?, ?, ?, ?)", [a.service, a.fingerprint, a.until, a.reason, a.createdAt]);
  }

  /** The acknowledgement in force for this drift at `now`, if any. */
  activeAck(service: string, fingerprint: string, now: Date): AckRow | null {
    const r = this.rows<Record<string, string>>("SELECT * FROM ack WHERE service = ? AND fingerprint = ?", [service, fingerprint])[0];
    if (!r || Date.parse(r.until) <= now.getTime()) return null;
    return { service: r.service, fingerprint: r.fingerprint, until: r.until, reason: r.reason, createdAt: r.created_at };
  }

  /** Drop acknowledgements that have expired. */
  pruneAcks(now: Date): void {
    this.db.run("DELETE FROM ack WHERE until <= ?", [now.toISOString()]);
  }
}
