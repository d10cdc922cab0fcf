"""The Jinja environment of the page templates: the shipped ones, or a catalog's own templates
directory over them, file by file.

A file in the catalog's directory replaces the shipped file of the same name; every shipped
file is also reachable as `shipped/<name>`, so an override can include or extend the original
instead of copying it. A template error, found when the catalog is checked or when a page is
rendered, is a `TemplatesError` naming the template file and line, never a traceback.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from markupsafe import Markup

from confluence_kpi.model import Status
from confluence_kpi.pages.markup import clean_text, status_colour
from confluence_kpi.pages.strings import TemplatesError, strings_problems
from confluence_kpi.shipped import TEMPLATE_DIR

SHIPPED_PREFIX = "shipped"
# What each template is rendered with (`render._render`; the macros take theirs as arguments);
# the environment's globals come on top. A name a catalog's template uses that is none of
# these is an error.
_PAGE = frozenset({"ctx", "t", "fmt"})
VARIABLES: Mapping[str, frozenset[str]] = {
    "kpi.xml.j2": _PAGE | {"kpi", "ev", "team", "goals", "unreadable", "rows", "source", "example"},
    "goal.xml.j2": _PAGE | {"goal", "gev", "kpis", "team", "unreadable"},
    "team.xml.j2": _PAGE | {"team", "tev", "kpis", "goals"},
    "root.xml.j2": _PAGE | {"teams", "tevs", "kpis", "goals", "listed", "unlisted"},
    "retired.xml.j2": frozenset({"t"}),
    "unavailable.xml.j2": _PAGE | {"since", "error"},
    "_macros.xml.j2": frozenset(),
}


# Names Jinja itself gives a template: a macro's caller and extra arguments, a loop's state.
_IMPLICIT = frozenset({"caller", "varargs", "kwargs", "loop", "super", "self"})


@lru_cache(maxsize=8)
def environment(templates: Path | None) -> jinja2.Environment:
    """The environment of a templates directory (None: the shipped templates), built once per
    directory."""
    shipped = jinja2.FileSystemLoader(TEMPLATE_DIR)
    loaders: list[jinja2.BaseLoader] = (
        [] if templates is None else [jinja2.FileSystemLoader(templates)]
    )
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [*loaders, shipped, jinja2.PrefixLoader({SHIPPED_PREFIX: shipped})]
        ),
        # Templates are part of the installed package or of the catalog: checking their files
        # for changes before every page (two stat calls each) buys nothing.
        auto_reload=False,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    env.filters["say"] = _say
    env.globals["status_colour"] = status_colour
    env.globals["statuses"] = tuple(Status)
    return env


def render(env: jinja2.Environment, name: str, values: Mapping[str, Any]) -> str:
    """The template `name` rendered with `values`; TemplatesError naming the template's file
    and line when it fails (a catalog's template using a value that does not exist)."""
    try:
        return env.get_template(name).render(values)
    except jinja2.TemplateSyntaxError as error:
        raise TemplatesError([_syntax(error)]) from None
    except jinja2.TemplateError as error:
        raise TemplatesError([f"{_where(error)}: {error.message}"]) from None


def template_problems(templates: Path) -> list[str]:
    """Every problem of a catalog's templates directory, by file and line: template syntax, a
    page template using a name it is not rendered with, and the strings files."""
    if not templates.is_dir():
        return [f"{templates}: no such directory"]
    env = environment(templates)
    problems: list[str] = []
    for path in sorted(templates.glob("*.j2")):
        try:
            tree = env.parse(path.read_text(encoding="utf-8"), path.name, str(path))
        except jinja2.TemplateSyntaxError as error:
            problems.append(_syntax(error))
            continue
        known = VARIABLES.get(path.name)
        if known is None:
            continue  # a file of the catalog's own, included by its templates
        for name, line in _unknown_names(tree, known | env.globals.keys()):
            problems.append(f"{path}:{line}: '{name}' is undefined")
    return problems + strings_problems(templates)


def _finalize(value: Any) -> Any:
    """Clean every printed string; markup built by the templates passes untouched."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return clean_text(value)
    return value


def _say(template: str, **values: str) -> str:
    """A localised sentence with its placeholders filled in; plain text, escaped on output."""
    return template.format_map(values)


def _syntax(error: jinja2.TemplateSyntaxError) -> str:
    return f"{error.filename or error.name}:{error.lineno}: {error.message}"


def _where(error: Exception) -> str:
    """The template file and line an error was raised at (Jinja rewrites the traceback so
    that template code shows as the template's own lines)."""
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename.endswith(".j2")
    ]
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "a page template"


def _unknown_names(tree: nodes.Template, known: Iterable[str]) -> list[tuple[str, int]]:
    """Each name the template reads that is neither `known` nor set anywhere in it (by `set`,
    `for`, `import` or as a macro's parameter), with the line it is first read on.

    Set anywhere, not in scope: a name set in one block and read in another passes here and
    fails when rendered, still with its file and line; jinja2.meta's own analysis reports
    names set at the top and read in a loop as undeclared."""
    names = list(tree.find_all(nodes.Name))
    ignored = {
        *known,
        *_IMPLICIT,
        *(node.name for node in names if node.ctx != "load"),
        *(macro.name for macro in tree.find_all(nodes.Macro)),
        *(found.target for found in tree.find_all(nodes.Import)),
        *(_imported(name) for found in tree.find_all(nodes.FromImport) for name in found.names),
    }
    first: dict[str, int] = {}
    for node in names:
        if node.name not in ignored:
            first[node.name] = min(node.lineno, first.get(node.name, node.lineno))
    return sorted(first.items())


def _imported(name: str | tuple[str, str]) -> str:
    """The name `{% from ... import a as b %}` binds."""
    return name if isinstance(name, str) else name[1]
