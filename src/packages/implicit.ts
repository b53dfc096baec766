// Implicit runtime dependencies (SS401): failures no import statement reveals, kept as a data
// table of rules (data/implicit-deps.json, plus [[implicit]] rules from configuration).
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { BuildContext, FsCache } from "../context/context.js";
import type { ImageModel } from "../image/model.js";
import type { BaseImageInfo } from "../image/base.js";
import type { ImportMap } from "./import-map.js";
import type { ImagePackages } from "./image-packages.js";
import type { Finding, Severity } from "../findings.js";
import { normalizeName } from "./requirements.js";

const DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "data");

export interface ImplicitRequirement {
  /** Any one of these distributions satisfies it. */
  pip?: string[];
  /** Or any one of these system packages (apt for Debian/Ubuntu bases, apk for Alpine). */
  system?: { apt?: string[]; apk?: string[] };
  why: string;
}

export interface ImplicitRule {
  id: string;
  trigger: { imports?: string[]; calls?: string[]; distributions?: string[] };
  requires: ImplicitRequirement[];
  severity?: Severity;
}

let builtin: ImplicitRule[] | null = null;
export function builtinRules(): ImplicitRule[] {
  if (builtin) return builtin;
  try {
    builtin = (JSON.parse(readFileSync(path.join(DATA, "implicit-deps.json"), "utf8")) as { rules: ImplicitRule[] }).rules;
  } catch {
    builtin = [];
  }
  return builtin;
}

/** Top-level module names that can trigger a rule: only imports of these need collecting. */
export function triggerTops(extra: ImplicitRule[] = []): Set<string> {
  const out = new Set<string>();
  for (const r of [...builtinRules(), ...extra]) for (const i of r.trigger.imports ?? []) out.add(i.split(".")[0]);
  return out;
}

export interface ImplicitInputs {
  model: ImageModel;
  ctx: BuildContext;
  fs: FsCache;
  pkgs: ImagePackages;
  base: BaseImageInfo;
  map: ImportMap;
  /** Reachable files (repository paths) — where calls are searched. */
  reachable: { repoFile: string | null; module: string }[];
  /** Non-local imports reachable from the entry points. */
  externals: { module: string; file: string; line: number }[];
  dfRepo: string;
  repoRoot: string;
  extraRules?: ImplicitRule[];
}

type Out = Omit<Finding, "service" | "severity"> & { severity?: Severity };

const under = (mod: string, root: string) => mod === root || mod.startsWith(root + ".");

const linesMemo = new WeakMap<FsCache, Map<string, string[]>>();
const callsMemo = new WeakMap<FsCache, Map<string, number>>();

/** Lines of code (comments removed) of a repository file, read once per run. */
function codeLines(abs: string, fs: FsCache): string[] {
  fs.noteFile(abs);
  let m = linesMemo.get(fs);
  if (!m) linesMemo.set(fs, (m = new Map()));
  let v = m.get(abs);
  if (!v) m.set(abs, (v = readCodeLines(abs, fs)));
  return v;
}

const textMemo = new WeakMap<FsCache, Map<string, string>>();
/** A file's text, read once per run (per FsCache). */
function textOf(abs: string, fs: FsCache): string {
  let m = textMemo.get(fs);
  if (!m) textMemo.set(fs, (m = new Map()));
  let t = m.get(abs);
  if (t === undefined) {
    try {
      t = readFileSync(abs, "utf8");
    } catch {
      t = "";
    }
    m.set(abs, t);
  }
  return t;
}

function readCodeLines(abs: string, fs: FsCache): string[] {
  try {
    return textOf(abs, fs)
      .split(/\r?\n/)
      .map((l) => {
        const h = l.indexOf("#");
        return h >= 0 && !/["']/.test(l.slice(0, h)) ? l.slice(0, h) : l;
      });
  } catch {
    return [];
  }
}

export function implicitFindings(inp: ImplicitInputs): Out[] {
  const out: Out[] = [];
  const rules = [...builtinRules(), ...(inp.extraRules ?? [])];
  const alpine = inp.base.family === "alpine" || /alpine/.test(inp.base.tag);
  const hasDist = (names: string[]) => names.some((n) => inp.pkgs.dists.has(normalizeName(n)));
  const hasSystem = (s: NonNullable<ImplicitRequirement["system"]>) => {
    const names = (alpine ? s.apk : s.apt) ?? [];
    return names.some((n) => inp.pkgs.system.has(n) || inp.base.systemPackages.has(n));
  };
  const uncertain: string[] = [];
  if (!inp.base.known) uncertain.push(`the base image ${inp.base.ref} is not one shipshape knows and may already contain it; declare its packages in [images."${inp.base.repo}"]`);
  for (const o of inp.pkgs.opaque.slice(0, 1)) uncertain.push(`RUN at ${inp.dfRepo}:${o.line}: ${o.reason}`);
  const fileLines = new Map<string, string[]>();
  const linesOf = (repoFile: string) => {
    let l = fileLines.get(repoFile);
    if (!l) fileLines.set(repoFile, (l = codeLines(path.join(inp.repoRoot, repoFile), inp.fs)));
    return l;
  };

  let callMemo = callsMemo.get(inp.fs);
  if (!callMemo) callsMemo.set(inp.fs, (callMemo = new Map()));
  const firstCall = (f: string, re: RegExp): number => {
    const k = re.source + "\0" + f;
    let i = callMemo!.get(k);
    const abs = path.join(inp.repoRoot, f);
    inp.fs.noteFile(abs); // a dependency of this service, memoised or not
    if (i === undefined) {
      // Most files never call it: test the whole text before splitting lines.
      i = re.test(textOf(abs, inp.fs)) ? linesOf(f).findIndex((l) => re.test(l)) : -1;
      callMemo!.set(k, i);
    }
    return i;
  };
  const byTop = new Map<string, ImplicitInputs["externals"]>();
  for (const e of inp.externals) {
    const top = e.module.split(".")[0];
    const l = byTop.get(top);
    if (l) l.push(e);
    else byTop.set(top, [e]);
  }
  for (const rule of rules) {
    // Where does the trigger happen? (file, line, module)
    let at: { file: string; line: number; module: string; what: string } | null = null;
    const t = rule.trigger;
    if (t.imports?.length) {
      const hits = t.imports.flatMap((r) => (byTop.get(r.split(".")[0]) ?? []).filter((e) => under(e.module, r)));
      if (!hits.length) continue;
      if (t.calls?.length) {
        const files = [...new Set(hits.map((h) => h.file))];
        const re = new RegExp(`\\.(${t.calls.map((c) => c.replace(/[^\w]/g, "")).join("|")})\\s*\\(`);
        for (const f of files) {
          const i = firstCall(f, re);
          if (i >= 0) {
            at = { file: f, line: i + 1, module: hits.find((h) => h.file === f)!.module, what: `${re.exec(linesOf(f)[i])![1]}() in ${f}` };
            break;
          }
        }
        if (!at) continue;
      } else {
        const h = hits[0];
        at = { file: h.file, line: h.line, module: h.module, what: `the import of ${h.module} in ${h.file}` };
      }
    } else if (t.distributions?.length) {
      const d = t.distributions.map(normalizeName).find((n) => inp.pkgs.dists.has(n));
      if (!d) continue;
      const dist = inp.pkgs.dists.get(d)!;
      const m = /^(.*?):(\d+) \(/.exec(dist.via);
      at = m ? { file: m[1], line: Number(m[2]), module: d, what: `${d} (${dist.via})` } : { file: inp.dfRepo, line: inp.model.argvLine || 1, module: d, what: `${d} (${dist.via})` };
    } else continue;
    for (const req of rule.requires) {
      const pipOk = req.pip ? hasDist(req.pip) : false;
      const sysOk = req.system ? hasSystem(req.system) : false;
      if (pipOk || sysOk) continue;
      const options: string[] = [];
      if (req.pip) options.push(req.pip.map((p) => `pip ${p}`).join(" or "));
      if (req.system) {
        const names = (alpine ? req.system.apk : req.system.apt) ?? [];
        if (names.length) options.push(`${alpine ? "apk add" : "apt-get install"} ${names[0]}`);
      }
      if (!options.length) continue;
      const fix =
        req.system && ((alpine ? req.system.apk : req.system.apt) ?? []).length
          ? {
              dockerfile: inp.dfRepo,
              after_line: inp.model.stage.range.line,
              insert: alpine
                ? `RUN apk add --no-cache ${req.system.apk![0]}`
                : `RUN apt-get update && apt-get install -y --no-install-recommends ${req.system.apt![0]} && rm -rf /var/lib/apt/lists/*`,
            }
          : undefined;
      out.push({
        code: "SS401",
        file: at.file,
        line: at.line,
        module: req.pip?.[0] ?? ((alpine ? req.system?.apk : req.system?.apt) ?? [])[0] ?? at.module,
        message: `[${rule.id}] ${at.what} needs ${options.join(", or ")}, which the image does not install: ${req.why}`,
        chain: [],
        fix,
        severity: uncertain.length ? "warning" : rule.severity,
        notes: uncertain.length ? uncertain : undefined,
      });
    }
  }
  return out;
}
