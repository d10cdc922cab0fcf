"""Where the files shipped with the package are: the page templates and strings, the example
catalog and its demo data.

They live at the top of the repository (`page_templates/`, `config/`) and are mapped into the
package at build time (pyproject.toml), so they are found the same way from a checkout, an
editable install and a wheel: through `importlib.resources`, never beside the source tree.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def shipped_directory(package: str) -> Path:
    """The directory of a shipped data package, as a path on disk.

    Jinja's file loader, SQLite and the catalog's relative paths need real files; a package
    installed as files (every wheel install) has them, a zip archive would not.
    """
    directory = resources.files(package)
    if not isinstance(directory, Path):
        raise RuntimeError(f"{package} is not installed as files on disk ({directory})")
    return directory


TEMPLATE_DIR = shipped_directory("confluence_kpi.page_templates")
EXAMPLE_DIR = shipped_directory("confluence_kpi.example")
