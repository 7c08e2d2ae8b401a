"""Issue 14: a customer's VAT ID is checked by its form and check digits for the account's country
(billingcore.vat_ids, python-stdnum), at the edge (a scenario file: at the vat_id's file:line:col, with
every other problem of the file) and by `bill` (at `account.vat_id`). `FR123` once passed and turned on
the reverse charge. The valid IDs used here come from tests/vat_id_examples.py (check digits computed
with python-stdnum)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from billingcore.catalog.loader import Library
from billingcore.catalog.model import Period
from billingcore.cli import main
from billingcore.engine import Account, bill, prepare
from billingcore.errors import DataPath, EventError, InputError, Location
from billingcore.events import BuyPlan
from billingcore.scenarios import load_scenario
from billingcore.vat_ids import FORMATS, vat_id_problem
from vat_id_examples import VAT_IDS, french_vat_id

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2021, 3, 1)
BUY = [BuyPlan("p", DAY, "cloud-starter", Period.MONTHLY)]
_HINT = (
    "copy the number from the customer's invoice or registration (the European Commission's VIES service "
    "confirms an EU number); leave vat_id out for a consumer"
)
_FR = "FR VAT numbers are FR + 2 check characters + the 9-digit SIREN (numéro de TVA)"


def _refusal(library: Library, country: str, vat_id: str) -> list[tuple[object, str, str, str]]:
    with pytest.raises(EventError) as info:
        bill(prepare(library, "billwerk-demo"), Account("a", "billwerk-demo", country, vat_id), BUY, DAY)
    return [(d.location, d.code, d.message, d.hint) for d in info.value.diagnostics]


def test_fr123_is_refused_at_account_vat_id_and_nothing_is_billed(library: Library) -> None:
    assert _refusal(library, "FR", "FR123") == [
        (DataPath("account.vat_id"), "bad-vat-id", f"account a: {_FR}, got `FR123` (wrong length)", _HINT)
    ]


def test_a_valid_french_vat_id_is_accepted_and_reverse_charged(library: Library) -> None:
    # billwerk-demo sells from Germany: a French business pays 0 % with the note
    (doc,) = bill(
        prepare(library, "billwerk-demo"), Account("a", "billwerk-demo", "FR", "FR 40 303 265 045"), BUY, DAY
    ).documents
    assert (str(doc.gross), doc.notes) == (
        "29.00",
        ("Reverse charge: VAT to be accounted for by the recipient (Art. 196 Directive 2006/112/EC).",),
    )


@pytest.mark.parametrize(
    ("country", "vat_id", "message", "hint"),
    [
        pytest.param(
            "IT", "IT123", "IT VAT numbers are IT + 11 digits (partita IVA), got `IT123` (wrong length)", _HINT,
            id="it-length",
        ),
        pytest.param(
            "DE", "DE123456789", "DE VAT numbers are DE + 9 digits (USt-IdNr.), got `DE123456789` (its check digits do "
            "not match)", _HINT, id="de-check-digit",
        ),
        pytest.param(
            "IT", "FR40303265045", "`FR40303265045` is a FR VAT number, but the account's country is IT",
            "a business is taxed by its own country's VAT number: fix the account's country or its vat_id "
            "(IT + 11 digits (partita IVA))", id="another-countrys-number",
        ),
        pytest.param(
            "IT", "12345670017", "IT VAT numbers are IT + 11 digits (partita IVA), got `12345670017` (without its "
            "prefix)", "write it with the prefix: IT12345670017", id="no-prefix",
        ),
        pytest.param(
            "GR", "GR123456783", "GR VAT numbers are EL + 9 digits (ΑΦΜ; the EU's VAT prefix for Greece is EL, not "
            "GR), got `GR123456783` (GR is not a VAT prefix)", "write it with Greece's VAT prefix: EL123456783",
            id="greece-gr",
        ),
        pytest.param(
            "AT", "ATX12345675", "AT VAT numbers are ATU + 8 digits (UID-Nummer), got `ATX12345675` (not in that "
            "form)", _HINT, id="at-without-u",
        ),
        pytest.param(
            "AT", "XX12345675", "AT VAT numbers are ATU + 8 digits (UID-Nummer), got `XX12345675` (no such prefix)",
            _HINT, id="unknown-prefix",
        ),
        pytest.param(
            "CH", "CHE-123.456.788 XYZ", "CH VAT numbers are CHE + 9 digits, optionally + MWST, TVA or IVA (UID), got "
            "`CHE-123.456.788 XYZ` (not in that form)", _HINT, id="ch-suffix",
        ),
    ],
)  # fmt: skip
def test_a_bad_vat_id_names_the_countrys_form(
    library: Library, country: str, vat_id: str, message: str, hint: str
) -> None:
    assert _refusal(library, country, vat_id) == [
        (DataPath("account.vat_id"), "bad-vat-id", f"account a: {message}", hint)
    ]


def test_every_checked_country_has_a_valid_example_and_a_wrong_digit_is_refused() -> None:
    assert set(VAT_IDS) == set(FORMATS)  # the EU-27 (Greece as GR), GB, CH, NO
    for country, vat_id in VAT_IDS.items():
        assert vat_id_problem(country, vat_id) is None, country
        if country == "CY":  # its check is the last letter
            changed = vat_id[:-1] + ("A" if vat_id[-1] != "A" else "B")
        else:  # a check digit one higher: the last digit (NL: before B01; SE: before 01)
            digits = [i for i, c in enumerate(vat_id) if c.isdigit()]
            i = digits[{"NL": 8, "SE": -3}.get(country, -1)]
            changed = vat_id[:i] + str((int(vat_id[i]) + 1) % 10) + vat_id[i + 1 :]
        assert vat_id_problem(country, changed) is not None, (country, changed)


def test_greece_northern_ireland_switzerland_and_norway_forms() -> None:
    assert vat_id_problem("GR", "EL123456783") is None  # Greece's EU VAT prefix
    assert vat_id_problem("GB", "XI123456782") is None  # Northern Ireland's, for a GB account
    assert vat_id_problem("CH", "CHE-123.456.788 MWST") is None  # with the MWST/TVA/IVA suffix or without
    assert vat_id_problem("NO", "NO 123 456 785") is None  # with MVA or without
    assert vat_id_problem("US", "US-EIN-04-2103594") is None  # a country whose tax numbers are not checked
    assert vat_id_problem("IT", "it 1234567 001 7") is None  # spaces and lower case are fine
    assert vat_id_problem("FR", french_vat_id(41)) is None


def test_a_long_or_odd_vat_id_is_quoted_short_and_printable() -> None:
    problem = vat_id_problem("IT", "IT" + "9" * 100)
    assert problem is not None
    assert "got `IT99999999999999999999999999999999999999...` (wrong length)" in problem[0]
    problem = vat_id_problem("IT", "IT\x1b123")
    assert problem is not None
    assert "got `IT\\x1b123`" in problem[0]


def _scenario(tmp_path: Path, account: str, events: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(
        "scenario: a business with a VAT ID\n"
        'seed: docs/rules.md "tax"\n'
        f"catalog: {ROOT / 'plans' / 'billwerk-demo.yaml'}\n"
        "until: 2021-03-01\n"
        f"account: {account}\n"
        "events:\n"
        f"{events}"
        "expect:\n"
        "  documents: []\n"
    )
    return path


def test_a_bad_vat_id_in_a_scenario_is_located_at_its_value_with_every_other_problem(tmp_path: Path) -> None:
    path = _scenario(
        tmp_path,
        "{id: rome, country: IT, vat_id: IT123}",
        "  - {id: e1, date: 2021-03-01, type: buy_plan, plan: cloud-starter, period: montly}\n",
    )
    with pytest.raises(InputError) as info:
        load_scenario(str(path), allow=[str(ROOT)])
    assert [(d.location, d.code) for d in info.value.diagnostics] == [
        (Location(str(path), 5, 42), "bad-vat-id"),  # the account's vat_id, then the event's period
        (Location(str(path), 7, 77), "unknown-choice"),
    ]
    assert info.value.diagnostics[0].message == (
        "IT VAT numbers are IT + 11 digits (partita IVA), got `IT123` (wrong length)"
    )


def test_billingcore_test_prints_a_bad_vat_id_with_its_excerpt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _scenario(
        tmp_path,
        "{id: paris, country: FR, vat_id: FR123}",
        "  - {id: e1, date: 2021-03-01, type: buy_plan, plan: cloud-starter, period: monthly}\n",
    )
    assert main(["test", str(path), "--allow", str(ROOT)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:5:43: {_FR}, got `FR123` (wrong length) [bad-vat-id]\n" in out
    assert "  5 | account: {id: paris, country: FR, vat_id: FR123}\n" in out
    assert "    |" + " " * 43 + "^\n" in out
    assert f"  hint: {_HINT}\n" in out


def test_each_eu_country_is_checked_by_its_own_stdnum_module_looked_up_on_first_use() -> None:
    # The lookup runs once per country and process (vat_ids._EU_CHECKS): emptied here, so that it runs in
    # this test, whatever ran before (mutation testing once found it unpinned for that reason).
    from stdnum import get_cc_module

    from billingcore import vat_ids

    vat_ids._EU_CHECKS.clear()
    eu = sorted(set(FORMATS) - {"GB", "CH", "NO"})
    assert [(c, vat_id_problem(c, VAT_IDS[c])) for c in eu] == [(c, None) for c in eu]
    for c in eu:
        assert vat_ids._EU_CHECKS[c] is get_cc_module(c.lower(), "vat").validate


@pytest.mark.parametrize(
    ("country", "vat_id", "message"),
    [
        ("IT", "CHE-123.456.788", "`CHE-123.456.788` is a CH VAT number, but the account's country is IT"),
        ("IT", "GR123456789", "IT VAT numbers are IT + 11 digits (partita IVA), got `GR123456789` (no such prefix)"),
        ("FR", "4X2345678901", f"{_FR}, got `4X2345678901` (without its prefix)"),
        ("FR", "FR\\12", f"{_FR}, got `FR\\12` (not in that form)"),  # printable: quoted as it is
        ("FR", "F" * 40, f"{_FR}, got `{'F' * 40}` (no such prefix)"),  # 40 characters: whole
        ("FR", "F" * 41, f"{_FR}, got `{'F' * 40}...` (no such prefix)"),  # 41: cut
    ],
)
def test_the_prefix_rules_and_the_quoting_exactly(country: str, vat_id: str, message: str) -> None:
    problem = vat_id_problem(country, vat_id)
    assert problem is not None
    assert problem[0] == message
