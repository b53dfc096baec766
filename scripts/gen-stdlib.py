"""Write data/stdlib/<major>.<minor>.json for the running interpreter.

Run it with each Python version you want a list for, e.g.
    for v in 3.8 3.9 3.10 3.11 3.12 3.13; do python$v scripts/gen-stdlib.py; done
shipshape never runs Python itself; this script only produces data shipped in the package.

Each file holds:
  names     top-level standard-library module names: sys.stdlib_module_names (3.10+), or, before
            3.10, the same rule applied by hand (builtin modules, plus the .py files, packages
            and extension modules of the stdlib folder, minus site-packages and test helpers)
  builtin   sys.builtin_module_names: compiled into the interpreter, never found on sys.path
  frozen    frozen modules used at start-up (3.11+: _imp._frozen_module_names()); the frozen
            importer runs before the path finder, so a local file of that name cannot shadow them
  startup   modules already imported when `python -c pass` runs its code (without .pth files); a local file of that
            name is never imported in their place either
"""
import json
import os
import subprocess
import sys
import sysconfig

version = f"{sys.version_info.major}.{sys.version_info.minor}"


def by_listing():
    names = set(sys.builtin_module_names)
    stdlib = sysconfig.get_paths()["stdlib"]
    platstdlib = sysconfig.get_paths()["platstdlib"]
    dynload = os.path.join(platstdlib, "lib-dynload")
    for folder in (stdlib, dynload):
        for entry in os.listdir(folder):
            full = os.path.join(folder, entry)
            if entry.endswith(".py"):
                names.add(entry[:-3])
            elif entry.endswith(".so"):
                names.add(entry.split(".")[0])
            elif os.path.isdir(full) and os.path.exists(os.path.join(full, "__init__.py")):
                names.add(entry)
    # sys.stdlib_module_names leaves out test packages and private build helpers; match it.
    for drop in ("test", "__phello__", "_testcapi", "_testbuffer", "_testimportmultiple", "_testinternalcapi",
                 "_testmultiphase", "_xxtestfuzz", "xxlimited", "xxsubtype", "_ctypes_test", "_bootsubprocess"):
        names.discard(drop)
    return {n for n in names if not n.startswith("_sysconfigdata")}


if hasattr(sys, "stdlib_module_names"):
    names = set(sys.stdlib_module_names)
else:
    names = by_listing()

frozen = []
try:
    import _imp
    frozen = sorted(n for n in _imp._frozen_module_names() if not n.startswith("__") and "." not in n)
except AttributeError:
    pass

env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
startup = subprocess.run(
    # -S and then `import site` without running site.main(): the modules of a normal start-up,
    # without whatever .pth files this particular installation's site-packages holds.
    [sys.executable, "-I", "-S", "-c", "import sys, site; print('\\n'.join(sorted(sys.modules)))"],
    capture_output=True, text=True, env=env, check=True,
).stdout.split()
startup = sorted({n for n in startup if "." not in n and n in names and n != "__main__"})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "stdlib", version + ".json")
doc = {
    "version": version,
    "generated_by": "scripts/gen-stdlib.py",
    "python": sys.version.split()[0],
    "names": sorted(names),
    "builtin": sorted(sys.builtin_module_names),
    "frozen": frozen,
    "startup": startup,
}
with open(out, "w") as f:
    json.dump(doc, f, indent=0)
    f.write("\n")
print(f"{out}: {len(names)} names, {len(sys.builtin_module_names)} builtin, {len(frozen)} frozen, {len(startup)} at start-up")
