"""Every golden scenario's documents as JSON, one file per scenario, to compare two versions of the engine.

    .venv/bin/python tools/scenario_outputs.py OUT_DIR [SCENARIO_DIR]

Writes OUT_DIR/<scenario path>.json, the documents and notices exactly as `billingcore run --format json`
shapes them, and <scenario path>.state.json, the saved state after the run (dump_state). Run it at two
commits and `diff -r` the folders: a restructure that keeps every behaviour leaves the documents
byte-identical (the state files differ only where the saved-state format itself changed).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from billingcore.documents import document_json, notice_json
from billingcore.scenarios import load_scenario, run_scenario
from billingcore.snapshot import dump_state


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    root = Path(argv[1]) if len(argv) > 1 else Path("tests/scenarios")
    for path in sorted(root.rglob("*.yaml")):
        outcome = run_scenario(load_scenario(str(path)))
        result = outcome.result
        documents = {
            "documents": [document_json(d) for d in result.documents],
            "notices": [notice_json(n) for n in result.notices],
        }
        target = out / path.relative_to(root).with_suffix(".json")
        os.makedirs(target.parent, exist_ok=True)
        target.write_text(json.dumps(documents, indent=1, sort_keys=True) + "\n")
        state = json.dumps(dump_state(result.state), indent=1, sort_keys=True)
        target.with_suffix(".state.json").write_text(state + "\n")
    print(f"{len(list(root.rglob('*.yaml')))} scenarios written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
