"""The optional dependencies of rendering (the extra `billingcore[render]`: Jinja2, babel, WeasyPrint) and the
error that names them when one is missing, instead of an ImportError's traceback."""

from __future__ import annotations

from billingcore.errors import BillingError

EXTRA = "render"


class MissingExtraError(BillingError, ImportError):
    """A rendering module needs a package of the extra `render` (or, for WeasyPrint, Pango) that is not installed."""

    def __init__(self, package: str, reason: str = "") -> None:
        self.package = package
        hint = "pip install 'billingcore[render]'"
        if package == "weasyprint":
            hint += " (WeasyPrint also needs Pango: apt-get install libpango-1.0-0 libpangoft2-1.0-0)"
        because = f": {reason}" if reason else ""
        super().__init__(f"rendering needs {package}, of the extra `{EXTRA}`, which is not usable{because}; {hint}")
