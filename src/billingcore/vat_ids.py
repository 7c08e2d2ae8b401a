"""A business customer's VAT ID: its form and check digits for the account's country (python-stdnum).

A VAT ID makes the customer a business (reverse charge, docs/rules.md "tax"), so a mistyped one would
bill a consumer without VAT: `FR123` must not pass. Checked for the countries whose VAT numbers
python-stdnum knows: the EU-27 (stdnum.<country>.vat, as stdnum.eu.vat picks them: the forms the
European Commission's VIES service checks), GB (stdnum.gb.vat), CH (stdnum.ch.vat, stdnum.ch.uid) and
NO (stdnum.no.orgnr); another country's tax number (a US EIN) is taken as written. The ID is written
with its country's prefix, which must be the account's country's: EL for Greece (GR), GB or XI
(Northern Ireland) for GB, CHE for Switzerland. Spaces, dots, dashes and slashes are ignored. Only the
form is checked, never whether the number is registered (that needs VIES, a network service:
billingcore reads nothing). Pure: no I/O; the only memory is which stdnum module checks which country.
"""

from __future__ import annotations

from collections.abc import Callable

from stdnum.ch import uid as ch_uid
from stdnum.ch import vat as ch_vat
from stdnum.exceptions import InvalidChecksum, InvalidLength, ValidationError
from stdnum.gb import vat as gb_vat
from stdnum.no import orgnr as no_orgnr
from stdnum.util import get_cc_module

BAD_VAT_ID = "bad-vat-id"  # the diagnostic's code (docs/errors.md)

# Each country's VAT number as the EU's VIES pages (and, for GB, CH, NO, the national authority) write
# it: the prefix, then the national number and its name.
FORMATS: dict[str, str] = {
    "AT": "ATU + 8 digits (UID-Nummer)",
    "BE": "BE + 10 digits starting with 0 or 1 (ondernemingsnummer / numéro d'entreprise)",
    "BG": "BG + 9 or 10 digits (ИН по ДДС)",
    "HR": "HR + 11 digits (OIB)",
    "CY": "CY + 8 digits + a letter (ΑΦΤ)",
    "CZ": "CZ + 8, 9 or 10 digits (DIČ)",
    "DK": "DK + 8 digits (CVR / SE-nummer)",
    "EE": "EE + 9 digits (KMKR)",
    "FI": "FI + 8 digits (ALV-numero)",
    "FR": "FR + 2 check characters + the 9-digit SIREN (numéro de TVA)",
    "DE": "DE + 9 digits (USt-IdNr.)",
    "GR": "EL + 9 digits (ΑΦΜ; the EU's VAT prefix for Greece is EL, not GR)",
    "HU": "HU + 8 digits (közösségi adószám)",
    "IE": "IE + 7 digits + 1 or 2 letters (VAT registration number)",
    "IT": "IT + 11 digits (partita IVA)",
    "LV": "LV + 11 digits (PVN reģistrācijas numurs)",
    "LT": "LT + 9 or 12 digits (PVM mokėtojo kodas)",
    "LU": "LU + 8 digits (numéro d'identification TVA)",
    "MT": "MT + 8 digits (VAT number)",
    "NL": "NL + 9 digits + B + 2 digits (btw-identificatienummer)",
    "PL": "PL + 10 digits (NIP)",
    "PT": "PT + 9 digits (NIF)",
    "RO": "RO + 2 to 10 digits (CIF)",
    "SK": "SK + 10 digits (IČ DPH)",
    "SI": "SI + 8 digits (ID za DDV)",
    "ES": "ES + 9 characters: a letter or digit, 7 digits, a letter or digit (NIF)",
    "SE": "SE + 12 digits ending in 01 (momsregistreringsnummer)",
    "GB": "GB (or XI for Northern Ireland) + 9 or 12 digits (VAT registration number)",
    "CH": "CHE + 9 digits, optionally + MWST, TVA or IVA (UID)",
    "NO": "NO + 9 digits, optionally + MVA (organisasjonsnummer)",
}

# The prefixes an account's VAT ID may start with, where it is not the country code itself.
_PREFIXES: dict[str, tuple[str, ...]] = {"GR": ("EL",), "GB": ("GB", "XI"), "CH": ("CHE",)}
# Which country a prefix names, for "this is a FR VAT number, but the account is in IT".
_PREFIX_COUNTRY = {p: c for c in FORMATS for p in _PREFIXES.get(c, (c,))}


def _ch(number: str) -> str:
    return ch_vat.validate(number) if number[12:] else ch_uid.validate(number)


def _no(number: str) -> str:
    return no_orgnr.validate(number[2:].removesuffix("MVA"))


_CHECKS: dict[str, Callable[[str], str]] = {
    "GB": lambda number: gb_vat.validate(number[2:]),
    "CH": _ch,
    "NO": _no,
}
# An EU member's own module, stdnum.<cc>.vat, as stdnum.eu.vat.validate picks it (called directly: each
# layer cleans the number again, and a bill checks its account's VAT ID every time). Filled on first use.
_EU_CHECKS: dict[str, Callable[[str], str]] = {}


def _check(country: str) -> Callable[[str], str]:
    found = _CHECKS.get(country) or _EU_CHECKS.get(country)
    if found is None:
        module = get_cc_module(country.lower(), "vat")
        if module is None:  # never: every EU member of FORMATS has one
            raise LookupError(f"python-stdnum has no VAT module for {country}")
        found = _EU_CHECKS[country] = module.validate
    return found


_CLEAN = str.maketrans("", "", " -./")


def vat_id_problem(country: str, vat_id: str) -> tuple[str, str] | None:
    """Why `vat_id` is not a VAT number of `country` (the message and a hint), or None when it is one or
    when `country` is one whose VAT numbers are not checked (FORMATS lists the checked ones)."""
    form = FORMATS.get(country)
    if form is None:
        return None
    number = vat_id.translate(_CLEAN).upper().strip()
    prefixes = _PREFIXES.get(country, (country,))
    got = f"{country} VAT numbers are {form}, got `{_shown(vat_id)}`"
    if not number.startswith(prefixes):
        other = _PREFIX_COUNTRY.get(number[:3]) or _PREFIX_COUNTRY.get(number[:2])
        if country == "GR" and number.startswith("GR"):
            return f"{got} (GR is not a VAT prefix)", f"write it with Greece's VAT prefix: EL{number[2:]}"
        if other is not None:
            return (
                f"`{_shown(vat_id)}` is a {other} VAT number, but the account's country is {country}",
                f"a business is taxed by its own country's VAT number: fix the account's country or its vat_id "
                f"({form})",
            )
        if number[:1].isdigit():
            return f"{got} (without its prefix)", f"write it with the prefix: {prefixes[0]}{number}"
        return f"{got} (no such prefix)", _HINT
    try:
        _check(country)(number)
    except InvalidChecksum:
        return f"{got} (its check digits do not match)", _HINT
    except InvalidLength:
        return f"{got} (wrong length)", _HINT
    except ValidationError:
        return f"{got} (not in that form)", _HINT
    return None


def _shown(vat_id: str) -> str:
    """The ID as a message quotes it: at most 40 characters, a control character as its escape."""
    cut = vat_id[:40]
    shown = cut if cut.isprintable() else repr(cut)[1:-1]
    return shown + ("..." if len(vat_id) > 40 else "")


_HINT = (
    "copy the number from the customer's invoice or registration (the European Commission's VIES service "
    "confirms an EU number); leave vat_id out for a consumer"
)
