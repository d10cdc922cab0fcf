"""Safe arithmetic formulas over other KPIs, such as `(revenue - cogs) / revenue`.

The text is parsed with Python's `ast` into a small tree of numbers, names, + − × ÷ and
brackets; anything else (calls, attributes, powers, comparisons) is refused when the catalog
is checked. Evaluating walks that tree: no `eval`, no code is run. KPI ids use hyphens, which
read as minus in a formula, so a formula writes them with underscores: `cash_flow` is the KPI
`cash-flow`.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from math import isfinite

MAX_LENGTH = 500  # a formula is a line of arithmetic; longer texts are refused before parsing

_BINARY: Mapping[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_UNARY: Mapping[type[ast.unaryop], Callable[[float], float]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}


class FormulaError(ValueError):
    """The formula text is not arithmetic over names and numbers; the message says why."""


@dataclass(frozen=True)
class Formula:
    """A parsed formula: its text, the KPI ids it reads, and its checked syntax tree."""

    text: str
    kpis: frozenset[str]  # the KPI ids the names stand for
    tree: ast.expr

    def value(self, values: Mapping[str, float]) -> float | None:
        """The formula's value given a value per KPI id; None when it has none (÷ 0, overflow)."""
        try:
            result = _walk(self.tree, values)
        except (ZeroDivisionError, OverflowError):
            return None
        return result if isfinite(result) else None


def parse(text: str) -> Formula:
    """The formula in `text`; FormulaError saying what is not allowed, and where."""
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"is {len(text)} characters long: at most {MAX_LENGTH}")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as error:
        at = f" at column {error.offset}" if error.offset else ""
        raise FormulaError(f"is not arithmetic: {error.msg}{at}") from None
    except RecursionError:  # thousands of nested brackets
        raise FormulaError("nests too deeply") from None
    names: set[str] = set()
    for node in ast.walk(tree):
        _check(node)
        if isinstance(node, ast.Name):
            names.add(kpi_id(node.id))
    return Formula(text, frozenset(names), tree)


def kpi_id(name: str) -> str:
    """The KPI id a name in a formula stands for: underscores are the id's hyphens."""
    return name.replace("_", "-")


def _check(node: ast.AST) -> None:
    """Refuses every node that is not a number, a name, + − × ÷ or a sign."""
    match node:
        case ast.Constant(value=bool()) | ast.Constant(value=complex()):
            raise FormulaError(f"may not use {node.value!r}: only numbers and KPI ids")
        case ast.Constant(value=int() | float()) | ast.Name() | ast.Load():
            return
        case ast.BinOp(op=op) if type(op) in _BINARY:
            return
        case ast.UnaryOp(op=op) if type(op) in _UNARY:
            return
        case ast.operator() | ast.unaryop():
            return  # checked with their BinOp or UnaryOp
        case _:
            what = ast.unparse(node) if isinstance(node, ast.expr) else type(node).__name__
            column = getattr(node, "col_offset", None)
            at = "" if column is None else f" at column {column + 1}"
            raise FormulaError(
                f"may only use numbers, KPI ids, + - * / and brackets, not {what!r}{at}"
            )


def _walk(node: ast.expr, values: Mapping[str, float]) -> float:
    """The value of a checked tree; KeyError when a KPI id has no value."""
    match node:
        case ast.Constant(value=int() | float() as number):
            return float(number)
        case ast.Name(id=name):
            return values[kpi_id(name)]
        case ast.BinOp(left=left, op=op, right=right):
            return _BINARY[type(op)](_walk(left, values), _walk(right, values))
        case ast.UnaryOp(op=op, operand=operand):
            return _UNARY[type(op)](_walk(operand, values))
    raise FormulaError(f"unchecked formula node {ast.dump(node)}")  # parse() refuses these
