#!/usr/bin/env python3
"""The CUDA backend from the command line, on a machine without a GPU (docs/cuda.md).

  * `modelc compile --backend cuda` writes kernels.cu + model.cpp, builds the host module, checks the
    device program with NVRTC (--cuda-arch, default sm_80) and is served from the build cache the
    second time; cold and cached wall times are printed (the issue's targets: 2 s and 0.2 s);
  * `modelc run --backend cuda` with no usable GPU exits 1 with one line saying what was found: no
    driver, a driver too old, no device, an architecture NVRTC does not compile for (the last three
    with tests/cli/fake_libcuda.c standing in for libcuda.so.1 through MODELC_CUDA_DRIVER);
  * `modelc devices` has a CUDA section;
  * `modelc compile --backend cuda --report` prints a row for every kernel of kernels.cu with
    plausible registers, spills, memory, block size and occupancy, also from the build cache, for
    --cuda-arch sm_75 / sm_80 / sm_90 and, without an occupancy table, sm_120;
  * the nvcc check path: every example's device program compiled by nvcc for sm_75, sm_80 and sm_90
    (CUDA 13 compiles for nothing older), with the same kernels as NVRTC's and no spills at sm_80.

Every case is skipped (exit 77) when this modelc has no cuda backend. Usage is that of test_cli.py.
"""

import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import time
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


# One row of the --report table: kernel, regs, spill stores/loads, stack, smem, dsmem, cmem, max
# threads, block, blocks/SM, occupancy, what.
REPORT_ROW = re.compile(r"^  (\w+)\s+(\d+)\s+(\d+)/(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+|-)\s+(\d+)"
                        r"\s+(\d+|-)\s+(\d+%|-)\s+(.+)$")
KERNEL_DEF = re.compile(r"__global__ void (\w+)\(")


def report_rows(r):
    """{kernel: row} of the table `modelc compile --report` printed."""
    rows = {}
    heading = [l for l in r.out.splitlines() if l.startswith("device code: ")]
    check(len(heading) == 1, "no 'device code:' heading in the --report output", r)
    for line in r.out.splitlines():
        m = REPORT_ROW.match(line)
        if m:
            g = m.groups()
            rows[g[0]] = dict(regs=int(g[1]), spill_st=int(g[2]), spill_ld=int(g[3]), stack=int(g[4]),
                              smem=int(g[5]), dsmem=int(g[6]), cmem=int(g[7]), maxthr=g[8], block=int(g[9]),
                              blocks=g[10], occupancy=g[11], what=g[12])
    return heading[0], rows


def check_report(r, kernels_cu, arch, with_table=True):
    heading, rows = report_rows(r)
    check(heading.startswith("device code: %s, NVRTC " % arch), "the heading does not name %s and NVRTC" % arch, r)
    kernels = KERNEL_DEF.findall(kernels_cu.read_text())
    check(kernels and sorted(rows) == sorted(kernels),
          "the report's kernels %s are not kernels.cu's %s" % (sorted(rows), sorted(kernels)), r)
    for name, row in rows.items():
        where = "%s at %s: %s" % (name, arch, row)
        check(1 <= row["regs"] <= 255, "implausible register count, " + where, r)
        check(row["cmem"] > 0, "no constant memory (the parameters are in bank 0), " + where, r)
        check(row["smem"] + row["dsmem"] <= 48 * 1024, "more shared memory than a block may have, " + where, r)
        check(0 < row["block"] <= 256, "block size outside the host module's caps, " + where, r)
        if with_table:
            maxthr, blocks = int(row["maxthr"]), int(row["blocks"])
            occupancy = int(row["occupancy"].rstrip("%"))
            check(row["block"] % 32 == 0 and row["block"] <= maxthr <= 1024, "block size vs max threads, " + where, r)
            check(0 < occupancy <= 100 and blocks > 0, "implausible occupancy, " + where, r)
            # Warps per SM: 64 on sm_80 and sm_90, 32 on sm_75.
            max_warps = 32 if arch == "sm_75" else 64
            check(abs(occupancy - 100.0 * blocks * row["block"] / 32 / max_warps) <= 0.5 + 1e-9,
                  "occupancy is not blocks x warps / %d, %s" % (max_warps, where), r)
        else:
            check(row["maxthr"] == "-" and row["occupancy"] == "-", "occupancy without a table, " + where, r)
    return rows


@case
def cuda_compile_report(env):
    need_cuda(env)
    for model in ("cuba.json", "brunel_hakim_hetero.json"):
        out = env.tmp / ("out-" + model)
        r = env.modelc("compile", base.example(model), "--backend", "cuda", "--report", "-o", out)
        check(r.rc == 0, "modelc compile --report failed", r)
        rows = check_report(r, out / "kernels.cu", "sm_80")
        check(all(row["spill_st"] == 0 and row["spill_ld"] == 0 for row in rows.values()),
              "a kernel spills at sm_80", r)
        events = [row for row in rows.values() if row["what"].startswith("kernel") and row["block"] == 64]
        check(events, "no synaptic event kernel with its 64-thread blocks", r)
        # From the build cache (host module and CUBIN cached; ptxas's lines kept beside the CUBIN).
        r2 = env.modelc("compile", base.example(model), "--backend", "cuda", "--report", "-o", out)
        check(r2.rc == 0 and "from the build cache" in r2.out, "the second compile was not cached", r2)
        check(report_rows(r2)[1] == rows, "the cached build reports other numbers", r2)
    for arch in ("sm_75", "sm_90"):
        out = env.tmp / ("out-" + arch)
        r = env.modelc("compile", base.example("cuba.json"), "--backend", "cuda", "--cuda-arch", arch, "--report", "-o", out)
        check(r.rc == 0, "modelc compile --report --cuda-arch %s failed" % arch, r)
        check_report(r, out / "kernels.cu", arch)
    out = env.tmp / "out-sm_120"
    r = env.modelc("compile", base.example("cuba.json"), "--backend", "cuda", "--cuda-arch", "sm_120", "--report", "-o", out)
    check(r.rc == 0, "modelc compile --report --cuda-arch sm_120 failed", r)
    check_report(r, out / "kernels.cu", "sm_120", with_table=False)
    check("note: no occupancy table for sm_120" in r.out, "no note on the missing occupancy table", r)
    r = env.modelc("compile", base.example("cuba.json"), "--report", "-o", env.tmp / "out-cpu")
    check(r.rc == 1 and "--report: the cpu backend compiles no device code" in r.err, "--report on cpu not refused", r)


def nvcc_binary():
    for c in (shutil.which("nvcc"), "/usr/local/cuda/bin/nvcc"):
        if c and os.access(c, os.X_OK):
            return c
    return None


# nvcc has no -default-device (NVRTC's option that makes the prelude's plain `static inline`
# helpers device functions): after the system headers, the wrapper makes `inline` mean that.
NVCC_WRAPPER = """#include <stdint.h>
#include <math.h>
#define inline __device__ inline
#include "kernels.cu"
"""
NVCC_ARCHS = ("75", "80", "90")


def nvcc_entries(log):
    """{arch: {kernel: (registers, spill stores, spill loads)}} from nvcc's -Xptxas -v output."""
    out, current, arch = {}, None, None
    for line in log.splitlines():
        m = re.search(r"Compiling entry function '(\w+)' for 'sm_(\d+)'", line)
        if m:
            current, arch = m.group(1), m.group(2)
            out.setdefault(arch, {})[current] = [0, 0, 0]
            continue
        m = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", line)
        if m and current:
            out[arch][current][1:] = [int(m.group(1)), int(m.group(2))]
        m = re.search(r"Used (\d+) registers", line)
        if m and current:
            out[arch][current][0] = int(m.group(1))
            current = None
    return out


@case
def cuda_nvcc_check_examples(env):
    need_cuda(env)
    nvcc = nvcc_binary()
    if not nvcc:
        raise Skip("no nvcc (CUDA toolkit) on this machine")
    examples = sorted((base.ROOT / "examples").glob("*.json"))
    check(len(examples) >= 3, "no examples")

    def one(path):
        out = env.tmp / path.stem
        t0 = time.monotonic()
        r = env.modelc("compile", path, "--backend", "cuda", "--report", "-o", out)
        check(r.rc == 0, "modelc compile --backend cuda %s failed" % path.name, r)
        _, rows = report_rows(r)
        t1 = time.monotonic()
        (out / "nvcc_check.cu").write_text(NVCC_WRAPPER)
        cmd = [nvcc, "-fatbin", "--fmad=false", "-std=c++17", "-w", "-Xptxas", "-v", "-o", str(out / "kernels.fatbin")]
        for a in NVCC_ARCHS:
            cmd += ["-gencode", "arch=compute_%s,code=sm_%s" % (a, a)]
        p = subprocess.run(cmd + [str(out / "nvcc_check.cu")], capture_output=True, text=True, cwd=out, timeout=240)
        check(p.returncode == 0, "nvcc rejected the device program of %s:\n%s" % (path.name, p.stderr[-4000:]))
        entries = nvcc_entries(p.stdout + p.stderr)
        for a in NVCC_ARCHS:
            got = entries.get(a, {})
            check(sorted(got) == sorted(rows), "%s: nvcc's kernels for sm_%s %s are not NVRTC's %s"
                  % (path.name, a, sorted(got), sorted(rows)))
        spills = ["%s %s (%d registers, %d/%d bytes)" % (path.name, k, *v) for k, v in entries["80"].items() if v[1] or v[2]]
        check(not spills, "kernels spill at sm_80 with nvcc: %s" % ", ".join(spills))
        differ = sum(1 for k, v in entries["80"].items() if v[0] != rows[k]["regs"])
        return path.name, len(rows), t1 - t0, time.monotonic() - t1, differ

    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(one, examples))
    for name, n, compile_s, nvcc_s, differ in results:
        print("  %-26s %2d kernels: modelc compile (NVRTC sm_80 + host module) %.2f s, nvcc sm_75/80/90 %.2f s%s"
              % (name, n, compile_s, nvcc_s, ", %d kernels with other register counts than NVRTC's" % differ if differ else ""))
    print("  %d examples in %.1f s (2 at a time)" % (len(results), time.monotonic() - t0))


def main():
    return base.run_main(CASES, __doc__)


if __name__ == "__main__":
    sys.exit(main())
