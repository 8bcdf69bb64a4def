#!/bin/bash
# Interleaved host vs device construction of one model on a GPU backend (MODELC_DEVICE_CONNECT=0 /
# the default), in one session: mc_init wall seconds per run, the best of each, their ratio, and
# whether both built the same network (digest of every (pre, post) pair).
#   benchmarks/device_connect_ab.sh MODELC MODEL BACKEND REPS [--set K=V ...]
# e.g. benchmarks/device_connect_ab.sh build/modelc examples/brunel_hakim.json opencl 3 --set N=40000
set -e
modelc=$1; model=$2; backend=$3; reps=$4; shift 4
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -O2 -I"$root" "$root/benchmarks/device_connect_ab.c" -o "$work/ab" -ldl
"$modelc" compile "$model" --backend "$backend" "$@" -o "$work/m" >/dev/null
"$work/ab" "$work/m/model.so" >/dev/null  # warm-up: the device program's binary cache
for r in $(seq "$reps"); do
  echo "rep $r host $(MODELC_DEVICE_CONNECT=0 "$work/ab" "$work/m/model.so")"
  echo "rep $r device $("$work/ab" "$work/m/model.so")"
done | tee "$work/log"
python3 - "$work/log" <<'PY'
import sys
best, nets = {}, set()
for line in open(sys.argv[1]):
    f = line.split()
    kv = dict(zip(f[3::2], f[4::2]))
    best[f[2]] = min(best.get(f[2], 1e30), float(kv["init_s"]))
    nets.add(kv["network"])
print("mc_init best: host %.3f s, device %.3f s, host/device %.2fx, networks %s" % (
    best["host"], best["device"], best["host"] / best["device"], "identical" if len(nets) == 1 else "DIFFER"))
PY
