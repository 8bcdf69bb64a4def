#!/usr/bin/env bash
# The main job: set up, then compile and run the bundled CUBA example on the CPU backend, print the
# summary and write results/cuba/ (manifest.json + .npy arrays). Extra arguments go to `modelc run`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
model=${MODELC_EXAMPLE:-examples/cuba.json}
exec "${MODELC_BUILD_DIR:-build}/modelc" run "$model" -o "results/$(basename "$model" .json)" "$@"
