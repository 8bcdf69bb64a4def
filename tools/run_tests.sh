#!/usr/bin/env bash
# The whole test suite: set up, build, then run every test (unit, golden against Brian2 reference
# files, end-to-end CLI, schema, the Python package with pytest) through CTest. The Python tests'
# packages (nanobind, pytest) go into a virtual environment in the build directory (setup.sh tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh tests
cd "${MODELC_BUILD_DIR:-build}"
ctest --output-on-failure -j "$(nproc)" "$@"
