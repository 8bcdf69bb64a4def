#!/usr/bin/env python3
"""The layering of docs/architecture.md, checked: every #include "…" of a source file names a file
of its own layer or of a layer the table allows, and no backend includes another backend's files. Exits 1 listing each violation (file:line, what it
includes, what its layer may include).

Usage: check_layers.py [--root REPO]
"""
import argparse
import re
import sys
from pathlib import Path

# What each layer may include besides itself (docs/architecture.md, "Layers").
ALLOWED = {
    "support": set(),
    "abi": set(),
    "ir": {"support", "abi"},
    "frontend": {"ir", "support", "abi"},
    "passes": {"ir", "support", "abi"},
    "codegen": {"ir", "support", "abi"},
    "backends": {"codegen", "passes", "ir", "support", "abi"},
    "runtime": {"abi", "support"},
    "driver": {"backends", "codegen", "passes", "frontend", "ir", "runtime", "support", "abi"},
    "api": {"driver", "backends", "codegen", "passes", "frontend", "ir", "runtime", "support", "abi"},
    # The CLI links only the public library (libmodelc.so), so it may include only its headers.
    "tools": {"api"},
    # The Python extension (frontend/python/src/) binds the public library the same way.
    "python": {"api"},
}
# Prebuilt libraries that generated modules link and include: the contract only.
MODULE_SIDE = re.compile(r"^backends/[^/]+/(support|runtime)/")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def layer_of(rel):
    top = rel.split("/", 1)[0]
    if top == "modelc":  # the public headers, api/include/modelc/ (#include "modelc/modelc.h")
        return "api"
    if rel.startswith("frontend/python/"):  # the Python package: a client of libmodelc.so
        return "python"
    return top if top in ALLOWED else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=str(Path(__file__).resolve().parents[2]))
    root = Path(ap.parse_args().root)
    problems = []
    files = [p for layer in ALLOWED for p in (root / layer).rglob("*")
             if p.suffix in (".h", ".cpp", ".c", ".cl", ".cuh") and p.is_file()]
    for path in sorted(files):
        rel = path.relative_to(root).as_posix()
        own = layer_of(rel)
        allowed = {"abi"} if MODULE_SIDE.match(rel) else ALLOWED[own] | {own}
        for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m or "/" not in m.group(1):
                continue
            target = layer_of(m.group(1))
            backend_dir = "/".join(rel.split("/")[:2]) + "/"
            if MODULE_SIDE.match(rel) and MODULE_SIDE.match(m.group(1)) and m.group(1).startswith(backend_dir):
                continue  # the prebuilt libraries of the same backend
            inc = m.group(1)
            if rel.startswith("api/include/") and not inc.startswith("modelc/"):
                problems.append("%s:%d includes %s: an installed public header may include only <modelc/...> "
                                "(the source tree is not installed)" % (rel, n, inc))
                continue
            if (own == "backends" and target == "backends" and rel.count("/") >= 2 and inc.count("/") >= 2
                    and inc.split("/")[1] != rel.split("/")[1]):
                problems.append("%s:%d includes %s: a backend uses another backend's internals; move what "
                                "both need to codegen/ or backends/" % (rel, n, inc))
                continue
            if target is not None and target not in allowed:
                problems.append("%s:%d includes %s (layer %s); %s may include only %s" %
                                (rel, n, m.group(1), target, own if not MODULE_SIDE.match(rel) else "a module library",
                                 ", ".join(sorted(allowed))))
    for p in problems:
        print(p)
    print("%d files checked, %d layering violations" % (len(files), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
