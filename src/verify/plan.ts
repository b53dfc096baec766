// What to prove for each service, from the static check's result, and how to judge what the
// probe found against it. Pure functions: no Docker here.
import type { ServiceResult } from "../analyze.js";
import type { Finding } from "../findings.js";
import type { ServiceSpec } from "../service.js";
import type { ProbeGroup, ProbeMode, ProbeModule, ProbeOutcome, ProbeOutput } from "./probe.js";

/** What `check` predicted for one module (or script file) of a service. */
export interface Expectation {
  /** Dotted name; "__main__" for a script file. */
  name: string;
  file?: string;
  /** Index into the plan's groups (the sys.path it is resolved with). */
  group: number;
  /**
   * ok: resolves (to `file` when given); missing: does not resolve;
   * namespace: resolves as a namespace package (SS106, SS105);
   */
  expect: "ok" | "missing" | "namespace";
  /** SS105: names that `from name import attr` cannot import. */
  missingAttrs?: string[];
  /** Why: "reachable from the entry point" or the finding (`SS101 app/db.py:1`). */
  why: string;
  /** Only imported inside functions. */
  deferred?: boolean;
  /** Predicted by a warning-severity finding (a guarded import): its failure does not fail the run. */
  warning?: boolean;
  /** Do not compare the runtime origin with `file` (pip-installed projects live in site-packages). */
  anyOrigin?: boolean;
  /** A module not in the repository: the standard library's, or a third-party package's. */
  external?: "stdlib" | "package";
  /** For a package predicted present: where check found it installed (a requirements file, the base image). */
  via?: string;
}

export interface ServicePlan {
  service: ServiceSpec;
  /** Same key = same image: Dockerfile, context, target, build args. */
  buildKey: string;
  groups: ProbeGroup[];
  expectations: Expectation[];
  /** Findings that say the build itself fails (SS001, SS005, SS006, SS009, SS206). */
  buildFailures: Finding[];
  /** Findings the probe does not compare (SS107 in find mode), with the reason. */
  notProbed: { finding: Finding; reason: string }[];
  /** Findings whose failure shows in --import mode as the failure of an importing module. */
  findings: Finding[];
  /** Set when the service is not built at all. */
  skip?: string;
}

/** Local modules (or entry files) predicted absent from the image: the probe must not resolve them. */
const MISSING_CODES = new Set(["SS101", "SS102", "SS103", "SS104", "SS108", "SS110"]);
const BUILD_CODES = new Set(["SS001", "SS005", "SS006", "SS009", "SS206"]);
/** Third-party and standard-library predictions of a missing module. */
const EXTERNAL_MISSING_CODES = new Set(["SS201", "SS301"]);
/** Notes that lower a finding to a warning without making it uncertain: a guarded import, a fallback import. */
const GUARDED = /guarded by try\/except ImportError|runs only if an import in the try: block/;

export const ref = (f: Finding) => `${f.code} ${f.file}:${f.line}`;

export function buildKey(s: ServiceSpec): string {
  return JSON.stringify([s.dockerfile, s.context, s.target, Object.entries(s.buildArgs).sort(([a], [b]) => a.localeCompare(b))]);
}

/**
 * The sys.path Python really starts with: the analysis appends the directories of `pip install`ed
 * projects to model where their packages are importable from; at run time they are in
 * site-packages, which the probe adds from the interpreter's own sys.path.
 */
export function runtimeSysPath(sysPath: string[], pipDirs: string[]): string[] {
  let end = sysPath.length;
  const site = new Set(pipDirs);
  while (end > 1 && site.has(sysPath[end - 1])) end--;
  return sysPath.slice(0, end);
}

export function planService(r: ServiceResult): ServicePlan {
  const svc = r.service;
  const plan: ServicePlan = { service: svc, buildKey: buildKey(svc), groups: [], expectations: [], buildFailures: [], notProbed: [], findings: r.findings };
  if (svc.build === "gcloud") {
    plan.skip = "built by gcloud (its .gcloudignore applies first): not built with the local engine";
    return plan;
  }
  const model = r.model;
  const pipDirs: string[] = [];
  if (model) {
    // The project folder (editable installs) or the site-packages folder (non-editable; set by the analysis).
    for (const pp of model.pipProjects) pipDirs.push(pp.dir, pp.dir.replace(/\/$/, "") + "/src", ...(pp.site ? [pp.site] : []));
  }
  const groupKeys = new Map<string, number>();
  const groupOf = (sysPath: string[]): number => {
    const sp = runtimeSysPath(sysPath, pipDirs);
    const k = JSON.stringify(sp);
    let g = groupKeys.get(k);
    if (g === undefined) {
      g = plan.groups.length;
      groupKeys.set(k, g);
      plan.groups.push({ sysPath: sp, modules: [] });
    }
    return g;
  };
  const defaultPath = r.entryPoints[0]?.sysPath ?? [model?.workdir ?? "/"];
  const underPip = (file: string) => pipDirs.some((d) => file.startsWith(d.replace(/\/$/, "") + "/"));

  const byRepoFile = new Map<string, string[]>();
  for (const m of r.reachable) {
    const sp = m.sysPath ?? defaultPath;
    if (m.repoFile && !byRepoFile.has(m.repoFile)) byRepoFile.set(m.repoFile, sp);
    plan.expectations.push({ name: m.module, file: m.file, group: groupOf(sp), expect: "ok", why: m.deferredOnly ? "reachable (imported inside a function)" : "reachable from the entry point", deferred: m.deferredOnly || undefined, anyOrigin: underPip(m.file) || undefined });
  }
  const pathFor = (f: Finding): string[] => {
    if (f.code === "SS110") return r.entryPoints.find((e) => e.module === f.module)?.sysPath ?? defaultPath;
    return byRepoFile.get(f.file) ?? defaultPath;
  };
  const seen = new Set<string>();
  const add = (e: Expectation) => {
    const k = `${e.name}\0${e.file ?? ""}\0${e.group}\0${e.expect}`;
    const prev = plan.expectations.find((x) => `${x.name}\0${x.file ?? ""}\0${x.group}\0${x.expect}` === k);
    if (prev) {
      if (e.missingAttrs) prev.missingAttrs = [...new Set([...(prev.missingAttrs ?? []), ...e.missingAttrs])];
      return;
    }
    if (seen.has(k)) return;
    seen.add(k);
    plan.expectations.push(e);
  };
  for (const f of r.findings) {
    if (BUILD_CODES.has(f.code)) {
      plan.buildFailures.push(f);
    } else if (MISSING_CODES.has(f.code)) {
      if (f.module) add({ name: f.module, group: groupOf(pathFor(f)), expect: "missing", why: ref(f), warning: f.severity !== "error" || undefined });
      else {
        const m = /, but (\/\S*) is not in the image/.exec(f.message);
        if (m) add({ name: "__main__", file: m[1], group: groupOf(pathFor(f)), expect: "missing", why: ref(f), warning: f.severity !== "error" || undefined });
        else plan.notProbed.push({ finding: f, reason: "no module or file named" });
      }
    } else if (f.code === "SS105") {
      const m = /^'([^']+)' cannot be imported from/.exec(f.message);
      add({ name: f.module, group: groupOf(pathFor(f)), expect: "namespace", missingAttrs: m ? [m[1]] : [], why: ref(f), warning: f.severity !== "error" || undefined });
    } else if (f.code === "SS106") {
      add({ name: f.module, group: groupOf(pathFor(f)), expect: "namespace", why: ref(f) });
    } else if (EXTERNAL_MISSING_CODES.has(f.code) && f.module) {
      // An error, or a warning only because the import is guarded; a warning for not knowing
      // what the image holds (an unknown base image, opaque installs) predicts nothing.
      const guarded = f.severity !== "error" && (f.notes ?? []).some((n) => GUARDED.test(n));
      const uncertain = f.severity !== "error" && (f.notes ?? []).some((n) => !GUARDED.test(n));
      if (f.severity === "error" || (guarded && !uncertain)) add({ name: f.module, group: groupOf(pathFor(f)), expect: "missing", why: ref(f), warning: f.severity !== "error" || undefined, external: f.code === "SS301" ? "stdlib" : "package" });
      else plan.notProbed.push({ finding: f, reason: "uncertain: what the image contains is not fully known" });
    } else if (f.code === "SS107") {
      plan.notProbed.push({ finding: f, reason: "a relative import fails by how its file is run, not by what the image holds; --import shows it as the failure of the importing module" });
    }
  }
  // Imports check found satisfied by the standard library or an installed distribution.
  const predictedMissing = new Set(plan.expectations.filter((e) => e.expect === "missing").map((e) => e.name));
  for (const x of r.externals ?? []) {
    if (!x.ok || predictedMissing.has(x.module)) continue;
    add({ name: x.module, group: groupOf(defaultPath), expect: "ok", why: x.stdlib ? "standard library" : `installed (${x.via})`, external: x.stdlib ? "stdlib" : "package", via: x.via });
  }
  for (const e of plan.expectations) {
    const mod: ProbeModule = { name: e.name };
    if (e.file) mod.file = e.file;
    if (e.missingAttrs?.length) mod.attrs = e.missingAttrs;
    plan.groups[e.group].modules.push(mod);
  }
  if (!plan.expectations.length && !plan.buildFailures.length) plan.skip = "no Python entry point or module to prove";
  return plan;
}

/** One module's verdict. */
export interface ModuleVerdict {
  name: string;
  file?: string;
  sysPath: string[];
  predicted: Expectation["expect"];
  why: string;
  /** What the runtime showed. */
  ok: boolean;
  kind?: string;
  origin?: string | null;
  error?: string;
  warning?: boolean;
  /** Runtime agrees with the prediction. */
  agrees: boolean;
  /** Why they disagree, or how a runtime failure was explained by a prediction. */
  note?: string;
  external?: Expectation["external"];
  via?: string;
}

export interface Comparison {
  modules: ModuleVerdict[];
  proven: number;
  failing: number;
  disagreements: number;
}

type ProbeResultPlus = ProbeOutcome;

/** Judge the probe's results against the plan. */
export function compare(plan: ServicePlan, out: ProbeOutput, mode: ProbeMode = out.mode): Comparison {
  const res = new Map<string, ProbeResultPlus>();
  // Results come back in the order of the groups' modules.
  let i = 0;
  const keyed = plan.groups.flatMap((g, gi) => g.modules.map((m) => ({ gi, m })));
  for (const r of out.results as ProbeResultPlus[]) {
    const k = keyed[i++];
    if (k) res.set(`${k.gi}\0${k.m.name}\0${k.m.file ?? ""}`, r);
  }
  const predictedMissing = plan.expectations.filter((e) => e.expect !== "ok").map((e) => e.name);
  const has = (code: string) => plan.findings.some((f) => f.code === code);
  const modules: ModuleVerdict[] = [];
  for (const e of plan.expectations) {
    const r = res.get(`${e.group}\0${e.name}\0${e.file ?? ""}`);
    const v: ModuleVerdict = { name: e.name, file: e.file, sysPath: plan.groups[e.group].sysPath, predicted: e.expect, why: e.why, ok: false, agrees: false, warning: e.warning, external: e.external, via: e.via };
    if (!r) {
      v.error = "the probe returned no result for it";
      v.note = "not probed";
      modules.push(v);
      continue;
    }
    v.ok = r.ok;
    v.kind = r.kind;
    v.origin = r.origin;
    v.error = r.error;
    if (e.expect === "ok") {
      if (r.ok) {
        const sameFile = !e.file || e.anyOrigin || r.origin == null || r.kind === "script" || (r.same ?? r.origin === e.file);
        v.agrees = sameFile;
        if (!sameFile) v.note = `check predicted ${e.file}, Python found ${r.origin}`;
      } else if (mode === "import") {
        // It exists, but running it failed: fine when a predicted failure explains it.
        const missing = r.missing;
        const explainedBy =
          (missing && predictedMissing.find((p) => p === missing || p.startsWith(missing + ".") || missing.startsWith(p + "."))) ||
          (/relative import/.test(r.error ?? "") && has("SS107") && "SS107") ||
          (/^SyntaxError|^IndentationError|^TabError/.test(r.error ?? "") && has("SS002") && "SS002") ||
          (/^(UnicodeDecodeError|SyntaxError)/.test(r.error ?? "") && has("SS003") && "SS003") ||
          null;
        v.agrees = Boolean(explainedBy);
        v.note = explainedBy ? `fails through the predicted failure of ${explainedBy}` : "check predicted it imports; it fails at run time";
      } else {
        v.note = "check predicted it resolves; Python cannot find it";
      }
    } else if (e.expect === "missing") {
      v.agrees = !r.ok;
      if (r.ok) v.note = `check predicted it is missing (${e.why}); Python finds it${r.origin ? " at " + r.origin : ""}${r.kind === "namespace" ? " (namespace package)" : ""}`;
    } else {
      // namespace (SS106), with names that cannot be imported from it (SS105).
      const attrsBad = (e.missingAttrs ?? []).filter((a) => r.attrs?.[a] != null);
      const attrsOk = (e.missingAttrs ?? []).filter((a) => r.attrs?.[a] === null);
      if (!r.ok) {
        v.note = `check predicted a namespace package (${e.why}); Python cannot find it`;
      } else if (e.missingAttrs?.length) {
        v.agrees = attrsOk.length === 0 && (r.kind === "namespace" || mode === "import");
        if (attrsBad.length) v.error = r.attrs![attrsBad[0]]!;
        v.ok = attrsBad.length === 0;
        if (!v.agrees) v.note = `check predicted 'from ${e.name} import ${e.missingAttrs.join(", ")}' fails; ${attrsOk.length ? "it imports" : "Python found a " + r.kind}`;
      } else {
        v.agrees = r.kind === "namespace";
        if (!v.agrees) v.note = `check predicted a namespace package (${e.why}); Python found a ${r.kind}${r.origin ? " at " + r.origin : ""}`;
      }
    }
    modules.push(v);
  }
  // A failure predicted by a warning (an import guarded by try/except ImportError) does not fail the run.
  const failed = (v: ModuleVerdict) => !v.ok && !v.warning;
  return {
    modules,
    proven: modules.filter((v) => v.ok && v.agrees).length,
    failing: modules.filter(failed).length,
    disagreements: modules.filter((v) => !v.agrees).length,
  };
}
