"""The wheel in a clean virtualenv (tools/wheel_check.py, `make wheel-check`): it installs billingcore's
dependencies from PyPI, so it runs only when asked: WHEEL_CHECK=1 pytest tests/unit/test_wheel.py (about 10 s)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(os.environ.get("WHEEL_CHECK") != "1", reason="needs PyPI: WHEEL_CHECK=1, or make wheel-check")
def test_a_wheel_in_a_clean_virtualenv_checks_and_bills_a_plan_file_alone() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "wheel_check.py")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1].startswith("wheel check passed")
