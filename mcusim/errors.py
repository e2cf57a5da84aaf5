"""Typed errors. Every error a user can cause is an McusimError subclass whose message
names the cause and the fix; the CLI prints it as one line on stderr and exits with the
class's exit code (documented in docs/errors.md)."""


class McusimError(Exception):
    """Base class of every error mcusim raises on purpose."""

    exit_code = 2


class UsageError(McusimError):
    """Bad option value, unknown core, bad size string, missing file."""

    exit_code = 2


class ModelError(McusimError):
    """The model file is not a usable .tflite (corrupt, unsupported op/type, hybrid)."""

    exit_code = 2


class InputError(McusimError):
    """Input arrays do not match the model's inputs (count, shape, dtype)."""

    exit_code = 2


class DoesNotFitError(McusimError):
    """Image, model or arena does not fit the configured flash/SRAM."""

    exit_code = 2


class ToolchainError(McusimError):
    """The cross compiler is missing or failed."""

    exit_code = 2


class FirmwareFault(McusimError):
    """The firmware faulted: bad memory access, invalid instruction, FPU disabled, ..."""

    exit_code = 3


class LimitReached(McusimError):
    """The firmware ran past the instruction/cycle limit (runaway or too small a limit)."""

    exit_code = 3
