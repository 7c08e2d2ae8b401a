"""The score of the last `mutmut run` and every surviving mutant, per module (make mutate).

    .venv/bin/python tools/mutation_report.py      # prints the table; writes mutants/report.md

Score = killed (and timed out) / all mutants. A survivor is a small change to the code that no test
noticed: kill it with a test, or record in docs/testing.md why it cannot change a result.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = Path(sys.executable).with_name("mutmut")


def main() -> int:
    out = subprocess.run([MUTMUT, "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True, check=True)
    status: dict[str, str] = {}
    for line in out.stdout.splitlines():
        m = re.match(r"\s*(\S+): (.+)$", line)
        if m:
            status[m.group(1)] = m.group(2).strip()
    by_module: dict[str, Counter[str]] = defaultdict(Counter)
    for name, state in status.items():
        by_module[name.split(".x_")[0].split(".xǁ")[0]][state] += 1
    total = Counter(s for s in status.values())
    killed = total["killed"] + total["timeout"]
    rows = ["| module | mutants | killed | survived | no tests | score |", "| --- | --- | --- | --- | --- | --- |"]
    for module in sorted(by_module):
        c = by_module[module]
        n = sum(c.values())
        k = c["killed"] + c["timeout"]
        rows.append(f"| {module} | {n} | {k} | {c['survived']} | {c['no tests']} | {100 * k / n:.1f} % |")
    rows.append(
        f"| all | {len(status)} | {killed} | {total['survived']} | {total['no tests']} | "
        f"{100 * killed / max(1, len(status)):.1f} % |"
    )
    survivors = sorted(n for n, s in status.items() if s == "survived")
    report = ["# Mutation testing report", "", *rows, "", f"## Survivors ({len(survivors)})", ""]
    for name in survivors:
        shown = subprocess.run([MUTMUT, "show", name], cwd=ROOT, capture_output=True, text=True).stdout
        report += [f"### {name}", "", "```diff", shown.strip(), "```", ""]
    (ROOT / "mutants" / "report.md").write_text("\n".join(report) + "\n")
    print("\n".join(rows))
    print(f"\n{len(survivors)} survivors, each shown in mutants/report.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
