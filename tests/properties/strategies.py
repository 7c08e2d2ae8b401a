"""Hypothesis strategies: valid-looking Duda timelines (the engine refuses the few impossible ones)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from billingcore.catalog.model import Period
from billingcore.events import (
    AddStore,
    BuyApp,
    BuyOneOff,
    BuyPlan,
    Cancel,
    ChangePlan,
    ConvertSite,
    PublishSite,
    SetDontRenew,
    UnpublishSite,
    UpgradeApp,
    UpgradeStore,
)

START = date(2019, 12, 20)
periods = st.sampled_from([Period.MONTHLY, Period.ANNUAL])


@st.composite
def duda_timelines(draw: Any) -> list[Any]:
    day0 = START + timedelta(days=draw(st.integers(0, 60)))
    events: list[Any] = [BuyPlan("plan", day0, draw(st.sampled_from(["basic", "team", "agency"])), draw(periods))]
    for i in range(draw(st.integers(0, 4))):
        published = day0 + timedelta(days=draw(st.integers(0, 120)))
        period = draw(st.sampled_from([None, Period.MONTHLY, Period.MONTHLY, Period.ANNUAL]))
        if period is None and draw(st.booleans()):
            period = Period.MONTHLY
        events.append(PublishSite(f"pub{i}", published, f"s{i}", period or Period.MONTHLY))
        later = published + timedelta(days=draw(st.integers(1, 200)))
        match draw(
            st.sampled_from(["none", "unpublish", "convert", "app", "app-and-stop", "store", "upgrades", "cancel"])
        ):
            case "unpublish":
                events.append(UnpublishSite(f"unpub{i}", later, f"s{i}"))
            case "convert" if period is not Period.ANNUAL:
                events.append(ConvertSite(f"conv{i}", later, f"s{i}", Period.ANNUAL))
            case "app":
                events.append(BuyApp(f"app{i}", later, f"s{i}", "app-crm", draw(periods)))
            case "app-and-stop":
                events.append(BuyApp(f"app{i}", later, f"s{i}", "app-crm", Period.MONTHLY))
                stop = later + timedelta(days=draw(st.integers(1, 90)))
                events.append(SetDontRenew(f"stop{i}", stop, f"app:s{i}:app-crm"))
            case "store":
                events.append(AddStore(f"store{i}", later, f"s{i}", "store-standard", draw(periods)))
            case "upgrades":
                period2 = draw(periods)
                events.append(AddStore(f"store{i}", later, f"s{i}", "store-standard", period2))
                events.append(BuyApp(f"app{i}", later, f"s{i}", "app-crm", period2))
                up = later + timedelta(days=draw(st.integers(0, 400)))
                events.append(UpgradeStore(f"upstore{i}", up, f"s{i}", "store-advanced"))
                events.append(UpgradeApp(f"upapp{i}", up, f"s{i}", "app-crm", "app-crm-pro"))
            case "cancel" if period is not None:
                events.append(Cancel(f"cancel{i}", later, f"site:s{i}"))
    if draw(st.booleans()):
        events.append(
            BuyOneOff("img", day0 + timedelta(days=draw(st.integers(0, 300))), "premium-image", draw(st.integers(1, 5)))
        )
    if draw(st.booleans()):
        changed = day0 + timedelta(days=draw(st.integers(1, 400)))
        events.append(
            ChangePlan("plan-change", changed, draw(st.sampled_from(["basic", "team", "agency"])), draw(periods))
        )
    if draw(st.booleans()):
        events.append(SetDontRenew("plan-stop", day0 + timedelta(days=draw(st.integers(0, 400))), "plan"))
    events.sort(key=lambda e: e.date)  # stable: same-day events keep their order
    return events
