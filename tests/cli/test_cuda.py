#!/usr/bin/env python3
"""The CUDA backend from the command line, on a machine without a GPU (docs/cuda.md).

  * `modelc compile --backend cuda` writes kernels.cu + model.cpp, builds the host module, checks the
    device program with NVRTC (--cuda-arch, default sm_80) and is served from the build cache the
    second time; cold and cached wall times are printed (the issue's targets: 2 s and 0.2 s);
  * `modelc run --backend cuda` with no usable GPU exits 1 with one line saying what was found: no
    driver, a driver too old, no device, an architecture NVRTC does not compile for (the last three
    with tests/cli/fake_libcuda.c standing in for libcuda.so.1 through MODELC_CUDA_DRIVER);
  * `modelc devices` has a CUDA section.

Every case is skipped (exit 77) when this modelc has no cuda backend. Usage is that of test_cli.py.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_cli as base  # noqa: E402
from test_cli import Skip, check  # noqa: E402

HERE = Path(__file__).resolve().parent
CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def need_cuda(env):
    r = env.modelc("backends")
    if not re.search(r"^\s+cuda\s", r.out, re.M):
        raise Skip("this modelc was built without the cuda backend (no CUDA toolkit headers)")


def has_gpu(env):
    return re.search(r"^CUDA: driver .*, [1-9]\d* device", env.modelc("devices").out, re.M) is not None


def fake_driver(env):
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        raise Skip("no C compiler for the fake libcuda")
    out = env.tmp / "libcuda_fake.so"
    subprocess.run([cc, "-shared", "-fPIC", "-O1", "-o", str(out), str(HERE / "fake_libcuda.c")], check=True)
    return out


def expect_one_line_failure(env, r, phrase):
    check(r.rc == 1, "modelc run --backend cuda did not exit 1", r)
    lines = [l for l in r.err.splitlines() if l.strip()]
    check(len(lines) == 1, "expected one line on stderr, got %d" % len(lines), r)
    check(lines[0].startswith("modelc: error: ") and "CUDA" in lines[0], "not a modelc error about CUDA", r)
    check(phrase in lines[0], "the error does not say %r" % phrase, r)
    check("CUDA_ERROR" not in lines[0] or "FAKE" in lines[0], "a CUDA error code dump instead of a reason", r)


@case
def cuda_compile_without_gpu(env):
    need_cuda(env)
    out = env.tmp / "out"
    r = env.modelc("compile", base.example("cuba.json"), "--backend", "cuda", "-o", out)
    check(r.rc == 0, "modelc compile --backend cuda failed", r)
    check(not r.out.endswith(", from the build cache)\n"), "cold cache reported as a cache hit", r)
    for f in ("kernels.cu", "model.cpp", "model.so"):
        check((out / f).is_file(), "compile wrote no %s: %s" % (f, sorted(p.name for p in out.iterdir())), r)
    check('extern "C" __global__ void' in (out / "kernels.cu").read_text(), "kernels.cu is not CUDA")
    cubins = list(env.cache.rglob("cuda-*.cubin"))
    check(len(cubins) >= 1, "no CUBIN in the build cache %s" % env.cache, r)
    check(cubins[0].read_bytes()[:4] == b"\x7fELF", "the CUBIN is not an ELF file")
    cold = r.seconds
    r2 = env.modelc("compile", base.example("cuba.json"), "--backend", "cuda", "-o", env.tmp / "out2")
    check(r2.rc == 0 and r2.out.endswith(", from the build cache)\n"), "second compile not from the cache", r2)
    # Another architecture is another build (the arch and NVRTC version are in the cache key).
    r3 = env.modelc("compile", base.example("cuba.json"), "--backend", "cuda", "--cuda-arch", "sm_90", "-o",
                    env.tmp / "out3")
    check(r3.rc == 0 and not r3.out.endswith(", from the build cache)\n"), "sm_90 build came from the sm_80 one", r3)
    r4 = env.modelc("compile", base.example("cuba.json"), "--backend", "cuda", "--cuda-arch", "sm_50", "-o",
                    env.tmp / "out4")
    check(r4.rc == 1 and "--cuda-arch sm_50 is not supported" in r4.err, "a bad --cuda-arch is not refused", r4)
    print("  cuba --backend cuda: cold build %.2f s, cached build %.2f s (wall, whole CLI)" % (cold, r2.seconds))


@case
def cuda_run_without_gpu(env):
    need_cuda(env)
    if has_gpu(env):
        raise Skip("a CUDA device is present: the no-GPU path is not what runs here")
    env.env["MODELC_CUDA_DRIVER"] = str(env.tmp / "no-such-libcuda.so.1")
    r = env.modelc("run", base.example("lif.json"), "--backend", "cuda", "-o", env.tmp / "res")
    expect_one_line_failure(env, r, "no CUDA driver")
    check(not (env.tmp / "res" / "summary.json").exists(), "results written by a run that did not happen", r)
    del env.env["MODELC_CUDA_DRIVER"]
    # This machine's own answer, whatever it lacks.
    r = env.modelc("run", base.example("lif.json"), "--backend", "cuda", "-o", env.tmp / "res2")
    expect_one_line_failure(env, r, "CUDA")


@case
def cuda_run_with_unusable_drivers(env):
    need_cuda(env)
    env.env["MODELC_CUDA_DRIVER"] = str(fake_driver(env))
    for mode, phrase in (("old", "CUDA 12.4) is too old"), ("nodevice", "but no CUDA device"),
                         ("oldarch", "compute capability 5.2 (sm_52), which NVRTC")):
        env.env["FAKE_CUDA_MODE"] = mode
        r = env.modelc("run", base.example("lif.json"), "--backend", "cuda", "-o", env.tmp / ("res-" + mode))
        expect_one_line_failure(env, r, phrase)
    env.env["FAKE_CUDA_MODE"] = "oldarch"
    r = env.modelc("devices")
    check(r.rc == 0 and "[0] Fake Maxwell" in r.out and "compute capability 5.2 (sm_52, not supported" in r.out,
          "modelc devices does not list the fake device", r)


@case
def cuda_devices_section(env):
    need_cuda(env)
    r = env.modelc("devices")
    check(r.rc == 0, "modelc devices failed", r)
    lines = [l for l in r.out.splitlines() if l.startswith("CUDA: ")]
    check(len(lines) == 1, "no CUDA section in modelc devices", r)
    check("device compiler: NVRTC" in r.out or "NVRTC not found" in r.out, "the CUDA section names no NVRTC", r)


def main():
    return base.run_main(CASES, __doc__)


if __name__ == "__main__":
    sys.exit(main())
