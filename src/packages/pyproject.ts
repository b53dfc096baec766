// A project's declared dependencies from pyproject.toml: PEP 621 `[project].dependencies` and
// `optional-dependencies`, PEP 735 `[dependency-groups]`, uv's `[tool.uv].dev-dependencies`,
// and Poetry's `[tool.poetry.dependencies]` / `[tool.poetry.group.*.dependencies]` (caret and
// tilde constraints translated to PEP 440). Never throws.
import { parse as parseToml } from "smol-toml";
import { normalizeName, parseRequirementString, Requirement } from "./requirements.js";

export interface PyprojectDependencies {
  file: string;
  /** `[project].name` or `[tool.poetry].name`, normalised; null when absent. */
  name: string | null;
  requiresPython: string | null;
  /** Main dependencies (PEP 621 or Poetry main group). */
  dependencies: Requirement[];
  /** Optional dependencies (extras) by extra name. */
  optional: Record<string, Requirement[]>;
  /** Dependency groups (PEP 735, uv dev-dependencies as "dev", Poetry groups) by group name. */
  groups: Record<string, Requirement[]>;
  /** Console scripts (`[project.scripts]`, `[tool.poetry.scripts]`): program name → "module:attr". */
  scripts: Record<string, string>;
  /** Poetry groups marked `optional = true` (not installed unless asked for with --with). */
  optionalGroups: string[];
  /** `[tool.uv].default-groups`: the groups `uv sync` installs by default (null: just "dev"). */
  uvDefaultGroups: string[] | "all" | null;
  /** Which tool's table the dependencies came from. */
  style: "pep621" | "poetry" | "none";
  errors: { line: number; message: string }[];
}

type Tbl = Record<string, unknown>;
const isTbl = (x: unknown): x is Tbl => typeof x === "object" && x !== null && !Array.isArray(x);

/** Best-effort line of a dependency in the file (TOML parsers give no positions). */
function lineOf(lines: string[], needle: string, fallback: number): number {
  const n = needle.toLowerCase();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].toLowerCase();
    if (l.includes(`"${n}`) || l.includes(`'${n}`) || new RegExp(`^\\s*${n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*=`).test(l)) return i + 1;
  }
  return fallback;
}

/** Poetry version constraint → PEP 440 specifier (`^1.2` → `>=1.2,<2.0`, `~1.2` → `>=1.2,<1.3`, `*` → ""). */
export function poetryConstraintToPep440(c: string): string {
  // `^7.0 || ^8.0` is a union, which a PEP 440 specifier cannot say: no constraint is checked
  // (never a false SS502).
  if (c.includes("||")) return "";
  // `>= 8.0, < 9`: an operator belongs to the version after it.
  c = c.replace(/(\^|~=|~|>=|<=|==|!=|>|<|=)\s+/g, "$1");
  const out: string[] = [];
  for (const raw of c.split(",").map((x) => x.trim()).filter(Boolean)) {
    for (const part of raw.split(/\s+/)) {
      if (part === "*" || part === "") continue;
      const caret = /^\^(\d+(?:\.\d+)*)(.*)$/.exec(part);
      const tilde = /^~(?!=)(\d+(?:\.\d+)*)(.*)$/.exec(part);
      if (caret) {
        const nums = caret[1].split(".").map(Number);
        let i = nums.findIndex((n) => n !== 0);
        if (i < 0) i = nums.length - 1;
        const upper = nums.slice(0, i + 1);
        upper[i] += 1;
        out.push(`>=${caret[1]}${caret[2]}`, `<${upper.join(".")}${upper.length === 1 ? ".0" : ""}`);
      } else if (tilde) {
        const nums = tilde[1].split(".").map(Number);
        const upper = nums.length === 1 ? [nums[0] + 1] : [nums[0], nums[1] + 1];
        out.push(`>=${tilde[1]}${tilde[2]}`, `<${upper.join(".")}${upper.length === 1 ? ".0" : ""}`);
      } else if (/^\d/.test(part)) out.push(`==${part}`);
      else if (/^=\d/.test(part)) out.push(`=${part}`);
      else out.push(part);
    }
  }
  return out.join(",");
}

export function parsePyproject(text: string, file: string): PyprojectDependencies {
  const res: PyprojectDependencies = { file, name: null, requiresPython: null, dependencies: [], optional: {}, groups: {}, scripts: {}, optionalGroups: [], uvDefaultGroups: null, style: "none", errors: [] };
  let doc: Tbl;
  try {
    doc = parseToml(text) as Tbl;
  } catch (e) {
    const err = e as { line?: number; message?: string };
    res.errors.push({ line: err.line ?? 1, message: `not valid TOML: ${String(err.message ?? e).split("\n")[0]}` });
    return res;
  }
  const lines = text.split(/\r?\n/);
  const fromStrings = (arr: unknown, where: string): Requirement[] => {
    const out: Requirement[] = [];
    if (!Array.isArray(arr)) return out;
    for (const s of arr) {
      if (typeof s !== "string") continue; // PEP 735 `{include-group = ...}`
      const line = lineOf(lines, s, 1);
      try {
        const r = parseRequirementString(s);
        const isFile = r.url?.startsWith("file:") ?? false;
        out.push({ ...r, editable: false, path: isFile ? r.url!.replace(/^file:(\/\/)?/, "") : null, hashes: [], file, line, text: s });
      } catch (e) {
        res.errors.push({ line, message: `bad requirement '${s}' in ${where}: ${(e as Error).message}` });
      }
    }
    return out;
  };
  const project = isTbl(doc.project) ? doc.project : null;
  const tool = isTbl(doc.tool) ? doc.tool : {};
  const poetry = isTbl(tool.poetry) ? tool.poetry : null;
  for (const t of [project?.scripts, poetry?.scripts]) {
    if (!isTbl(t)) continue;
    for (const [k, v] of Object.entries(t)) {
      const ref = typeof v === "string" ? v : isTbl(v) && typeof v.reference === "string" ? v.reference : null;
      if (ref && /^[\w.]+(:[\w.]+)?$/.test(ref.trim()) && !(k in res.scripts)) res.scripts[k] = ref.trim();
    }
  }
  if (project) {
    res.style = "pep621";
    if (typeof project.name === "string") res.name = normalizeName(project.name);
    if (typeof project["requires-python"] === "string") res.requiresPython = project["requires-python"];
    res.dependencies = fromStrings(project.dependencies, "[project].dependencies");
    if (isTbl(project["optional-dependencies"])) for (const [k, v] of Object.entries(project["optional-dependencies"])) res.optional[normalizeName(k)] = fromStrings(v, `[project.optional-dependencies].${k}`);
  }
  if (isTbl(doc["dependency-groups"])) for (const [k, v] of Object.entries(doc["dependency-groups"])) res.groups[normalizeName(k)] = fromStrings(v, `[dependency-groups].${k}`);
  const uv = isTbl(tool.uv) ? tool.uv : null;
  if (uv && Array.isArray(uv["dev-dependencies"])) res.groups.dev = [...(res.groups.dev ?? []), ...fromStrings(uv["dev-dependencies"], "[tool.uv].dev-dependencies")];
  if (uv && uv["default-groups"] === "all") res.uvDefaultGroups = "all";
  else if (uv && Array.isArray(uv["default-groups"])) res.uvDefaultGroups = uv["default-groups"].filter((g): g is string => typeof g === "string").map(normalizeName);
  if (poetry) {
    if (!res.name && typeof poetry.name === "string") res.name = normalizeName(poetry.name);
    const fromPoetry = (t: unknown, where: string, optionalOut?: Requirement[]): Requirement[] => {
      const out: Requirement[] = [];
      if (!isTbl(t)) return out;
      for (const [rawName, spec] of Object.entries(t)) {
        if (rawName.toLowerCase() === "python") {
          if (typeof spec === "string" && !res.requiresPython) res.requiresPython = poetryConstraintToPep440(spec);
          continue;
        }
        const line = lineOf(lines, rawName, 1);
        const specs = Array.isArray(spec) ? spec : [spec];
        for (const sp of specs) {
          const r: Requirement = { name: normalizeName(rawName), rawName, specifier: "", extras: [], marker: null, url: null, editable: false, path: null, hashes: [], file, line, text: `${rawName} = ${JSON.stringify(sp)}` };
          if (typeof sp === "string") r.specifier = poetryConstraintToPep440(sp);
          else if (isTbl(sp)) {
            if (typeof sp.version === "string") r.specifier = poetryConstraintToPep440(sp.version);
            if (Array.isArray(sp.extras)) r.extras = sp.extras.filter((x): x is string => typeof x === "string");
            const ms: string[] = [];
            if (typeof sp.markers === "string") ms.push(sp.markers);
            if (typeof sp.python === "string") {
              const py = poetryConstraintToPep440(sp.python).split(",").filter(Boolean).map((c) => `python_version ${c.replace(/^([<>=!~]+)/, "$1 '")}'`);
              if (py.length) ms.push(py.join(" and "));
            }
            if (ms.length) r.marker = ms.length === 1 ? ms[0] : ms.map((m) => `(${m})`).join(" and ");
            if (typeof sp.path === "string") r.path = sp.path;
            if (sp.develop === true) r.editable = true;
            if (typeof sp.git === "string") r.url = `git+${sp.git}`;
            if (typeof sp.url === "string") r.url = sp.url;
            if (sp.optional === true && optionalOut) {
              optionalOut.push(r);
              continue;
            }
          } else {
            res.errors.push({ line, message: `unreadable Poetry dependency '${rawName}' in ${where}` });
            continue;
          }
          out.push(r);
        }
      }
      return out;
    };
    const optionalOnes: Requirement[] = [];
    const main = fromPoetry(poetry.dependencies, "[tool.poetry.dependencies]", optionalOnes);
    if (res.style === "none" || !res.dependencies.length) {
      if (main.length || res.style === "none") res.style = res.style === "none" ? "poetry" : res.style;
      res.dependencies = [...res.dependencies, ...main];
    }
    if (isTbl(poetry.extras)) {
      for (const [extra, names] of Object.entries(poetry.extras)) {
        if (!Array.isArray(names)) continue;
        const wanted = new Set(names.filter((n): n is string => typeof n === "string").map(normalizeName));
        res.optional[normalizeName(extra)] = optionalOnes.filter((r) => wanted.has(r.name));
      }
    }
    if (poetry["dev-dependencies"]) res.groups.dev = [...(res.groups.dev ?? []), ...fromPoetry(poetry["dev-dependencies"], "[tool.poetry.dev-dependencies]")];
    if (isTbl(poetry.group)) {
      for (const [g, t] of Object.entries(poetry.group)) {
        if (!isTbl(t)) continue;
        res.groups[normalizeName(g)] = [...(res.groups[normalizeName(g)] ?? []), ...fromPoetry(t.dependencies, `[tool.poetry.group.${g}.dependencies]`)];
        if (t.optional === true) res.optionalGroups.push(normalizeName(g));
      }
    }
  }
  return res;
}
