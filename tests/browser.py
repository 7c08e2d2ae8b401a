"""Looking at rendered output as a reader would: a page in Debian's headless Chromium, a PDF's text with pdftotext.

Both programs come from Debian's packages (`.ci/run` installs them: chromium, poppler-utils). Where one is
missing, a test that needs it is skipped locally but fails under CI (BILLINGCORE_CI=1, set by .ci/run): a CI
without them cannot pass silently.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PDFTOTEXT = shutil.which("pdftotext")

# The flags the machine notes give for a closed network: no background connections, no first-run page.
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def need(program: str | None, name: str) -> str:
    """The program's path, or skip (fail under CI) when it is not installed."""
    if program:
        return program
    if os.environ.get("BILLINGCORE_CI"):
        pytest.fail(f"{name} is not installed; .ci/run installs it")
    pytest.skip(f"{name} is not installed (apt-get install {name})")


def _chromium(*arguments: str) -> subprocess.CompletedProcess[str]:
    binary = need(CHROMIUM, "chromium")
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [binary, *_FLAGS, f"--user-data-dir={profile}", *arguments],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )


def screenshot(page: Path, png: Path, width: int = 1000, height: int = 1400) -> bytes:
    """Renders `page` (an HTML file) in headless Chromium and writes a PNG of the window; returns its bytes."""
    _chromium(f"--screenshot={png}", f"--window-size={width},{height}", page.resolve().as_uri())
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "chromium wrote no PNG"
    return data


def rendered_dom(page: Path) -> str:
    """The page's DOM after Chromium has parsed it and run its layout (what a reader's browser builds)."""
    return _chromium("--dump-dom", page.resolve().as_uri()).stdout


def pdf_text(pdf: Path) -> str:
    """The text of a PDF as pdftotext reads it, in reading order (-layout keeps a line's columns together)."""
    binary = need(PDFTOTEXT, "poppler-utils")
    return subprocess.run([binary, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header."""
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
