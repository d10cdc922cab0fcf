"""CSV text as a source: a file, the files a glob pattern matches (one export a month, say),
or a download; each with a header row, read into one table of text cells whose rows keep
the file and line they come from."""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from confluence_kpi.catalog import CsvSourceConfig, files_named, is_pattern
from confluence_kpi.sources.dates import DateText
from confluence_kpi.sources.decoding import decode
from confluence_kpi.sources.download import download, shown_url
from confluence_kpi.sources.table import SourceError, Table

_FIRST_ROW_LINE = 2  # the header is line 1


def shown_path(path: Path) -> str:
    """The path for messages: relative to the working directory (the project) when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class CsvTable(Table):
    """The rows of one or more CSV files, in file order, each named by its file and line."""

    # Where each file's rows start, and the file's name in messages: (row index, origin).
    files: tuple[tuple[int, str], ...] = ()

    def where(self, row: int, column: int) -> str:
        """The cell's file, line and column."""
        start, origin = self.files[bisect_right(self.files, row, key=lambda file: file[0]) - 1]
        line = _FIRST_ROW_LINE + row - start
        return f"{origin}, line {line}, column {self.columns[column]!r}"


@dataclass(frozen=True)
class _File:
    """One file's header and rows, and its name in messages."""

    shown: str
    origin: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


class CsvSource:
    """Reads the configured files, or downloads the URL, on each fetch; the query is ignored
    (KPIs pick columns)."""

    def __init__(self, name: str, config: CsvSourceConfig) -> None:
        self._name = name
        self._config = config
        place = shown_url(config.url) if config.url is not None else shown_path(self._path)
        self._origin = f"{name} ({place})"

    @property
    def _path(self) -> Path:
        path = self._config.path
        assert path is not None, "a csv source without url has a path (CsvSourceConfig)"
        return path

    def fetch(self, query: str | None) -> Table:
        """Every file's rows in one table of strings; the files must share their header."""
        files = [self._read(shown, data) for shown, data in self._contents()]
        first = files[0]
        rows: list[tuple[str, ...]] = []
        starts = []
        for file in files:
            if file.columns != first.columns:
                raise SourceError(
                    f"{file.origin}, line 1: the header names {', '.join(file.columns)}, but "
                    f"{first.shown} names {', '.join(first.columns)}: "
                    "every file of the source needs the same columns"
                )
            starts.append((len(rows), file.origin))
            rows.extend(file.rows)
        config = self._config
        return CsvTable(
            first.columns,
            tuple(rows),
            self._origin,
            decimal=config.decimal,
            thousands=config.thousands,
            dates=DateText(config.date_format, config.dayfirst),
            files=tuple(starts),
        )

    def _contents(self) -> Iterator[tuple[str, bytes]]:
        """Each file's name in messages and its bytes, one file at a time: the download, or
        the files the path names, in file-name order."""
        config = self._config
        if config.url is not None:
            yield (
                shown_url(config.url),
                download(
                    config.url,
                    origin=self._origin,
                    auth_env=config.auth_env,
                    headers_env=config.headers_env,
                    timeout=config.timeout,
                ),
            )
            return
        paths = files_named(self._path) if is_pattern(self._path) else [self._path]
        if not paths:
            raise SourceError(f"{self._origin}: no file matches the pattern")
        for path in paths:
            yield shown_path(path), self._bytes(path)

    def _bytes(self, path: Path) -> bytes:
        try:
            return path.read_bytes()
        except OSError as exc:
            origin = f"{self._name} ({shown_path(path)})"
            raise SourceError(f"{origin}: cannot read the file: {exc.strerror}") from None

    def _read(self, shown: str, data: bytes) -> _File:
        """One file's header and rows."""
        origin = f"{self._name} ({shown})"
        text = decode(data, self._config.encoding, origin)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=self._config.delimiter)
        try:
            records = list(reader)
        except csv.Error as exc:
            raise SourceError(f"{origin}, line {reader.line_num}: {exc}") from None
        if not records or not any(records[0]):
            raise SourceError(f"{origin}: the file has no header row")
        columns = tuple(name.strip() for name in records[0])
        rows = tuple(
            _fit(origin, record, len(columns), line)
            for line, record in enumerate(records[1:], _FIRST_ROW_LINE)
        )
        return _File(shown, origin, columns, rows)

    def close(self) -> None:
        """Nothing to release: the files are closed after each read."""


def _fit(origin: str, record: list[str], width: int, line: int) -> tuple[str, ...]:
    # Rows are padded to the header's width so that row i stays at line i + 2, the row
    # number a spreadsheet shows: blank lines and short rows read as empty cells.
    if len(record) > width and any(cell.strip() for cell in record[width:]):
        raise SourceError(
            f"{origin}, line {line}: {len(record)} cells, but the header names {width}"
        )
    return tuple(record[:width]) + ("",) * (width - len(record))
