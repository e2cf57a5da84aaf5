"""Shared pytest setup. tests/ is on sys.path (rootdir-relative imports), so test modules
import helpers such as host_runtime directly."""
import sys
from pathlib import Path

_TESTS = Path(__file__).resolve().parent
if str(_TESTS) not in sys.path:
    sys.path.insert(0, str(_TESTS))
