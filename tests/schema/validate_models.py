#!/usr/bin/env python3
"""Validate modelc model files against docs/modelc-ir-v1.schema.json.

Checks
  * every ``examples/*.json`` and ``tests/golden/models/*.json`` is accepted;
  * the schema itself is a valid draft 2020-12 schema;
  * a handful of deliberately broken documents (derived from a minimal valid
    model) are rejected, so the schema is not vacuously permissive.

Prints one line per check and a final ``N passed, N failed``; exits non-zero
if anything failed.  Needs the ``jsonschema`` module (Debian:
``apt-get install python3-jsonschema``).

Usage: validate_models.py [--root REPO_ROOT] [extra model files ...]
"""

import argparse
import copy
import json
import sys
from pathlib import Path

import jsonschema

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = Path("docs/modelc-ir-v1.schema.json")
# Each model file is validated against the schema of the IR version it declares.
SCHEMA_BY_VERSION = {1: SCHEMA_PATH, 2: Path("docs/modelc-ir-v2.schema.json")}
MODEL_GLOBS = ("examples/*.json", "tests/golden/models/*.json")

# Smallest valid model; the bad documents below are each one edit away from it.
MINIMAL_MODEL = {
    "modelc_ir": 1,
    "name": "minimal",
    "simulation": {"duration": "10 ms"},
    "neuron_groups": [{"name": "G", "size": 1}],
}


def _edit(mutation):
    """Return a deep copy of MINIMAL_MODEL with ``mutation`` applied to it."""
    doc = copy.deepcopy(MINIMAL_MODEL)
    mutation(doc)
    return doc


def _remove(key):
    return lambda doc: doc.pop(key)


def _set(key, value):
    return lambda doc: doc.__setitem__(key, value)


def _add_monitor(monitor):
    return lambda doc: doc.setdefault("monitors", []).append(monitor)


def _add_synapse(synapse):
    return lambda doc: doc.setdefault("synapses", []).append(synapse)


_SYNAPSE = {"name": "S", "source": "G", "target": "G", "on_pre": "v += 1*mV"}

# (description, document) pairs that the schema must reject.
BAD_DOCUMENTS = [
    ("version given as a string", _edit(_set("modelc_ir", "1"))),
    ("unsupported version 2", _edit(_set("modelc_ir", 2))),
    ("missing name", _edit(_remove("name"))),
    ("missing simulation", _edit(_remove("simulation"))),
    ("unknown top-level field", _edit(_set("neurons", []))),
    ("empty neuron_groups", _edit(_set("neuron_groups", []))),
    ("name starting with underscore", _edit(_set("name", "_hidden"))),
    ("simulation without duration", _edit(_set("simulation", {"dt": "0.1 ms"}))),
    ("unknown precision", _edit(_set("simulation", {"duration": 1.0, "precision": "half"}))),
    ("negative seed", _edit(_set("simulation", {"duration": 1.0, "seed": -1}))),
    ("group size zero", _edit(lambda d: d["neuron_groups"][0].__setitem__("size", 0))),
    ("unknown method", _edit(lambda d: d["neuron_groups"][0].__setitem__("method", "heun"))),
    ("unknown neuron group field",
     _edit(lambda d: d["neuron_groups"][0].__setitem__("model", "dv/dt = -v/tau : volt"))),
    ("constant named after a built-in", _edit(_set("constants", {"dt": "1 ms"}))),
    ("bad monitor kind",
     _edit(_add_monitor({"name": "m", "kind": "voltage", "source": "G"}))),
    ("state monitor without variables",
     _edit(_add_monitor({"name": "m", "kind": "state", "source": "G"}))),
    ("every on a spike monitor",
     _edit(_add_monitor({"name": "m", "kind": "spikes", "source": "G", "every": 10}))),
    ("monitor indices not integers",
     _edit(_add_monitor({"name": "m", "kind": "spikes", "source": "G", "indices": ["0"]}))),
    ("malformed slice reference",
     _edit(_add_monitor({"name": "m", "kind": "spikes", "source": "G[0:1"}))),
    ("synapse without connect", _edit(_add_synapse(dict(_SYNAPSE)))),
    ("connect with two forms",
     _edit(_add_synapse(dict(_SYNAPSE, connect={"p": 0.1, "rule": "all_to_all"})))),
    ("connect with unknown rule",
     _edit(_add_synapse(dict(_SYNAPSE, connect={"rule": "ring"})))),
    ("connect probability above one",
     _edit(_add_synapse(dict(_SYNAPSE, connect={"p": 1.5})))),
]


# Each one edit away from MINIMAL_MODEL as IR v2, validated against the v2 schema.
def _v2(mutation):
    def apply(doc):
        doc["modelc_ir"] = 2
        mutation(doc)
    return _edit(apply)


BAD_V2_DOCUMENTS = [
    ("run_regularly in an unknown slot",
     _v2(lambda d: d["neuron_groups"][0].__setitem__("run_regularly", [{"code": "", "when": "reset"}]))),
    ("run_regularly order not an integer",
     _v2(lambda d: d["neuron_groups"][0].__setitem__("run_regularly", [{"code": "", "order": 0.5}]))),
    ("unknown neuron schedule entry",
     _v2(lambda d: d["neuron_groups"][0].__setitem__("schedule", {"update": {"order": 1}}))),
    ("monitor in an unknown slot",
     _v2(_add_monitor({"name": "m", "kind": "spikes", "source": "G", "when": "after_spikes"}))),
]


class Tally:
    """Counts and prints check outcomes."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def record(self, ok, label, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        suffix = f": {detail}" if detail and not ok else ""
        print(f"{'PASS' if ok else 'FAIL'}  {label}{suffix}")


def _first_error(validator, document):
    """Best-match validation error message with its JSON pointer, or None."""
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if error is None:
        return None
    pointer = "/" + "/".join(str(part) for part in error.absolute_path)
    return f"{pointer}: {error.message}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="repository root")
    parser.add_argument("files", nargs="*", type=Path, help="additional model files to validate")
    args = parser.parse_args(argv)

    tally = Tally()
    schema = json.loads((args.root / SCHEMA_PATH).read_text())
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
        tally.record(True, f"schema {SCHEMA_PATH} is valid draft 2020-12")
    except jsonschema.exceptions.SchemaError as exc:
        tally.record(False, f"schema {SCHEMA_PATH} is valid draft 2020-12", exc.message)
        print(f"{tally.passed} passed, {tally.failed} failed")
        return 1
    validator = jsonschema.Draft202012Validator(schema)

    model_files = sorted(path for pattern in MODEL_GLOBS for path in args.root.glob(pattern))
    model_files += args.files
    if not model_files:
        tally.record(False, "found model files to validate", "none found")
    for path in model_files:
        label = f"accepts {path.relative_to(args.root) if path.is_relative_to(args.root) else path}"
        try:
            document = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            tally.record(False, label, str(exc))
            continue
        version = document.get("modelc_ir") if isinstance(document, dict) else None
        schema_path = SCHEMA_BY_VERSION.get(version, SCHEMA_PATH)
        if not (args.root / schema_path).exists():
            tally.record(False, label, f"no schema {schema_path} for IR version {version}")
            continue
        version_validator = jsonschema.Draft202012Validator(json.loads((args.root / schema_path).read_text()))
        error = _first_error(version_validator, document)
        tally.record(error is None, label + f" (IR v{version})", error or "")

    tally.record(_first_error(validator, MINIMAL_MODEL) is None, "accepts the minimal model")
    for description, document in BAD_DOCUMENTS:
        error = _first_error(validator, document)
        tally.record(error is not None, f"rejects {description}",
                     "document was accepted" if error is None else "")

    v2_validator = jsonschema.Draft202012Validator(json.loads((args.root / SCHEMA_BY_VERSION[2]).read_text()))
    tally.record(_first_error(v2_validator, _v2(lambda d: None)) is None, "accepts the minimal model as IR v2")
    for description, document in BAD_V2_DOCUMENTS:
        error = _first_error(v2_validator, document)
        tally.record(error is not None, f"rejects {description} (IR v2)",
                     "document was accepted" if error is None else "")

    print(f"{tally.passed} passed, {tally.failed} failed")
    return 0 if tally.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
