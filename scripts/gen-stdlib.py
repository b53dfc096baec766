"""Write data/stdlib/<major>.<minor>.json from the running interpreter's sys.stdlib_module_names.

Run it with each Python version you want a list for, e.g.
    python3.12 scripts/gen-stdlib.py
shipshape never runs Python itself; this script only produces data shipped in the package.
"""
import json
import os
import sys

version = f"{sys.version_info.major}.{sys.version_info.minor}"
names = sorted(sys.stdlib_module_names)
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "stdlib", version + ".json")
with open(out, "w") as f:
    json.dump({"version": version, "generated_by": "scripts/gen-stdlib.py", "names": names}, f, indent=0)
    f.write("\n")
print(f"{out}: {len(names)} names")
