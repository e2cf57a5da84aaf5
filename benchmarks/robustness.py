"""Many runs in one process, and several processes at once: memory and time stay flat.

Prints figures; never fails on a number (tests/test_robustness.py has a light,
asserting version of each part).

    python benchmarks/robustness.py [--calls 200] [--runs 1000] [--procs 4] [--model models/sine_int8.tflite]

1. In-firmware repetition: one run_model(model, runs=N): N inferences in one machine
   (the firmware re-copies the inputs and invokes N times); wall time per inference.
2. Python-level repetition: --calls sequential run_model() calls in this process (a new
   machine each: Unicorn engine, hooks, cost model state). Resident set size from
   /proc/self/statm after a warm-up call, every 10 % of the calls, and at the end; wall
   time per call over the first and the last tenth. A leak shows as RSS that keeps
   growing, a slowdown as a last tenth slower than the first.
3. Parallel processes: --procs fresh Python processes, each building the same firmware
   image into one fresh, empty MCUSIM_CACHE at once and running the model; all must
   succeed (the image cache and the cost model's caches publish with an atomic rename).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mcusim.runner import run_model  # noqa: E402


def rss_mib() -> float:
    """Resident set size of this process, from /proc/self/statm (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def many_calls(data: bytes, calls: int) -> dict:
    run_model(data)                            # warm-up: imports, image and decode caches
    base = rss_mib()
    times, marks = [], []
    for i in range(calls):
        t = time.perf_counter()
        run_model(data)
        times.append(time.perf_counter() - t)
        if (i + 1) % max(calls // 10, 1) == 0:
            marks.append((i + 1, rss_mib()))
    tenth = max(calls // 10, 1)
    return {"rss_base": base, "marks": marks, "rss_end": rss_mib(),
            "first": sum(times[:tenth]) / tenth, "last": sum(times[-tenth:]) / tenth}


PARALLEL_CHILD = r"""
import sys
from mcusim import firmware
from mcusim.cores import get_core
from mcusim.runner import run_model
build = firmware.build_firmware(get_core("cortex-m4"))
result = run_model(sys.argv[1], "cortex-m4")
print(build.elf, build.cached, result.cycles.total)
"""


def parallel(model: Path, procs: int, cache: Path | None = None) -> list:
    """Start `procs` processes at once on one fresh MCUSIM_CACHE; [(returncode, stdout,
    stderr, seconds)] per process."""
    with tempfile.TemporaryDirectory(prefix="mcusim-cache-") as tmp:
        env = dict(os.environ, MCUSIM_CACHE=str(cache or tmp))
        t = time.perf_counter()
        children = [subprocess.Popen([sys.executable, "-c", PARALLEL_CHILD, str(model)], env=env, cwd=REPO,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                    for _ in range(procs)]
        out = []
        for c in children:
            stdout, stderr = c.communicate(timeout=900)
            out.append((c.returncode, stdout.strip(), stderr.strip(), time.perf_counter() - t))
        return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(REPO / "models" / "sine_int8.tflite"))
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--procs", type=int, default=4)
    args = ap.parse_args()
    model = Path(args.model)
    data = model.read_bytes()
    print(f"model {model.name} ({len(data)} bytes) on cortex-m4; python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs")

    run_model(data)                            # warm-up: image build, decode caches
    t = time.perf_counter()
    one = run_model(data)
    t1 = time.perf_counter() - t
    t = time.perf_counter()
    many = run_model(data, runs=args.runs)
    tn = time.perf_counter() - t
    print(f"\n1. in-firmware: runs=1 {t1:.2f} s, runs={args.runs} {tn:.2f} s -> "
          f"{(tn - t1) / (args.runs - 1) * 1e3:.2f} ms per extra inference "
          f"({(many.cycles.total - one.cycles.total) / (args.runs - 1):,.0f} simulated cycles each)")

    r = many_calls(data, args.calls)
    print(f"\n2. {args.calls} run_model() calls in one process: RSS after warm-up {r['rss_base']:.1f} MiB")
    for i, m in r["marks"]:
        print(f"   after {i:5d} calls: {m:7.1f} MiB ({m - r['rss_base']:+.1f})")
    first_mark, first_rss = r["marks"][0]
    steady = r["rss_end"] - first_rss
    print(f"   growth {r['rss_end'] - r['rss_base']:+.1f} MiB in all; after the first {first_mark} calls "
          f"{steady:+.1f} MiB ({steady * 1024 / max(args.calls - first_mark, 1):+.1f} KiB per call); "
          f"time per call: first tenth {r['first'] * 1e3:.0f} ms, last tenth {r['last'] * 1e3:.0f} ms "
          f"(x{r['last'] / r['first']:.2f})")

    results = parallel(model, args.procs)
    ok = sum(rc == 0 for rc, *_ in results)
    print(f"\n3. {args.procs} processes building the same image into one empty MCUSIM_CACHE at once: "
          f"{ok}/{args.procs} succeeded, the last after {max(s for *_, s in results):.1f} s")
    for rc, stdout, stderr, s in results:
        last = stdout or (stderr.splitlines()[-1] if stderr else "")
        print(f"   exit {rc} after {s:.1f} s: {last}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
