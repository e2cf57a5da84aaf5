"""The cross toolchain: cached builds, the right FPU per core, a clear error without gcc."""

import shutil
from pathlib import Path

import pytest

from mcusim import toolchain
from mcusim.cores import get_core
from mcusim.errors import ToolchainError

PROGRAMS = Path(__file__).parent / "programs"


def test_second_identical_build_is_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("MCUSIM_CACHE", str(tmp_path))
    core = get_core("cortex-m3")
    first = toolchain.build(core, [PROGRAMS / "hello.c"], name="hello")
    second = toolchain.build(core, [PROGRAMS / "hello.c"], name="hello")
    assert not first.cached and second.cached and first.elf == second.elf
    assert second.compiler.startswith("zig ")
    other = toolchain.build(core, [PROGRAMS / "hello.c"], name="hello", opt="-Os")
    assert not other.cached and other.elf != first.elf


def test_fpu_setting_chooses_float_abi():
    flags_f = toolchain.get_compiler("zig").target_flags(get_core("cortex-m4f"))
    flags = toolchain.get_compiler("zig").target_flags(get_core("cortex-m4"))
    assert "thumb-freestanding-eabihf" in flags_f and "-mcpu=cortex_m4+vfp4d16sp" in flags_f
    assert "thumb-freestanding-eabi" in flags and "-mcpu=cortex_m4" in flags
    assert "-mcpu=cortex_m7+fp_armv8d16" in toolchain.get_compiler("zig").target_flags(get_core("cortex-m7"))


def test_compile_error_is_a_toolchain_error(tmp_path):
    bad = tmp_path / "bad.c"
    bad.write_text("int main(void) { return undefined_thing; }\n")
    with pytest.raises(ToolchainError, match="failed building bad for cortex-m4"):
        toolchain.build(get_core("cortex-m4"), [bad], name="bad")


@pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is not None, reason="gcc is installed here")
def test_missing_gcc_says_how_to_install(monkeypatch):
    toolchain.get_compiler.cache_clear()
    with pytest.raises(ToolchainError, match="arm-none-eabi-gcc is not on PATH: install it"):
        toolchain.get_compiler("gcc")
