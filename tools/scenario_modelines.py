"""Put the editor's schema modeline on the first line of every scenario file (docs/scenarios.md "Format"):

    .venv/bin/python tools/scenario_modelines.py [FOLDER ...]   # default tests/scenarios

    # yaml-language-server: $schema=../../../schema/scenario.schema.json

The path is relative to each file. A file that has the line already is left alone; one with a modeline to
another path gets this one. New scenarios get it from here (tests/unit/test_scenario_schema.py checks
every shipped scenario has it).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from billingcore.scenarios import scenario_files  # noqa: E402

SCHEMA = ROOT / "schema" / "scenario.schema.json"
PREFIX = "# yaml-language-server: $schema="


def modeline(path: str) -> str:
    """The modeline for the scenario file at `path`: the schema's path relative to its folder."""
    return PREFIX + os.path.relpath(SCHEMA, os.path.dirname(os.path.abspath(path))).replace(os.sep, "/")


def with_modeline(path: str, text: str) -> str:
    line = modeline(path) + "\n"
    if text.startswith(PREFIX):
        return line + text.split("\n", 1)[1] if "\n" in text else line
    return line + text


def main(folders: list[str]) -> int:
    changed = 0
    for folder in folders:
        for path in scenario_files(folder):
            text = Path(path).read_text(encoding="utf-8")
            new = with_modeline(path, text)
            if new != text:
                Path(path).write_text(new, encoding="utf-8")
                changed += 1
    print(f"{changed} file{'s' if changed != 1 else ''} changed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or [str(ROOT / "tests" / "scenarios")]))
