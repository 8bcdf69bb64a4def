#!/usr/bin/env bash
# Runs the libFuzzer targets for CTest.
#   run_fuzz.sh regressions BIN_DIR FUZZ_DIR        every file in regressions/<target>/ must run clean
#   run_fuzz.sh smoke BIN_DIR FUZZ_DIR SECONDS      fuzz each target for SECONDS from the seed corpus
# Exits 77 (CTest "skipped") when the targets were not built, e.g. no libFuzzer in this clang.
set -u
mode=$1 bin=$2 dir=$3 seconds=${4:-15}
targets="fuzz_model_reader fuzz_parser fuzz_units fuzz_pipeline"
for t in $targets; do
  [ -x "$bin/$t" ] || { echo "fuzz target $bin/$t not built: skipping"; exit 77; }
done
status=0
for t in $targets; do
  case $mode in
    regressions)
      files=()
      if [ -d "$dir/regressions/$t" ]; then
        while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$dir/regressions/$t" -type f -print0)
      fi
      [ ${#files[@]} -eq 0 ] && continue
      echo "== $t: ${#files[@]} regression inputs"
      "$bin/$t" -timeout=10 -rss_limit_mb=4096 "${files[@]}" > "/tmp/modelc-fuzz-$t.$$.log" 2>&1 || {
        echo "FAILED: $t"; tail -40 "/tmp/modelc-fuzz-$t.$$.log"; status=1; }
      rm -f "/tmp/modelc-fuzz-$t.$$.log"
      ;;
    smoke)
      # New inputs go to a scratch directory so the committed seed corpus is never modified.
      work=$(mktemp -d)
      artifacts=$(mktemp -d)
      dict=()
      [ -f "$dir/dicts/$t.dict" ] && dict=(-dict="$dir/dicts/$t.dict")
      echo "== $t: fuzzing for ${seconds}s"
      "$bin/$t" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=8192 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "$dir/corpus/$t" > "$work.log" 2>&1
      rc=$?
      grep -E "stat::number_of_executed_units" "$work.log" || true
      if [ $rc -ne 0 ]; then
        echo "FAILED: $t found a problem (exit $rc); the input is kept in $artifacts"
        tail -60 "$work.log"
        status=1
      else
        rm -rf "$artifacts"
      fi
      rm -rf "$work" "$work.log"
      ;;
    *) echo "unknown mode $mode"; exit 2 ;;
  esac
done
exit $status
