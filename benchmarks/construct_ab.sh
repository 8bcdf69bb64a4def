#!/bin/bash
# Interleaved A/B of network construction and simulation of one model built by two modelc builds
# (benchmarks/construct_ab.c: one process per run, each module with its own build's support
# library). Prints each run and the best of each build per thread count; the `network` and
# `state` digests must agree between the builds.
#   benchmarks/construct_ab.sh OLD_MODELC NEW_MODELC MODEL STEPS REPS "THREADS..." [--set K=V ...]
# e.g. benchmarks/construct_ab.sh /work/main/build/modelc build/modelc examples/potjans_diesmann.json \
#        1000 3 "1 2" --set scale=0.25 --set k_scale=1
set -e
old=$1; new=$2; model=$3; steps=$4; reps=$5; threads=$6; shift 6
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -O2 -I"$root" "$root/benchmarks/construct_ab.c" -o "$work/ab" -ldl
"$old" compile "$model" "$@" -o "$work/old" >/dev/null
"$new" compile "$model" "$@" -o "$work/new" >/dev/null
for t in $threads; do
  for r in $(seq "$reps"); do
    for b in old new; do
      echo "threads $t rep $r $b $("$work/ab" "$work/$b/model.so" "$t" "$steps" | cut -d' ' -f2-)"
    done
  done
done | tee "$work/log"
python3 - "$work/log" <<'PY'
import sys, collections
best = collections.defaultdict(lambda: [1e30, 1e30])
digests = collections.defaultdict(set)
for line in open(sys.argv[1]):
    f = line.split()
    t, b = f[1], f[4]
    kv = dict(zip(f[5::2], f[6::2]))
    best[(t, b)][0] = min(best[(t, b)][0], float(kv["construct_wall"]))
    best[(t, b)][1] = min(best[(t, b)][1], float(kv["run_wall"]))
    digests[t].add((kv["network"], kv["state"]))
for t in sorted({k[0] for k in best}):
    o, n = best[(t, "old")], best[(t, "new")]
    print("threads %s: construct %.3f -> %.3f s (%.2fx), simulate %.3f -> %.3f s (%.2fx), digests %s" % (
        t, o[0], n[0], o[0] / n[0], o[1], n[1], o[1] / n[1], "identical" if len(digests[t]) == 1 else "DIFFER"))
PY
