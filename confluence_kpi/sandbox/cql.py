"""CQL for the sandbox: parse Confluence Query Language and evaluate it over in-memory content.

Serves `/rest/api/content/search` and `/rest/api/search`. What is not supported is a CqlError
(the server's 400), never a silently empty result, so a query that Confluence would refuse
fails here too instead of passing in tests.
"""

from __future__ import annotations

import calendar
import contextlib
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol, TypeVar

__all__ = [
    "Call",
    "CqlContext",
    "CqlError",
    "CqlQuery",
    "DateClause",
    "Increment",
    "MatchClause",
    "Node",
    "OrderKey",
    "Searchable",
    "Span",
    "Text",
    "TextClause",
    "parse_cql",
]


class CqlError(ValueError):
    """str(exc) is the detail; the server answers 400 'Could not parse cql : <detail>'.

    Positions in messages are 0-based character offsets into the query text.
    """


class Searchable(Protocol):
    """What a content record offers to search (read-only, so frozen dataclasses fit)."""

    @property
    def id(self) -> str: ...  # numeric string
    @property
    def type(self) -> str: ...  # "page" | "blogpost" | "attachment" | "comment"
    @property
    def status(self) -> str: ...  # the server filters by status before searching
    @property
    def title(self) -> str: ...
    @property
    def space_key(self) -> str: ...
    @property
    def labels(self) -> frozenset[str]: ...  # lower-case label names
    @property
    def ancestor_ids(self) -> tuple[str, ...]: ...  # root first; the last is the parent
    @property
    def created(self) -> datetime: ...  # aware, UTC
    @property
    def last_modified(self) -> datetime: ...  # aware, UTC
    @property
    def creator(self) -> str: ...  # username


S = TypeVar("S", bound=Searchable)


@dataclass(frozen=True)
class CqlContext:
    """What the functions read: the clock, and the caller's `cqlcontext` and user."""

    now: datetime  # aware; day, week, month and year boundaries are taken in UTC
    space_key: str | None = None  # for currentSpace()
    content_id: str | None = None  # for currentContent()
    user: str | None = None  # for currentUser()


# ---------------------------------------------------------------------------------------------
# Tokens

TokenKind = Literal["word", "string", "operator", "lparen", "rparen", "comma", "end"]

_PUNCTUATION: dict[str, TokenKind] = {"(": "lparen", ")": "rparen", ",": "comma"}
_TWO_CHAR_OPERATORS = ("!=", "!~", "<=", ">=")
_ONE_CHAR_OPERATORS = "=~<>"
_ESCAPES = {'"': '"', "'": "'", "\\": "\\"}
# Reserved words cannot be unquoted values or fields; "label = and" is a missing value.
_KEYWORDS = frozenset({"AND", "OR", "NOT", "IN", "ORDER"})


@dataclass(frozen=True)
class _Token:
    kind: TokenKind
    text: str  # for strings, the value with escapes resolved
    position: int


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char in "-_."


def _tokenize(text: str) -> list[_Token]:
    """Split the query into tokens, each with its offset for error messages."""
    tokens: list[_Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char.isspace():
            index += 1
        elif char in _PUNCTUATION:
            tokens.append(_Token(_PUNCTUATION[char], char, index))
            index += 1
        elif char in "\"'":
            value, end = _read_string(text, index)
            tokens.append(_Token("string", value, index))
            index = end
        elif text.startswith(_TWO_CHAR_OPERATORS, index):
            tokens.append(_Token("operator", text[index : index + 2], index))
            index += 2
        elif char in _ONE_CHAR_OPERATORS:
            tokens.append(_Token("operator", char, index))
            index += 1
        elif _is_word_char(char):
            end = index
            while end < len(text) and _is_word_char(text[end]):
                end += 1
            tokens.append(_Token("word", text[index:end], index))
            index = end
        else:
            raise CqlError(f"unexpected character {char!r} at position {index}")
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _read_string(text: str, start: int) -> tuple[str, int]:
    """Read the quoted string opening at `start`; return its value and the index after it."""
    quote = text[start]
    chars: list[str] = []
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == quote:
            return "".join(chars), index + 1
        if char == "\\":
            escaped = text[index + 1 : index + 2]
            if escaped not in _ESCAPES:
                raise CqlError(
                    f"unsupported escape '\\{escaped}' at position {index}; "
                    "only \\\", \\' and \\\\ are allowed"
                )
            chars.append(_ESCAPES[escaped])
            index += 2
        else:
            chars.append(char)
            index += 1
    raise CqlError(f"unterminated string starting at position {start}")


def _describe(token: _Token) -> str:
    if token.kind == "end":
        return "the end of the query"
    if token.kind == "string":
        return f'"{token.text}"'
    return f"'{token.text}'"


# ---------------------------------------------------------------------------------------------
# Syntax tree

Operator = Literal["=", "!=", "~", "!~", "<", "<=", ">", ">=", "in", "not in"]


@dataclass(frozen=True)
class Text:
    """A literal value, as written (unescaped)."""

    value: str


@dataclass(frozen=True)
class Span:
    """A literal date: the day or minute it names, from `start` up to `end` (exclusive)."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Increment:
    """A function argument like "-4w": `unit` is None when the function's own unit applies."""

    amount: int
    unit: str | None


@dataclass(frozen=True)
class Call:
    """A function call such as currentSpace() or startOfWeek("-1"), resolved at match time."""

    name: str
    increment: Increment | None
    position: int


@dataclass(frozen=True)
class MatchClause:
    """`field =|!=|in|not in value(s)`: exact matches on keys, labels, ids, users, titles."""

    field: str
    operator: Operator
    values: tuple[Text | Call, ...]
    position: int


@dataclass(frozen=True)
class TextClause:
    """`field ~|!~ "words"`: the query's words, case-folded, as searched for in the title."""

    field: str
    operator: Operator
    words: tuple[str, ...]
    position: int


@dataclass(frozen=True)
class DateClause:
    """`created|lastmodified <op> date`: a comparison with a literal date or a date function."""

    field: str
    operator: Operator
    value: Span | Call
    position: int


@dataclass(frozen=True)
class Not:
    """`NOT operand`; the position is kept for the first-clause check's message."""

    operand: Node
    position: int


@dataclass(frozen=True)
class And:
    """Every operand matches; AND binds tighter than OR."""

    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """Some operand matches."""

    operands: tuple[Node, ...]


Node = MatchClause | TextClause | DateClause | Not | And | Or


@dataclass(frozen=True)
class OrderKey:
    """One ORDER BY key: a canonical field name and its direction."""

    field: str
    descending: bool


# ---------------------------------------------------------------------------------------------
# Fields and functions

_EQUALITY: tuple[Operator, ...] = ("=", "!=", "in", "not in")
_CONTAINS: tuple[Operator, ...] = ("~", "!~")
_RANGE: tuple[Operator, ...] = ("=", "!=", "<", "<=", ">", ">=")
_NEGATIVE: frozenset[Operator] = frozenset({"!=", "!~", "not in"})
# Narrows an operator token's text to Operator (the tokenizer makes no others).
_SYMBOL_OPERATORS: dict[str, Operator] = {
    op: op for op in ("=", "!=", "~", "!~", "<", "<=", ">", ">=")
}


@dataclass(frozen=True)
class _Field:
    name: str  # canonical spelling, used in the tree and in messages
    operators: tuple[Operator, ...]
    functions: frozenset[str] = frozenset()


_DATE_FUNCTIONS = frozenset({"now", "startOfDay", "startOfWeek", "startOfMonth", "startOfYear"})
_CONTENT = frozenset({"currentContent"})

_FIELD_LIST = (
    _Field("space", _EQUALITY, frozenset({"currentSpace"})),
    _Field("type", _EQUALITY),
    _Field("label", _EQUALITY),
    _Field("title", _EQUALITY + _CONTAINS),
    _Field("text", _CONTAINS),
    _Field("siteSearch", _CONTAINS),
    _Field("id", _EQUALITY, _CONTENT),
    _Field("ancestor", _EQUALITY, _CONTENT),
    _Field("parent", _EQUALITY, _CONTENT),
    _Field("creator", _EQUALITY, frozenset({"currentUser"})),
    _Field("created", _RANGE, _DATE_FUNCTIONS),
    _Field("lastmodified", _RANGE, _DATE_FUNCTIONS),
)
# Field and function names are matched case-insensitively ("lastModified" is common in the wild).
_FIELD_ALIASES = {"space.key": "space", "content": "id"}
_FIELDS = {field.name.lower(): field for field in _FIELD_LIST}
_FIELDS.update({alias: _FIELDS[name] for alias, name in _FIELD_ALIASES.items()})
_ID_FIELDS = frozenset({"id", "ancestor", "parent"})
_DATE_FIELDS = frozenset({"created", "lastmodified"})

_FUNCTIONS = {
    name.lower(): name
    for name in _DATE_FUNCTIONS | {"currentSpace", "currentContent", "currentUser"}
}
# The unit of an increment without one is the function's own period: startOfMonth("-1").
_DEFAULT_UNITS = {"startOfDay": "d", "startOfWeek": "w", "startOfMonth": "M", "startOfYear": "y"}
_INCREMENT = re.compile(r"([+-]?)(\d{1,9})([yMwdhm]?)", re.ASCII)
_DATE = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?: (\d{1,2}):(\d{2}))?", re.ASCII)
_WORD = re.compile(r"\w+")

_MAX_DEPTH = 100
_ORDER_FIELDS = frozenset({"title", "created", "lastmodified", "id", "space"})


# ---------------------------------------------------------------------------------------------
# Parser


def parse_cql(text: str) -> CqlQuery:
    """Parse a CQL query; raises CqlError saying what is wrong and where."""
    return _Parser(text).query()


class _Parser:
    """Recursive descent, one method per rule; precedence is NOT over AND over OR.

    query   := or [ORDER BY key (',' key)*]
    or      := and (OR and)*
    and     := not (AND not)*
    not     := NOT not | '(' or ')' | clause
    clause  := field operator value | field [NOT] IN '(' value (',' value)* ')'
    value   := string | word | function '(' [string | word] ')'
    """

    def __init__(self, text: str) -> None:
        self._tokens = _tokenize(text)
        self._index = 0
        self._depth = 0  # parentheses and NOTs open around the current token

    def _peek(self) -> _Token:
        return self._tokens[self._index]

    def _advance(self) -> _Token:
        token = self._tokens[self._index]
        if token.kind != "end":
            self._index += 1
        return token

    def _at_keyword(self, *words: str) -> bool:
        token = self._peek()
        return token.kind == "word" and token.text.upper() in words

    def query(self) -> CqlQuery:
        if self._peek().kind == "end":
            raise CqlError("the query is empty")
        if self._at_keyword("ORDER"):
            raise CqlError("the query needs a clause before ORDER BY (at position 0)")
        where = self._or()
        _reject_negative_first_clause(where)
        order_by = self._order_by() if self._at_keyword("ORDER") else ()
        token = self._peek()
        if token.kind == "rparen":
            raise CqlError(
                f"unbalanced parentheses: ')' at position {token.position} closes nothing"
            )
        if token.kind != "end":
            raise CqlError(
                f"unexpected {_describe(token)} at position {token.position}; expected AND, OR "
                "or ORDER BY (quote values that contain spaces)"
            )
        return CqlQuery(where, order_by)

    def _or(self) -> Node:
        operands = [self._and()]
        while self._at_keyword("OR"):
            self._advance()
            operands.append(self._and())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def _and(self) -> Node:
        operands = [self._not()]
        while self._at_keyword("AND"):
            self._advance()
            operands.append(self._not())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def _not(self) -> Node:
        opening = self._peek()
        if opening.kind != "lparen" and not self._at_keyword("NOT"):
            return self._clause()
        # Each level costs stack frames here and when evaluating: refuse absurd nesting
        # with a 400 rather than fail with a RecursionError (a 500).
        self._depth += 1
        if self._depth > _MAX_DEPTH:
            raise CqlError(
                f"the query nests parentheses or NOT more than {_MAX_DEPTH} deep "
                f"(at position {opening.position})"
            )
        self._advance()
        node = (
            Not(self._not(), opening.position) if opening.kind == "word" else self._group(opening)
        )
        self._depth -= 1
        return node

    def _group(self, opening: _Token) -> Node:
        node = self._or()
        closing = self._peek()
        if closing.kind != "rparen":
            raise CqlError(
                f"unbalanced parentheses: expected ')' for the '(' at position {opening.position},"
                f" found {_describe(closing)} at position {closing.position}"
            )
        self._advance()
        return node

    def _clause(self) -> Node:
        token = self._advance()
        if token.kind != "word" or token.text.upper() in _KEYWORDS:
            raise CqlError(
                f"expected a field at position {token.position}, found {_describe(token)}"
            )
        field = _FIELDS.get(token.text.lower())
        if field is None:
            raise CqlError(f"unknown field '{token.text}' at position {token.position}")
        operator = self._operator(field)
        if field.name in _DATE_FIELDS:
            return DateClause(field.name, operator, self._date_value(field), token.position)
        if operator in _CONTAINS:
            return TextClause(field.name, operator, self._words(operator), token.position)
        values = self._list(field) if operator in ("in", "not in") else (self._value(field),)
        return MatchClause(field.name, operator, values, token.position)

    def _operator(self, field: _Field) -> Operator:
        token = self._peek()
        operator: Operator
        if token.kind == "operator":
            operator = _SYMBOL_OPERATORS[token.text]
        elif self._at_keyword("IN"):
            operator = "in"
        elif self._at_keyword("NOT"):
            self._advance()
            if not self._at_keyword("IN"):
                found = self._peek()
                raise CqlError(
                    f"expected IN after NOT at position {found.position}, found {_describe(found)}"
                )
            operator = "not in"
        else:
            raise CqlError(
                f"expected an operator after '{field.name}' at position {token.position}, "
                f"found {_describe(token)}"
            )
        self._advance()
        if operator not in field.operators:
            supported = ", ".join(field.operators)
            raise CqlError(
                f"operator '{operator}' is not supported for field '{field.name}' "
                f"(at position {token.position}); use one of: {supported}"
            )
        return operator

    def _list(self, field: _Field) -> tuple[Text | Call, ...]:
        opening = self._peek()
        if opening.kind != "lparen":
            raise CqlError(
                f"expected '(' after IN at position {opening.position}, found {_describe(opening)}"
            )
        self._advance()
        values = [self._value(field)]
        while True:
            token = self._advance()
            if token.kind == "rparen":
                return tuple(values)
            if token.kind == "comma":
                values.append(self._value(field))
            elif token.kind in ("word", "string"):
                raise CqlError(
                    f"list values are separated by commas and a value with spaces must be quoted: "
                    f"unexpected {_describe(token)} at position {token.position}"
                )
            else:
                raise CqlError(
                    f"unbalanced parentheses: expected ',' or ')' for the list opened at position "
                    f"{opening.position}, found {_describe(token)} at position {token.position}"
                )

    def _value_token(self) -> _Token:
        token = self._peek()
        if token.kind == "string" or (token.kind == "word" and token.text.upper() not in _KEYWORDS):
            return self._advance()
        raise CqlError(f"expected a value at position {token.position}, found {_describe(token)}")

    def _value(self, field: _Field) -> Text | Call:
        token = self._value_token()
        if token.kind == "word" and self._peek().kind == "lparen":
            return self._call(field, token)
        if field.name in _ID_FIELDS and not (token.text.isascii() and token.text.isdigit()):
            raise CqlError(
                f"field '{field.name}' expects a content id (a number), got {_describe(token)} "
                f"at position {token.position}"
            )
        return Text(token.text)

    def _words(self, operator: Operator) -> tuple[str, ...]:
        token = self._value_token()
        if token.kind == "word" and self._peek().kind == "lparen":
            raise CqlError(
                f"a function cannot be used with '{operator}' (at position {token.position})"
            )
        words = tuple(_WORD.findall(token.text.casefold()))
        if not words:
            raise CqlError(
                f"'{operator}' needs a value with at least one word, got {_describe(token)} "
                f"at position {token.position}"
            )
        return words

    def _date_value(self, field: _Field) -> Span | Call:
        token = self._value_token()
        if token.kind == "word" and self._peek().kind == "lparen":
            return self._call(field, token)
        return _parse_date(token)

    def _call(self, field: _Field, name_token: _Token) -> Call:
        self._advance()  # the "(" the caller saw
        argument = self._advance() if self._peek().kind in ("word", "string") else None
        closing = self._advance()
        if closing.kind != "rparen":
            raise CqlError(
                f"expected ')' to close {name_token.text}( at position {closing.position}, "
                f"found {_describe(closing)}"
            )
        name = _FUNCTIONS.get(name_token.text.lower())
        if name is None:
            raise CqlError(
                f"unknown function '{name_token.text}()' at position {name_token.position}"
            )
        if name not in field.functions:
            raise CqlError(
                f"function {name}() cannot be used with field '{field.name}' "
                f"(at position {name_token.position})"
            )
        if argument is None:
            return Call(name, None, name_token.position)
        if name not in _DATE_FUNCTIONS:
            raise CqlError(f"{name}() takes no argument (at position {argument.position})")
        return Call(name, _parse_increment(name, argument), name_token.position)

    def _order_by(self) -> tuple[OrderKey, ...]:
        self._advance()  # ORDER
        if not self._at_keyword("BY"):
            token = self._peek()
            raise CqlError(
                f"expected BY after ORDER at position {token.position}, found {_describe(token)}"
            )
        self._advance()
        keys = [self._order_key()]
        while self._peek().kind == "comma":
            self._advance()
            keys.append(self._order_key())
        return tuple(keys)

    def _order_key(self) -> OrderKey:
        token = self._advance()
        field = _FIELDS.get(token.text.lower()) if token.kind == "word" else None
        if field is None or field.name not in _ORDER_FIELDS:
            raise CqlError(
                f"expected a field to order by at position {token.position}, found "
                f"{_describe(token)}; use title, created, lastmodified, id or space"
            )
        descending = self._at_keyword("DESC")
        if descending or self._at_keyword("ASC"):
            self._advance()
        return OrderKey(field.name, descending)


def _reject_negative_first_clause(where: Node) -> None:
    """Refuse what Confluence refuses: "a negative expression cannot be the first clause".

    Confluence's docs say `field != value` is the same as `NOT field = value`, so `!=`, `!~`
    and `not in` count as negative too. Only the first clause of the whole query is checked,
    also inside leading parentheses ("(NOT a = 1) AND ..."); a later group may start with NOT.
    """
    first = where
    while isinstance(first, And | Or):
        first = first.operands[0]
    if isinstance(first, Not) or first.operator in _NEGATIVE:
        raise CqlError(
            f"a negative expression cannot be the first clause (at position {first.position})"
        )


def _parse_increment(function: str, token: _Token) -> Increment:
    """Parse an argument like "-4w", "+1d" or "-1"; now() needs the unit, the others default."""
    match = _INCREMENT.fullmatch(token.text)
    if match is None or (function == "now" and not match.group(3)):
        raise CqlError(
            f"bad increment {_describe(token)} for {function}() at position {token.position}; "
            'write a signed number and a unit (y, M, w, d, h, m), like "-4w" or "+1d"'
        )
    sign, digits, unit = match.groups()
    amount = -int(digits) if sign == "-" else int(digits)
    return Increment(amount, unit or None)


def _parse_date(token: _Token) -> Span:
    """A date names a whole day ("2026-01-31", "2026/01/31") or minute ("2026-01-31 14:00"), UTC."""
    match = _DATE.fullmatch(token.text)
    if match is not None:
        year, _, month, day, hour, minute = match.groups()
        with contextlib.suppress(ValueError, OverflowError):  # Feb 30, hour 25, year 9999 + 1 day
            start = datetime(
                int(year), int(month), int(day), int(hour or 0), int(minute or 0), tzinfo=UTC
            )
            length = timedelta(days=1) if hour is None else timedelta(minutes=1)
            return Span(start, start + length)
    raise CqlError(
        f"invalid date {_describe(token)} at position {token.position}; "
        'use "yyyy-MM-dd" or "yyyy/MM/dd", optionally with " HH:mm"'
    )


# ---------------------------------------------------------------------------------------------
# Evaluation: a query is turned into a predicate once per call, with its functions resolved
# against the context, so that matching a record is only comparisons.

Predicate = Callable[[Searchable], bool]


def _predicate(node: Node, ctx: CqlContext) -> Predicate:
    """The record test for a node, with every function in it resolved against `ctx` now."""
    # Plain loops rather than any()/all() over generators: twice as fast per record.
    if isinstance(node, Or):
        alternatives = [_predicate(operand, ctx) for operand in node.operands]

        def some_match(item: Searchable) -> bool:
            for alternative in alternatives:  # noqa: SIM110 - see above
                if alternative(item):
                    return True
            return False

        return some_match
    if isinstance(node, And):
        conditions = [_predicate(operand, ctx) for operand in node.operands]

        def all_match(item: Searchable) -> bool:
            for condition in conditions:  # noqa: SIM110 - see above
                if not condition(item):
                    return False
            return True

        return all_match
    if isinstance(node, Not):
        operand = _predicate(node.operand, ctx)
        return lambda item: not operand(item)
    if isinstance(node, DateClause):
        return _date_predicate(node, ctx)
    if isinstance(node, TextClause):
        return _text_predicate(node)
    return _match_predicate(node, ctx)


def _without_leading_zeros(content_id: str) -> str:
    """Ids are numbers: "010" is content 10 (no int(): digits may be too many for it)."""
    return content_id.lstrip("0") or "0"


def _page_ancestors(item: Searchable) -> tuple[str, ...]:
    """The ancestors CQL's `ancestor` and `parent` search: those of the page tree. An
    attachment's page is its container, not its parent, so neither field finds attachments
    (Confluence's docs speak of child pages only; for `parent` that is [UNVERIFIED])."""
    return () if item.type == "attachment" else item.ancestor_ids


# The keys a record has for each field; a clause matches when its values share one with them.
_KEYS: dict[str, Callable[[Searchable], Collection[str]]] = {
    "space": lambda item: (item.space_key,),
    "type": lambda item: (item.type,),
    "label": lambda item: item.labels,
    "title": lambda item: (item.title.casefold(),),
    "id": lambda item: (item.id,),
    "ancestor": _page_ancestors,
    "parent": lambda item: _page_ancestors(item)[-1:],
    "creator": lambda item: (item.creator,),
}
# Titles match ignoring case as in Confluence; types and labels are stored lower-case.
# Space keys and usernames compare exactly: a wrongly cased key in the bot should show here.
_NORMALISE: dict[str, Callable[[str], str]] = {
    "type": str.lower,
    "label": str.lower,
    "title": str.casefold,
    "id": _without_leading_zeros,
    "ancestor": _without_leading_zeros,
    "parent": _without_leading_zeros,
}


def _match_predicate(clause: MatchClause, ctx: CqlContext) -> Predicate:
    keys = _KEYS[clause.field]
    normalise = _NORMALISE.get(clause.field, str)
    wanted = frozenset(normalise(_resolve_text(value, ctx)) for value in clause.values)
    if clause.operator in _NEGATIVE:
        return lambda item: wanted.isdisjoint(keys(item))
    return lambda item: not wanted.isdisjoint(keys(item))


def _resolve_text(value: Text | Call, ctx: CqlContext) -> str:
    if isinstance(value, Text):
        return value.value
    resolved = {
        "currentSpace": (ctx.space_key, "a space context (the cqlcontext parameter's spaceKey)"),
        "currentContent": (ctx.content_id, "a content context (the cqlcontext's contentId)"),
        "currentUser": (ctx.user, "a logged-in user"),
    }
    result, needed = resolved[value.name]
    if result is None:
        raise CqlError(f"{value.name}() at position {value.position} needs {needed}")
    return result


def _text_predicate(clause: TextClause) -> Predicate:
    """`~` matches when every query word starts a word of the title, ignoring case.

    Confluence matches indexed words (so "port" does not find "report"); word prefixes
    come close to that, tolerate plurals, and make Confluence's "rep*" wildcard work as
    there. The records carry no body text, so `text` and `siteSearch` search the title too.
    """
    # A query word that starts another is implied by it. Without those, at most one
    # alternative matches at any place, so one findall per title finds every word.
    words = frozenset(
        word
        for word in clause.words
        if not any(other.startswith(word) for other in clause.words if other != word)
    )
    alternatives = "|".join(re.escape(word) for word in sorted(words))
    find_word_starts = re.compile(rf"\b(?:{alternatives})").findall

    def found(item: Searchable) -> bool:
        title = item.title.casefold()
        # Substring tests cost a tenth of the regex and rule out most titles before it runs.
        for word in words:
            if word not in title:
                return False
        return words.issubset(find_word_starts(title))

    if clause.operator == "!~":
        return lambda item: not found(item)
    return found


_MOMENTS: dict[str, Callable[[Searchable], datetime]] = {
    "created": lambda item: item.created,
    "lastmodified": lambda item: item.last_modified,
}


def _date_predicate(clause: DateClause, ctx: CqlContext) -> Predicate:
    """Compare against a span: a literal day or minute, or a function's instant."""
    if isinstance(clause.value, Span):
        start, end = clause.value.start, clause.value.end
    else:
        start = _resolve_moment(clause.value, ctx)
        end = start + timedelta(microseconds=1)
    moment = _MOMENTS[clause.field]
    if clause.operator == "=":
        return lambda item: start <= moment(item) < end
    if clause.operator == "!=":
        return lambda item: not start <= moment(item) < end
    if clause.operator == "<":
        return lambda item: moment(item) < start
    if clause.operator == "<=":
        return lambda item: moment(item) < end
    if clause.operator == ">":
        return lambda item: moment(item) >= end
    return lambda item: moment(item) >= start


def _resolve_moment(call: Call, ctx: CqlContext) -> datetime:
    """Truncate now to the function's period (weeks start on Monday, UTC), then add the increment.

    Confluence uses the user's locale for the first day of the week; Monday (ISO 8601) is the
    sandbox's fixed choice.
    """
    now = ctx.now.astimezone(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    starts = {
        "now": now,
        "startOfDay": midnight,
        "startOfWeek": midnight - timedelta(days=midnight.weekday()),
        "startOfMonth": midnight.replace(day=1),
        "startOfYear": midnight.replace(month=1, day=1),
    }
    moment = starts[call.name]
    if call.increment is None:
        return moment
    unit = call.increment.unit or _DEFAULT_UNITS[call.name]
    try:
        return _shift(moment, call.increment.amount, unit)
    except (ValueError, OverflowError):
        raise CqlError(f"{call.name}() at position {call.position} is out of range") from None


def _shift(moment: datetime, amount: int, unit: str) -> datetime:
    if unit == "y":
        return _add_months(moment, 12 * amount)
    if unit == "M":
        return _add_months(moment, amount)
    units = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}
    return moment + timedelta(**{units[unit]: amount})


def _add_months(moment: datetime, months: int) -> datetime:
    """Calendar months; the day is clamped, so Jan 31 plus one month is the end of February."""
    year, month_index = divmod(moment.year * 12 + moment.month - 1 + months, 12)
    day = min(moment.day, calendar.monthrange(year, month_index + 1)[1])
    return moment.replace(year=year, month=month_index + 1, day=day)


# Titles and spaces sort ignoring case; ties keep the default order, ids as numbers.
_SORT_KEYS: dict[str, Callable[[Searchable], str | int | datetime]] = {
    "title": lambda item: item.title.casefold(),
    "created": lambda item: item.created,
    "lastmodified": lambda item: item.last_modified,
    "id": lambda item: int(item.id),
    "space": lambda item: item.space_key.casefold(),
}


@dataclass(frozen=True)
class CqlQuery:
    """A parsed query: the condition and the ORDER BY keys (empty: by id, as numbers)."""

    where: Node
    order_by: tuple[OrderKey, ...]

    def matches(self, item: Searchable, ctx: CqlContext) -> bool:
        """Whether one record matches; raises CqlError when a function lacks its context."""
        return _predicate(self.where, ctx)(item)

    def select(self, items: Iterable[S], ctx: CqlContext) -> list[S]:
        """The matching records in the query's order; raises CqlError like matches()."""
        predicate = _predicate(self.where, ctx)
        selected = sorted((item for item in items if predicate(item)), key=_SORT_KEYS["id"])
        # Stable sorts from the last key to the first give a multi-key order with mixed
        # directions; Python keeps ties in place even with reverse=True.
        for key in reversed(self.order_by):
            selected.sort(key=_SORT_KEYS[key.field], reverse=key.descending)
        return selected
