"""pytest set-up for the modelc package tests: the package is imported from the build tree
(PYTHONPATH=<build>/python, set by CTest), the CLI is MODELC_BINARY."""
import os
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("MODELC_SOURCE_ROOT", Path(__file__).resolve().parents[2]))


@pytest.fixture(scope="session")
def root():
    return ROOT


@pytest.fixture(scope="session")
def cli():
    binary = os.environ.get("MODELC_BINARY")
    if not binary:
        pytest.skip("MODELC_BINARY is not set (run through CTest)")
    return binary


@pytest.fixture(scope="session")
def cuba_module():
    import modelc
    return modelc.load(ROOT / "examples/cuba.json", N=400).with_duration("100 ms").compile()
