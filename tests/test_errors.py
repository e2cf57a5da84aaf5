"""Every error a user can cause (docs/errors.md): the exception type and the key words
of its message from the Python API, and the one-line message and exit code from the
command line (`python -m mcusim.cli ...`), never a traceback."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mcusim import errors
from mcusim.cores import get_core
from mcusim.machine import run_elf
from mcusim.modelgen import TensorSpec, single_op_model
from mcusim.runner import run_model
from mcusim.toolchain import build

REPO = Path(__file__).resolve().parent.parent
SINE = REPO / "models" / "sine_int8.tflite"            # input int8 1x1
KWS = REPO / "models" / "kws_dscnn_int8.tflite"
HYBRID = REPO.parent / "shared" / "models" / "mlperf_tiny" / "kws_ref_model_float32.tflite"
PROGRAMS = Path(__file__).parent / "programs"


def cli(*args):
    proc = subprocess.run([sys.executable, "-m", "mcusim.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=600)
    lines = proc.stderr.strip().splitlines()
    assert "Traceback" not in proc.stderr, proc.stderr
    assert len(lines) == 1 and lines[0].startswith("mcusim: error: "), proc.stderr
    return proc.returncode, lines[0]


def _has(text, w):
    return w.search(text) if isinstance(w, re.Pattern) else w in text


def check(exc_type, words, code, api, cli_args):
    """api() raises exc_type with every one of `words` (strings, or compiled patterns)
    in its message; the CLI prints them on one line and exits with `code` (the class's
    documented exit code)."""
    with pytest.raises(exc_type) as info:
        api()
    for w in words:
        assert _has(str(info.value), w), (w, str(info.value))
    assert exc_type.exit_code == code
    rc, line = cli(*cli_args)
    assert rc == code, line
    for w in words:
        assert _has(line, w), (w, line)


def model_file(tmp_path, name, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ------------------------------------------------------------------ the model file


def test_file_missing(tmp_path):
    missing = tmp_path / "nope.tflite"
    check(errors.UsageError, ["no such model file", "nope.tflite"], 2,
          lambda: run_model(missing), ["run", missing])


def test_not_a_flatbuffer(tmp_path):
    path = model_file(tmp_path, "text.tflite", b"hello, this is a text file and not a model\n")
    check(errors.ModelError, ["not a .tflite model", "no TFL3 file identifier"], 2,
          lambda: run_model(path), ["run", path])


def test_too_short(tmp_path):
    path = model_file(tmp_path, "short.tflite", b"TFL")
    check(errors.ModelError, ["not a .tflite model", "3 bytes"], 2, lambda: run_model(path), ["run", path])


def test_wrong_file_identifier(tmp_path):
    data = bytearray(SINE.read_bytes())
    data[4:8] = b"TFL2"
    path = model_file(tmp_path, "tfl2.tflite", bytes(data))
    check(errors.ModelError, ["not a .tflite model", "file identifier is 'TFL2'"], 2,
          lambda: run_model(path), ["run", path])


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_truncated(tmp_path, keep):
    data = SINE.read_bytes()
    path = model_file(tmp_path, "cut.tflite", data[:int(len(data) * keep)])
    check(errors.ModelError, ["corrupt", "truncated"], 2, lambda: run_model(path), ["run", path])


# ------------------------------------------------------------------ what mcusim does not implement


@pytest.mark.parametrize("op, code", [("FLOOR", 8), ("LSTM", 16)])
def test_unsupported_operator(tmp_path, op, code):
    path = model_file(tmp_path, f"{op}.tflite",
                      single_op_model(op, [TensorSpec((1, 4), np.float32)], [TensorSpec((1, 4), np.float32)]))
    check(errors.ModelError, [f"unsupported operator {op} (builtin {code})", "does not implement this operator"],
          2, lambda: run_model(path), ["run", path])


def test_unsupported_operator_version(tmp_path):
    path = model_file(tmp_path, "relu99.tflite",
                      single_op_model("RELU", [TensorSpec((1, 4), np.float32)], [TensorSpec((1, 4), np.float32)],
                                      version=99))
    check(errors.ModelError, ["operator RELU version 99 is not supported"], 2,
          lambda: run_model(path), ["run", path])


def test_unsupported_tensor_type_is_named(tmp_path):
    """A FLOAT16 constant inside the graph (the firmware names the type and tensor)."""
    model = single_op_model("ADD", [TensorSpec((1, 4), np.float32),
                                    TensorSpec(None, np.float16, data=np.ones((1, 4), np.float16))],
                            [TensorSpec((1, 4), np.float32)])
    path = model_file(tmp_path, "f16.tflite", model)
    check(errors.ModelError, ["unsupported tensor type FLOAT16", "tensor 1"], 2,
          lambda: run_model(path), ["run", path])


def test_unsupported_input_type_is_named(tmp_path):
    model = single_op_model("RELU", [TensorSpec((1, 4), np.float16)], [TensorSpec((1, 4), np.float16)])
    path = model_file(tmp_path, "f16in.tflite", model)
    check(errors.ModelError, ["type FLOAT16", "does not support"], 2, lambda: run_model(path), ["run", path])


def test_unsupported_type_combination_is_named(tmp_path):
    q = {"scale": 0.1, "zero_point": 0}
    model = single_op_model("CONV_2D", [TensorSpec((1, 4, 4, 1), np.int16, **q),
                                        TensorSpec(None, np.int8, data=np.ones((1, 1, 1, 1), np.int8), **q)],
                            [TensorSpec((1, 4, 4, 1), np.int16, **q)], {"padding": "SAME"})
    path = model_file(tmp_path, "conv16.tflite", model)
    check(errors.ModelError, ["CONV_2D (operator 0)", "int16 activations are not supported"], 2,
          lambda: run_model(path), ["run", path])


@pytest.mark.skipif(not HYBRID.exists(), reason="../shared/models is not beside the repo")
def test_hybrid_model():
    check(errors.ModelError, ["hybrid models are not supported", "CONV_2D", "float32 input and int8 weights"], 2,
          lambda: run_model(HYBRID), ["run", HYBRID])


# ------------------------------------------------------------------ inputs


def test_input_of_wrong_dtype(tmp_path):
    x = np.zeros((1, 1), np.float32)
    np.save(tmp_path / "x.npy", x)
    check(errors.InputError, ["input 0", "must be int8 1x1, got float32 1x1"], 2,
          lambda: run_model(SINE, inputs=[x]), ["run", SINE, "--input", tmp_path / "x.npy"])


def test_input_of_wrong_shape(tmp_path):
    x = np.zeros((1, 2), np.int8)
    np.save(tmp_path / "x.npy", x)
    check(errors.InputError, ["input 0", "must have shape 1x1, got 1x2"], 2,
          lambda: run_model(SINE, inputs=[x]), ["run", SINE, "--input", tmp_path / "x.npy"])


def test_input_count(tmp_path):
    x = np.zeros((1, 1), np.int8)
    np.save(tmp_path / "x.npy", x)
    check(errors.InputError, ["the model has 1 input(s), 2 given"], 2,
          lambda: run_model(SINE, inputs=[x, x]),
          ["run", SINE, "--input", tmp_path / "x.npy", "--input", tmp_path / "x.npy"])


def test_input_not_a_npy_file(tmp_path):
    (tmp_path / "x.npy").write_text("not numpy")
    rc, line = cli("run", SINE, "--input", tmp_path / "x.npy")
    assert rc == 2 and "is not a .npy array file" in line
    rc, line = cli("run", SINE, "--input", tmp_path / "missing.npy")
    assert rc == 2 and "no such input file" in line


# ------------------------------------------------------------------ does not fit


def test_model_and_image_do_not_fit_flash():
    check(errors.DoesNotFitError, [re.compile(r"needs \d+(\.\d)? KiB flash"), "cortex-m4 has 64 KiB", "--flash"], 2,
          lambda: run_model(KWS, flash="64KiB"), ["run", KWS, "--flash", "64KiB"])


def test_arena_does_not_fit():
    check(errors.DoesNotFitError, [re.compile(r"arena too small: needs (at least )?\d+ bytes, has \d+ "),
                                   "cortex-m4 with 14 KiB SRAM",
                                   "8 KiB kept for the stack", "--sram"], 2,
          lambda: run_model(KWS, sram="14KiB"), ["run", KWS, "--sram", "14KiB"])


def test_stack_reserve_larger_than_sram():
    check(errors.DoesNotFitError, ["the 1 MiB stack reserve and", "of static data do not fit in",
                                   "cortex-m4's 256 KiB SRAM"], 2,
          lambda: run_model(SINE, stack_reserve="1MiB"), ["run", SINE, "--stack-reserve", "1MiB"])


def test_input_larger_than_sram(tmp_path):
    model = single_op_model("RELU", [TensorSpec((1, 128, 1024), np.float32)],
                            [TensorSpec((1, 128, 1024), np.float32)])
    path = model_file(tmp_path, "big.tflite", model)
    check(errors.DoesNotFitError, ["input 0", "alone needs 512 KiB", "more than the 256 KiB SRAM"], 2,
          lambda: run_model(path), ["run", path])


# ------------------------------------------------------------------ the firmware at run time


def test_stack_overflow_reports_the_high_water_mark():
    """A tiny stack reserve: the machine's stack paint shows the reserve used up, and a
    second run with a larger reserve measures the real high-water mark."""
    peak = run_model(SINE).memory.stack_peak
    words = ["stack overflow", "stack reserve is 128 B", f"reached {peak} B (its high-water mark",
             "raise stack_reserve"]
    check(errors.FirmwareFault, words, 3, lambda: run_model(SINE, stack_reserve=128),
          ["run", SINE, "--stack-reserve", "128B"])


def test_hard_fault_names_pc_function_and_registers():
    core = get_core("cortex-m4")
    elf = build(core, [PROGRAMS / "bad_store.c"], name="bad_store").elf
    words = ["firmware fault on cortex-m4", "write to unmapped address", "0x30000010", "at pc 0x",
             "in poke_bad_address+0x", "registers r0=0x00001234", "sp=0x", "lr=0x"]
    check(errors.FirmwareFault, words, 3, lambda: run_elf(elf, core), ["elf", elf])


def test_runaway_firmware_hits_the_instruction_limit():
    core = get_core("cortex-m4")
    elf = build(core, [PROGRAMS / "runaway.c"], name="runaway").elf
    words = ["stopped after 100,0", "instructions (the limit)", "in main", "runaway firmware",
             "--max-instructions"]
    check(errors.LimitReached, words, 3, lambda: run_elf(elf, core, max_instructions=100_000),
          ["elf", elf, "--max-instructions", 100_000])


def test_model_run_hits_the_instruction_limit():
    check(errors.LimitReached, ["stopped after 10,0", "(the limit)", "raise --max-instructions"], 3,
          lambda: run_model(SINE, max_instructions=10_000), ["run", SINE, "--max-instructions", 10_000])


# ------------------------------------------------------------------ options


def test_unknown_core_suggests_closest_names():
    check(errors.UsageError, ["unknown core 'cortex-m5'", "did you mean", "cortex-m4"], 2,
          lambda: run_model(SINE, "cortex-m5"), ["run", SINE, "--core", "cortex-m5"])


@pytest.mark.parametrize("opt, value", [("sram", "64KB?"), ("flash", "lots"), ("stack_reserve", "8 KiBs")])
def test_bad_size_string(opt, value):
    check(errors.UsageError, [f"bad size '{value}'", "write it like '256KiB'"], 2,
          lambda: run_model(SINE, **{opt: value}), ["run", SINE, f"--{opt.replace('_', '-')}", value])


def test_bad_clock_string():
    check(errors.UsageError, ["bad clock 'fast'", "80MHz"], 2,
          lambda: run_model(SINE, clock="fast"), ["run", SINE, "--clock", "fast"])
