"""The chart macro's data table drawn as an inline SVG line or bar chart, so the viewer shows
what Confluence would draw. Pure: cell texts in, SVG text out; every text is escaped."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape
from typing import Literal

ChartKind = Literal["line", "bar"]

# Atlassian's chart palette: distinct for the first six series, then it repeats.
PALETTE = ("#0065FF", "#FF8B00", "#36B37E", "#6554C0", "#FF5630", "#00B8D9")
_GRID = "#EBECF0"
_AXIS = "#C1C7D0"
_INK = "#172B4D"
_MUTED = "#5E6C84"
_CHAR_WIDTH = 6.2  # average width of an 11px sans-serif character, to lay out labels
_MARKER_LIMIT = 60  # beyond this many points, markers would blur into the line
_THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")


@dataclass(frozen=True)
class ChartOptions:
    """The chart macro's parameters the viewer honours."""

    kind: ChartKind = "line"
    title: str = ""
    width: int = 600
    height: int = 300
    x_label: str = ""
    y_label: str = ""
    # Confluence's dataOrientation: horizontal (its default) reads each row as a series,
    # vertical reads the first column as the x values and each further column as a series.
    vertical: bool = False


@dataclass(frozen=True)
class Series:
    """One named row (or column) of numbers; None is an empty cell, drawn as a gap."""

    name: str
    values: tuple[float | None, ...]


def chart_series(table: Sequence[Sequence[str]], vertical: bool) -> tuple[list[str], list[Series]]:
    """The x labels and the numeric series of a chart table; a series without a single number
    is left out (a text column is not data)."""
    rows = [list(row) for row in table]
    if vertical:
        width = max((len(row) for row in rows), default=0)
        rows = [[row[i] if i < len(row) else "" for row in rows] for i in range(width)]
    if not rows:
        return [], []
    labels = rows[0][1:]
    series = []
    for row in rows[1:]:
        values = tuple(parse_number(cell) for cell in row[1 : len(labels) + 1])
        values += (None,) * (len(labels) - len(values))
        if any(v is not None for v in values):
            series.append(Series(row[0] if row else "", values))
    return labels, series


def parse_number(text: str) -> float | None:
    """A cell's number ("1,234.5", "−3", " 42 "), or None for an empty or non-numeric cell."""
    cleaned = text.strip().replace("\u2212", "-").replace("\u00a0", "").replace("\u202f", "")
    if _THOUSANDS.fullmatch(cleaned):
        cleaned = cleaned.replace(",", "")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def chart_svg(table: Sequence[Sequence[str]], options: ChartOptions) -> str | None:
    """The chart as an `<svg>` element, or None when the table holds no numbers to draw."""
    labels, series = chart_series(table, options.vertical)
    if not labels or not series:
        return None
    return _Layout(labels, series, options).svg()


class _Frame:
    """Title, value axis and legend of a chart: what category and time charts share."""

    def __init__(self, names: list[str], numbers: list[float], options: ChartOptions) -> None:
        self.names = names
        self.options = options
        low, high = min(numbers), max(numbers)
        if options.kind == "bar":  # bars start at zero, or their lengths would lie
            low, high = min(low, 0.0), max(high, 0.0)
        self.ticks = nice_ticks(low, high)
        self.format = tick_format(self.ticks)
        tick_width = max(len(self.format(t)) for t in self.ticks) * _CHAR_WIDTH
        self.left = 12 + tick_width + (18 if options.y_label else 0)
        self.top = 32 if options.title else 12
        self.right = 16
        self.legend = _legend_positions(names, self.left, options.width - self.right)
        legend_rows = 1 + max(row for _, row in self.legend)
        self.bottom = 26 + 18 * legend_rows + (18 if options.x_label else 0)
        self.plot_width = max(options.width - self.left - self.right, 40.0)
        self.plot_height = max(options.height - self.top - self.bottom, 40.0)

    def svg(self) -> str:
        o = self.options
        parts = [
            f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{o.width}" '
            f'height="{o.height}" viewBox="0 0 {o.width} {o.height}" role="img" '
            f'aria-label="{escape(o.title or "chart")}" font-size="11" fill="{_INK}">'
        ]
        if o.title:
            parts.append(
                f'<text class="chart-title" x="{o.width / 2:.1f}" y="18" text-anchor="middle" '
                f'font-size="14" font-weight="600">{escape(o.title)}</text>'
            )
        parts += self._y_axis()
        parts += self._x_axis()
        for index, name in enumerate(self.names):
            colour = PALETTE[index % len(PALETTE)]
            parts.append(
                f'<g class="series" data-series="{escape(name)}" '
                f'stroke="{colour}" fill="{colour}">{"".join(self._marks(index))}</g>'
            )
        parts += self._legend()
        parts.append("</svg>")
        return "".join(parts)

    def _marks(self, index: int) -> list[str]:
        """The marks of the index-th series."""
        raise NotImplementedError

    def _x_axis(self) -> list[str]:
        raise NotImplementedError

    def y(self, value: float) -> float:
        low, high = self.ticks[0], self.ticks[-1]
        return self.top + self.plot_height * (high - value) / (high - low)

    def _y_axis(self) -> list[str]:
        parts = []
        right = self.left + self.plot_width
        for tick in self.ticks:
            y = self.y(tick)
            parts.append(
                f'<line x1="{self.left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" '
                f'stroke="{_GRID}"/><text class="y-tick" x="{self.left - 6:.1f}" y="{y + 4:.1f}" '
                f'text-anchor="end" fill="{_MUTED}">{escape(self.format(tick))}</text>'
            )
        if self.options.y_label:
            middle = self.top + self.plot_height / 2
            parts.append(
                f'<text x="12" y="{middle:.1f}" text-anchor="middle" fill="{_MUTED}" '
                f'transform="rotate(-90 12 {middle:.1f})">{escape(self.options.y_label)}</text>'
            )
        return parts

    def _axis_line(self) -> str:
        base = self.top + self.plot_height
        return (
            f'<line x1="{self.left:.1f}" y1="{base:.1f}" x2="{self.left + self.plot_width:.1f}" '
            f'y2="{base:.1f}" stroke="{_AXIS}"/>'
        )

    def _x_tick(self, x: float, label: str, anchor: str = "middle") -> str:
        base = self.top + self.plot_height
        return (
            f'<text class="x-tick" x="{x:.1f}" y="{base + 16:.1f}" '
            f'text-anchor="{anchor}" fill="{_MUTED}">{escape(label)}</text>'
        )

    def _x_label(self) -> list[str]:
        if not self.options.x_label:
            return []
        base = self.top + self.plot_height
        return [
            f'<text x="{self.left + self.plot_width / 2:.1f}" y="{base + 32:.1f}" '
            f'text-anchor="middle" fill="{_MUTED}">{escape(self.options.x_label)}</text>'
        ]

    def _polylines(self, runs: list[list[tuple[float, float, str]]], markers: bool) -> list[str]:
        """One polyline per run of (x, y, tooltip) points; markers on every point when
        `markers`, else only on a lone point, which would otherwise be invisible."""
        parts = []
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in run)
                parts.append(
                    f'<polyline points="{points}" fill="none" stroke-width="2" '
                    f'stroke-linejoin="round" stroke-linecap="round"/>'
                )
        for run in runs:
            if markers or len(run) == 1:
                parts += [
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" stroke="none">'
                    f"<title>{escape(tip)}</title></circle>"
                    for x, y, tip in run
                ]
        return parts

    def _legend(self) -> list[str]:
        rows = 1 + max(row for _, row in self.legend)
        first = self.options.height - 18 * rows + 4
        parts = []
        for index, (name, (x, row)) in enumerate(zip(self.names, self.legend, strict=True)):
            y = first + 18 * row
            parts.append(
                f'<g class="legend-item"><rect x="{x:.1f}" y="{y - 6:.1f}" width="14" height="4" '
                f'fill="{PALETTE[index % len(PALETTE)]}"/><text x="{x + 19:.1f}" y="{y:.1f}">'
                f"{escape(name)}</text></g>"
            )
        return parts


class _Layout(_Frame):
    """A category chart: one x position per label, a line or bars per series."""

    def __init__(self, labels: list[str], series: list[Series], options: ChartOptions) -> None:
        numbers = [v for s in series for v in s.values if v is not None]
        super().__init__([s.name for s in series], numbers, options)
        self.labels = labels
        self.series = series

    def x(self, index: int) -> float:
        """The centre of the index-th category."""
        return self.left + self.plot_width * (index + 0.5) / len(self.labels)

    def _marks(self, index: int) -> list[str]:
        series = self.series[index]
        return self._bars(index, series) if self.options.kind == "bar" else self._line(series)

    def _x_axis(self) -> list[str]:
        parts = [self._axis_line()]
        # Every k-th label, so that labels never overlap however many periods there are.
        widest = max(len(label) for label in self.labels) * _CHAR_WIDTH + 10
        every = max(1, math.ceil(widest * len(self.labels) / self.plot_width))
        last = len(self.labels) - 1
        for index in range(last % every, len(self.labels), every):  # always label the latest
            parts.append(self._x_tick(self.x(index), self.labels[index]))
        return parts + self._x_label()

    def _line(self, series: Series) -> list[str]:
        """One polyline per run of values: an empty cell breaks the line, it is not a zero."""
        runs: list[list[tuple[float, float, str]]] = [[]]
        for index, value in enumerate(series.values):
            if value is None:
                if runs[-1]:
                    runs.append([])
            else:
                runs[-1].append((self.x(index), self.y(value), self._tooltip(series, index, value)))
        return self._polylines(runs, len(self.labels) <= _MARKER_LIMIT)

    def _bars(self, position: int, series: Series) -> list[str]:
        group = self.plot_width / len(self.labels)
        bar = group * 0.8 / len(self.series)
        zero = self.y(max(self.ticks[0], min(0.0, self.ticks[-1])))
        parts = []
        for index, value in enumerate(series.values):
            if value is None:
                continue
            x = self.left + group * index + group * 0.1 + bar * position
            top, bottom = sorted((self.y(value), zero))
            parts.append(
                f'<rect x="{x:.1f}" y="{top:.1f}" width="{bar:.1f}" '
                f'height="{max(bottom - top, 0.5):.1f}" stroke="none">'
                f"<title>{escape(self._tooltip(series, index, value))}</title></rect>"
            )
        return parts

    def _tooltip(self, series: Series, index: int, value: float) -> str:
        return f"{series.name} · {self.labels[index]}: {plain_number(value)}"


@dataclass(frozen=True)
class TimedSeries:
    """One named series of a time-series chart: its own (day, value) points, in time order."""

    name: str
    points: tuple[tuple[date, float], ...]


def time_series(tables: Sequence[Sequence[Sequence[str]]], date_format: str) -> list[TimedSeries]:
    """The series of a time-series chart's tables (Confluence draws every table of the macro
    into one chart): the first column holds the times, each further column a series; a row
    whose time or number cannot be read is no point of it."""
    pattern = _strptime_pattern(date_format)
    found: list[TimedSeries] = []
    for table in tables:
        if not table:
            continue
        heading, rows = table[0], table[1:]
        for column in range(1, len(heading)):
            points = sorted(
                (day, value)
                for row in rows
                if column < len(row)
                and (day := _read_day(row[0], pattern)) is not None
                and (value := parse_number(row[column])) is not None
            )
            if points:
                found.append(TimedSeries(heading[column], tuple(points)))
    return found


def time_chart_svg(
    tables: Sequence[Sequence[Sequence[str]]], options: ChartOptions, date_format: str
) -> str | None:
    """A time-series chart as an `<svg>` element, or None when there is nothing to draw."""
    series = time_series(tables, date_format)
    return _TimeLayout(series, options).svg() if series else None


class _TimeLayout(_Frame):
    """A time-series chart: each series a line through its own points, placed by their day."""

    def __init__(self, series: list[TimedSeries], options: ChartOptions) -> None:
        numbers = [value for s in series for _, value in s.points]
        super().__init__([s.name for s in series], numbers, options)
        self.series = series
        days = [day for s in series for day, _ in s.points]
        self.first, self.last = min(days), max(days)

    def x(self, day: date) -> float:
        span = (self.last - self.first).days
        share = (day - self.first).days / span if span else 0.5
        return self.left + self.plot_width * share

    def _marks(self, index: int) -> list[str]:
        series = self.series[index]
        run = [
            (
                self.x(day),
                self.y(value),
                f"{series.name} · {day.isoformat()}: {plain_number(value)}",
            )
            for day, value in series.points
        ]
        return self._polylines([run], len(run) <= _MARKER_LIMIT)

    def _x_axis(self) -> list[str]:
        parts = [self._axis_line()]
        span = max((self.last - self.first).days, 1)
        count = max(2, min(6, int(self.plot_width // 90)))
        for step in range(count + 1):
            day = self.first + timedelta(days=round(span * step / count))
            # The outer labels stand inside the plot's width, where there is room for them.
            anchor = "start" if step == 0 else "end" if step == count else "middle"
            parts.append(self._x_tick(self.x(day), f"{day:%b %Y}", anchor))
        return parts + self._x_label()


_JAVA_DATE_PARTS = (("yyyy", "%Y"), ("MM", "%m"), ("dd", "%d"))


def _strptime_pattern(date_format: str) -> str:
    """A Java date pattern as Confluence's chart reads it (yyyy-MM-dd) for `strptime`."""
    pattern = date_format or "yyyy-MM-dd"
    for java, python in _JAVA_DATE_PARTS:
        pattern = pattern.replace(java, python)
    return pattern


def _read_day(text: str, pattern: str) -> date | None:
    try:
        return datetime.strptime(text.strip(), pattern).date()
    except ValueError:
        return None


def _legend_positions(names: Sequence[str], left: float, right: float) -> list[tuple[float, int]]:
    """Where each legend entry starts: x and row, wrapping to a new row at the right edge."""
    positions = []
    x, row = left, 0
    for name in names:
        width = 19 + len(name) * _CHAR_WIDTH + 18
        if x > left and x + width > right:
            x, row = left, row + 1
        positions.append((x, row))
        x += width
    return positions


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About `count` round tick values covering [low, high] (steps of 1, 2, 2.5 or 5 x 10^n)."""
    if high == low:
        pad = abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    steps = math.ceil(high / step - start / step - 1e-9)
    return [start + i * step for i in range(steps + 1)]


def tick_format(ticks: Sequence[float]) -> Callable[[float], str]:
    """A formatter for the axis: k, M or B for large values, as many decimals as the step needs."""
    step = ticks[1] - ticks[0]
    largest = max(abs(t) for t in ticks)
    scale, suffix = next(
        ((s, x) for s, x in ((1e9, "B"), (1e6, "M"), (1e4, "k")) if largest >= s), (1.0, "")
    )
    if suffix == "k":
        scale = 1e3
    decimals = min(max(0, math.ceil(-math.log10(step / scale) - 1e-9)), 6)
    return lambda v: f"{v / scale:,.{decimals}f}{suffix}"


def plain_number(value: float) -> str:
    """A value in full, with thousands separators and no needless decimals."""
    return f"{value:,.4f}".rstrip("0").rstrip(".")
