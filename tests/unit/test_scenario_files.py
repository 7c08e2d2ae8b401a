"""The scenario runner (`billingcore test`, `billingcore run`, the pytest plugin) on files a careless or
hostile user puts in a scenario folder: every file runs or fails loudly, and a scenario reads plans and
rules only inside its repository unless the caller allows more (issue 9; docs/scenarios.md "Files")."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from billingcore.cli import main
from billingcore.errors import InputError, Location
from billingcore.scenarios import load_scenario, scenario_files

ROOT = Path(__file__).resolve().parents[2]
# Without its first line, the editor's schema modeline (issue 14): the positions these tests pin are those of
# the example's keys, not of the comment above them.
EXAMPLE = (ROOT / "tests" / "scenarios" / "duda" / "billing-example.yaml").read_text().split("\n", 1)[1]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository of its own: pyproject.toml, the shipped plans and rules, an empty scenario folder."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'host'\n")
    shutil.copytree(ROOT / "plans", root / "plans")
    shutil.copytree(ROOT / "rules", root / "rules")
    (root / "scenarios").mkdir()
    monkeypatch.chdir(root)
    return root


def _example(catalog: str = "../plans/duda.yaml") -> str:
    return EXAMPLE.replace("../../../plans/duda.yaml", catalog)


def _test(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["test", *args])
    return code, capsys.readouterr().out


@pytest.mark.parametrize(
    "prefix",
    [
        pytest.param("\ufeff", id="utf-8-bom"),
        pytest.param("---\n", id="document-start"),
        pytest.param("\ufeff# a comment first\n---\n", id="bom-comment-document-start"),
    ],
)
def test_a_scenario_that_starts_with_a_bom_or_document_start_runs(
    repo: Path, capsys: pytest.CaptureFixture[str], prefix: str
) -> None:
    # Once silently skipped: "0 passed, 0 failed", exit 0.
    (repo / "scenarios" / "example.yaml").write_text(prefix + _example(), encoding="utf-8")
    assert _test(capsys, "scenarios") == (0, "1 passed, 0 failed\n")


def test_a_non_utf8_scenario_is_a_located_error_not_a_crash(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Once a UnicodeDecodeError traceback out of `billingcore test`.
    (repo / "scenarios" / "latin1.yaml").write_bytes(_example().replace("acme", "café").encode("latin-1"))
    assert _test(capsys, "scenarios") == (
        1,
        "FAIL scenarios/latin1.yaml\n"
        "scenarios/latin1.yaml:10:18: file is not UTF-8 text: byte 0xE9 cannot be read as UTF-8 [encoding]\n"
        "  hint: save it as UTF-8\n"
        "\n"
        "0 passed, 1 failed\n",
    )


def test_every_file_in_a_scenario_folder_runs_or_fails(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Once a YAML file without `scenario:` first, or any other file, was skipped without a word.
    folder = repo / "scenarios"
    (folder / "example.yaml").write_text(_example())
    (folder / "notes.md").write_text("# what these scenarios show\n")
    (folder / "plan.yml").write_text("catalog: demo\n")
    (folder / ".hidden.yaml").write_text("editor state\n")  # hidden files are not scenarios
    assert _test(capsys, "scenarios") == (
        1,
        "FAIL scenarios/notes.md\n"
        "scenarios/notes.md:1:1: not a scenario file: scenario files end in .yaml or .yml [not-a-scenario]\n"
        "  hint: every file in a scenario folder is a scenario; move notes into the scenarios' comments, "
        "other files out of the folder\n"
        "\n"
        "FAIL scenarios/plan.yml\n"
        "scenarios/plan.yml:1:1: a scenario file is a mapping with a `scenario:` key [not-a-scenario]\n"
        "  1 | catalog: demo\n"
        "    | ^\n"
        "  hint: every file in a scenario folder is a scenario (docs/scenarios.md); plan and rules files "
        "belong in plans/ and rules/\n"
        "\n"
        "1 passed, 2 failed\n",
    )


def test_testing_an_empty_folder_says_there_is_nothing_to_test(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _test(capsys, "scenarios") == (
        1,
        "`scenarios` holds no scenario files [no-files]\n"
        "  hint: check the path; scenario files end in .yaml or .yml\n"
        "\n"
        "0 passed, 1 failed\n",
    )


def test_a_missing_scenario_file_is_unreadable(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _test(capsys, "scenarios/missing.txt") == (
        1,
        "FAIL scenarios/missing.txt\n"
        "scenarios/missing.txt:1:1: cannot read file: No such file or directory [unreadable]\n"
        "  hint: check the path, and that the file exists and may be read\n"
        "\n"
        "0 passed, 1 failed\n",
    )


def test_a_catalog_directory_with_a_rule_set_is_a_located_error(repo: Path) -> None:
    # Once a bare KeyError: '' (the catalog of a directory is no catalog).
    path = repo / "scenarios" / "example.yaml"
    path.write_text(_example("../plans").replace("until:", "rule_set: killbill\nuntil:"))
    with pytest.raises(InputError) as info:
        load_scenario("scenarios/example.yaml")
    assert [(d.location, d.message, d.hint, d.code) for d in info.value.diagnostics] == [
        (
            Location("scenarios/example.yaml", 8, 10),
            "`catalog:` names a directory; a scenario bills one plan file",
            "name one of its plan files, e.g. `catalog: ../plans/billwerk-demo.yaml` "
            "(there: billwerk-demo.yaml, duda.yaml, fakturia-demo.yaml, saas-pro.yaml, wedos.yaml)",
            "bad-path",
        )
    ]


def test_a_catalog_file_that_holds_no_catalog_is_a_located_error(repo: Path) -> None:
    (repo / "scenarios" / "example.yaml").write_text(_example("../rules/duda.yaml"))
    with pytest.raises(InputError) as info:
        load_scenario("scenarios/example.yaml")
    assert [(d.location, d.message, d.hint, d.code) for d in info.value.diagnostics] == [
        (
            Location("scenarios/example.yaml", 8, 10),
            "`../rules/duda.yaml` holds no catalog",
            "name a plan file: one that starts with `catalog: <id>`",
            "bad-path",
        )
    ]


def test_a_catalog_outside_the_repository_is_refused_unread(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Once `catalog: /etc/passwd` printed the first lines of that file in the error's excerpt.
    secret = tmp_path / "secret.yaml"
    secret.write_text("password: hunter2\n")
    (repo / "scenarios" / "example.yaml").write_text(_example(str(secret)))
    code, out = _test(capsys, "scenarios/example.yaml")
    assert code == 1
    assert "hunter2" not in out
    assert out == (
        "FAIL scenarios/example.yaml\n"
        "scenarios/example.yaml:8:10: "
        f"`catalog:` points outside the scenario's repository ({repo}) [outside-repository]\n"
        "  7 | #   then $13 every 10th, $264 every Jan 10, $117 every Mar 10.\n"
        f"  8 | catalog: {secret}\n"
        "    |          ^\n"
        "  9 | until: 2021-03-10\n"
        "  hint: keep plans and rules in the repository, or allow the directory: "
        "billingcore test --allow DIR (load_scenario(path, allow=[DIR]))\n"
        "\n"
        "0 passed, 1 failed\n"
    )


def test_etc_passwd_as_a_catalog_shows_none_of_it(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "scenarios" / "example.yaml").write_text(_example("/etc/passwd"))
    code, out = _test(capsys, "scenarios/example.yaml")
    assert code == 1
    assert "root:" not in out
    assert "[outside-repository]" in out


def test_rules_at_the_file_system_root_are_refused_without_walking_it(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Once `rules: /` walked the whole file system.
    walked: list[str] = []
    real_walk = os.walk

    def walk(top: str, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        walked.append(os.path.realpath(top))
        if not os.path.realpath(top).startswith(str(repo)):
            raise AssertionError(f"walked {top}")
        return real_walk(top, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "walk", walk)
    (repo / "scenarios" / "example.yaml").write_text(_example().replace("until:", "rules: /\nuntil:"))
    with pytest.raises(InputError) as info:
        load_scenario("scenarios/example.yaml")
    assert [(d.location, d.message, d.code) for d in info.value.diagnostics] == [
        (
            Location("scenarios/example.yaml", 9, 8),
            f"`rules:` points outside the scenario's repository ({repo})",
            "outside-repository",
        )
    ]
    assert walked == []


def test_a_symlink_out_of_the_repository_is_outside_too(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    shutil.copytree(ROOT / "plans", outside)
    (repo / "linked").symlink_to(outside)
    (repo / "scenarios" / "example.yaml").write_text(_example("../linked/duda.yaml"))
    with pytest.raises(InputError) as info:
        load_scenario("scenarios/example.yaml")
    assert [d.code for d in info.value.diagnostics] == ["outside-repository"]


def test_the_caller_may_allow_a_directory_outside_the_repository(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "scenarios" / "example.yaml").write_text(_example(str(ROOT / "plans" / "duda.yaml")))
    assert _test(capsys, "scenarios", "--allow", str(ROOT / "plans"), "--allow", str(ROOT / "rules")) == (
        0,
        "1 passed, 0 failed\n",
    )
    assert load_scenario("scenarios/example.yaml", allow=[str(ROOT)]).catalog == "duda"
    assert main(["run", "scenarios/example.yaml", "--allow", str(ROOT)]) == 0


def test_without_a_repository_marker_the_scenario_folder_is_the_repository(tmp_path: Path) -> None:
    folder = tmp_path / "loose"
    folder.mkdir()
    shutil.copytree(ROOT / "plans", folder / "plans")
    (folder / "example.yaml").write_text(_example("../plans/duda.yaml"))  # one level up: outside
    with pytest.raises(InputError) as info:
        load_scenario(str(folder / "example.yaml"))
    assert [d.message for d in info.value.diagnostics] == [
        f"`catalog:` points outside the scenario's repository ({folder})"
    ]


def test_pytest_collects_every_file_of_a_scenario_folder(repo: Path) -> None:
    folder = repo / "tests" / "scenarios"
    folder.mkdir(parents=True)
    (folder / "bom.yaml").write_text("\ufeff" + _example("../../plans/duda.yaml"), encoding="utf-8")
    (folder / "notes.txt").write_text("notes\n")
    (folder / "latin1.yaml").write_bytes(b"scenario: caf\xe9\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/scenarios"],
        capture_output=True,
        text=True,
        cwd=repo,
        check=False,
    )
    assert result.returncode == 1, result.stdout
    assert result.stdout.splitlines()[-1].startswith("2 failed, 1 passed"), result.stdout
    assert "tests/scenarios/notes.txt:1:1: not a scenario file" in result.stdout
    assert "tests/scenarios/latin1.yaml:1:14: file is not UTF-8 text" in result.stdout


def test_the_rules_beside_a_plan_folder_outside_the_repository_are_refused(repo: Path, tmp_path: Path) -> None:
    # A plan at the repository's top: the loader would add the rules/ beside its folder, one level up.
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    shutil.copy(ROOT / "plans" / "duda.yaml", repo / "duda.yaml")
    (repo / "scenarios" / "example.yaml").write_text(_example("../duda.yaml"))
    with pytest.raises(InputError) as info:
        load_scenario("scenarios/example.yaml")
    assert [(d.location, d.message, d.code) for d in info.value.diagnostics] == [
        (
            Location("scenarios/example.yaml", 8, 10),
            f"`catalog:` leads to {os.path.relpath(tmp_path / 'rules' / 'billwerk.yaml')}, "
            f"outside the scenario's repository ({repo})",
            "outside-repository",
        )
    ]


def test_a_link_inside_a_rules_folder_to_a_file_elsewhere_is_refused(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "other.yaml").write_text("rule_set: other\n")
    (repo / "rules" / "other.yaml").symlink_to(tmp_path / "other.yaml")
    (repo / "scenarios" / "example.yaml").write_text(_example().replace("until:", "rules: ../rules\nuntil:"))
    with pytest.raises(InputError) as info:
        load_scenario("scenarios/example.yaml")
    assert [(d.location, d.message, d.code) for d in info.value.diagnostics] == [
        (
            Location("scenarios/example.yaml", 9, 8),
            f"`rules:` leads to rules/other.yaml, outside the scenario's repository ({repo})",
            "outside-repository",
        )
    ]


def test_rules_naming_a_file_that_is_not_yaml_is_a_located_error(repo: Path) -> None:
    (repo / "README").write_text("not rules\n")
    (repo / "scenarios" / "example.yaml").write_text(_example().replace("until:", "rules: ../README\nuntil:"))
    with pytest.raises(InputError) as info:
        load_scenario("scenarios/example.yaml")
    assert [(d.location, d.message, d.hint, d.code) for d in info.value.diagnostics] == [
        (
            Location("scenarios/example.yaml", 9, 8),
            "`rules:` names neither a directory nor a rules file (*.yaml)",
            "e.g. rules: ../../rules",
            "bad-path",
        )
    ]


def test_a_missing_vat_rate_in_a_scenario_is_located_at_the_account_country(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Found by the fuzzer: the engine's account-level refusals (no-vat-rate) came without a location, so
    # `billingcore test` printed no file, line or excerpt. Germany's rates start on 2007-01-01.
    text = (
        _example()
        .replace("{id: acme, country: US}", "{id: acme, country: DE}")
        .replace("2020-", "2006-")
        .replace("until: 2021-03-10", "until: 2006-02-10")
    )
    (repo / "scenarios" / "example.yaml").write_text(text)
    code, out = _test(capsys, "scenarios/example.yaml")
    assert code == 1
    assert out.splitlines()[:7] == [
        "FAIL scenarios/example.yaml",
        "scenarios/example.yaml:10:30: account acme: no VAT rate for DE on 2006-01-10 [no-vat-rate]",
        "   9 | until: 2006-02-10",
        "  10 | account: {id: acme, country: DE}",
        "     |                              ^",
        "  11 | events:",
        "  hint: extend the country's rates in rules/vat.yaml to cover this date",
    ]


def test_an_unquoted_decimal_in_the_expectations_gives_a_diff_not_a_representer_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Found by the fuzzer: `date: .5` under expect: raised yaml's RepresenterError while printing the diff.
    (repo / "scenarios" / "example.yaml").write_text(_example().replace("    - date: 2020-01-10", "    - date: .5", 1))
    code, out = _test(capsys, "scenarios/example.yaml")
    assert code == 1
    assert "-- date: .5\n" in out or "-- date: '.5'\n" in out
    assert "+- date: '2020-01-10'\n" in out
    assert out.endswith("0 passed, 1 failed\n")


def _without_source(text: str) -> str:
    return "".join(line for line in text.splitlines(True) if not line.startswith(("seed:", "source:")))


def test_a_scenario_without_source_runs(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Issue 14: a QA's first scenario was refused with "missing required key `seed`"; `source:` is optional.
    (repo / "scenarios" / "example.yaml").write_text(_without_source(_example()))
    assert _test(capsys, "scenarios") == (0, "1 passed, 0 failed\n")
    assert load_scenario("scenarios/example.yaml").head.cited is None


@pytest.mark.parametrize("key", ["source", "seed"])
def test_source_or_its_old_name_seed_names_the_source(repo: Path, key: str) -> None:
    text = _without_source(_example()).replace("until:", f'{key}: docs/rules.md "tax"\nuntil:', 1)
    (repo / "scenarios" / "example.yaml").write_text(text)
    assert load_scenario("scenarios/example.yaml").head.cited == 'docs/rules.md "tax"'


def test_seed_and_source_both_is_a_located_error(repo: Path) -> None:
    text = _without_source(_example()).replace("until:", "source: a\nseed: b\nuntil:", 1)
    (repo / "scenarios" / "example.yaml").write_text(text)
    line = text.splitlines().index("seed: b") + 1
    with pytest.raises(InputError) as info:
        load_scenario("scenarios/example.yaml")
    assert [(d.location, d.message, d.hint, d.code) for d in info.value.diagnostics] == [
        (
            Location("scenarios/example.yaml", line, 1),
            "`seed:` and `source:` both given: `seed:` is the old name of `source:`",
            "keep one: `source:`",
            "duplicate-key",
        )
    ]


def test_every_shipped_golden_cites_its_source() -> None:
    # docs/scenarios.md: a golden's expectations follow a seed, a shipped file or a public document it names.
    files = scenario_files(str(ROOT / "tests" / "scenarios"))
    assert len(files) > 100
    uncited = [f for f in files if not (load_scenario(f).head.cited or "").strip()]
    assert uncited == []
