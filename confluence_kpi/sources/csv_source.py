"""CSV files as a source: one table of text cells per file, header row required."""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

from confluence_kpi.catalog import CsvSourceConfig
from confluence_kpi.sources.table import SourceError, Table


def _shown_path(path: Path) -> str:
    """The path for messages: relative to the working directory (the project) when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class CsvSource:
    """Reads the configured file on each fetch; the query is ignored (KPIs pick columns)."""

    def __init__(self, name: str, config: CsvSourceConfig) -> None:
        self._config = config
        self._origin = f"{name} ({_shown_path(config.path)})"

    def fetch(self, query: str | None) -> Table:
        """Read the whole file into a table of strings."""
        config = self._config
        try:
            # A UTF-8 file saved by Excel starts with a byte order mark; utf-8-sig drops it,
            # so the first column is "date" and not "\ufeffdate".
            encoding = codecs.lookup(config.encoding).name
            encoding = "utf-8-sig" if encoding == "utf-8" else encoding
            with config.path.open(encoding=encoding, newline="") as file:
                reader = csv.reader(file, delimiter=config.delimiter)
                records = list(reader)
        except UnicodeDecodeError:
            raise SourceError(
                f"{self._origin}: the file is not {config.encoding} text; "
                "set `encoding` for this source"
            ) from None
        except OSError as exc:
            raise SourceError(f"{self._origin}: cannot read the file: {exc.strerror}") from None
        except csv.Error as exc:
            raise SourceError(f"{self._origin}, line {reader.line_num}: {exc}") from None
        if not records or not any(records[0]):
            raise SourceError(f"{self._origin}: the file has no header row")
        columns = tuple(name.strip() for name in records[0])
        rows = tuple(
            self._fit(record, len(columns), line) for line, record in enumerate(records[1:], 2)
        )
        return Table(columns, rows, self._origin, decimal=config.decimal, first_line=2)

    def _fit(self, record: list[str], width: int, line: int) -> tuple[str, ...]:
        # Rows are padded to the header's width so that row i stays at line i + 2, the row
        # number a spreadsheet shows: blank lines and short rows read as empty cells.
        if len(record) > width and any(cell.strip() for cell in record[width:]):
            raise SourceError(
                f"{self._origin}, line {line}: {len(record)} cells, but the header names {width}"
            )
        return tuple(record[:width]) + ("",) * (width - len(record))

    def close(self) -> None:
        """Nothing to release: the file is closed after each read."""
