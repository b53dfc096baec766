// Import names ↔ distribution names. Sources, most authoritative first:
//   1. installed metadata: *.dist-info of an environment on this machine (PEP 794 Import-Name /
//      Import-Namespace, top_level.txt, else the top-level entries of RECORD);
//   2. configuration: [packages.import_names] "dist" = ["import", ...];
//   3. the curated table data/import-names.json (distributions and family patterns);
//   4. name normalisation: distribution "foo-bar" provides "foo_bar".
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { normalizeName } from "./requirements.js";

const DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "data");

export type MapSource = "metadata" | "config" | "table" | "pattern" | "name";

export interface ProviderMatch {
  /** Normalised distribution name. */
  dist: string;
  source: MapSource;
  /** Human description of the source: "installed metadata (.venv)", "curated table", ... */
  detail: string;
  /** A guess (a namespace package's likely distribution): say "perhaps". */
  guess?: boolean;
}

interface Pattern {
  re: RegExp;
  distribution: string;
  note: string;
}

interface Table {
  byDist: Map<string, { display: string; imports: string[] }>;
  patterns: Pattern[];
}

let curated: Table | null = null;

function loadCurated(): Table {
  if (curated) return curated;
  const byDist = new Map<string, { display: string; imports: string[] }>();
  const patterns: Pattern[] = [];
  try {
    const d = JSON.parse(readFileSync(path.join(DATA, "import-names.json"), "utf8")) as {
      distributions: Record<string, string[]>;
      patterns: { import: string; distribution: string; note: string }[];
    };
    for (const [dist, imports] of Object.entries(d.distributions)) byDist.set(normalizeName(dist), { display: dist, imports });
    for (const p of d.patterns) patterns.push({ re: new RegExp(p.import), distribution: p.distribution, note: p.note });
  } catch {
    /* no data file: table and patterns empty */
  }
  curated = { byDist, patterns };
  return curated;
}

/** Does an import name entry ("google.cloud.bigquery", "yaml") cover the dotted module `mod`? */
function covers(entry: string, mod: string): boolean {
  return mod === entry || mod.startsWith(entry + ".") || entry.startsWith(mod + ".");
}

/** Import names a distribution declares in one .dist-info folder. */
export function readDistInfo(dir: string): { name: string; imports: string[] } | null {
  let meta: string;
  try {
    meta = readFileSync(path.join(dir, "METADATA"), "utf8");
  } catch {
    return null;
  }
  const head = meta.split(/\r?\n\r?\n/)[0];
  const field = (k: string) => [...head.matchAll(new RegExp(`^${k}:\\s*(.+)$`, "gim"))].map((m) => m[1].trim());
  const name = field("Name")[0];
  if (!name) return null;
  // PEP 794: Import-Name / Import-Namespace, possibly with "; private".
  const declared = [...field("Import-Name"), ...field("Import-Namespace")].map((v) => v.split(";")[0].trim()).filter(Boolean);
  if (declared.length || /^Import-Name:\s*$/im.test(head)) return { name, imports: declared };
  try {
    const tl = readFileSync(path.join(dir, "top_level.txt"), "utf8").split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
    if (tl.length) return { name, imports: tl.map((s) => s.replace(/\//g, ".")) };
  } catch {
    /* no top_level.txt */
  }
  try {
    const tops = new Set<string>();
    for (const line of readFileSync(path.join(dir, "RECORD"), "utf8").split(/\r?\n/)) {
      const p = line.split(",")[0];
      if (!p || p.startsWith("..") || p.includes(".dist-info/") || p.includes(".data/") || p.startsWith("__pycache__")) continue;
      const first = p.split("/")[0];
      if (p.includes("/")) {
        if (p.endsWith(".py") || /\.(so|pyd)$/.test(p)) tops.add(first);
      } else if (p.endsWith(".py")) tops.add(first.slice(0, -3));
      else if (/\.(so|pyd)$/.test(p)) tops.add(first.split(".")[0]);
    }
    return { name, imports: [...tops] };
  } catch {
    return { name, imports: [] };
  }
}

/** site-packages folders of an environment folder (a venv root or a site-packages itself). */
export function sitePackagesOf(env: string): string[] {
  if (!existsSync(env)) return [];
  if (path.basename(env) === "site-packages") return [env];
  const out: string[] = [];
  for (const lib of ["lib", "lib64"]) {
    const d = path.join(env, lib);
    let names: string[] = [];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) if (/^python\d/.test(n) && existsSync(path.join(d, n, "site-packages"))) out.push(path.join(d, n, "site-packages"));
  }
  return out;
}

export class ImportMap {
  private readonly explicit = new Map<string, { imports: string[]; source: MapSource; detail: string }>();
  private readonly reverse = new Map<string, Set<string>>(); // top-level import -> dists (all explicit sources)

  constructor(opts: { config?: Record<string, string[]>; environments?: string[]; root?: string } = {}) {
    const table = loadCurated();
    for (const [dist, v] of table.byDist) this.set(dist, v.imports, "table", "curated table (data/import-names.json)");
    for (const [dist, imports] of Object.entries(opts.config ?? {})) this.set(normalizeName(dist), imports, "config", "configuration [packages.import_names]");
    for (const env of opts.environments ?? []) {
      for (const sp of sitePackagesOf(env)) {
        let names: string[] = [];
        try {
          names = readdirSync(sp).filter((n) => n.endsWith(".dist-info"));
        } catch {
          continue;
        }
        for (const n of names) {
          const info = readDistInfo(path.join(sp, n));
          if (info && info.imports.length) this.set(normalizeName(info.name), info.imports, "metadata", `installed metadata (${path.relative(opts.root ?? process.cwd(), sp) || sp})`);
        }
      }
    }
  }

  private set(dist: string, imports: string[], source: MapSource, detail: string): void {
    this.explicit.set(dist, { imports, source, detail });
    for (const i of imports) {
      const top = i.split(".")[0];
      let s = this.reverse.get(top);
      if (!s) this.reverse.set(top, (s = new Set()));
      s.add(dist);
    }
  }

  private readonly providesMemo = new Map<string, ProviderMatch | null>();
  private readonly providersMemo = new Map<string, ProviderMatch[]>();

  /** Does the installed distribution `dist` (normalised) provide the dotted module `mod`? */
  provides(dist: string, mod: string): ProviderMatch | null {
    const k = dist + "\0" + mod;
    let r = this.providesMemo.get(k);
    if (r === undefined) this.providesMemo.set(k, (r = this.providesUncached(dist, mod)));
    return r;
  }

  /** Distributions that would provide `mod`, best first: for the fix in a message. */
  providersOf(mod: string): ProviderMatch[] {
    let r = this.providersMemo.get(mod);
    if (!r) this.providersMemo.set(mod, (r = this.providersOfUncached(mod)));
    return r;
  }

  private providesUncached(dist: string, mod: string): ProviderMatch | null {
    const e = this.explicit.get(dist);
    if (e && e.imports.some((i) => covers(i, mod))) return { dist, source: e.source, detail: e.detail };
    for (const p of loadCurated().patterns) {
      const m = p.re.exec(mod);
      if (m && normalizeName(expand(p.distribution, m.groups ?? {})) === dist) return { dist, source: "pattern", detail: `curated pattern (${p.note.split(":")[0]})` };
    }
    const top = mod.split(".")[0];
    if (normalizeName(top) === dist && !(e && e.source === "metadata")) return { dist, source: "name", detail: "the distribution's name" };
    return null;
  }

  private providersOfUncached(mod: string): ProviderMatch[] {
    const out: ProviderMatch[] = [];
    const seen = new Set<string>();
    const add = (m: ProviderMatch | null) => {
      if (m && !seen.has(m.dist)) {
        seen.add(m.dist);
        out.push(m);
      }
    };
    const top = mod.split(".")[0];
    // Most specific explicit entry first (google.cloud.bigquery before google).
    const cands = [...(this.reverse.get(top) ?? [])]
      .map((d) => ({ d, e: this.explicit.get(d)!, len: Math.max(...this.explicit.get(d)!.imports.filter((i) => covers(i, mod)).map((i) => (mod === i || mod.startsWith(i + ".") ? i.length : -1)), -2) }))
      .filter((x) => x.len >= 0)
      .sort((a, b) => b.len - a.len || rank(a.e.source) - rank(b.e.source));
    for (const c of cands) add({ dist: c.d, source: c.e.source, detail: c.e.detail });
    for (const p of loadCurated().patterns) {
      const m = p.re.exec(mod);
      if (m) add({ dist: normalizeName(expand(p.distribution, m.groups ?? {})), source: "pattern", detail: `curated pattern (${p.note.split(":")[0]})` });
    }
    if (!out.length) {
      // `google`, `azure`, `opentelemetry`… are namespaces shared by many distributions: the
      // package is named after the first two parts (google.genai → google-genai), never the root.
      const parts = mod.split(".");
      if (NAMESPACE_ROOTS.has(top) && parts.length > 1) add({ dist: normalizeName(parts.slice(0, 2).join("-")), source: "name", detail: "a guess from the import name (a namespace package)", guess: true });
      else add({ dist: normalizeName(top), source: "name", detail: "the import name" });
    }
    return out;
  }

  /** The display name of a distribution, as the table spells it. */
  display(dist: string): string {
    return loadCurated().byDist.get(dist)?.display ?? dist;
  }
}

/** Top-level names that are namespace packages shared by many distributions. */
export const NAMESPACE_ROOTS = new Set(["google", "azure", "opentelemetry", "zope", "backports", "jaraco", "sphinxcontrib", "ruamel", "oslo", "flufl"]);

function rank(s: MapSource): number {
  return ["metadata", "config", "table", "pattern", "name"].indexOf(s);
}

function expand(tpl: string, groups: Record<string, string>): string {
  return tpl.replace(/\$\{(\w+)\}/g, (_, k: string) => (groups[k] ?? "").replace(/_/g, "-"));
}

/** A cheap fingerprint of the environments' installed distributions, for cache keys. */
export function environmentStamp(envs: string[]): string {
  const parts: string[] = [];
  for (const env of envs) {
    for (const sp of sitePackagesOf(env)) {
      try {
        parts.push(sp, ...readdirSync(sp).filter((n) => n.endsWith(".dist-info")).sort());
      } catch {
        /* unreadable: nothing */
      }
    }
  }
  return parts.join("\n");
}
