"""The documents the code cites exist, with the rules and sections the citations name: a comment
saying "ARCHITECTURE.md, rule 5" is only worth something while rule 5 says what it cites; and
the README's reference of the source options is the sources' own."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from confluence_kpi.catalog import (
    BUILT_IN_TYPES,
    ConfluenceTableConfig,
    CsvSourceConfig,
    ExcelSourceConfig,
    HttpSourceConfig,
    JiraSourceConfig,
    PrometheusSourceConfig,
    SqlSourceConfig,
    StaticSourceConfig,
)

ROOT = Path(__file__).resolve().parent.parent
# "ARCHITECTURE.md, rule 5", "docs/kpi-formulas.md ("Status")", "ARCHITECTURE.md's "Budgets"".
CITATION = re.compile(
    r"(?P<file>[\w/-]+\.md)(?:'s)?(?:,? \(?(?:rule (?P<rule>\d+)|\"(?P<section>[^\"]+)\"))?"
)
# A comment's or docstring's line breaks, with the indentation and "#" that follow them.
LINE_BREAK = re.compile(r"\n[ \t]*(?:# ?)?")
NUMBERED_RULE = re.compile(r"^(\d+)\. \*\*", re.MULTILINE)
HEADING = re.compile(r"^#+ (.+)$", re.MULTILINE)


def citations() -> list[tuple[str, str, str | None, str | None]]:
    """Every citation of a document in the package and the tests: (where, file, rule, section)."""
    found = []
    for path in sorted([*ROOT.glob("confluence_kpi/**/*.py"), *ROOT.glob("tests/**/*.py")]):
        if path == Path(__file__).resolve():
            continue  # its own examples above
        text = LINE_BREAK.sub(" ", path.read_text(encoding="utf-8"))
        for match in CITATION.finditer(text):
            where = f"{path.relative_to(ROOT)}: {match[0]!r}"
            found.append((where, match["file"], match["rule"], match["section"]))
    return found


def test_the_code_cites_the_architecture_and_the_formulas() -> None:
    cited = {file for _, file, _, _ in citations()}

    assert {"ARCHITECTURE.md", "docs/kpi-formulas.md"} <= cited


def test_every_cited_document_rule_and_section_exists() -> None:
    missing = []
    for where, file, rule, section in citations():
        document = ROOT / file
        if not document.is_file():
            missing.append(f"{where}: no file {file}")
            continue
        text = document.read_text(encoding="utf-8")
        if rule is not None and rule not in NUMBERED_RULE.findall(text):
            missing.append(f"{where}: {file} has no rule {rule}")
        if section is not None and section not in HEADING.findall(text):
            missing.append(f"{where}: {file} has no section {section!r}")
    assert not missing, "\n".join(missing)


# The README's "Sources" section: a heading per source type, and a table row per option whose
# first cell names the option (or several, `decimal`, `thousands`, ...) in backquotes.
SOURCE_TYPE_HEADING = re.compile(r"^#### `type: (\w+)`$")
OPTION_ROW = re.compile(r"^\| (`\w+`(?:, `\w+`)*) \|")
SOURCE_MODELS: dict[str, type[BaseModel]] = {
    "csv": CsvSourceConfig,
    "excel": ExcelSourceConfig,
    "sql": SqlSourceConfig,
    "static": StaticSourceConfig,
    "http": HttpSourceConfig,
    "prometheus": PrometheusSourceConfig,
    "jira": JiraSourceConfig,
    "confluence_table": ConfluenceTableConfig,
}


def documented_source_options() -> dict[str, set[str]]:
    """The options the README's "Sources" section gives each source type."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n### Sources\n", 1)[1].split("\n## ", 1)[0]
    options: dict[str, set[str]] = {}
    kind = None
    for line in section.splitlines():
        if heading := SOURCE_TYPE_HEADING.match(line):
            kind = heading[1]
            options[kind] = set()
        elif (row := OPTION_ROW.match(line)) and kind is not None:
            options[kind] |= set(re.findall(r"`(\w+)`", row[1]))
    return options


def test_the_readme_documents_every_option_of_every_built_in_source_type_and_no_other() -> None:
    fields = {kind: set(model.model_fields) - {"type"} for kind, model in SOURCE_MODELS.items()}

    assert set(SOURCE_MODELS) == set(BUILT_IN_TYPES)
    assert documented_source_options() == fields


def test_the_readme_plugin_example_is_the_plugin_the_tests_install_and_run() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("A worked example, the plugin the tests install")
    toml, python = re.findall(r"```(?:toml|python)\n(.*?)```", readme[start:], re.DOTALL)[:2]
    plugin = ROOT / "tests" / "e2e" / "plugin"
    module = (plugin / "kpi_monthly_plugin.py").read_text(encoding="utf-8")
    # The module as the README shows it: all but its docstring, which speaks of the tests.
    assert python == module[module.index("from __future__") :]
    declared = (plugin / "kpi_monthly_plugin-1.0.dist-info" / "entry_points.txt").read_text(
        encoding="utf-8"
    )
    group, entry = declared.split("\n")[:2]
    name, target = entry.split(" = ")
    assert toml == f'[project.entry-points."{group[1:-1]}"]\n{name} = "{target}"\n'
