#!/usr/bin/env python3
"""Regenerates the seed corpora in tests/fuzz/corpus/ from the example and golden models.

The parser and units targets take one leading selector byte (see fuzz_parser.cpp, fuzz_units.cpp),
so every code string of the models becomes a seed with the matching selector."""
import hashlib
import json
import pathlib
import re

root = pathlib.Path(__file__).resolve().parents[2]
out = root / "tests" / "fuzz" / "corpus"
models = sorted(list((root / "examples").glob("*.json")) + list((root / "tests" / "golden" / "models").glob("*.json")))


def put(target, data: bytes):
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def strings(node, path=""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from strings(v, path + "/" + k)
    elif isinstance(node, list):
        for k, v in enumerate(node):
            yield from strings(v, path + "/" + str(k))
    elif isinstance(node, str):
        yield path, node


for m in models:
    text = m.read_bytes()
    put("fuzz_model_reader", text)
    put("fuzz_pipeline", text)
    for path, s in strings(json.loads(text)):
        b = s.encode()
        if "/equations" in path:
            put("fuzz_parser", b"\x02" + b)
            put("fuzz_parser", b"\x03" + b)
            unit = s.split(":", 1)[1] if ":" in s else ""
            unit = re.sub(r"\(.*\)", "", unit).strip()
            if unit and unit not in ("boolean", "integer"):
                put("fuzz_units", b"\x00" + unit.encode())
        elif path.endswith(("/reset", "/on_pre")):
            put("fuzz_parser", b"\x01" + b)
        else:
            put("fuzz_parser", b"\x00" + b)
            put("fuzz_units", b"\x01" + b)
print("corpus written to", out)
