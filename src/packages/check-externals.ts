// Imports that are not repository modules: the standard library of the image's Python version,
// or a distribution some install in the image provides. Decides SS201/SS202/SS301 for each.
import type { BaseImageInfo } from "../image/base.js";
import { stdlibHistory, Stdlib } from "../python/stdlib.js";
import type { ImportMap, ProviderMatch } from "./import-map.js";
import { NAMESPACE_ROOTS } from "./import-map.js";
import type { ImagePackages, InstalledDist } from "./image-packages.js";

export interface ExternalVerdict {
  code: "SS201" | "SS202" | "SS301" | "SS101";
  message: string;
  /** Lowered to a warning: the image's packages are not all known. */
  uncertain: boolean;
  notes: string[];
}

export interface ExternalContext {
  python: string | null;
  pythonSource: string;
  stdlib: Stdlib | null;
  base: BaseImageInfo;
  packages: ImagePackages;
  map: ImportMap;
  dfRepo: string;
  /** Every Python install was hidden from the runtime (SS205). */
  hiddenInstalls?: boolean;
  /** What the hidden installs (SS205) would have provided. */
  hiddenPackages?: ImagePackages;
}

/** Which installed distribution provides `mod`, preferring direct ones. */
const providerMemo = new WeakMap<ImagePackages, Map<string, { dist: InstalledDist; match: ProviderMatch } | null>>();

export function providerIn(pkgs: ImagePackages, map: ImportMap, mod: string): { dist: InstalledDist; match: ProviderMatch } | null {
  let memo = providerMemo.get(pkgs);
  if (!memo) providerMemo.set(pkgs, (memo = new Map()));
  let r = memo.get(mod);
  if (r === undefined) memo.set(mod, (r = providerInUncached(pkgs, map, mod)));
  return r;
}

function providerInUncached(pkgs: ImagePackages, map: ImportMap, mod: string): { dist: InstalledDist; match: ProviderMatch } | null {
  let best: { dist: InstalledDist; match: ProviderMatch } | null = null;
  for (const d of pkgs.dists.values()) {
    const m = map.provides(d.name, mod);
    if (!m) continue;
    if (d.direct) return { dist: d, match: m };
    best ??= { dist: d, match: m };
  }
  return best;
}

/** Why a package verdict is uncertain, or [] when the image's packages are fully known. */
export function uncertainty(c: ExternalContext): string[] {
  const notes: string[] = [];
  if (!c.base.known) notes.push(`the base image ${c.base.ref} is not one shipshape knows, and may already contain packages; declare them in [images."${c.base.repo}"] packages = [...]`);
  for (const o of c.packages.opaque.slice(0, 2)) notes.push(`RUN at ${c.dfRepo}:${o.line}: ${o.reason}`);
  return notes;
}

export interface ExternalVerdictKeyed extends ExternalVerdict {
  /** What the finding is about (a distribution or a module), for one finding per service. */
  key: string;
}

/**
 * Judge one import of a module that is not in the repository. `names` are the names of a
 * `from mod import a, b`: each may be a submodule (`from google.cloud import bigquery`).
 */
export function judgeExternal(mod: string, c: ExternalContext, names: string[] = []): ExternalVerdictKeyed | null {
  const top = mod.split(".")[0];
  if (c.stdlib?.names.has(top)) return null;
  // `from google.cloud import bigquery`: judge the submodules the names map to, when the
  // mapping knows them as packages of their own; otherwise the module itself.
  const parentDist = c.map.providersOf(mod)[0]?.dist;
  const subs = names
    .filter((n) => n !== "*")
    .map((n) => mod + "." + n)
    .filter((sub) => {
      const p = c.map.providersOf(sub)[0];
      // A name under a namespace root (`from opentelemetry import trace`) is a package of its own.
      return p && (p.source !== "name" || NAMESPACE_ROOTS.has(top)) && p.dist !== parentDist;
    });
  const targets = subs.length ? subs : [mod];
  let found: ReturnType<typeof providerIn> = null;
  let target = targets[0];
  for (const t of targets) {
    const f = providerIn(c.packages, c.map, t);
    if (f && f.dist.direct) continue;
    found = f;
    target = t;
    break;
  }
  if (targets.every((t) => providerIn(c.packages, c.map, t)?.dist.direct)) return null;
  mod = target;
  // Only with a list for the image's version: a version without one (3.14) judges nothing here.
  const hist = c.python && c.stdlib ? stdlibHistory(top, c.python) : null;
  if (hist && !found) {
    const alts = c.map.providersOf(top).filter((p) => p.source !== "name");
    const alt = alts.length ? `; install ${alts.map((a) => c.map.display(a.dist)).join(" or ")} to provide it` : "";
    const what =
      hist.kind === "removed"
        ? `'${top}' was removed from the standard library in Python ${hist.in} (last in ${hist.last})`
        : `'${top}' was added to the standard library in Python ${hist.in}`;
    return { code: "SS301", key: top, message: `${what}, and this image runs Python ${c.python} (${c.pythonSource})${alt}`, uncertain: false, notes: [] };
  }
  if (!c.stdlib && !found) {
    // Unknown version (or no list for it): a name that is stdlib in some version may well be fine.
    if (stdlibHistory(top, "0.0")) return null;
  }
  if (found) {
    const d = found.dist;
    const how = d.transitiveSource === "lock" ? "as the lock shows" : "per data/known-dependencies.json";
    return {
      code: "SS202",
      key: d.name,
      message: `'${mod}' comes from ${c.map.display(d.name)}, which is not a declared requirement: it is installed only because ${d.parent ?? "another package"} depends on it, ${how}; ${
        d.lockInput
          ? `declare ${c.map.display(d.name)} in ${d.lockInput.input} and regenerate ${d.lockInput.lock} (${d.lockInput.tool}), which the image installs (${d.via.replace(/^[^(]*\((RUN at [^)]*)\)$/, "$1")})`
          : `declare ${c.map.display(d.name)} in the requirements the image installs (${d.via.replace(/ \((RUN at [^)]*)\)$/, ", $1")})`
      }`,
      uncertain: false,
      notes: [],
    };
  }
  const hiddenHit = c.hiddenPackages ? providerIn(c.hiddenPackages, c.map, mod) : null;
  if (hiddenHit) {
    // A --user install in another user's site: SS205 is at the COPY --from that brought it, if any.
    const user = hiddenHit.dist.record?.userSiteHidden;
    return {
      code: "SS201",
      key: hiddenHit.dist.name,
      message: `module '${mod}' is not importable in the container: ${c.map.display(hiddenHit.dist.name)} is installed (${hiddenHit.dist.via}), but where the container's python does not look (see SS205 ${user && user.line !== hiddenHit.dist.record?.line ? `at ${c.dfRepo}:${user.line}` : "on that RUN"})`,
      uncertain: user ? !user.sure : !c.base.known,
      notes: user ? user.unsure : c.base.known ? [] : [`the base image ${c.base.ref} is not one shipshape knows: its own ENV PATH may make the install visible`],
    };
  }
  if (!c.packages.anyPythonInstall && !c.base.known) return null; // nothing to go on: reported once per service (SS209)
  const providers = c.map.providersOf(mod);
  const p = providers[0];
  const src = p.source === "name" || p.dist === mod.split(".")[0].toLowerCase().replace(/_/g, "-") ? "" : ` (${c.map.display(p.dist)} provides '${mod.split(".").slice(0, 3).join(".")}' per ${p.detail})`;
  const installs = c.hiddenInstalls
    ? `the image's only Python installs are not importable by the container's python (SS205)`
    : c.packages.records.length
    ? `none of the image's installs (${[...new Set(c.packages.records.map((r) => `${c.dfRepo}:${r.line}`))].join(", ")}) provides it`
    : `the image installs no Python packages`;
  const notes = uncertainty(c);
  const skipped = c.packages.skippedByNoDeps.get(p.dist);
  if (skipped) {
    return {
      code: "SS201",
      key: p.dist,
      message: `module '${mod}' is not installed in the image: ${skipped.file} requires ${c.map.display(p.dist)}, but the RUN at ${c.dfRepo}:${skipped.line} installs the project with --no-deps, which leaves its requirements out; install them too (a requirements file or lock before it), or drop --no-deps`,
      uncertain: notes.length > 0,
      notes,
    };
  }
  return {
    code: "SS201",
    key: p.dist,
    // With something shipshape cannot see into (an unknown base image, a RUN it cannot read), say so in the verdict too.
    message: `module '${mod}' ${notes.length ? "may not be installed in the image (see the notes)" : "is not installed in the image"}: ${installs}${src}; ${p.guess ? `add the distribution that provides '${mod.split(".").slice(0, 2).join(".")}' (perhaps ${c.map.display(p.dist)})` : `add ${c.map.display(p.dist)}`} to the requirements the image installs`,
    uncertain: notes.length > 0,
    notes,
  };
}

/** Distributions that provide the programs a container command runs. */
export const RUNNER_DISTRIBUTIONS: Record<string, string> = {
  gunicorn: "gunicorn",
  uvicorn: "uvicorn",
  celery: "celery",
  "functions-framework": "functions-framework",
  hypercorn: "hypercorn",
  daphne: "daphne",
  waitress: "waitress",
  "waitress-serve": "waitress",
  streamlit: "streamlit",
  flask: "flask",
  fastapi: "fastapi",
  dramatiq: "dramatiq",
  rq: "rq",
  huey_consumer: "huey",
  "huey_consumer.py": "huey",
  granian: "granian",
};
