#!/usr/bin/env python3
"""Namespaces follow folders (docs/architecture.md, "Namespaces"): every top-level named namespace of a
source file is its folder's namespace (support/ -> modelc::support, passes/kernel/ -> modelc::passes::kernel,
backends/cpu/ -> modelc::backends::cpu, ...) or one nested inside it. Files without a named namespace
(the C ABI headers, the module-side libraries, main()) are not checked. Exits 1 listing each violation
(file:line, the namespace found, the one expected).

Usage: check_namespaces.py [--root REPO]
"""
import argparse
import re
import sys
from pathlib import Path

FOLDERS = ("support", "abi", "ir", "frontend", "passes", "codegen", "backends", "runtime", "driver")
# ir/ holds two IRs; the kernel IR keeps its own short name.
EXTRA = {"ir": ("modelc::kir",)}
# Files that may also hold a top-level `namespace modelc { using support::X; ... }`: the vocabulary
# types every layer's signatures name, reachable as modelc::X (docs/architecture.md, "Namespaces").
REEXPORTS = {"support/diagnostics.h", "support/units.h"}
# Folders whose files are being moved; the namespace changes with the move. Remove the entry then.
PENDING = {}
# The prebuilt libraries generated modules link (backends/<name>/support|runtime) are not layers of
# the compiler: they stand on abi/ only and name their internals mc_<backend> like the ABI's mc_.
MODULE_SIDE = re.compile(r"^backends/([^/]+)/(support|runtime)/")

NAMESPACE = re.compile(r"\bnamespace\s+([A-Za-z_][\w:]*)?\s*\{")


def code_only(text):
    """`text` with comments, string and character literals blanked (newlines kept, for line numbers)."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
        else:
            raw = re.match(r'R"([^(\s]*)\(', text[i:i + 20])
            if raw and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
                end = ")" + raw.group(1) + '"'
                j = text.find(end, i + raw.end())
                j = n if j < 0 else j + len(end)
            elif text[i] == '"' or (text[i] == "'" and not (i > 0 and text[i - 1].isalnum())):
                j = i + 1
                while j < n and text[j] != text[i] and text[j] != "\n":
                    j += 2 if text[j] == "\\" else 1
                j += 1
            else:
                out.append(text[i])
                i += 1
                continue
        out.append(re.sub(r"[^\n]", " ", text[i:j]))
        i = j
    return "".join(out)


def expected_namespace(rel):
    parts = rel.split("/")[:-1]
    return "modelc::" + "::".join(parts)


def top_level_namespaces(code):
    """(line, name, body) of each named namespace opened at brace depth 0."""
    found, depth, i = [], 0, 0
    while i < len(code):
        m = NAMESPACE.match(code, i) if code[i] == "n" and (i == 0 or not code[i - 1].isalnum()) else None
        if m:
            if depth == 0 and m.group(1):
                start = m.end()
                d, j = 1, start
                while j < len(code) and d:
                    d += {"{": 1, "}": -1}.get(code[j], 0)
                    j += 1
                found.append((code.count("\n", 0, m.start()) + 1, m.group(1), code[start:j - 1]))
            depth += 1
            i = m.end()
            continue
        depth += {"{": 1, "}": -1}.get(code[i], 0)
        i += 1
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=str(Path(__file__).resolve().parents[2]))
    root = Path(ap.parse_args().root)
    problems, checked = [], 0
    files = [p for folder in FOLDERS for p in (root / folder).rglob("*")
             if p.suffix in (".h", ".cpp") and p.is_file()]
    for path in sorted(files):
        rel = path.relative_to(root).as_posix()
        folder = rel.rsplit("/", 1)[0]
        want = PENDING.get(folder) or expected_namespace(rel)
        allowed = (want,) + EXTRA.get(folder, ())
        if MODULE_SIDE.match(rel):
            allowed += ("mc_" + MODULE_SIDE.match(rel).group(1),)
        namespaces = top_level_namespaces(code_only(path.read_text(errors="replace")))
        checked += bool(namespaces)
        for line, name, body in namespaces:
            if any(name == a or name.startswith(a + "::") for a in allowed):
                continue
            if rel in REEXPORTS and name == "modelc" and re.fullmatch(r"(\s*using\s+support::\w+\s*;)*\s*", body):
                continue
            problems.append("%s:%d opens namespace %s; files in %s/ belong in %s (or a namespace inside it)"
                            % (rel, line, name, folder, " or ".join(allowed)))
    for p in problems:
        print(p)
    print("%d files with named namespaces checked, %d namespace violations" % (checked, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
