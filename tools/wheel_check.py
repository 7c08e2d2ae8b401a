"""billingcore as a new user gets it (issue 14): a wheel built from this checkout, installed into a clean
virtualenv outside the repository, used in an empty folder holding only a plan file and a scenario.

    python tools/wheel_check.py [--keep]        # make wheel-check

Builds the wheel (`pip wheel . --no-deps`), creates a virtualenv in a temporary folder, installs the wheel
there (its dependencies from PyPI: this needs the network, so it is no part of `make test`), copies
plans/duda.yaml as my-plan.yaml and the Duda billing example (its `catalog:` pointed at my-plan.yaml) into an
empty folder, and runs there, with no PYTHONPATH and nothing of the repository in reach:

    billingcore --version
    billingcore check my-plan.yaml      (the packaged rule set duda and VAT table fill in)
    billingcore run scenario.yaml       (the first invoice, 264.00)
    billingcore test scenario.yaml      (its expectations hold)
    python host.py                      (the host API from `billingcore` alone)

Each output is checked; the script prints each command, what it printed, and exits 1 on the first mismatch.
--keep leaves the temporary folder for a look.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
RULES = sorted(p.name for p in (ROOT / "rules").glob("*.yaml"))

HOST = """\
from datetime import date

import billingcore
from billingcore import Account, BuyPlan, Period, PublishSite, bill, document_json, dump_state, load, prepare

library = load(["my-plan.yaml"])                      # the plan file alone: the packaged rules fill in
tariff = prepare(library, "duda")
events, problems = billingcore.structure_events(
    [{"id": "e1", "date": "2020-01-10", "type": "buy_plan", "plan": "team", "period": "annual"}]
)
assert not problems, problems
events += [PublishSite("e2", date(2020, 1, 10), "home"), PublishSite("e3", date(2020, 1, 20), "blog", Period.MONTHLY)]
assert isinstance(events[0], BuyPlan)
result = bill(tariff, Account("acme", "duda", country="US"), events, until=date(2020, 2, 10))
print([document_json(d)["gross"] for d in result.documents], sorted(dump_state(result.state))[:2])
print(billingcore.__file__)
"""

CHECKS: list[tuple[list[str], str, str]] = [  # command, what its output must be ("=") or start with ("^")
    (["billingcore", "--version"], "=", f"billingcore {VERSION}\n"),
    (
        ["billingcore", "check", "my-plan.yaml"],
        "=",
        "ok: 1 file, 1 catalog, 1 rule set, VAT table loaded (packaged with billingcore: duda, the VAT table)\n",
    ),
    (
        ["billingcore", "run", "scenario.yaml"],
        "^",
        "2020-01-10  invoice annual    acme-20200110-annual  USD\n"
        "    Website site-1 (included in plan)            2020-01-10 to 2020-02-09         0.00\n"
        "      included in the plan: 0.00\n"
        "    Team plan (annual)                           2020-01-10 to 2021-01-09       264.00\n"
        "      annual term from 2020-01-10: 264.00\n",
    ),
    (["billingcore", "test", "scenario.yaml"], "=", "1 passed, 0 failed\n"),
    (["python", "host.py"], "^", "['264.00', '13.00'] "),
]


def run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run `command`, echo it and its output; fail on a non-zero exit."""
    print(f"$ {' '.join(command)}", flush=True)
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    out = done.stdout + done.stderr
    print("".join(f"  {line}\n" for line in out.splitlines()[:12]), end="", flush=True)
    if done.returncode != 0:
        raise SystemExit(f"wheel check: `{' '.join(command)}` exited {done.returncode}")
    return done.stdout


def check(keep: bool) -> None:
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="billingcore-wheel-"))
    if tmp.resolve().is_relative_to(ROOT):
        raise SystemExit(f"wheel check: the temporary folder {tmp} is inside the repository")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    try:
        source, dist, venv, work = tmp / "source", tmp / "dist", tmp / "venv", tmp / "work"
        # Built from a copy of what the wheel is made of: an in-tree build would leave build/ behind, whose
        # stale files a later build packs too.
        shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        for name in ("pyproject.toml", "README.md"):
            shutil.copy(ROOT / name, source / name)
        run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--quiet", "-w", str(dist)], tmp, env)
        (wheel,) = dist.glob("billingcore-*.whl")
        names = set(zipfile.ZipFile(wheel).namelist())
        wanted = {f"billingcore/defaults/rules/{n}" for n in RULES} | {
            f"billingcore/defaults/schema/{k}.schema.json" for k in ("plan", "rules", "scenario")
        } | {"billingcore/render/templates/documents.html.j2"}  # the invoice page's template (docs/rendering.md)
        if not wanted <= names:
            raise SystemExit(f"wheel check: {wheel.name} lacks {sorted(wanted - names)}")
        print(f"{wheel.name}: {len(names)} files, {len(RULES)} packaged rule files and 3 schemas among them")
        run([sys.executable, "-m", "venv", str(venv)], tmp, env)
        bin_dir = venv / "bin"
        run(
            [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
            tmp,
            env,
        )
        env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
        work.mkdir()
        shutil.copy(ROOT / "plans" / "duda.yaml", work / "my-plan.yaml")
        example = (ROOT / "tests" / "scenarios" / "duda" / "billing-example.yaml").read_text()
        (work / "scenario.yaml").write_text(
            example.replace("catalog: ../../../plans/duda.yaml", "catalog: my-plan.yaml")
        )
        (work / "host.py").write_text(HOST)
        print(f"in {work}: {', '.join(sorted(os.listdir(work)))}")
        for command, how, want in CHECKS:
            got = run(command, work, env)
            if (how == "=" and got != want) or (how == "^" and not got.startswith(want)):
                raise SystemExit(f"wheel check: `{' '.join(command)}` printed\n{got}\nexpected {how} {want!r}")
            if command[-1] == "host.py" and not got.splitlines()[-1].startswith(str(venv)):
                raise SystemExit("wheel check: billingcore was not imported from the clean virtualenv")
        print(f"wheel check passed in {time.monotonic() - started:.0f} s")
    finally:
        if keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    check(parser.parse_args().keep)


if __name__ == "__main__":
    main()
