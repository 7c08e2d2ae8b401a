"""pytest plugin: collects golden scenario files so plain `pytest` runs them.

Registered through the `pytest11` entry point. Collects every file under any `scenarios` directory
(except hidden and Python files): a YAML scenario runs, any other file fails as not a scenario, so that
nothing in a scenario folder is skipped without a word (docs/scenarios.md "Files").
`pytest --update-goldens` rewrites failing expectations in place.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from billingcore.errors import InputError
from billingcore.scenarios import is_scenario_file, load_scenario, run_scenario, updated_text


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite the expect: block of failing billingcore scenarios from their output",
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if "scenarios" in file_path.parent.parts and is_scenario_file(str(file_path)):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        yield ScenarioItem.from_parent(self, name=self.path.stem)


class ScenarioFailed(Exception):
    pass


class ScenarioItem(pytest.Item):
    def runtest(self) -> None:
        path = str(self.path.relative_to(Path.cwd())) if self.path.is_relative_to(Path.cwd()) else str(self.path)
        try:
            outcome = run_scenario(load_scenario(path))
        except InputError as exc:
            raise ScenarioFailed(exc.render()) from None
        if outcome.passed:
            return
        if self.config.getoption("--update-goldens"):
            self.path.write_text(updated_text(outcome.scenario, outcome.actual), encoding="utf-8")
            return
        raise ScenarioFailed("; ".join(outcome.problems) + "\n" + outcome.diff)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario: {self.name}"
