"""A KPI's page kept with its last good values while its source fails: the bot's part as the
page holds it under one panel saying since when and why, in the page's language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from confluence_kpi.pages.kept import kept_page
from confluence_kpi.pages.render import render_unavailable_panel

from .factories import make_context

PAGE = "<p>Kept up to date.</p>\n<table><tbody><tr><td>99.90 %</td></tr></tbody></table>"
# Late in the evening in UTC is the next day in Amsterdam, the context's zone.
SINCE = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)


def test_the_panel_says_since_which_day_in_the_catalogs_zone_and_why() -> None:
    panel = render_unavailable_panel(SINCE, "ops_sheet (ops.csv): <no such file>", make_context())

    assert 'ac:name="warning"' in panel
    assert "Data unavailable" in panel
    assert "since 28 November 2026: ops_sheet (ops.csv): &lt;no such file&gt;." in panel


def test_a_panel_an_earlier_run_put_on_the_page_is_replaced_not_repeated() -> None:
    first = kept_page(PAGE, render_unavailable_panel(SINCE, "timeout", make_context()))

    again = kept_page(first, render_unavailable_panel(SINCE, "refused", make_context()))

    assert again.count('ac:name="warning"') == 1
    assert "refused" in again
    assert "timeout" not in again
    assert again.endswith(PAGE)


@pytest.mark.parametrize("locale", ["en", "nl"])
def test_a_panel_in_either_page_language_is_recognised(locale: str) -> None:
    earlier = kept_page(PAGE, render_unavailable_panel(SINCE, "timeout", make_context(locale)))

    again = kept_page(earlier, render_unavailable_panel(SINCE, "refused", make_context()))

    assert again.count('ac:name="warning"') == 1


def test_a_warning_panel_of_another_kind_stays() -> None:
    other = (
        '<ac:structured-macro ac:name="warning"><ac:parameter ac:name="title">Heads up'
        "</ac:parameter><ac:rich-text-body><p>x</p></ac:rich-text-body></ac:structured-macro>"
    )

    kept = kept_page(other + PAGE, render_unavailable_panel(SINCE, "refused", make_context()))

    assert kept.count('ac:name="warning"') == 2
    assert kept.endswith(other + PAGE)
