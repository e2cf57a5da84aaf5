#!/usr/bin/env bash
# run_fuzz.sh - build the libFuzzer target fuzz/fuzz_model.c (the firmware's model
# reader, every op's prepare, the planner and one invoke, natively with ASan + UBSan)
# and fuzz it for a fixed time, seeded with the real and synthetic models.
#
#   fuzz/run_fuzz.sh [SECONDS] [--if-available]     (default 60 s; env FUZZ_JOBS=N workers)
#
# FUZZ_KERNELS (default "reference optimized"): the kernel sets to build a fuzzer for;
# the time is shared between them. (optimized = kernels/optimized/ with kernels/reference/
# for the files it lacks, as the firmware is built; on the host the DSP intrinsics take
# their portable C form.)
#
# Needs clang with libFuzzer (Debian/Ubuntu: `apt-get install clang`; macOS: Homebrew
# `llvm`). mcusim itself never needs clang: this is a developer and CI-optional tool.
# With --if-available a missing clang is reported and the script exits 0.
#
# Layout (everything but the sources is ignored by git):
#   fuzz/build/       the fuzzer binaries (fuzz_model-<kernels>)
#   fuzz/corpus/      the working corpora (small/, large/); they grow from run to run
#   fuzz/seeds/       seed models: ../shared/models/**, models/*.tflite, one small model
#                     per operator from mcusim.modelgen and fuzz/regressions/*.tflite
#                     (regenerated each run)
#   fuzz/artifacts/   crash-*, timeout-*, oom-* inputs libFuzzer saved
# A finding: reproduce with `fuzz/build/fuzz_model-<kernels> fuzz/artifacts/crash-...`, fix
# it, then keep the (minimized: `-minimize_crash=1 -runs=10000`) input as
# fuzz/regressions/<name>.tflite; tests/test_fuzz_regressions.py replays every file
# there through the sanitized host build and the simulator.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
seconds=60
optional=0
for a in "$@"; do
  case "$a" in
    --if-available) optional=1 ;;
    ''|*[!0-9]*) echo "usage: $0 [SECONDS] [--if-available]" >&2; exit 2 ;;
    *) seconds="$a" ;;
  esac
done
CC="${FUZZ_CC:-clang}"
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "run_fuzz.sh: $CC not found: install clang with libFuzzer (Debian/Ubuntu: apt-get install clang)" >&2
  [ "$optional" = 1 ] && { echo "run_fuzz.sh: skipped (--if-available)"; exit 0; }
  exit 2
fi
k="$repo/kernels"
mkdir -p "$here/build" "$here/corpus" "$here/seeds" "$here/artifacts"
kernel_sets="${FUZZ_KERNELS:-reference optimized}"
echo "building with $("$CC" --version | head -1)"
for ks in $kernel_sets; do
  [ -d "$k/$ks" ] || { echo "run_fuzz.sh: no kernel set kernels/$ks" >&2; exit 2; }
  srcs=()
  for f in "$k"/reference/*.c; do
    if [ -f "$k/$ks/$(basename "$f")" ]; then srcs+=("$k/$ks/$(basename "$f")"); else srcs+=("$f"); fi
  done
  # -O1 -g: the usual libFuzzer build; recoverable UBSan checks so that the suppression
  # below can apply (halt_on_error still stops at the first report)
  "$CC" -std=c99 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
    -DMCU_HOST -I"$k/include" -I"$k/runtime" \
    "$here/fuzz_model.c" "$k"/runtime/*.c "$k"/ops/*.c "${srcs[@]}" "$k/host/host_platform.c" \
    -lm -o "$here/build/fuzz_model-$ks"
done

# Seeds: real models (when ../shared/models is beside the repo), the synthetic ones,
# and one small model per operator and type. Two phases share the time budget:
#  small: seeds up to 16 KiB (per-operator models, sine, hello_world, ...), inputs up to
#         16 KiB: thousands of executions a second, most of them in the op glue;
#  large: every seed up to 128 KiB (real networks): the reader and planner at scale,
#         a few hundred executions a second. (Bigger models would cost too much each.)
rm -rf "$here/seeds"
mkdir -p "$here/seeds/small" "$here/seeds/large" "$here/corpus/small" "$here/corpus/large"
for m in "$repo"/../shared/models/*/*.tflite "$repo"/models/*.tflite; do
  [ -f "$m" ] || continue
  n=$(wc -c <"$m")
  if [ "$n" -le 16384 ]; then cp "$m" "$here/seeds/small/"; fi
  if [ "$n" -le 131072 ]; then cp "$m" "$here/seeds/large/"; fi
done
python3 - "$here/seeds/small" <<'PY' || echo "run_fuzz.sh: mcusim not importable: no per-operator seeds"
import sys, pathlib, numpy as np
from mcusim.modelgen import EXAMPLE_OPS, op_example
out = pathlib.Path(sys.argv[1])
for op in EXAMPLE_OPS:
    for dt in (np.int8, np.float32):
        try:
            out.joinpath(f"op_{op.lower()}_{np.dtype(dt).name}.tflite").write_bytes(op_example(op, dt, seed=1).model)
        except Exception as exc:  # an op/type pair modelgen does not build
            print(f"no seed for {op} {np.dtype(dt).name}: {exc}", file=sys.stderr)
PY
cp "$here"/regressions/*.tflite "$here/seeds/small/" 2>/dev/null || true
echo "seeds: $(ls "$here/seeds/small" | wc -l) small, $(ls "$here/seeds/large" | wc -l) large"

# Damaged weights can make a kernel's int32 accumulator wrap, as on the target and in
# the reference interpreter: that one check is suppressed in the kernels only. Every
# other report, and any in the runtime or the glue, is a finding.
supp="$here/build/ubsan.supp"
printf 'signed-integer-overflow:*/kernels/reference/*\nsigned-integer-overflow:*/kernels/optimized/*\n' >"$supp"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$supp"
status=0
# fork mode: the campaign goes on after a finding (each one lands in fuzz/artifacts/),
# and it runs FUZZ_JOBS worker processes (default 1)
jobs="${FUZZ_JOBS:-1}"
par=(-fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
set -- $kernel_sets
small_s=$((seconds * 7 / 10 / $#))
large_s=$(((seconds - seconds * 7 / 10) / $#))
run() { # kernels phase max_len seconds
  echo "== $1 kernels, phase $2: $4 s, inputs up to $3 bytes; corpus $(ls "$here/corpus/$2" | wc -l) inputs"
  "$here/build/fuzz_model-$1" "${par[@]}" -max_total_time="$4" -timeout=10 -rss_limit_mb=2048 -max_len="$3" \
    -print_final_stats=1 -artifact_prefix="$here/artifacts/" "$here/corpus/$2" "$here/seeds/$2" \
    || status=$?
}
for ks in $kernel_sets; do [ "$small_s" -gt 0 ] && run "$ks" small 16384 "$small_s"; done
for ks in $kernel_sets; do [ "$large_s" -gt 0 ] && run "$ks" large 131072 "$large_s"; done
n=$(ls "$here/artifacts" | wc -l)
echo "run_fuzz.sh: done (exit $status); $n artifact(s) in fuzz/artifacts"
[ "$status" -eq 0 ] && [ "$n" -eq 0 ]
