"""The pictures in docs/ (docs/images/*.png), made again from the shipped scenarios: what a reader of the docs
sees is what billingcore draws today. Headless Chromium (Debian's chromium) takes the screenshots.

    .venv/bin/python tools/screenshots.py        # rewrites docs/images/invoice-b2b.png and timeline-billing-example.png
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import browser  # noqa: E402  (tests/browser.py: the flags Chromium needs on a closed network)

PICTURES = {  # file in docs/images: (billingcore command writing an HTML page to {page}, window width, height)
    "invoice-b2b.png": (
        ["run", "tests/scenarios/invoicing/german-b2b-invoice-fields.yaml", "--format", "html", "-o", "{page}"],
        1000,
        1500,
    ),
    "timeline-billing-example.png": (
        ["timeline", "tests/scenarios/duda/billing-example.yaml", "-o", "{page}"],
        2200,
        420,
    ),
}


def main() -> None:
    command = Path(sys.executable).parent / "billingcore"
    with tempfile.TemporaryDirectory() as folder:
        for name, (arguments, width, height) in PICTURES.items():
            page = Path(folder) / "page.html"
            subprocess.run([command, *(a.format(page=page) for a in arguments)], cwd=ROOT, check=True)
            browser.screenshot(page, ROOT / "docs" / "images" / name, width, height)
            print(f"docs/images/{name}")


if __name__ == "__main__":
    main()
