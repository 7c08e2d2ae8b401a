"""Valid VAT IDs for tests: one per country whose VAT IDs billingcore checks (billingcore.vat_ids.FORMATS).
Made-up numbers (bodies like 1234567), each completed with the check digits python-stdnum computes, the
checks billingcore runs (tests/unit/test_vat_ids.py asserts each passes); not taken from any company.
The scenario files' IDs (FR40303265045, DE129273398, CZ27082440) pass the same checks."""

from __future__ import annotations

VAT_IDS: dict[str, str] = {
    "AT": "ATU12345675",
    "BE": "BE0123656786",
    "BG": "BG123456786",
    "HR": "HR12345678903",
    "CY": "CY10345670V",
    "CZ": "CZ12345679",
    "DK": "DK12345674",
    "EE": "EE123456780",
    "FI": "FI12345671",
    "FR": "FR11123456782",
    "DE": "DE123456788",
    "GR": "EL123456783",
    "HU": "HU12345676",
    "IE": "IE1234560F",
    "IT": "IT12345670017",
    "LV": "LV41234567891",
    "LT": "LT123456715",
    "LU": "LU12345613",
    "MT": "MT12345671",
    "NL": "NL123456782B01",
    "PL": "PL1235567891",
    "PT": "PT123456789",
    "RO": "RO1234565",
    "SK": "SK2023456787",
    "SI": "SI12345679",
    "ES": "ESB12345674",
    "SE": "SE523456789801",
    "GB": "GB123456782",
    "CH": "CHE123456788",
    "NO": "NO123456785MVA",
}


def french_vat_id(n: int) -> str:
    """The n-th of many distinct valid French VAT IDs (n < 10**7): a SIREN 1nnnnnnn + its Luhn digit, after
    the key (12 + 3 x SIREN) mod 97."""
    from stdnum import luhn

    body = f"1{n:07d}"
    siren = body + luhn.calc_check_digit(body)
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"
