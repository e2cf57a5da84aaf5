"""Third-party firmware: the unmodified TFLM + CMSIS-NN images in ../shared/firmware run
under `mcusim elf` on the core they were built for and print the outputs and arena that
the firmware README records (measured independently of mcusim)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

FIRMWARE = Path(__file__).resolve().parents[2] / "shared" / "firmware"
# file -> (output hex or its start, arena bytes), from tflm_cmsis_nn_m4f/README.md (same for M7 and M33)
EXPECTED = {"kws_ref_model": ("808080808080808080778089", 22820), "vww_96_int8": ("7a86", 100708),
            "pretrainedResnet_quant": ("8080807f808080808080", 54996), "ad01_int8": ("c2f30d2321232a37", 2580)}
BUILDS = {"tflm_cmsis_nn_m4f": "cortex-m4f", "tflm_cmsis_nn_m7": "cortex-m7", "tflm_cmsis_nn_m33": "cortex-m33f"}


def run_cli(elf, core):
    return subprocess.run([sys.executable, "-m", "mcusim.cli", "elf", str(elf), "--core", core, "--flash", "2MiB",
                           "--sram", "640KiB"], capture_output=True, text=True)


@pytest.mark.parametrize("folder, core", BUILDS.items())
@pytest.mark.parametrize("model", ["kws_ref_model", "ad01_int8"])
def test_tflm_image_prints_its_recorded_output(folder, core, model):
    elf = FIRMWARE / folder / f"{model}.elf"
    if not elf.is_file():
        pytest.skip(f"{elf} is not beside the repo")
    proc = run_cli(elf, core)
    assert proc.returncode == 0, proc.stderr
    block = re.search(r"OUTPUT_HEX_BEGIN(.*?)OUTPUT_HEX_END", proc.stdout, re.S).group(1)
    hexout = "".join(block.split())
    expected_hex, arena = EXPECTED[model]
    assert hexout.startswith(expected_hex)
    assert len(hexout) == 2 * (640 if model == "ad01_int8" else len(expected_hex) // 2)
    assert f"ARENA_USED {arena}" in proc.stdout
    cycles = int(re.search(r"INVOKE_CYCLES (\d+)", proc.stdout).group(1))
    assert cycles > 0  # DWT_CYCCNT driven by the cost model


@pytest.mark.parametrize("model", ["vww_96_int8", "pretrainedResnet_quant"])
def test_tflm_large_models_on_m4f(model):
    elf = FIRMWARE / "tflm_cmsis_nn_m4f" / f"{model}.elf"
    if not elf.is_file():
        pytest.skip(f"{elf} is not beside the repo")
    proc = run_cli(elf, "cortex-m4f")
    assert proc.returncode == 0, proc.stderr
    expected_hex, arena = EXPECTED[model]
    assert f"OUTPUT_HEX_BEGIN\n{expected_hex}" in proc.stdout.replace("\r", "")
    assert f"ARENA_USED {arena}" in proc.stdout
