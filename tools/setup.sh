#!/usr/bin/env bash
# Installs what is missing (Debian packages), then configures and builds modelc into build/.
# Idempotent: a second call only rebuilds what changed. Used by run_example.sh and run_tests.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake ninja-build g++ clang libomp-dev nlohmann-json3-dev libgtest-dev libbenchmark-dev
          libcli11-dev python3 python3-numpy python3-jsonschema
          ocl-icd-opencl-dev opencl-headers pocl-opencl-icd llvm-14-tools
          openmpi-bin libopenmpi-dev)
# `setup.sh plots`: also what tools/plot_results.py needs (the main job's figure).
[ "${1:-}" = "plots" ] && packages+=(python3-matplotlib)
# `setup.sh tests`: also what the Python package and its tests need (a venv, Python's headers), and
# Debian's Brian2 (2.5.1) with pytest for /usr/bin/python3: the device's tests run under both.
[ "${1:-}" = "tests" ] && packages+=(python3-venv python3-dev python3-matplotlib python3-brian python3-pytest)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

build_dir=${MODELC_BUILD_DIR:-build}
cmake_args=()
# The Python package tests (tests/python) and the Brian2 device tests (tests/brian2) run with a
# virtual environment in the build directory; CMake builds the package with its interpreter
# (MODELC_PYTHON). The Brian2 device must work with Brian2's current release, whose wheels need a
# newer Python than Debian 12's 3.11 (Brian2 2.11: 3.13): the newest CPython found (pyenv's
# versions, python3.13 / python3.12 on PATH) is used, everything from PyPI; without one,
# /usr/bin/python3 with Debian's numpy, matplotlib and Brian2 (2.5.1, python3-brian) seen through
# --system-site-packages. docs/brian2.md says which versions CI tests.
pick_python() {
  local c
  for c in "${MODELC_PYTHON_FOR_TESTS:-}" "$(pyenv root 2>/dev/null)"/versions/3.13*/bin/python3 \
           "$HOME"/.pyenv/versions/3.13*/bin/python3 "$(command -v python3.13 || true)" \
           "$(pyenv root 2>/dev/null)"/versions/3.12*/bin/python3 "$(command -v python3.12 || true)"; do
    [ -n "$c" ] && [ -x "$c" ] && "$c" -c "import venv, sysconfig, os, sys; \
      sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')))" \
      2>/dev/null && { echo "$c"; return; }
  done
  echo /usr/bin/python3
}
if [ "${1:-}" = "tests" ]; then
  pyenv="$build_dir/pyenv"
  mkdir -p "$build_dir"
  if [ ! -x "$pyenv/bin/python" ]; then
    base=$(pick_python)
    echo "setup: creating $pyenv/ with $base ($("$base" --version 2>&1))"
    if [ "$base" = /usr/bin/python3 ]; then
      /usr/bin/python3 -m venv --system-site-packages "$pyenv"
    else
      "$base" -m venv "$pyenv"
    fi
  fi
  want="import nanobind, pytest, numpy, matplotlib, brian2, dendrify"
  if ! "$pyenv/bin/python" -c "$want" 2>/dev/null; then
    echo "setup: installing nanobind, pytest, numpy, matplotlib, brian2, dendrify into $pyenv/ (PyPI)"
    "$pyenv/bin/python" -m pip install -q nanobind pytest numpy matplotlib brian2 dendrify ||
      echo "setup: pip failed; the Python package and Brian2 device tests may be skipped" >&2
  fi
  if "$pyenv/bin/python" -c "import nanobind, pytest" 2>/dev/null; then
    # -U first: FindPython keeps what it found for an earlier interpreter in the cache.
    cmake_args+=(-U "_Python*" -U "Python_*" -DPython_EXECUTABLE="$(cd "$pyenv/bin" && pwd)/python"
                 -DMODELC_PYTHON=ON)
    # Debian's Python with its Brian2 2.5.1 (python3-brian) gets the extension too (built with the
    # venv's nanobind sources; cmake/python_ext) when the venv runs another interpreter.
    system_python=""
    if [ "$("$pyenv/bin/python" -c 'import sys; print(sys.base_prefix)')" != /usr ] &&
       /usr/bin/python3 -c "import brian2, pytest" 2>/dev/null; then
      system_python=/usr/bin/python3
    fi
    cmake_args+=(-DMODELC_SYSTEM_PYTHON="$system_python")
    # Debian's python3-brian leaves most of Brian2's test files out: those of the same release
    # come from its PyPI wheel (brian2.system_python.suite_subset runs them; docs/brian2.md).
    system_tests="$build_dir/brian2-system-tests"
    if [ -n "$system_python" ] && [ ! -f "$system_tests/brian2/tests/test_network.py" ]; then
      version=$("$system_python" -c "import brian2; print(brian2.__version__)" 2>/dev/null)
      echo "setup: fetching Brian2 $version's test files (its wheel from PyPI) into $system_tests/"
      rm -rf "$system_tests" && mkdir -p "$system_tests/wheel"
      for py in 3.11 3.10 3.9; do
        "$pyenv/bin/python" -m pip download -q "brian2==$version" --no-deps --only-binary :all: \
          --python-version "$py" --platform manylinux2014_x86_64 -d "$system_tests/wheel" 2>/dev/null && break
      done
      wheel=$(ls "$system_tests"/wheel/*.whl 2>/dev/null | head -n 1)
      if [ -n "$wheel" ]; then
        "$pyenv/bin/python" -m zipfile -e "$wheel" "$system_tests/wheel/x" &&
          mv "$system_tests/wheel/x/brian2" "$system_tests/brian2"
      else
        echo "setup: no wheel of Brian2 $version; its subset runs Debian's test files only" >&2
      fi
      rm -rf "$system_tests/wheel"
    fi
  fi
fi
if [ ! -f "$build_dir/build.ninja" ]; then
  echo "setup: configuring $build_dir/"
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "${cmake_args[@]}" >/dev/null
elif [ ${#cmake_args[@]} -gt 0 ]; then
  cmake -S . -B "$build_dir" "${cmake_args[@]}" >/dev/null
fi
# MODELC_BUILD_TARGETS: only these targets (the main job needs the modelc binary, which pulls in
# the library and the support libraries it loads); everything by default (the test suite).
targets=()
for t in ${MODELC_BUILD_TARGETS:-}; do targets+=(--target "$t"); done
# MODELC_QUIET_BUILD=1: one progress line, the compiler's output (and its warnings) in a log that
# is shown only when the build fails.
if [ "${MODELC_QUIET_BUILD:-0}" = 1 ]; then
  log="$build_dir/setup-build.log"
  echo "setup: building ${MODELC_BUILD_TARGETS:-everything} (compiler output: $log)"
  if ! cmake --build "$build_dir" -j "$(nproc)" "${targets[@]}" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "setup: the build failed; the whole compiler output is in $log" >&2
    exit 1
  fi
else
  cmake --build "$build_dir" -j "$(nproc)" "${targets[@]}"
fi
