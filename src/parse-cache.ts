// Parse each Python file once per run, and keep the results between runs in a content-hash
// cache on disk (`.shipshape_cache/` at the repository root, like ruff's `.ruff_cache`).
import { isAscii } from "node:buffer";
import { createHash } from "node:crypto";
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync, renameSync } from "node:fs";
import path from "node:path";
import type { ParsedPython } from "./types.js";
import { extractImports, PARSER_VERSION } from "./python/imports.js";
import { SharedParse, type RawParseJson } from "./parse-shared.js";
import { packParse, unpackParse, type PackedParse } from "./parse-wire.js";
import type { Worker } from "node:worker_threads";

export interface ParseResult {
  parsed: ParsedPython | null;
  /** Why the file could not be read as Python text (binary, bad encoding, unreadable). */
  unreadable?: string;
}

interface DiskCache {
  version: string;
  /**
   * content sha1 -> parse result, packed (parse-wire.ts); null in memory for a result of this
   * run, which `decoded` holds (and `entryJson` as text when the worker parsed it).
   */
  entries: Record<string, PackedParse | null>;
  /** absolute path -> [size, ctimeMs, sha1]: ctime, not mtime, which cp -p, rsync -a and touch -d set back */
  stats: Record<string, [number, number, string]>;
}

const CACHE_FORMAT = "2";

export function decodePython(buf: Buffer): { text: string } | { error: string } {
  if (buf.includes(0)) return { error: "binary file (contains NUL bytes)" };
  let start = 0;
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
  // PEP 263 coding cookie on line 1 or 2.
  const head = buf.subarray(start, Math.min(buf.length, start + 400)).toString("latin1").split("\n").slice(0, 2);
  let encoding = "utf-8";
  for (const l of head) {
    const m = /^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)/.exec(l);
    if (m) {
      encoding = m[1].toLowerCase().replace(/_/g, "-");
      break;
    }
    if (!/^[ \t\f]*(#.*)?\r?$/.test(l)) break;
  }
  if (encoding === "utf8" || encoding.startsWith("utf-8")) encoding = "utf-8";
  // Python codec names that are not WHATWG labels.
  if (/^(latin-?1|iso-?8859-1|iso8859-1|l1|cp819)$/.test(encoding)) return { text: buf.subarray(start).toString("latin1") };
  if (/^(ascii|us-ascii)$/.test(encoding)) encoding = "utf-8";
  // Pure ASCII (most source files) reads the same in UTF-8 and in Latin-1, the cheapest decoding.
  if (encoding === "utf-8" && isAscii(buf)) return { text: buf.toString("latin1", start) };
  const cp = /^cp(125\d|874)$/.exec(encoding);
  if (cp) encoding = "windows-" + cp[1];
  try {
    const dec = new TextDecoder(encoding, { fatal: true });
    return { text: dec.decode(buf.subarray(start)) };
  } catch (e) {
    if (e instanceof RangeError) return { error: `unknown source encoding '${encoding}'` };
    return { error: encoding === "utf-8" ? "not valid UTF-8 and no coding declaration" : `not valid ${encoding}` };
  }
}

export interface RawParse {
  abs: string;
  size: number;
  ctimeMs: number;
  ino: number;
  sha: string;
  parsed: ParsedPython | null;
  unreadable?: string;
  fromCache?: boolean;
}

/** Read, hash, decode and parse one file (used by the main thread and by parse workers). */
/** Reused for reading files: a parse only looks at the bytes until it has the text and the hash. */
let scratch = Buffer.allocUnsafe(256 * 1024);

/**
 * The content of an open file whose stat gave `size`, like readFileSync(fd): `size` bytes (fewer
 * if it shrank), or everything up to the end when the size is unknown (0). The result is a view
 * of a shared buffer, valid until the next call.
 */
function readContent(fd: number, size: number): Buffer {
  if (scratch.length < size) scratch = Buffer.allocUnsafe(Math.max(size, scratch.length * 2));
  let n = 0;
  for (;;) {
    if (size > 0 && n === size) break;
    if (n === scratch.length) {
      const bigger = Buffer.allocUnsafe(scratch.length * 2);
      scratch.copy(bigger, 0, 0, n);
      scratch = bigger;
    }
    const r = readSync(fd, scratch, n, (size > 0 ? size : scratch.length) - n, null);
    if (r === 0) break;
    n += r;
  }
  return scratch.subarray(0, n);
}

export function parseRaw(abs: string, known?: (sha: string) => ParsedPython | undefined): RawParse {
  let buf: Buffer;
  let st;
  try {
    // One path lookup: the stat and the content come from the same open file.
    const fd = openSync(abs, "r");
    try {
      st = fstatSync(fd);
      buf = readContent(fd, st.size);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    return { abs, size: 0, ctimeMs: 0, ino: 0, sha: "", parsed: null, unreadable: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
  const sha = createHash("sha1").update(buf).digest("hex");
  const base = { abs, size: st.size, ctimeMs: st.ctimeMs, ino: st.ino, sha };
  const hit = known?.(sha);
  if (hit) return { ...base, parsed: hit, fromCache: true };
  const dec = decodePython(buf);
  if ("error" in dec) return { ...base, parsed: null, unreadable: dec.error };
  return { ...base, parsed: extractImports(dec.text) };
}

export class ParseCache {
  private memo = new Map<string, ParseResult>();
  /** The JSON text of entries that came as text from the worker (written back as is). */
  private entryJson = new Map<string, string>();
  /** Entries as objects: unpacked on first use, or parsed in this run. */
  private decoded = new Map<string, ParsedPython>();
  private disk: DiskCache;
  private dirty = false;
  readonly file: string | null;
  hits = 0;
  parsed = 0;

  private loaded = false;
  private shared: SharedParse | null = null;
  /** The worker attached, if any. */
  get worker(): SharedParse | null {
    return this.shared;
  }
  /**
   * Told the stat of every file whose content was read (size, ctime, inode), so that the service
   * cache records the stat of the very content the analysis used.
   */
  onStat: ((abs: string, size: number, ctimeMs: number, ino: number) => void) | null = null;

  /** The cache file in a cache folder. */
  static fileIn(cacheDir: string): string {
    return path.join(cacheDir, "parse-v" + CACHE_FORMAT + ".json");
  }

  constructor(cacheDir: string | null) {
    this.file = cacheDir ? ParseCache.fileIn(cacheDir) : null;
    this.disk = { version: PARSER_VERSION, entries: {}, stats: {} };
  }

  /** Read the disk cache on first use (a run whose services all come from the service cache never does). */
  private ensureLoaded(): void {
    if (this.loaded) return;
    this.loaded = true;
    if (!this.file) return;
    try {
      const d = JSON.parse(readFileSync(this.file, "utf8")) as DiskCache;
      if (d.version === PARSER_VERSION) this.disk = d;
    } catch {
      /* no cache yet, or unreadable: start empty */
    }
  }

  /** Parse a file on disk (by absolute path), once per run. */
  parseFile(abs: string): ParseResult {
    let m = this.memo.get(abs);
    if (m) return m;
    if (this.shared) {
      this.shared.drain();
      m = this.memo.get(abs);
      if (m) return m;
      if (this.shared.need(abs) === "theirs") return this.memo.get(abs)!;
    }
    const r = this.load(abs);
    this.memo.set(abs, r);
    return r;
  }

  /** Parse text that is not a file on disk (a heredoc). */
  parseText(key: string, text: string): ParseResult {
    const m = this.memo.get(key);
    if (m) return m;
    const r = { parsed: extractImports(text) };
    this.memo.set(key, r);
    return r;
  }

  /** Does this file need parsing (not in the cache with the same size and ctime)? */
  needsParse(abs: string): boolean {
    this.ensureLoaded();
    if (this.memo.has(abs)) return false;
    try {
      const st = statSync(abs);
      const known = this.disk.stats[abs];
      return !(known && known[0] === st.size && known[1] === st.ctimeMs && this.entry(known[2]));
    } catch {
      return false;
    }
  }

  /**
   * Parse `files` on a worker thread while this thread goes on (see parse-shared.ts): files the
   * analysis asks for are taken from the worker, or parsed here when the worker has not started
   * them. Call `detach` when done.
   */
  attachWorker(files: string[], worker?: Worker): SharedParse {
    this.ensureLoaded();
    this.shared = new SharedParse(files, (r) => this.prime(r), (abs) => this.memo.has(abs), worker);
    return this.shared;
  }

  /** Take what the worker finished (into the cache) and stop it. */
  detachWorker(): void {
    this.shared?.close();
    this.shared = null;
  }

  /** Take a result parsed elsewhere (a worker thread). */
  prime(r: RawParse | RawParseJson): void {
    this.ensureLoaded();
    if (this.memo.has(r.abs)) return;
    if (r.sha) this.onStat?.(r.abs, r.size, r.ctimeMs, r.ino);
    if (r.parsed) {
      this.parsed++;
      if ("json" in r && r.json !== null) this.entryJson.set(r.sha, r.json);
      this.disk.entries[r.sha] = null;
      this.decoded.set(r.sha, r.parsed);
      this.disk.stats[r.abs] = [r.size, r.ctimeMs, r.sha];
      this.dirty = true;
      this.memo.set(r.abs, { parsed: r.parsed });
    } else if (r.unreadable) this.memo.set(r.abs, { parsed: null, unreadable: r.unreadable });
  }

  private load(abs: string): ParseResult {
    this.ensureLoaded();
    let st;
    try {
      st = statSync(abs);
    } catch (e) {
      return { parsed: null, unreadable: `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
    }
    const known = this.disk.stats[abs];
    if (known && known[0] === st.size && known[1] === st.ctimeMs) {
      const hit = this.entry(known[2]);
      if (hit) {
        this.hits++;
        this.onStat?.(abs, st.size, st.ctimeMs, st.ino);
        return { parsed: hit };
      }
    }
    const raw = parseRaw(abs, (sha) => this.entry(sha));
    if (raw.sha) this.onStat?.(abs, raw.size, raw.ctimeMs, raw.ino);
    if (!raw.parsed) return { parsed: null, unreadable: raw.unreadable };
    if (raw.fromCache) this.hits++;
    else {
      this.parsed++;
      this.disk.entries[raw.sha] = null;
      this.decoded.set(raw.sha, raw.parsed);
    }
    this.disk.stats[abs] = [raw.size, raw.ctimeMs, raw.sha];
    this.dirty = true;
    return { parsed: raw.parsed };
  }

  /** A cached parse by content hash, unpacked once. */
  private entry(sha: string): ParsedPython | undefined {
    let p = this.decoded.get(sha);
    if (p) return p;
    const packed = this.disk.entries[sha];
    if (!packed) return undefined;
    p = unpackParse(packed) ?? undefined;
    if (p) this.decoded.set(sha, p);
    return p;
  }

  /** The disk cache as JSON, reusing the JSON text of entries parsed by the worker. */
  private serialize(): string {
    const parts: string[] = [];
    for (const [sha, entry] of Object.entries(this.disk.entries)) parts.push(JSON.stringify(sha) + ":" + (this.entryJson.get(sha) ?? JSON.stringify(entry ?? packParse(this.decoded.get(sha)!))));
    return `{"version":${JSON.stringify(this.disk.version)},"entries":{${parts.join(",")}},"stats":${JSON.stringify(this.disk.stats)}}`;
  }

  save(): void {
    if (!this.file || !this.dirty) return;
    // Drop entries no file points to any more.
    const live = new Set(Object.values(this.disk.stats).map((v) => v[2]));
    for (const k of Object.keys(this.disk.entries)) if (!live.has(k)) delete this.disk.entries[k];
    try {
      const dir = path.dirname(this.file);
      mkdirSync(dir, { recursive: true });
      try {
        writeFileSync(path.join(dir, ".gitignore"), "# Automatically created by shipshape.\n*\n", { flag: "wx" });
      } catch {
        /* exists */
      }
      const tmp = this.file + "." + process.pid + ".tmp";
      writeFileSync(tmp, this.serialize());
      renameSync(tmp, this.file);
      // A cache of an earlier format is never read again.
      for (let v = 1; v < Number(CACHE_FORMAT); v++) rmSync(ParseCache.fileIn(dir).replace(/v\d+\.json$/, `v${v}.json`), { force: true });
    } catch {
      /* a cache that cannot be written is not an error */
    }
  }
}
