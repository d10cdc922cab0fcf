"""Writes the demo data next to this file: two years of deterministic, realistic measurements.

Run `python config/demo/generate.py` to regenerate (with openpyxl, which the package needs
anyway); the files it writes are committed, so the demo never depends on this script. Every
series is seeded, so the output is byte-identical from run to run. The data ends the day before
DEMO_AS_OF, the moment the demo evaluates at.

Each file is in the form its team keeps it: CSV exports, an Excel workbook, SQL databases
(shipped as SQL scripts the demo loads into SQLite at start, never as binary files), the bugs
a Jira site holds (served by the demo's Jira stand-in) and a table on a Confluence page (the
page's storage format, which the demo puts into its sandbox).
"""

from __future__ import annotations

import csv
import math
import random
import re
import sqlite3
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.worksheet.table import Table, TableStyleInfo

HERE = Path(__file__).resolve().parent
FIRST_DAY = date(2024, 11, 28)
LAST_DAY = date(2026, 11, 27)
ZONE = ZoneInfo("Europe/Amsterdam")  # the catalog's


def days() -> Iterator[date]:
    """Every day of the demo's two years."""
    day = FIRST_DAY
    while day <= LAST_DAY:
        yield day
        day += timedelta(days=1)


def months() -> Iterator[date]:
    """The first day of every month in the demo's two years whose books are closed: a month's
    ledger row exists once the month is over, so the running month has none."""
    month = date(FIRST_DAY.year, FIRST_DAY.month, 1)
    while (following := date(month.year + month.month // 12, month.month % 12 + 1, 1)) <= LAST_DAY:
        yield month
        month = following


def progress(day: date) -> float:
    """0 at the start of the demo, 1 at its end: drives the slow trends."""
    return (day - FIRST_DAY).days / (LAST_DAY - FIRST_DAY).days


def write_csv(name: str, header: list[str], rows: list[list[object]]) -> None:
    """Writes one CSV file with a header row."""
    with (HERE / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def write_sql(name: str, db: sqlite3.Connection) -> None:
    """Writes a database as the SQL script that builds it (`sqlite3`'s dump), then closes it."""
    with (HERE / name).open("w", encoding="utf-8", newline="\n") as handle:
        handle.writelines(f"{line}\n" for line in db.iterdump())
    db.close()


def sales(rng: random.Random) -> None:
    """Daily revenue, opportunities, deals won and the open pipeline, with weekly seasonality."""
    rows: list[list[object]] = []
    for day in days():
        weekday_factor = 0.25 if day.weekday() >= 5 else 1.0
        growth = 1 + 0.22 * progress(day)
        opportunities = max(0, round(rng.gauss(38, 6) * weekday_factor))
        conversion = 0.18 + 0.03 * progress(day) + rng.gauss(0, 0.015)
        won = min(opportunities, max(0, round(opportunities * conversion)))
        revenue = round(won * rng.gauss(6200, 900) * growth, 2)
        pipeline = round(2_400_000 * growth + rng.gauss(0, 60_000), 2)
        rows.append([day.isoformat(), revenue, opportunities, won, pipeline])
    write_csv(
        "sales.csv", ["date", "revenue", "opportunities", "deals_won", "pipeline_value"], rows
    )


def marketing(rng: random.Random) -> None:
    """Weekly leads, campaign spend and what the campaigns earned above their cost: a week's
    row, stamped with its Monday, exists once the week is over."""
    rows: list[list[object]] = []
    week = FIRST_DAY - timedelta(days=FIRST_DAY.weekday())
    while week + timedelta(days=6) <= LAST_DAY:
        leads = max(0, round(rng.gauss(240 + 110 * progress(week), 25)))
        spend = round(rng.gauss(18_000, 1_500), 2)
        net_gain = round(spend * rng.gauss(0.35 + 0.25 * progress(week), 0.2), 2)
        rows.append([week.isoformat(), leads, spend, net_gain])
        week += timedelta(days=7)
    write_csv("marketing.csv", ["week", "leads", "campaign_spend", "campaign_net_gain"], rows)


def support(rng: random.Random) -> None:
    """Tickets with response and resolution times and survey answers; open-ticket samples."""
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE TABLE tickets (id INTEGER PRIMARY KEY, created_at TEXT NOT NULL,"
        " first_response_hours REAL, resolution_hours REAL, surveyed INTEGER, satisfied INTEGER)"
    )
    db.execute("CREATE TABLE backlog_samples (sampled_at TEXT NOT NULL, open_tickets INTEGER)")
    tickets: list[tuple[object, ...]] = []
    samples: list[tuple[object, ...]] = []
    for day in days():
        p = progress(day)
        per_day = max(0, round(rng.gauss(55 if day.weekday() < 5 else 12, 6)))
        for _ in range(per_day):
            created = datetime(day.year, day.month, day.day, rng.randint(7, 18), rng.randint(0, 59))
            response = max(0.1, rng.lognormvariate(math.log(5.5 - 2.6 * p), 0.5))
            resolution = response + max(0.5, rng.lognormvariate(math.log(20 - 6 * p), 0.7))
            surveyed = 1 if rng.random() < 0.3 else 0
            satisfied = (1 if rng.random() < 0.78 + 0.06 * p else 0) if surveyed else None
            tickets.append(
                (
                    created.isoformat(" "),
                    round(response, 2),
                    round(resolution, 2),
                    surveyed,
                    satisfied,
                )
            )
        # The helpdesk samples its backlog at irregular moments: a time-weighted mean is right.
        for hour in sorted(rng.sample(range(24), 3)):
            open_tickets = max(0, round(rng.gauss(140 - 30 * p, 12)))
            samples.append((f"{day.isoformat()} {hour:02d}:00:00", open_tickets))
    db.executemany(
        "INSERT INTO tickets (created_at, first_response_hours, resolution_hours, surveyed,"
        " satisfied) VALUES (?, ?, ?, ?, ?)",
        tickets,
    )
    db.executemany("INSERT INTO backlog_samples VALUES (?, ?)", samples)
    write_sql("support.sql", db)


def engineering(rng: random.Random) -> None:
    """Sprints, incidents, request latency samples and daily availability in the database;
    the bugs in Jira (jira_bugs.csv: each bug's key, when it was reported and when fixed)."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE sprints (ended_on TEXT NOT NULL, story_points INTEGER)")
    db.execute(
        "CREATE TABLE incidents (started_at TEXT NOT NULL, minutes_to_resolve REAL,"
        " recurring INTEGER)"
    )
    db.execute("CREATE TABLE latency (sampled_at TEXT NOT NULL, p_ms REAL)")
    db.execute("CREATE TABLE availability (day TEXT NOT NULL, minutes INTEGER, up_minutes REAL)")
    sprint_end = FIRST_DAY + timedelta(days=13)
    while sprint_end <= LAST_DAY:
        db.execute(
            "INSERT INTO sprints VALUES (?, ?)",
            (sprint_end.isoformat(), max(0, round(rng.gauss(34 + 4 * progress(sprint_end), 5)))),
        )
        sprint_end += timedelta(days=14)
    bugs: list[list[object]] = []
    for day in days():
        p = progress(day)
        for _ in range(rng.randint(0, 6) if day.weekday() < 5 else 0):
            # Fixes are deployed at 16:00; the time to fix is in tenths of a day (2h24m).
            resolved = datetime(day.year, day.month, day.day, 16, tzinfo=ZONE)
            spent = timedelta(days=round(rng.lognormvariate(math.log(6 - 2 * p), 0.6), 1))
            key = f"OPS-{1001 + len(bugs)}"
            bugs.append([key, jira_moment(resolved - spent), jira_moment(resolved)])
        if rng.random() < 0.12:
            minutes = rng.lognormvariate(math.log(95 - 35 * p), 0.5)
            recurring = 1 if rng.random() < 0.3 - 0.12 * p else 0
            db.execute(
                "INSERT INTO incidents VALUES (?, ?, ?)",
                (f"{day.isoformat()} {rng.randint(0, 23):02d}:30:00", round(minutes, 1), recurring),
            )
        for hour in (3, 9, 15, 21):
            db.execute(
                "INSERT INTO latency VALUES (?, ?)",
                (f"{day.isoformat()} {hour:02d}:00:00", round(rng.gauss(240 - 40 * p, 45), 1)),
            )
        down = rng.expovariate(1 / 1.6) if rng.random() < 0.35 else 0.0
        db.execute(
            "INSERT INTO availability VALUES (?, ?, ?)",
            (day.isoformat(), 1440, round(1440 - down, 2)),
        )
    write_sql("engineering.sql", db)
    write_csv("jira_bugs.csv", ["key", "created", "resolutiondate"], bugs)


def jira_moment(moment: datetime) -> str:
    """A moment as Jira's REST API writes one: `2026-03-02T09:00:00.000+0100`, in the zone of
    the moment (Jira's users' zone is the catalog's)."""
    return moment.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M:%S.000%z")


def product(rng: random.Random) -> None:
    """Daily active and eligible users: adoption is a level, so its last value counts."""
    rows: list[list[object]] = []
    eligible = 12_000.0
    for day in days():
        eligible += rng.gauss(6, 3)
        active = eligible * (0.34 + 0.19 * progress(day)) + rng.gauss(0, 120)
        rows.append([day.isoformat(), round(active), round(eligible)])
    write_csv("product_usage.csv", ["date", "active_users", "eligible_users"], rows)


def finance(rng: random.Random) -> None:
    """Monthly books: revenue, cost of goods, cash, investments and the customer count."""
    rows: list[list[object]] = []
    balance = 4_200_000.0
    customers = 1_850.0
    for month in months():
        p = progress(month)
        revenue = 1_150_000 * (1 + 0.2 * p) * rng.gauss(1, 0.04)
        cogs = revenue * rng.gauss(0.585 - 0.04 * p, 0.015)
        cash_in = revenue * rng.gauss(0.97, 0.03)
        cash_out = (cogs + 310_000) * rng.gauss(1, 0.05)
        balance += cash_in - cash_out
        customers += rng.gauss(22, 8)
        cost = rng.gauss(90_000, 10_000)
        gain = cost * rng.gauss(1.18 + 0.1 * p, 0.1)
        rows.append(
            [
                month.isoformat(),
                round(revenue, 2),
                round(revenue - cogs, 2),
                round(cash_in - cash_out, 2),
                round(balance, 2),
                round(gain - cost, 2),
                round(cost, 2),
                round(customers),
            ]
        )
    header = [
        "month",
        "revenue",
        "gross_profit",
        "net_cash_flow",
        "cash_balance",
        "investment_return",
        "investment_cost",
        "customers",
    ]
    write_csv("finance.csv", header, rows)


def people(rng: random.Random) -> None:
    """Monthly leavers, headcount and training; one row per accepted hire."""
    rows: list[list[object]] = []
    headcount = 410.0
    for month in months():
        p = progress(month)
        leavers = max(0, round(rng.gauss(6.5 - 2.0 * p, 1.5)))
        headcount += rng.gauss(3, 2)
        assigned = round(rng.gauss(180, 20))
        completed = min(assigned, round(assigned * rng.gauss(0.74 + 0.1 * p, 0.03)))
        rows.append([month.isoformat(), leavers, round(headcount), completed, assigned])
    write_csv(
        "people.csv",
        ["month", "leavers", "average_headcount", "training_completed", "training_assigned"],
        rows,
    )
    hires: list[list[object]] = []
    for day in days():
        if day.weekday() < 5 and rng.random() < 0.09:
            hires.append([day.isoformat(), round(rng.gauss(46 - 8 * progress(day), 9))])
    write_csv("hires.csv", ["accepted_on", "days_to_hire"], hires)


def sales_survey(rng: random.Random) -> None:
    """The workbook in which Sales keeps its monthly customer survey, as a Dutch team keeps
    it: a named table (Enquete) on the sheet Tevredenheid, the month a date cell shown as
    dd-mm-jjjj, how many customers answered and how many of them were satisfied."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its one sheet
    sheet.title = "Tevredenheid"
    sheet.append(["Klanttevredenheid na aankoop, per maand"])
    sheet.append([])
    sheet.append(["Maand", "Antwoorden", "Tevreden", "Opmerking"])
    for month in months():
        answered = max(20, round(rng.gauss(64 + 10 * progress(month), 7)))
        satisfied = min(answered, round(answered * rng.gauss(0.79 + 0.07 * progress(month), 0.03)))
        note = "nieuwe vragenlijst" if month == date(2025, 9, 1) else None
        sheet.append([month, answered, satisfied, note])
        sheet.cell(sheet.max_row, 1).number_format = "dd-mm-yyyy"
    table = Table(displayName="Enquete", ref=f"A3:D{sheet.max_row}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    sheet.add_table(table)
    book.properties.created = datetime(2026, 11, 27, 17, 0)
    path = HERE / "sales_survey.xlsx"
    book.save(path)
    # openpyxl stamps the saving moment on the document and on each part of the archive: a
    # fixed one instead, so that each run writes the same bytes.
    with zipfile.ZipFile(path) as saved:
        parts = [(item.filename, saved.read(item)) for item in saved.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as fixed:
        for name, data in parts:
            if name == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-11-27T17:00:00Z", data
                )
            fixed.writestr(zipfile.ZipInfo(name, (2026, 11, 27, 17, 0, 0)), data)


def support_desk_log(rng: random.Random) -> None:
    """The page on which the helpdesk's team leads log, by hand, each month's formal
    complaints and escalations to second line: its body in Confluence's storage format, the
    month as a date lozenge (what typing // inserts), a note where there was something to say."""
    rows = []
    for month in months():
        complaints = max(0, round(rng.gauss(14 - 6 * progress(month), 2.5)))
        escalations = max(0, round(rng.gauss(31 - 9 * progress(month), 4)))
        note = "<p>Outage on the 14th: most complaints that week</p>" if complaints > 16 else ""
        rows.append(
            f'<tr><td><p><time datetime="{month.isoformat()}" /></p></td>'
            f"<td><p>{complaints}</p></td><td><p>{escalations}</p></td><td>{note}</td></tr>"
        )
    body = (
        "<p>Filled in by the team leads on the first working day of each month, from the "
        "complaints register and the second-line queue. The KPI pages read this table: "
        "keep its header row as it is.</p>"
        "<table><tbody><tr><th><p>Month</p></th><th><p>Complaints</p></th>"
        "<th><p>Escalations</p></th><th><p>Notes</p></th></tr>"
        + "\n".join(reversed(rows))  # the latest month on top, as the team adds them
        + "</tbody></table>"
    )
    (HERE / "support_desk_log.xml").write_text(body + "\n", encoding="utf-8")


def main() -> None:
    """Writes every demo data file, each from its own seeded generator."""
    writers = (
        sales,
        marketing,
        support,
        engineering,
        product,
        finance,
        people,
        sales_survey,
        support_desk_log,
    )
    for seed, write in enumerate(writers):
        write(random.Random(seed))


if __name__ == "__main__":
    main()
