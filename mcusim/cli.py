"""Command line: a thin layer over the Python API. User errors print one line on
stderr and exit with the error's documented code (docs/errors.md): 2 bad input or
does not fit, 3 firmware fault or limit reached."""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings

from . import __version__
from .cores import get_core, list_cores
from .firmware import DEFAULT_KERNELS, KERNEL_SETS
from .errors import InputError, McusimError
from .report import ops_csv, summary, write_json, write_text
from .units import format_size

PROFILE_TOP = 20   # functions `--profile` prints when no N is given


def _add_memory_options(g):
    """--cores-dir, --flash, --sram, --clock, --fpu/--no-fpu: per-run changes to a core."""
    g.add_argument("--cores-dir", help="directory with extra core/board TOML files")
    g.add_argument("--flash", help="flash size, e.g. 256KiB (default: the core's)")
    g.add_argument("--sram", help="SRAM size, e.g. 64KiB (default: the core's)")
    g.add_argument("--clock", help="core clock, e.g. 80MHz (default: the core's)")
    fpu = g.add_mutually_exclusive_group()
    fpu.add_argument("--fpu", dest="fpu", action="store_true", default=None, help="give the core its FPU option")
    fpu.add_argument("--no-fpu", dest="fpu", action="store_false", help="configure the core without FPU")


def _add_core_options(p: argparse.ArgumentParser):
    g = p.add_argument_group("core and memory")
    g.add_argument("--core", default="cortex-m4", help="core or board name (see `mcusim cores`); default cortex-m4")
    _add_memory_options(g)
    g.add_argument("--max-instructions", type=int, default=None,
                   help="stop runaway firmware after this many instructions (default 4e9)")


def _core_from(args):
    return get_core(args.core, args.cores_dir, flash=args.flash, sram=args.sram, fpu=args.fpu, clock=args.clock)


def cmd_cores(args) -> int:
    cores = list_cores(args.cores_dir)
    if args.json:
        print(json.dumps([c.summary() for c in cores], indent=2))
        return 0
    print(f"{'name':<20} {'arch':<13} {'fpu':<8} {'dsp':<4} {'clock':>8} {'flash':>9} {'sram':>9}")
    for c in cores:
        print(f"{c.name:<20} {c.arch:<13} {c.fpu:<8} {'yes' if c.dsp else 'no':<4} "
              f"{c.clock_hz / 1e6:>5.0f}MHz {format_size(c.flash_size):>9} {format_size(c.sram_size):>9}")
    return 0


def _add_profile_option(g):
    g.add_argument("--profile", nargs="?", type=int, const=PROFILE_TOP, default=None, metavar="N",
                   help=f"per-function profile from the ELF's symbols (self and inclusive cycles, calls): "
                        f"print the top N functions (default {PROFILE_TOP}, 0: all); --json gets every function")


def _print_profile(rows, top):
    from .profile import profile_table
    top = top if top > 0 else len(rows)
    print()
    print(f"profile: the {min(top, len(rows))} functions with the most self cycles, reset to exit")
    print(profile_table(rows, top))


def cmd_elf(args) -> int:
    from .machine import DEFAULT_MAX_INSTRUCTIONS, run_elf
    core = _core_from(args)
    profile = args.profile is not None
    result = run_elf(args.firmware, core, max_instructions=args.max_instructions or DEFAULT_MAX_INSTRUCTIONS,
                     echo=None if args.quiet else sys.stdout, profile=profile)
    if args.json:
        write_json(args.json, {"firmware": args.firmware, "core": core.name, "clock_hz": core.clock_hz,
                                "exit_status": result.exit_status, "instructions": result.instructions,
                                "cycles": result.cycles, "output": result.output,
                                **({"profile": [row.to_dict() for row in result.profile]} if profile else {})})
    if profile:
        sys.stdout.flush()
        print(f"\n{core.name}: {result.instructions:,} instructions, {result.cycles:,} cycles, "
              f"exit status {result.exit_status}")
        _print_profile(result.profile, args.profile)
    return result.exit_status


def _load_inputs(paths):
    import numpy as np
    arrays = []
    for path in paths:
        try:
            arrays.append(np.load(path, allow_pickle=False))
        except FileNotFoundError:
            raise InputError(f"no such input file: {path}") from None
        except (OSError, ValueError) as exc:
            raise InputError(f"{path} is not a .npy array file ({exc})") from None
    return arrays


def _progress():
    """A progress line on a terminal (stderr), nothing when output is not a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(done, total):
        end = "\n" if done == total else ""
        print(f"\rsimulating: operator {done}/{total}", end=end, file=sys.stderr, flush=True)
    return show


def cmd_run(args) -> int:
    from .runner import run_model
    inputs = _load_inputs(args.input) if args.input else None
    result = run_model(args.model, args.core, inputs, kernels=args.kernels, toolchain=args.toolchain, opt=args.opt,
                       runs=args.runs, seed=args.seed, bare=args.bare, progress=_progress(), cores_dir=args.cores_dir, flash=args.flash, sram=args.sram,
                       fpu=args.fpu, clock=args.clock, profile=args.profile is not None,
                       **({"max_instructions": args.max_instructions} if args.max_instructions else {}),
                       **({"stack_reserve": args.stack_reserve} if args.stack_reserve else {}))
    if args.json:
        write_json(args.json, result.to_dict())
    if args.csv:
        write_text(args.csv, ops_csv(result))
    print(summary(result))
    if args.profile is not None:
        _print_profile(result.profile, args.profile)
    return 0


def cmd_compare(args) -> int:
    from .compare import compare, comparison_table
    cores = [c.strip() for c in args.cores.split(",") if c.strip()]
    kernels = [k.strip() for k in args.kernels.split(",") if k.strip()]
    inputs = _load_inputs(args.input) if args.input else None
    entries = compare(args.model, cores, kernels, inputs, seed=args.seed, cores_dir=args.cores_dir,
                      flash=args.flash, sram=args.sram, fpu=args.fpu, clock=args.clock, toolchain=args.toolchain)
    if args.json:
        write_json(args.json, [{"core": e.core, "kernels": e.kernels, "error": e.error or None,
                                "result": e.result.to_dict() if e.result else None} for e in entries])
    print(comparison_table(entries))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mcusim", description="Simulate TinyML deployment on Arm Cortex-M: "
                                     "does a .tflite model fit, and what does each operator cost?")
    parser.add_argument("--version", action="version", version=f"mcusim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("cores", help="list the cores and boards")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--cores-dir", help="directory with extra core/board TOML files")
    p.set_defaults(func=cmd_cores)

    p = sub.add_parser("elf", help="run a bare-metal Cortex-M ELF (semihosting output and exit status pass through)")
    p.add_argument("firmware", help="the ELF file")
    _add_core_options(p)
    p.add_argument("--json", metavar="OUT", help="write a JSON summary here")
    p.add_argument("--quiet", action="store_true", help="do not echo the firmware's console output")
    _add_profile_option(p)
    p.set_defaults(func=cmd_elf)

    p = sub.add_parser("run", help="run a .tflite model on a simulated core and report cycles, energy, memory")
    p.add_argument("model", help="the .tflite file")
    _add_core_options(p)
    g = p.add_argument_group("firmware")
    g.add_argument("--kernels", default=DEFAULT_KERNELS, choices=KERNEL_SETS,
                   help=f"kernel set (default {DEFAULT_KERNELS})")
    g.add_argument("--toolchain", default="zig", choices=("zig", "gcc"), help="cross compiler (default zig)")
    g.add_argument("--opt", default="-O2", choices=("-O0", "-O1", "-O2", "-O3", "-Os"), help="optimisation level")
    g = p.add_argument_group("run")
    g.add_argument("--input", action="append", metavar="X.npy",
                   help="input array (.npy), once per model input in order; default: seeded pseudo-random")
    g.add_argument("--seed", type=int, default=0, help="seed of the pseudo-random input (default 0)")
    g.add_argument("--runs", type=int, default=1, help="inferences to run (default 1; the first is reported)")
    g.add_argument("--stack-reserve", metavar="SIZE", default=None,
                   help="SRAM kept for the stack at its top, e.g. 16KiB (default 8KiB); the arena gets the rest")
    g.add_argument("--bare", action="store_true",
                   help="also time each operator in the bare-kernel harness (no interpreter around it)")
    g = p.add_argument_group("output")
    g.add_argument("--json", metavar="OUT", help="write the full result as JSON")
    g.add_argument("--csv", metavar="OUT", help="write one row per operator as CSV")
    _add_profile_option(g)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("compare", help="one model on several cores / kernel sets, side by side")
    p.add_argument("model", help="the .tflite file")
    p.add_argument("--cores", required=True, help="comma-separated cores, e.g. cortex-m0plus,cortex-m4,cortex-m7")
    p.add_argument("--kernels", default=DEFAULT_KERNELS,
                   help=f"comma-separated kernel sets (reference,optimized; default {DEFAULT_KERNELS})")
    _add_memory_options(p.add_argument_group("memory, applied to every core"))
    p.add_argument("--toolchain", default="zig", choices=("zig", "gcc"))
    p.add_argument("--input", action="append", metavar="X.npy", help="input array (.npy), once per model input")
    p.add_argument("--seed", type=int, default=0, help="seed of the pseudo-random input (default 0)")
    p.add_argument("--json", metavar="OUT", help="write every result as JSON")
    p.set_defaults(func=cmd_compare)
    from . import budget, plot  # the check and plot subcommands register themselves
    budget.add_parser(sub)
    plot.add_parser(sub)
    return parser


def _profile_before_positional(argv):
    """`--profile model.tflite`: argparse would take the path for --profile's optional N;
    give --profile its default there instead, so the option may come anywhere."""
    out = list(argv)
    for i, arg in enumerate(out[:-1]):
        if arg == "--profile" and not out[i + 1].isdigit() and not out[i + 1].startswith("-"):
            out[i] = f"--profile={PROFILE_TOP}"
    return out


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    return f"mcusim: warning: {' '.join(str(message).split())}\n"


def main(argv=None) -> int:
    warnings.formatwarning = _one_line_warning
    parser = build_parser()
    args = parser.parse_args(_profile_before_positional(sys.argv[1:] if argv is None else argv))
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except McusimError as exc:
        print(f"mcusim: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("mcusim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`mcusim run ... | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
