"""mcusim: simulate TinyML deployment on Arm Cortex-M microcontrollers.

Run a .tflite model on a simulated core (our own interpreter firmware, cross-compiled
and executed instruction by instruction on Unicorn) and get its outputs, cycles,
energy and memory use; or run any bare-metal Cortex-M ELF.
"""

__version__ = "0.1.0"
