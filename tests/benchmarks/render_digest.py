"""Run by hand around a refactor: one digest of every page the demo catalog (in en and nl) and the
benchmark catalog render, so that "pages render byte for byte as before" is a comparison of
two lines, not a belief.

Run: .venv/bin/python tests/benchmarks/render_digest.py [--kpis 200]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from confluence_kpi.catalog import Catalog, load_catalog
from confluence_kpi.confluence import Gateway, Transport
from confluence_kpi.demo import DEMO_AS_OF, DEMO_CATALOG, demo_sources
from confluence_kpi.pipeline import measure_catalog
from confluence_kpi.sandbox import SandboxConfig, SandboxServer
from confluence_kpi.sources.confluence_table import PageReader
from confluence_kpi.sync import plan

sys.path.insert(0, str(Path(__file__).parent))
# A sibling script, not a package: found through the path above (mypy sees it as tests.benchmarks).
import bench_sync  # type: ignore[import-not-found]


def digest(catalog: Catalog, now: datetime, reader: PageReader | None = None) -> tuple[int, str]:
    """How many pages the catalog renders, and one digest over their keys, titles and bodies;
    `reader` reads the pages its confluence_table sources name."""
    measured = measure_catalog(catalog, now=now, pages=reader)
    pages = plan(catalog, measured, {}, {}, now=now, prefer="page").pages
    total = hashlib.sha256()
    for key in sorted(pages, key=str):
        page = pages[key]
        total.update(f"{key}\n{page.title}\n{page.body}\n".encode())
    return len(pages), total.hexdigest()[:16]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kpis", type=int, default=200, help="KPIs of the benchmark catalog")
    args = parser.parse_args(argv)
    with SandboxServer(SandboxConfig(port=0)) as server:
        gateway = Gateway(Transport(server.base_url, username="admin", api_token="admin"))
        with demo_sources(load_catalog(DEMO_CATALOG), gateway) as demo:
            for locale in ("en", "nl"):
                shown = demo.model_copy(update={"locale": locale})
                count, value = digest(shown, DEMO_AS_OF, gateway)
                print(f"demo catalog, {locale}: {count} pages, digest {value}")
    with tempfile.TemporaryDirectory() as folder:
        kpis = bench_sync.plan_kpis(args.kpis)
        bench_sync.write_data(Path(folder), kpis, frozenset())
        catalog = load_catalog(bench_sync.write_catalog(Path(folder), kpis))
        count, value = digest(catalog, bench_sync.NOW)
        print(f"benchmark catalog, {args.kpis} KPIs: {count} pages, digest {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
