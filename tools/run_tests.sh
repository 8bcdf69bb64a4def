#!/usr/bin/env bash
# The whole test suite: set up, build, then run every test (unit, golden against Brian2 reference
# files, end-to-end CLI, schema) through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
cd "${MODELC_BUILD_DIR:-build}"
ctest --output-on-failure -j "$(nproc)" "$@"
