"""The documents the code cites exist, with the rules and sections the citations name: a comment
saying "ARCHITECTURE.md, rule 5" is only worth something while rule 5 says what it cites."""

from __future__ import annotations

import re
from pathlib import Path

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
