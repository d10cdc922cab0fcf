"""Measurements typed into a manual KPI's page, as the evaluation receives them."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from confluence_kpi.manual import read_manual
from confluence_kpi.model import Direction, Grain, KpiDefinition, ManualRow

ZONE = ZoneInfo("Europe/Amsterdam")
SATISFACTION = KpiDefinition(
    id="onboarding-satisfaction",
    name="Onboarding satisfaction",
    team="people",
    unit="%",
    decimals=0,
    direction=Direction.MAINTAIN_ABOVE,
    grain=Grain.QUARTER,
    aggregation="mean",
    source="page",
)


def test_a_typed_row_measures_its_whole_period_and_is_stamped_at_its_start() -> None:
    typed = (ManualRow("15 August 2026", "84.6"), ManualRow("K2 2026", "86,5"))

    data = read_manual(
        typed, SATISFACTION, locale="nl", week_start=0, zone=ZONE, today=date(2026, 11, 28)
    )

    assert data.unusable == ()
    assert [(m.ts, m.period_start, m.value) for m in data.series] == [
        (datetime(2026, 4, 1, tzinfo=ZONE), date(2026, 4, 1), 86.5),
        (datetime(2026, 7, 1, tzinfo=ZONE), date(2026, 7, 1), 84.6),
    ]
    assert data.rows == typed  # as typed, in the order typed
    assert data.places == 1
