"""The documents' HTML page (billingcore.render.html) as a PDF, through WeasyPrint: one document a page (A4).

WeasyPrint needs Pango from the system (Debian: libpango-1.0-0, libpangoft2-1.0-0) besides the extra
`billingcore[render]`; either missing is a `MissingExtraError` that says what to install. Nothing is fetched
while rendering: the page is self-contained, and a URL in it (say, in a picture's SVG) is refused.
"""

from __future__ import annotations

from typing import Any, NoReturn

from billingcore.render.extra import MissingExtraError


def render_pdf(html: str) -> bytes:
    """The PDF of an HTML page made by `render_html`."""
    try:
        import weasyprint  # type: ignore[import-untyped]  # WeasyPrint ships no type hints
    except (ImportError, OSError) as exc:  # OSError: the module is there, Pango is not
        raise MissingExtraError("weasyprint", str(exc)) from None
    return bytes(weasyprint.HTML(string=html, url_fetcher=_fetch_nothing).write_pdf())


def _fetch_nothing(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    """Rendering reads no file and no network: WeasyPrint logs the refused URL and leaves its resource out."""
    raise ValueError(f"billingcore renders self-contained pages and fetches nothing: {url}")
