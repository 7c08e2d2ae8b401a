"""What a loaded set of plan and rule files holds: catalogs, rule sets and the VAT table. Plain frozen
data, so the billing core can take it without importing the file loader."""

from __future__ import annotations

import attrs

from billingcore.catalog.model import Catalog
from billingcore.catalog.rules import RuleSet, VatTable


@attrs.frozen
class Library:
    """Everything loaded from plans/ and rules/: ready for billing, validated, immutable."""

    catalogs: dict[str, Catalog]
    rule_sets: dict[str, RuleSet]
    vat: VatTable | None
    files: tuple[str, ...] = ()  # the user's files read
    packaged: tuple[str, ...] = ()  # the packaged rule set and VAT files used (docs/rules.md "Packaged rule sets")

    def catalog(self, name: str) -> Catalog:
        return self.catalogs[name]

    def rules_for(self, catalog: Catalog) -> RuleSet:
        return self.rule_sets[catalog.rules]
