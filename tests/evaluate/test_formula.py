"""Derived-KPI formulas: the KPI domain's formulas against hand-computed values, and refusals."""

from __future__ import annotations

import pytest

from confluence_kpi.formula import FormulaError, parse

# (KPI, formula as a catalog writes it, inputs per KPI id, value worked out by hand)
DOMAIN = [
    ("revenue growth", "(revenue - revenue_before) / revenue_before",
     {"revenue": 1_150.0, "revenue-before": 1_000.0}, 0.15),
    ("conversion rate", "conversions / visitors", {"conversions": 45.0, "visitors": 1_500.0}, 0.03),
    ("customer acquisition cost", "(sales_spend + marketing_spend) / new_customers",
     {"sales-spend": 30_000.0, "marketing-spend": 20_000.0, "new-customers": 125.0}, 400.0),
    ("ROI", "(gain - cost) / cost", {"gain": 13_000.0, "cost": 10_000.0}, 0.3),
    ("CSAT", "satisfied / responses", {"satisfied": 170.0, "responses": 200.0}, 0.85),
    ("productivity", "revenue / fte", {"revenue": 1_200_000.0, "fte": 8.0}, 150_000.0),
    ("cash flow", "cash_in - cash_out", {"cash-in": 80_000.0, "cash-out": 95_000.0}, -15_000.0),
    ("gross profit margin", "(revenue - cogs) / revenue",
     {"revenue": 2_000.0, "cogs": 1_160.0}, 0.42),
    ("system uptime", "(time - downtime) / time", {"time": 43_200.0, "downtime": 43.2}, 0.999),
    ("MTTR", "minutes_to_resolve / incidents",
     {"minutes-to-resolve": 540.0, "incidents": 6.0}, 90.0),
    ("recurring incidents", "repeats / incidents", {"repeats": 3.0, "incidents": 12.0}, 0.25),
    ("user adoption", "active_users / eligible_users",
     {"active-users": 1_380.0, "eligible-users": 2_300.0}, 0.6),
    ("revenue per customer", "revenue / customers",
     {"revenue": 61_000.0, "customers": 100.0}, 610.0),
    ("employee turnover", "leavers / average_headcount",
     {"leavers": 3.0, "average-headcount": 120.0}, 0.025),
    ("training completion", "completed / assigned", {"completed": 37.0, "assigned": 50.0}, 0.74),
    ("eNPS", "promoters_pct - detractors_pct",
     {"promoters-pct": 45.0, "detractors-pct": 20.0}, 25.0),
]  # fmt: skip


@pytest.mark.parametrize(
    ("formula", "inputs", "expected"), [row[1:] for row in DOMAIN], ids=[row[0] for row in DOMAIN]
)
def test_domain_formulas_give_the_hand_computed_value(
    formula: str, inputs: dict[str, float], expected: float
) -> None:
    parsed = parse(formula)
    assert parsed.kpis == frozenset(inputs)
    assert parsed.value(inputs) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("formula", "inputs"),
    [
        ("revenue / customers", {"revenue": 10.0, "customers": 0.0}),
        ("a / (b - b)", {"a": 1.0, "b": 5.0}),
        ("a * b", {"a": 1e308, "b": 10.0}),
    ],
)
def test_division_by_zero_and_overflow_give_no_value_not_a_crash(
    formula: str, inputs: dict[str, float]
) -> None:
    assert parse(formula).value(inputs) is None


@pytest.mark.parametrize(
    "text",
    [
        '__import__("os").system("true")',
        "revenue ** 2",
        "revenue.real",
        "revenue if customers else 0",
        "revenue < customers",
        "[revenue]",
        "lambda: revenue",
        "True + revenue",
        "revenue +",
        "(" * 300 + "revenue" + ")" * 300,
    ],
)
def test_anything_but_arithmetic_is_refused_when_parsed(text: str) -> None:
    with pytest.raises(FormulaError):
        parse(text)


def test_names_stand_for_kpi_ids_with_hyphens_written_as_underscores() -> None:
    assert parse("cash_flow / revenue_per_customer").kpis == {"cash-flow", "revenue-per-customer"}
