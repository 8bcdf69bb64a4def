#!/usr/bin/env bash
# The check to run whenever a machine with an NVIDIA GPU is at hand (issue #12, docs/cuda.md):
#   1. builds modelc with the CUDA backend (Release, into $MODELC_BUILD_DIR, default build-gpu/);
#   2. lists the devices;
#   3. runs the cross-backend equivalence suite for cuda against cpu and the random-number check
#      (tests/unit/test_gpu_equivalence.cpp; the same rules as for OpenCL);
#   4. runs CUBA with and without step graphs (same spike count, both timed: cuda_graphs.csv);
#   5. times CUBA and COBAHH on cuda against cpu in the same run (benchmarks/gpu_vs_cpu.sh).
# Everything it writes goes to $RESULTS (default benchmarks/results/; the device tool's $OUT when
# set): gpu_check_devices.txt, gpu_check_equivalence.{log,xml}, cuda_graphs.csv, cuda_vs_cpu.csv. Meant to finish
# within 8 minutes on one GPU with 16 cores; SIZES and DURATION shorten it.
#
#   bash benchmarks/gpu_check.sh
#   MODELC_BUILD_DIR=build SIZES="4000 40000" bash benchmarks/gpu_check.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${MODELC_BUILD_DIR:-$ROOT/build-gpu}"
RESULTS="${RESULTS:-${OUT:-$ROOT/benchmarks/results}}"
mkdir -p "$RESULTS"
step() { echo "gpu_check: $*" >&2; }

step "building into $BUILD"
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  cmake -S "$ROOT" -B "$BUILD" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release > "$RESULTS/gpu_check_build.log" 2>&1
fi
cmake --build "$BUILD" -j "$(nproc)" --target modelc modelc_unit_tests >> "$RESULTS/gpu_check_build.log" 2>&1 ||
  { tail -30 "$RESULTS/gpu_check_build.log" >&2; step "build failed (log: $RESULTS/gpu_check_build.log)"; exit 1; }
grep -q "MODELC_HAVE_CUDA:INTERNAL=ON\|^MODELC_HAVE_CUDA" "$BUILD/CMakeCache.txt" ||
  step "warning: the CUDA backend may not be built (no CUDA toolkit found by CMake)"

step "devices"
"$BUILD/modelc" devices | tee "$RESULTS/gpu_check_devices.txt" >&2
# Without a usable device every cuda case would only be skipped: say so and stop.
if ! grep -Eq "^CUDA: driver .*, [1-9][0-9]* device" "$RESULTS/gpu_check_devices.txt"; then
  step "no usable CUDA device here: $(grep '^CUDA' "$RESULTS/gpu_check_devices.txt" || echo 'no CUDA backend built')"
  exit 1
fi

step "equivalence: cuda vs cpu"
status=0
"$BUILD/tests/modelc_unit_tests" --gtest_filter='*CrossBackend*cuda*:*GpuRandomNumbers*cuda*:*DeviceConnectivity*cuda*' \
  --gtest_output="xml:$RESULTS/gpu_check_equivalence.xml" > "$RESULTS/gpu_check_equivalence.log" 2>&1 || status=1
grep -E "^\[ *(PASSED|FAILED|SKIPPED) *\]|^\[ stats" "$RESULTS/gpu_check_equivalence.log" >&2 || true

# Step graphs (docs/cuda.md, "Step graphs"): the suite above ran with them (the default); CUBA
# once more without, whose spikes must be the same, and both timed (best of 3, interleaved).
step "step graphs: on vs off (MODELC_CUDA_NO_GRAPHS)"
echo "graphs,run,wall_s,spikes" > "$RESULTS/cuda_graphs.csv"
for run in 1 2 3; do
  for off in 0 1; do
    t0=$(date +%s.%N)
    MODELC_CUDA_NO_GRAPHS=$off "$BUILD/modelc" run "$ROOT/examples/cuba.json" --backend cuda \
      -o "$RESULTS/graphs_$off" > "$RESULTS/graphs_$off.txt" 2>&1 || status=1
    t1=$(date +%s.%N)
    spikes=$(awk '$1 == "P" && NF == 5 {print $3; exit}' "$RESULTS/graphs_$off.txt")
    echo "$([ "$off" = 0 ] && echo on || echo off),$run,$(echo "$t1 - $t0" | bc),$spikes" >> "$RESULTS/cuda_graphs.csv"
  done
done
cat "$RESULTS/cuda_graphs.csv" >&2
[ "$(awk -F, 'NR>1 && $1=="on"{print $4}' "$RESULTS/cuda_graphs.csv" | sort -u)" = \
  "$(awk -F, 'NR>1 && $1=="off"{print $4}' "$RESULTS/cuda_graphs.csv" | sort -u)" ] ||
  { step "step graphs changed the spike count"; status=1; }

step "timing: cuda vs cpu"
MODELC="$BUILD/modelc" BACKEND=cuda SIZES="${SIZES:-4000 40000 400000}" OUT="$RESULTS/cuda_vs_cpu.csv" \
  bash "$ROOT/benchmarks/gpu_vs_cpu.sh" || status=1

step "done (results in $RESULTS)"
exit $status
