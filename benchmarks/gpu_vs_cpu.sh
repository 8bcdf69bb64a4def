#!/usr/bin/env bash
# A GPU backend (opencl or cuda) vs the CPU backend on CUBA and COBAHH at N = 4000 and N = 40000
# (--set N=...), both backends in the same run, writing benchmarks/results/<backend>_vs_cpu.csv
# with the ratios GPU time / CPU time for network construction and for simulation, and the device
# used. Not a test.
#
#   benchmarks/gpu_vs_cpu.sh                         # opencl, build/modelc, 200 ms per run
#   BACKEND=cuda SIZES="4000 40000 400000" benchmarks/gpu_vs_cpu.sh
#   MODELC=/tmp/ocl-build/modelc DURATION="1 s" DEVICE=0 benchmarks/gpu_vs_cpu.sh
#
# Every configuration first runs 1 ms untimed on each backend, so the timed run measures the
# simulation, not the one-off costs: the host compile is cached by modelc, and the device program
# (seconds on PoCL) is served from modelc's binary caches. CPU runs use all cores (--threads 0);
# PoCL uses all cores too.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODELC="${MODELC:-$ROOT/build/modelc}"
DURATION="${DURATION:-200 ms}"
BACKEND="${BACKEND:-opencl}"
SIZES="${SIZES:-4000 40000}"
PYTHON="${PYTHON:-python3}"
OUT="${OUT:-$ROOT/benchmarks/results/${BACKEND}_vs_cpu.csv}"
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
  [[ "$3" != cpu && -n "${DEVICE:-}" ]] && extra+=(--device "$DEVICE")
  "$MODELC" run "$1" --set "N=$2" --backend "$3" --threads 0 -q -o "$4" "${extra[@]}" > "$4.log" 2>&1 ||
    { echo "modelc run failed, see below" >&2; cat "$4.log" >&2; exit 1; }
}

mkdir -p "$(dirname "$OUT")"
# The device, named in every row: entry [DEVICE] of the backend's section of `modelc devices`.
device="$("$MODELC" devices 2>/dev/null | "$PYTHON" -c '
import sys
api, index = sys.argv[1], "[" + sys.argv[2] + "]"
section = ""
for line in sys.stdin:
    if not line.startswith(" "):
        section = line.split(":", 1)[0]
    elif section == api and line.strip().startswith(index):
        print(line.strip()[len(index):].strip().replace(",", ";").replace("\"", "")); break
' "$([[ $BACKEND == cuda ]] && echo CUDA || echo OpenCL)" "${DEVICE:-0}")"
[[ -n "$device" ]] || { echo "no $BACKEND device [${DEVICE:-0}] in \`modelc devices\`" >&2; exit 1; }
g="$BACKEND"
echo "model,N,duration,cpu_construct_s,cpu_simulate_s,${g}_construct_s,${g}_simulate_s,construct_ratio,simulate_ratio,cpu_spikes,${g}_spikes,devices" > "$OUT"
for model in cuba cobahh; do
  with_duration "$model" "$DURATION" "$WORK/$model.json"
  with_duration "$model" "1 ms" "$WORK/${model}_warmup.json"
  for n in $SIZES; do
    declare -A t=()
    for backend in cpu "$BACKEND"; do
      run "$WORK/${model}_warmup.json" "$n" "$backend" "$WORK/warm-$model-$n-$backend"
      run "$WORK/$model.json" "$n" "$backend" "$WORK/res-$model-$n-$backend"
      t[$backend]="$(timings "$WORK/res-$model-$n-$backend")"
    done
    read -r cc cs cn <<< "${t[cpu]}"
    read -r oc os on <<< "${t[$BACKEND]}"
    line="$("$PYTHON" -c "import sys; cc,cs,oc,os=map(float,sys.argv[1:]); print(f'{cc:.4f},{cs:.4f},{oc:.4f},{os:.4f},{oc/cc:.2f},{os/cs:.2f}')" "$cc" "$cs" "$oc" "$os")"
    echo "$model,$n,$DURATION,$line,$cn,$on,\"$device\"" >> "$OUT"
    echo "$model N=$n: $line (cpu_construct,cpu_simulate,${g}_construct,${g}_simulate,construct_ratio,simulate_ratio)"
  done
done
echo "wrote $OUT"
