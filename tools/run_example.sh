#!/usr/bin/env bash
# The main job: set up, then compile and run the bundled CUBA example on the CPU backend, print the
# summary, write results/cuba/ (manifest.json + .npy arrays) and plot them to results/cuba.png.
# Extra arguments go to `modelc run`.
set -euo pipefail
cd "$(dirname "$0")/.."
# Builds only the CLI and what it loads (libmodelc, the support libraries), quietly: the tests are
# built by tools/run_tests.sh.
MODELC_BUILD_TARGETS=modelc MODELC_QUIET_BUILD=1 bash tools/setup.sh plots
model=${MODELC_EXAMPLE:-examples/cuba.json}
out="results/$(basename "$model" .json)"
"${MODELC_BUILD_DIR:-build}/modelc" run "$model" -o "$out" "$@"
/usr/bin/python3 tools/plot_results.py "$out"
if [ -f "$out.png" ]; then
  echo "wrote $out/ (manifest.json, .npy arrays per monitor) and the plot $out.png"
fi
