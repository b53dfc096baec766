// PEP 440 versions and specifiers, through `@renovatebot/pep440@4` (v5 needs Node 22).
// `<`, `>` and `===` are evaluated here (see satisfiesClause); a differential test against pip's
// vendored `packaging` keeps the rest honest.
import * as pep from "@renovatebot/pep440";

/** Specifier as written → the library's form: spaces removed, clauses joined by ",". */
export function cleanSpecifier(spec: string): string {
  return spec.split(",").map((c) => c.replace(/\s+/g, "")).filter(Boolean).join(",");
}

export function isValidVersion(v: string): boolean {
  return pep.valid(v.trim()) !== null;
}

export function isValidSpecifier(spec: string): boolean {
  const s = cleanSpecifier(spec);
  return s === "" || pep.validRange(s);
}

/**
 * Does `version` satisfy `specifier`? An empty specifier accepts any valid version. The version
 * is a concrete one (from a lock), so pre-releases count like any other version, as pip does
 * when a pre-release is pinned. False for an invalid version or specifier.
 */
export function satisfies(version: string, specifier: string): boolean {
  const v = version.trim();
  if (!isValidVersion(v)) return false;
  const s = cleanSpecifier(specifier);
  if (s === "") return true;
  if (!pep.validRange(s)) return false;
  try {
    return s.split(",").every((clause) => satisfiesClause(v, clause));
  } catch {
    return false;
  }
}

/**
 * One clause. `===`, `<` and `>` follow `packaging` directly: the library mishandles them when
 * the bound is a pre-release (`1.0a1 <1.0rc3`), a dev release (`1.0 >1.0.dev0`), or `===`.
 */
function satisfiesClause(v: string, clause: string): boolean {
  const m = /^(===|==|!=|<=|>=|~=|<|>)(.+)$/.exec(clause);
  if (!m) return false;
  const [, op, bound] = m;
  if (op === "===") return v.toLowerCase() === bound.toLowerCase();
  if (op === "<" || op === ">") {
    const pv = pep.explain(v);
    const pb = pep.explain(bound);
    if (!pv || !pb) return false;
    const c = pep.compare(v, bound);
    const sameBase = pep.compare(pv.base_version, pb.base_version) === 0;
    if (op === "<") return c < 0 && !(!pb.is_prerelease && pv.is_prerelease && sameBase);
    if (c <= 0) return false;
    if (!pb.is_postrelease && pv.is_postrelease && sameBase) return false;
    if (pv.local !== null && sameBase) return false;
    return true;
  }
  return pep.satisfies(v, clause, { prereleases: true });
}

/** The version an exact pin names (`==1.2.3`, `===1.2.3`), or null (ranges, wildcards, several clauses). */
export function pinnedVersion(specifier: string): string | null {
  const s = cleanSpecifier(specifier);
  if (s.includes(",")) return null;
  const m = /^(===?)(.+)$/.exec(s);
  if (!m) return null;
  if (m[1] === "===") return m[2];
  if (m[2].includes("*") || !isValidVersion(m[2])) return null;
  return m[2];
}

export function isPinned(specifier: string): boolean {
  return pinnedVersion(specifier) !== null;
}

/** -1, 0, 1 like a sort comparator; invalid versions sort first and compare as strings among themselves. */
export function compareVersions(a: string, b: string): number {
  const va = isValidVersion(a);
  const vb = isValidVersion(b);
  if (va && vb) return Math.sign(pep.compare(a.trim(), b.trim()));
  if (va !== vb) return va ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function versionsEqual(a: string, b: string): boolean {
  return compareVersions(a, b) === 0;
}
