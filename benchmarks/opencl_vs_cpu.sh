#!/usr/bin/env bash
# OpenCL backend vs CPU backend on CUBA and COBAHH at N = 4000 and N = 40000 (--set N=...), both
# backends in the same run, writing benchmarks/results/opencl_vs_cpu.csv with the ratios
# OpenCL time / CPU time for network construction and for simulation. Not a test.
#
#   benchmarks/opencl_vs_cpu.sh                      # build/modelc, 200 ms of model time per run
#   MODELC=/tmp/ocl-build/modelc DURATION="1 s" DEVICE=0 benchmarks/opencl_vs_cpu.sh
#
# Every configuration first runs 1 ms untimed on each backend, so the timed run measures the
# simulation, not the one-off costs: the host compile is cached by modelc, and the OpenCL program
# build (seconds on PoCL) is served from the platform's / modelc's binary caches. CPU runs use
# all cores (--threads 0); PoCL uses all cores too.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODELC="${MODELC:-$ROOT/build/modelc}"
DURATION="${DURATION:-200 ms}"
PYTHON="${PYTHON:-python3}"
OUT="$ROOT/benchmarks/results/opencl_vs_cpu.csv"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/modelc-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# A copy of examples/<model>.json with another duration (key order preserved: constants may use
# earlier constants).
with_duration() {  # model duration out
  "$PYTHON" - "$ROOT/examples/$1.json" "$2" "$3" <<'PY'
import json, sys
from collections import OrderedDict
m = json.load(open(sys.argv[1]), object_pairs_hook=OrderedDict)
m["simulation"]["duration"] = sys.argv[2]
json.dump(m, open(sys.argv[3], "w"), indent=1)
PY
}

# Prints "construct simulate spikes" of a results directory.
timings() {
  "$PYTHON" - "$1/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(m["timings"]["construct"], m["timings"]["simulate"], sum(p["spikes"] for p in m["populations"]))
PY
}

run() {  # model_file N backend results_dir
  local extra=()
  [[ "$3" == opencl && -n "${DEVICE:-}" ]] && extra+=(--device "$DEVICE")
  "$MODELC" run "$1" --set "N=$2" --backend "$3" --threads 0 -q -o "$4" "${extra[@]}" > "$4.log" 2>&1 ||
    { echo "modelc run failed, see below" >&2; cat "$4.log" >&2; exit 1; }
}

mkdir -p "$(dirname "$OUT")"
echo "model,N,duration,cpu_construct_s,cpu_simulate_s,opencl_construct_s,opencl_simulate_s,construct_ratio,simulate_ratio,cpu_spikes,opencl_spikes" > "$OUT"
for model in cuba cobahh; do
  with_duration "$model" "$DURATION" "$WORK/$model.json"
  with_duration "$model" "1 ms" "$WORK/${model}_warmup.json"
  for n in 4000 40000; do
    declare -A t=()
    for backend in cpu opencl; do
      run "$WORK/${model}_warmup.json" "$n" "$backend" "$WORK/warm-$model-$n-$backend"
      run "$WORK/$model.json" "$n" "$backend" "$WORK/res-$model-$n-$backend"
      t[$backend]="$(timings "$WORK/res-$model-$n-$backend")"
    done
    read -r cc cs cn <<< "${t[cpu]}"
    read -r oc os on <<< "${t[opencl]}"
    line="$("$PYTHON" -c "import sys; cc,cs,oc,os=map(float,sys.argv[1:]); print(f'{cc:.4f},{cs:.4f},{oc:.4f},{os:.4f},{oc/cc:.2f},{os/cs:.2f}')" "$cc" "$cs" "$oc" "$os")"
    echo "$model,$n,$DURATION,$line,$cn,$on" >> "$OUT"
    echo "$model N=$n: $line (cpu_construct,cpu_simulate,ocl_construct,ocl_simulate,construct_ratio,simulate_ratio)"
  done
done
echo "wrote $OUT"
