// The Python probe that runs inside the built image, and the parsing of what it prints.
//
// Input (stdin, JSON): { mode: "find" | "import", groups: [{ sysPath, modules: [{ name, file?, attrs? }] }] }
// Output (stdout): one line `SHIPSHAPE-PROBE-RESULT <json>`; anything else the image prints is ignored.
//
// "find" mode never runs application code: each dotted name is resolved level by level with
// importlib.machinery.PathFinder.find_spec(name, path), the parent's submodule_search_locations
// as the path for the next level (importlib.util.find_spec("a.b") would import `a` and run its
// __init__.py). Builtin and frozen modules are looked up first, as sys.meta_path does.
// "import" mode really imports each module (importlib.import_module; scripts are loaded from
// their file under a name other than "__main__"), and records the exception text.

export type ProbeMode = "find" | "import";

export interface ProbeModule {
  /** Dotted name; "__main__" for a script, checked through `file`. */
  name: string;
  /** Image path where the static model expects it (compared with the runtime origin). */
  file?: string;
  /** Names imported with `from name import attr` that must exist (SS105). */
  attrs?: string[];
}

export interface ProbeGroup {
  sysPath: string[];
  modules: ProbeModule[];
}

export interface ProbeInput {
  mode: ProbeMode;
  groups: ProbeGroup[];
}

export interface ProbeOutcome {
  name: string;
  /** Group index (which sys.path). */
  group: number;
  ok: boolean;
  /** module (a .py or extension file), package (with __init__), namespace, builtin, frozen, script. */
  kind?: string;
  /** Where Python found it (realpath), if found. */
  origin?: string | null;
  /** --import: the module an ImportError names (ImportError.name). */
  missing?: string;
  /** Exception text as Python shows it: `ModuleNotFoundError: No module named 'x'`. */
  error?: string;
  /** Whether origin is the expected file, both with symlinks resolved (find mode). */
  same?: boolean;
  /** Per attr: null when present, else the exception text. */
  attrs?: Record<string, string | null>;
}

export interface ProbeOutput {
  python: string;
  mode: ProbeMode;
  results: ProbeOutcome[];
}

export const PROBE_MARKER = "SHIPSHAPE-PROBE-RESULT ";

export const PROBE_SOURCE = String.raw`
import sys, os, json, traceback
import importlib, importlib.machinery as M
_out = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)  # whatever imported code prints goes to stderr, not into our result
req = json.loads(sys.stdin.read())
base_path = [p for p in sys.path[1:] if p]
mode = req["mode"]
results = []

def etext(e):
    return "".join(traceback.format_exception_only(type(e), e)).strip().splitlines()[-1]

def real(p):
    try:
        return os.path.realpath(p)
    except Exception:
        return p

_get_spec = getattr(M.PathFinder, "_get_spec", None)

def path_spec(full, path):
    # PathFinder.find_spec wraps a namespace package's portions in _NamespacePath, which looks
    # its parent up in sys.modules (KeyError when the parent was never imported); _get_spec is
    # the same search without that step.
    if _get_spec is None:
        return M.PathFinder.find_spec(full, path)
    s = _get_spec(full, path)
    if s is None:
        return None
    if s.loader is None:
        if not s.submodule_search_locations:
            return None
        s.origin = None
    return s

def find(name, path):
    parts = name.split(".")
    spec = None
    for i in range(len(parts)):
        full = ".".join(parts[: i + 1])
        if i == 0:
            for imp in (M.BuiltinImporter, M.FrozenImporter):
                s = imp.find_spec(full)
                if s is not None:
                    if len(parts) == 1:
                        return s, ("builtin" if imp is M.BuiltinImporter else "frozen"), None
                    spec = s
                    break
            else:
                spec = path_spec(full, path)
        else:
            locs = spec.submodule_search_locations
            if locs is None:
                return None, None, "ModuleNotFoundError: No module named '%s'; '%s' is not a package" % (full, ".".join(parts[:i]))
            spec = path_spec(full, list(locs))
        if spec is None:
            return None, None, "ModuleNotFoundError: No module named '%s'" % full
    if spec.submodule_search_locations is not None:
        kind = "namespace" if spec.origin in (None, "namespace") else "package"
    else:
        kind = "module"
    return spec, kind, None

def probe_find(m, gi, path):
    r = {"name": m["name"], "group": gi}
    if m["name"] == "__main__":
        f = m.get("file") or ""
        r.update(ok=os.path.isfile(f), kind="script", origin=real(f) if os.path.isfile(f) else None)
        if not r["ok"]:
            r["error"] = "FileNotFoundError: [Errno 2] No such file or directory: '%s'" % f
        return r
    try:
        spec, kind, err = find(m["name"], path)
    except Exception as e:
        spec, kind, err = None, None, etext(e)
    if spec is None and err:
        r.update(ok=False, error=err)
        return r
    r.update(ok=True, kind=kind, origin=real(spec.origin) if spec.origin and spec.has_location and kind != "namespace" else None)
    if m.get("file") and r["origin"]:
        r["same"] = r["origin"] == real(m["file"])
    if m.get("attrs"):
        attrs = {}
        for a in m["attrs"]:
            sub = None
            if spec.submodule_search_locations is not None:
                sub = path_spec(m["name"] + "." + a, list(spec.submodule_search_locations))
            if sub is not None:
                attrs[a] = None
            elif kind == "namespace":
                # A namespace package runs no code: only submodules can be imported from it.
                attrs[a] = "ImportError: cannot import name '%s' from '%s' (unknown location)" % (a, m["name"])
            else:
                attrs[a] = None  # defined (or not) by code: only --import can tell
        r["attrs"] = attrs
    return r

def probe_import(m, gi, path):
    r = {"name": m["name"], "group": gi}
    try:
        if m["name"] == "__main__":
            import importlib.util as U
            f = m.get("file") or ""
            s = U.spec_from_file_location("__shipshape_main__", f)
            if s is None:
                raise FileNotFoundError(2, "No such file or directory", f)
            mod = U.module_from_spec(s)
            s.loader.exec_module(mod)
            r.update(ok=True, kind="script", origin=real(f))
        else:
            mod = importlib.import_module(m["name"])
            spec = getattr(mod, "__spec__", None)
            kind = "module"
            if spec is not None and spec.submodule_search_locations is not None:
                kind = "namespace" if spec.origin in (None, "namespace") else "package"
            elif spec is not None and spec.origin in ("built-in", "frozen"):
                kind = "builtin" if spec.origin == "built-in" else "frozen"
            origin = getattr(spec, "origin", None) if spec is not None and spec.has_location else None
            r.update(ok=True, kind=kind, origin=real(origin) if origin else None)
            if m.get("attrs"):
                attrs = {}
                for a in m["attrs"]:
                    try:
                        exec("from %s import %s" % (m["name"], a), {})
                        attrs[a] = None
                    except BaseException as e:
                        attrs[a] = etext(e)
                r["attrs"] = attrs
    except BaseException as e:
        r.update(ok=False, error=etext(e))
        missing = getattr(e, "name", None)
        if isinstance(e, ImportError) and missing:
            r["missing"] = missing
    return r

for gi, g in enumerate(req["groups"]):
    path = list(g["sysPath"]) + [p for p in base_path if p not in g["sysPath"]]
    if mode == "import":
        sys.path[:] = path
    for m in g["modules"]:
        results.append(probe_import(m, gi, path) if mode == "import" else probe_find(m, gi, path))

_out.write("${PROBE_MARKER}" + json.dumps({"python": sys.version.split()[0], "mode": mode, "results": results}) + "\n")
_out.flush()
`;

export class ProbeOutputError extends Error {}

/** The probe's result from its stdout; throws ProbeOutputError when there is none. */
export function parseProbeOutput(stdout: string): ProbeOutput {
  const lines = stdout.split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i].startsWith(PROBE_MARKER)) continue;
    let v: unknown;
    try {
      v = JSON.parse(lines[i].slice(PROBE_MARKER.length));
    } catch (e) {
      throw new ProbeOutputError(`probe output is not valid JSON: ${(e as Error).message}`);
    }
    const o = v as ProbeOutput;
    if (!o || typeof o !== "object" || !Array.isArray(o.results) || (o.mode !== "find" && o.mode !== "import")) throw new ProbeOutputError("probe output has no results");
    for (const r of o.results) {
      if (typeof r?.name !== "string" || typeof r.ok !== "boolean" || typeof r.group !== "number") throw new ProbeOutputError("probe output has a malformed result");
    }
    return o;
  }
  throw new ProbeOutputError("the probe printed no result");
}
