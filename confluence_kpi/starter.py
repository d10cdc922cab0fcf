"""`confluence-kpi init`: a commented starter catalog, a sample data file and a `.env`
template, written into a directory in English or Dutch, never over a file that is there.

One template for both languages: only the words differ (`_WORDS`), so the two starters
cannot drift apart. The sample data runs up to the month of `today`, so that a first `sync`
finds current data.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

CATALOG = Path("config/catalog.yaml")
DATA = Path("config/data/sales.csv")
ENV = Path(".env")

_WORDS = {
    "en": {
        "intro": "Starter catalog written by `confluence-kpi init`: change it, then run\n"
        "# `confluence-kpi validate` and `confluence-kpi sync --dry-run`.",
        "space": "The key of the Confluence space the pages go into.",
        "root": "KPI handbook",
        "sources": "Where the data lives; a CSV path is relative to this file.",
        "teams": "Each team gets a page listing its goals and KPIs.",
        "team": "Sales",
        "goals": "SMART goals: each names the KPIs that measure it.",
        "goal": "Win 30 deals a month by the end of next year",
        "kpis": "One page per KPI; `target` may be edited on the page by the team.",
        "kpi": "Deals won",
        "unit": "deals",
        "env": "Settings for confluence-kpi; keep this file out of version control.",
        "cloud": "Cloud: the site with /wiki, the account's e-mail and an API token",
        "dc": "Data Center: the site and a personal access token instead",
    },
    "nl": {
        "intro": "Startcatalogus van `confluence-kpi init`: pas hem aan en draai dan\n"
        "# `confluence-kpi validate` en `confluence-kpi sync --dry-run`.",
        "space": "De sleutel van de Confluence-ruimte waarin de pagina's komen.",
        "root": "KPI-handboek",
        "sources": "Waar de gegevens staan; een CSV-pad is relatief aan dit bestand.",
        "teams": "Elk team krijgt een pagina met zijn doelen en KPI's.",
        "team": "Verkoop",
        "goals": "SMART-doelen: elk noemt de KPI's die het meten.",
        "goal": "Eind volgend jaar 30 deals per maand winnen",
        "kpis": "Eén pagina per KPI; het team mag `target` op de pagina aanpassen.",
        "kpi": "Gewonnen deals",
        "unit": "deals",
        "env": "Instellingen voor confluence-kpi; houd dit bestand buiten versiebeheer.",
        "cloud": "Cloud: de site met /wiki, het e-mailadres van het account en een API-token",
        "dc": "Data Center: de site en in plaats daarvan een persoonlijk toegangstoken",
    },
}
LANGUAGES = tuple(_WORDS)

_CATALOG = """\
# {intro}
# {space}
space: KPI
root_page: {root}
locale: {lang}
timezone: UTC
# {sources}
sources:
  sales_sheet: {{type: csv, path: data/sales.csv}}
# {teams}
teams:
  sales: {{name: {team}}}
# {goals}
goals:
  - id: more-deals
    team: sales
    title: {goal}
    deadline: {deadline}
    kpis: [deals-won]
# {kpis}
kpis:
  - id: deals-won
    name: {kpi}
    team: sales
    unit: {unit}
    decimals: 0
    direction: increase
    grain: month
    aggregation: sum
    source: sales_sheet
    time_column: month
    column: deals
    baseline: {{value: 18, date: {baseline}}}
    target: {{value: 30, date: {deadline}}}
"""

_ENV = """\
# {env}
# {cloud}
# CONFLUENCE_URL=https://example.atlassian.net/wiki
# CONFLUENCE_USERNAME=kpi-bot@example.com
# CONFLUENCE_API_TOKEN=
# {dc}
# CONFLUENCE_URL=https://wiki.example.org
# CONFLUENCE_PAT=
KPI_CONFIG=config/catalog.yaml
"""


class ExistingFilesError(Exception):
    """A file init would write exists; nothing was written."""


def write_starter(directory: Path, language: str, today: date) -> list[Path]:
    """Write the three starter files under `directory`; ExistingFilesError (writing nothing) when
    any of them exists. Returns the paths written."""
    words = {**_WORDS[language], "lang": language}
    months = [_month_back(today, back) for back in range(11, -1, -1)]
    files = {
        CATALOG: _CATALOG.format(
            **words, deadline=f"{today.year + 1}-12-31", baseline=months[0].isoformat()
        ),
        DATA: "month,deals\n"
        + "".join(f"{month.isoformat()},{18 + n // 2}\n" for n, month in enumerate(months)),
        ENV: _ENV.format(**words),
    }
    taken = [str(path) for path in files if (directory / path).exists()]
    if taken:
        raise ExistingFilesError(", ".join(taken))
    for path, text in files.items():
        (directory / path).parent.mkdir(parents=True, exist_ok=True)
        (directory / path).write_text(text, encoding="utf-8")
    return [directory / path for path in files]


def _month_back(today: date, back: int) -> date:
    """The first day of the month `back` months before today's."""
    index = today.year * 12 + today.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)
