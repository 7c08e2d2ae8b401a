"""Invoices as an HTML page and a PDF (billingcore.render.html, .pdf): what the page says, checked in its source,
in Debian's headless Chromium (a screenshot that is not blank, the DOM Chromium built) and in the PDF's text as
pdftotext reads it. Documents come from a golden scenario (today's JSON) and, by hand, with every key the
document JSON gains in issue 14 (seller, customer, subtotal, discounts, credits, amount due, due date, legal
number)."""

from __future__ import annotations

import copy
import io
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import browser
from billingcore.cli import main
from billingcore.render.formatting import money, parse_locale
from billingcore.render.html import render_html
from billingcore.render.pdf import render_pdf
from billingcore.scenarios import load_scenario, run_scenario

ROOT = Path(__file__).resolve().parents[2]
DUDA = ROOT / "tests" / "scenarios" / "duda" / "billing-example.yaml"
NBSP = "\u00a0"


def duda_documents() -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = run_scenario(load_scenario(str(DUDA))).actual["documents"]
    return documents


def _party(name: str, lines: list[str], postcode: str, city: str, country: str, vat_id: str | None) -> dict[str, Any]:
    address = {"lines": lines, "postcode": postcode, "city": city, "country": country}
    return {"name": name, "address": address, "vat_id": vat_id, "email": None}


def full_invoice() -> dict[str, Any]:
    """An invoice with every key of the issue-14 contract, its numbers consistent as the engine makes them:
    subtotal 1250.00 - discounts 15.50 - credits 100.00 = net 1134.50; 19 % VAT 215.56; gross 1350.06."""
    seller = _party("Muster GmbH", ["Hauptstraße 1"], "10115", "Berlin", "DE", "DE136695976")
    seller |= {"email": "rechnung@muster.example", "tax_number": "30/123/45678", "iban": "DE89370400440532013000"}
    seller |= {"bic": "COBADEFFXXX", "legal_registration": "HRB 12345, Amtsgericht Berlin"}
    customer = _party("Kunde & Söhne <KG>", ["Vinohradská 12", "3. patro"], "120 00", "Praha", "CZ", "CZ25596641")
    customer |= {"id": "kunde-7", "email": "ucetni@kunde.example", "buyer_reference": "PO-77"}

    def line(description: str, kind: str, q: str, unit: str, amount: str, explanation: str) -> dict[str, Any]:
        return {
            "item": "plan", "description": description, "kind": kind, "quantity": q, "unit_price": unit,
            "amount": amount, "vat_rate": "19.00", "period_start": "2024-03-01", "period_end": "2024-03-31",
            "explanation": explanation, "cause": "billing_day",
        }  # fmt: skip

    return {
        "type": "invoice",
        "kind": "monthly",
        "number": "kunde-7-20240301-monthly",
        "legal_number": "RE-2024-000123",
        "account": "kunde-7",
        "date": "2024-03-01",
        "currency": "EUR",
        "lines": [
            line("Pro plan (monthly)", "charge", "1", "1000.00", "984.50", "monthly term 1000.00, less 15.50 discount"),
            line("Seats <extra>", "charge", "5", "50.00", "250.00", "5 x 50.00"),
            line("Unused Basic plan", "credit", "1", "-100.00", "-100.00", "credit for 2024-03-01 to 2024-03-31"),
        ],
        "net": "1134.50",
        "vat": [{"rate": "19.00", "base": "1134.50", "amount": "215.56"}],
        "gross": "1350.06",
        "subtotal": "1250.00",
        "discounts": "15.50",
        "credits": "100.00",
        "amount_due": "1350.06",
        "due_date": "2024-03-15",
        "seller": seller,
        "customer": customer,
        "notes": ["Reverse charge: the customer accounts for the VAT (Article 196, Directive 2006/112/EC)."],
    }


def full_credit_note() -> dict[str, Any]:
    """A credit note under the contract: no due date, nothing due, no seller named in the catalog."""
    note = copy.deepcopy(full_invoice())
    note |= {"type": "credit_note", "kind": "refund", "number": "kunde-7-20240310-refund", "date": "2024-03-10"}
    note |= {"net": "-100.00", "gross": "-119.00", "subtotal": "0.00", "discounts": "0.00", "credits": "100.00"}
    note |= {"amount_due": "0.00", "due_date": None, "seller": None, "notes": []}
    note.pop("legal_number")
    note["lines"] = note["lines"][2:]
    note["vat"] = [{"rate": "19.00", "base": "-100.00", "amount": "-19.00"}]
    return note


def as_read(text: str) -> str:
    """pdftotext writes babel's no-break spaces as plain ones."""
    return text.replace(NBSP, " ").replace("\u202f", " ")


# --- the page's source --------------------------------------------------------------------------------------


def test_every_document_of_a_scenario_is_on_the_page_with_its_lines_and_totals() -> None:
    documents = duda_documents()
    page = render_html(documents, "en_US", title="Duda's documented billing example")
    assert len(documents) == 18
    assert page.count('<section class="document"') == 18
    assert page.count('<tr class="line">') == sum(len(d["lines"]) for d in documents)
    first = page.split('<section class="document"')[1]
    assert "<h2>Invoice acme-20200110-annual</h2>" in first
    assert "<tr><th>Date</th><td>Jan 10, 2020</td></tr>" in first
    assert '<td class="number amount">$264.00</td>' in first
    assert "annual term from 2020-01-10: 264.00" in first  # the line's explanation, in small print
    assert "Jan 10, 2020 – Jan 9, 2021" in first
    assert '<tr class="gross"><th>Total</th><td>$264.00</td></tr>' in first
    assert '<tr class="vat"><th>VAT 0% on $264.00</th><td>$0.00</td></tr>' in first
    # the invoice fields of plans/duda.yaml's documents: due on issue (payment terms 0 days), no seller block (the
    # catalog names none), a subtotal equal to the net (not shown), and the amount due
    assert "<tr><th>Due date</th><td>Jan 10, 2020</td></tr>" in first
    assert '<tr class="amount_due"><th>Amount due</th><td>$264.00</td></tr>' in first
    for absent in ('class="party seller"', "Subtotal", "Discounts", "reference"):
        assert absent not in page
    assert "<title>Duda&#39;s documented billing example</title>" in page


def test_a_document_with_every_contract_key_shows_them_all() -> None:
    page = render_html([full_invoice(), full_credit_note()], "de_DE", title="Kunde 7")
    invoice, note = page.split('<section class="document"')[1:]
    assert "<h2>Invoice RE-2024-000123</h2>" in invoice
    assert "monthly · reference kunde-7-20240301-monthly" in invoice
    assert "<tr><th>Due date</th><td>15.03.2024</td></tr>" in invoice
    for shown in ("Muster GmbH", "Hauptstraße 1", "10115 Berlin", "Deutschland", "DE136695976", "30/123/45678",
                  "DE89370400440532013000", "COBADEFFXXX", "rechnung@muster.example",
                  "<dt>Register</dt><dd>HRB 12345, Amtsgericht Berlin</dd>"):  # fmt: skip
        assert shown in invoice.split('class="party customer"')[0]
    customer = invoice.split('class="party customer"')[1].split("</div>\n  </div>")[0]
    for shown in ("Kunde &amp; Söhne &lt;KG&gt;", "Vinohradská 12", "3. patro", "120 00 Praha", "Tschechien",
                  "<dt>Customer number</dt><dd>kunde-7</dd>", "<dt>Your reference</dt><dd>PO-77</dd>", "CZ25596641",
                  "ucetni@kunde.example"):  # fmt: skip
        assert shown in customer
    totals = re.findall(r'<tr class="(\w+)"><th>(.*?)</th><td>(.*?)</td></tr>', invoice)
    assert totals == [
        ("subtotal", "Subtotal", f"1.250,00{NBSP}€"),
        ("discounts", "Less discounts", f"15,50{NBSP}€"),
        ("credits", "Less credits", f"100,00{NBSP}€"),
        ("net", "Net", f"1.134,50{NBSP}€"),
        ("vat", f"VAT 19{NBSP}% on 1.134,50{NBSP}€", f"215,56{NBSP}€"),
        ("gross", "Total", f"1.350,06{NBSP}€"),
        ("amount_due", "Amount due", f"1.350,06{NBSP}€"),
    ]
    assert "<p>Reverse charge: the customer accounts for the VAT (Article 196, Directive 2006/112/EC).</p>" in invoice
    # the credit note: no due date, no seller block, nothing due, zero discounts left out (a subtotal that differs
    # from the net is shown, even 0.00: it is what the credits are taken from)
    assert "<h2>Credit note kunde-7-20240310-refund</h2>" in note
    assert "Due date" not in note
    assert 'class="party seller"' not in note
    assert re.findall(r'<tr class="(\w+)"><th>.*?</th><td>(.*?)</td></tr>', note) == [
        ("subtotal", f"0,00{NBSP}€"),
        ("credits", f"100,00{NBSP}€"),
        ("net", f"-100,00{NBSP}€"),
        ("vat", f"-19,00{NBSP}€"),
        ("gross", f"-119,00{NBSP}€"),
        ("amount_due", f"0,00{NBSP}€"),
    ]


def test_rendering_never_recomputes_an_amount() -> None:
    # A document whose total disagrees with its lines is shown as it says: the page formats, it does not add up.
    wrong = full_invoice() | {"gross": "1.23", "amount_due": "4.56"}
    page = render_html([wrong], "de_DE")
    assert f'<tr class="gross"><th>Total</th><td>1,23{NBSP}€</td></tr>' in page
    assert f'<tr class="amount_due"><th>Amount due</th><td>4,56{NBSP}€</td></tr>' in page


def test_text_from_catalogs_and_hosts_is_escaped() -> None:
    page = render_html([full_invoice()], "de_DE", title="<script>alert(1)</script>")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<td>Seats &lt;extra&gt;</td>" in page


def test_a_picture_is_shown_above_the_documents_only_when_given() -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="10"><rect width="40" height="10"/></svg>'
    with_picture = render_html(duda_documents()[:1], "en_US", picture=svg)
    assert f'<div class="picture">{svg}</div>' in with_picture
    assert with_picture.index('class="picture"') < with_picture.index('<section class="document"')
    assert 'class="picture"' not in render_html(duda_documents()[:1], "en_US")


def test_the_page_fetches_nothing() -> None:
    page = render_html([full_invoice(), *duda_documents()], "cs_CZ")
    assert re.findall(r"https?:|<link|<script|src=|url\(|@import", page) == []


# --- in headless Chromium -----------------------------------------------------------------------------------


def dark_pixels(png: bytes) -> int:
    """Pixels darker than mid-grey: text and rules, none on a blank page (whose background is #f2f2f2/#fff)."""
    image = Image.open(io.BytesIO(png)).convert("L")
    histogram = image.histogram()
    return sum(histogram[:128])


@pytest.mark.parametrize(
    ("locale", "documents", "seen"),
    [
        ("en_US", "duda", ["$264.00", "Jan 10, 2020", "annual term from 2020-01-10: 264.00"]),
        ("de_DE", "full", [f"1.350,06{NBSP}€", "15.03.2024", "RE-2024-000123", "Tschechien"]),
        ("cs_CZ", "full", [f"1{NBSP}350,06{NBSP}€", "15. 3. 2024", "Česko", "Německo"]),
    ],
)
def test_the_page_in_headless_chromium(tmp_path: Path, locale: str, documents: str, seen: list[str]) -> None:
    docs = duda_documents() if documents == "duda" else [full_invoice(), full_credit_note()]
    page = tmp_path / "invoice.html"
    page.write_text(render_html(docs, locale, title=f"Invoices ({locale})"), encoding="utf-8")
    png = browser.screenshot(page, tmp_path / "invoice.png", 1000, 1400)
    assert browser.png_size(png) == (1000, 1400)
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>")
    assert dark_pixels(browser.screenshot(blank, tmp_path / "blank.png", 1000, 1400)) == 0
    assert dark_pixels(png) > 5000  # text and rules: about 20000 to 40000 on these pages
    dom = browser.rendered_dom(page).replace("&nbsp;", NBSP)  # Chromium writes U+00A0 back as &nbsp;
    for text in seen:
        assert text in dom


# --- the PDF ------------------------------------------------------------------------------------------------


def test_the_pdfs_text_holds_every_documents_gross_and_every_lines_amount(tmp_path: Path) -> None:
    documents = duda_documents()
    pdf = tmp_path / "invoice.pdf"
    page = render_html(documents, "en_US")
    pdf.write_bytes(render_pdf(page))
    assert render_pdf(page) == pdf.read_bytes()  # no date or random id inside: the same documents, the same bytes
    text = browser.pdf_text(pdf)
    pages = text.split("\f")[:-1]  # pdftotext ends every page with a form feed
    assert len(pages) == len(documents)  # one document a page
    us = parse_locale("en_US")
    for page, doc in zip(pages, documents):
        assert doc["number"] in page
        assert re.search(rf"Total +{re.escape(money(doc['gross'], 'USD', us))}\n", page)
        for line in doc["lines"]:
            assert money(line["amount"], "USD", us) in page


@pytest.mark.parametrize(
    ("locale", "gross", "due", "note"),
    [
        ("de_DE", "1.350,06 €", "15.03.2024", "-119,00 €"),
        ("cs_CZ", "1 350,06 €", "15. 3. 2024", "-119,00 €"),
    ],
)
def test_the_pdf_of_a_full_invoice_in_german_and_czech(
    tmp_path: Path, locale: str, gross: str, due: str, note: str
) -> None:
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(render_pdf(render_html([full_invoice(), full_credit_note()], locale)))
    invoice, credit_note = browser.pdf_text(pdf).split("\f")[:2]
    assert re.search(rf"Total +{gross}\n", invoice)
    assert re.search(rf"Amount due +{gross}\n", invoice)
    assert due in invoice
    assert "RE-2024-000123" in invoice
    assert re.search(rf"Total +{note}\n", credit_note)
    assert re.search(r"Amount due +0,00 €\n", credit_note)
    where = parse_locale(locale)
    for line in full_invoice()["lines"]:
        assert as_read(money(line["amount"], "EUR", where)) in invoice


# --- billingcore run --format html|pdf ----------------------------------------------------------------------


def test_run_writes_the_page_to_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(DUDA), "--format", "html"]) == 0
    page = capsys.readouterr().out
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in page  # the account is in the US: en_US
    assert '<tr class="gross"><th>Total</th><td>$264.00</td></tr>' in page


def test_run_writes_a_pdf_in_the_locale_asked_for(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "invoice.pdf"
    assert main(["run", str(DUDA), "--format", "pdf", "-o", str(out), "--locale", "de_DE"]) == 0
    assert capsys.readouterr().out == ""
    assert out.read_bytes().startswith(b"%PDF-")
    assert re.search(r"Total +264,00 \$\n", browser.pdf_text(out))


def test_run_html_to_a_file_in_czech(tmp_path: Path) -> None:
    out = tmp_path / "invoice.html"
    assert main(["run", str(DUDA), "--format", "html", "-o", str(out), "--locale", "cs-CZ"]) == 0
    assert f'<tr class="gross"><th>Total</th><td>264,00{NBSP}US$</td></tr>' in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["--format", "pdf"], "--format pdf writes a file: name it with -o FILE (e.g. -o invoice.pdf)"),
        (["--format", "text", "--locale", "de_DE"], "--locale formats html and pdf output, not --format text"),
    ],
)
def test_usage_mistakes_exit_2(arguments: list[str], said: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["run", str(DUDA), *arguments])
    assert exited.value.code == 2
    assert f"billingcore run: error: {said}" in capsys.readouterr().err


def test_an_unknown_locale_exits_2_with_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(DUDA), "--format", "html", "--locale", "xx_YY"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "billingcore run: error: --locale: unknown locale 'xx_YY' (hint: name a language and a country as CLDR "
        "does: de_DE, cs_CZ, en_US, fr_FR (or a language: de))\n"
    )


def test_an_unwritable_output_exits_1_as_the_other_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "no-such-folder" / "invoice.html"
    assert main(["run", str(DUDA), "--format", "html", "-o", str(out)]) == 1
    assert capsys.readouterr().err == f"billingcore run: cannot write -o {out}: No such file or directory\n"


def test_without_weasyprint_the_message_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # what `import weasyprint` sees uninstalled
    assert main(["run", str(DUDA), "--format", "pdf", "-o", str(tmp_path / "x.pdf")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "billingcore run: error: rendering needs weasyprint, of the extra `render`, which is not usable"
    )
    assert "pip install 'billingcore[render]' (WeasyPrint also needs Pango" in err
    assert not (tmp_path / "x.pdf").exists()


def test_without_jinja2_the_message_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "jinja2", None)
    monkeypatch.delitem(sys.modules, "billingcore.render.html")  # imported afresh, as in a process without jinja2
    assert main(["run", str(DUDA), "--format", "html"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "billingcore run: error: rendering needs jinja2, of the extra `render`, which is not usable; "
        "pip install 'billingcore[render]'\n"
    )


def test_run_html_shows_the_timeline_picture_above_the_documents(capsys: pytest.CaptureFixture[str]) -> None:
    """The scenario at a glance (docs/timeline.md) above its invoices, in the page and so in the PDF."""
    assert main(["run", str(DUDA), "--format", "html"]) == 0
    page = capsys.readouterr().out
    before, picture = page.split('<div class="picture">', 1)
    picture = picture.split('<section class="document"', 1)[0]
    assert picture.lstrip().startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert 'data-origin="2020-01-01"' in picture  # the timeline's own axis, not another picture
    assert '<section class="document"' not in before  # above every document
    assert page.count('<section class="document"') == 18
