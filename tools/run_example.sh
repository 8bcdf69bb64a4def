#!/usr/bin/env bash
# The main job: set up, then compile and run the bundled CUBA example on the CPU backend, print the
# summary, write results/cuba/ (manifest.json + .npy arrays) and plot them to results/cuba.png.
# Extra arguments go to `modelc run`.
set -euo pipefail
cd "$(dirname "$0")/.."
MODELC_BUILD_TARGETS=modelc bash tools/setup.sh plots  # builds only what the run needs
model=${MODELC_EXAMPLE:-examples/cuba.json}
out="results/$(basename "$model" .json)"
"${MODELC_BUILD_DIR:-build}/modelc" run "$model" -o "$out" "$@"
/usr/bin/python3 tools/plot_results.py "$out"
