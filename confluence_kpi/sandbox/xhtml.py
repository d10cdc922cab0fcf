"""Storage-format checking and normalisation, done on every page write as Confluence does it.

Confluence parses a body with Woodstox inside a wrapper element that declares the `ac:`, `ri:`
and `at:` prefixes, answers 400 with Woodstox's message when the body is not well-formed, and
stores a normalised form that differs from what was sent. This module reproduces both with lxml.
"""

from __future__ import annotations

import html.entities
import re
from collections.abc import Callable
from typing import Final, Literal

from lxml import etree

AC_NS: Final = "http://atlassian.com/content"
RI_NS: Final = "http://atlassian.com/resource/identifier"
AT_NS: Final = "http://atlassian.com/template"

_AC: Final = "{" + AC_NS + "}"
_MACRO: Final = f"{_AC}structured-macro"
_TASK_LIST: Final = f"{_AC}task-list"
_TASK: Final = f"{_AC}task"

# Confluence's own wrapper is <xml> (its Cloud error "Unexpected close tag </xml>; expected </p>."
# for an unclosed <p> shows it), so an unclosed element yields the same message here.
_WRAPPER_OPEN: Final = f'<xml xmlns:ac="{AC_NS}" xmlns:ri="{RI_NS}" xmlns:at="{AT_NS}">'
_WRAPPER_CLOSE: Final = "</xml>"
_WRAPPER_CLOSE_BYTES: Final = _WRAPPER_CLOSE.encode("ascii")
# The DTD ends with a newline so that the body always starts on document line 2 right after the
# wrapper's start tag: error positions then map back with a fixed offset, whatever the DTD holds.
_BODY_COLUMN_OFFSET: Final = len("]>" + _WRAPPER_OPEN)

_PREDEFINED_ENTITIES: Final = frozenset({"lt", "gt", "amp", "quot", "apos"})
# One declaration per HTML5 named entity, built once. The replacement text is a character
# reference escaped once more (&#38;#160;) so that it yields characters, never markup, even for
# names like LT or AMP. Only the entities a body uses are declared per call: libxml2 needs about
# 2 ms to read all 2,100 declarations, longer than parsing a typical page.
_ENTITY_DECLARATIONS: Final[dict[str, str]] = {
    name[:-1]: f'<!ENTITY {name[:-1]} "{"".join(f"&#38;#{ord(c)};" for c in text)}">'
    for name, text in html.entities.html5.items()
    if name.endswith(";") and name[:-1] not in _PREDEFINED_ENTITIES
}
_ENTITY_REFERENCE: Final = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")

# Characters XML 1.0 forbids even as raw text. libxml2 rejects them too, but its messages vary by
# context; this search runs only after a failed parse (it costs ~2 ms on 200 KB) to name the
# character as Woodstox does.
_ILLEGAL_CHARACTER: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LIBXML2_ILLEGAL_CHARACTER: Final = re.compile(
    r"invalid (?:Char|xmlChar|character)|Char 0x[0-9A-Fa-f]+ out of allowed range"
)

# resolve_entities is safe: the body cannot declare entities (a DOCTYPE is only legal before the
# wrapper), so the only entities are ours, which expand to characters. No network, no DTD loading,
# and huge_tree stays off so libxml2's size and depth limits guard against hostile bodies.
# One shared parser is safe for a threaded server: lxml locks its context for each parse.
_PARSER: Final = etree.XMLParser(
    resolve_entities=True,
    load_dtd=False,
    no_network=True,
    huge_tree=False,
    strip_cdata=False,
    remove_blank_text=False,
)

# lxml appends the position to libxml2's message; the position is reported separately.
_LIBXML2_LOCATION: Final = re.compile(r", line \d+, column \d+$")

# Sections of serialised output where "/>" is content, not the end of an empty element.
_VERBATIM_SECTION: Final = re.compile(r"(<!\[CDATA\[.*?\]\]>|<!--.*?-->|<\?.*?\?>)", re.DOTALL)


class StorageFormatError(ValueError):
    """A body that Confluence would refuse with 400; str(exc) is Confluence's complete message.

    For example 'Error parsing xhtml: Unexpected close tag </br>; expected </p>.\\n at
    [row,col {unknown-source}]: [11,7]'. Row and column are 1-based, in the caller's body.
    """

    def __init__(self, reason: str, line: int, column: int) -> None:
        super().__init__(
            f"Error parsing xhtml: {reason}\n at [row,col {{unknown-source}}]: [{line},{column}]"
        )
        self.reason = reason
        self.line = line
        self.column = column


def normalise_storage(
    body: str, *, flavour: Literal["dc", "cloud"], new_id: Callable[[], str]
) -> str:
    """Checks `body` and returns what Confluence would store and hand back on a later GET.

    Raises StorageFormatError when Confluence would answer 400. `new_id` makes the ids Cloud adds.
    """
    root = _parse(body)
    _normalise_tree(root)
    if flavour == "cloud":
        _add_cloud_ids(root, new_id)
    return _serialise(root)


def _parse(body: str) -> etree._Element:
    """Parses the body inside Confluence's wrapper; raises Confluence's error if it is not XML."""
    try:
        encoded = body.encode("utf-8")
    except UnicodeEncodeError as error:
        # Only a lone surrogate (from a JSON "\\ud800" escape, say) cannot be encoded.
        raise _illegal_character_error(body, error.start) from None
    used = set(_ENTITY_REFERENCE.findall(body)) if "&" in body else set()
    declarations = "".join(
        _ENTITY_DECLARATIONS[name] for name in used if name in _ENTITY_DECLARATIONS
    )
    prefix = f"<!DOCTYPE xml [{declarations}\n]>{_WRAPPER_OPEN}"
    try:
        return etree.fromstring(prefix.encode("utf-8") + encoded + _WRAPPER_CLOSE_BYTES, _PARSER)
    except etree.XMLSyntaxError as error:
        raise _storage_format_error(body, prefix + body + _WRAPPER_CLOSE, error) from None


def _normalise_tree(root: etree._Element) -> None:
    """Applies the rewrites both flavours make: <b>/<i> to <strong>/<em>, author ids dropped."""
    for element in root.iter("b", "i"):
        element.tag = "strong" if element.tag == "b" else "em"
    # "//@id" matches only un-namespaced id attributes and is several times faster than
    # selecting elements with a predicate; ids on ac:/ri: elements are Confluence's, not HTML.
    found = root.xpath("//@id")
    # A node-set expression always yields a list; the check narrows lxml's declared union.
    for attribute in found if isinstance(found, list) else []:
        if isinstance(attribute, etree._ElementUnicodeResult):
            owner = attribute.getparent()
            if owner is not None and isinstance(owner.tag, str) and not owner.tag.startswith("{"):
                del owner.attrib["id"]


def _add_cloud_ids(root: etree._Element, new_id: Callable[[], str]) -> None:
    """Adds the ids and defaults Cloud's storage converter adds, keeping those already there."""
    # One pass in document order: ids are drawn top to bottom, so a seeded new_id is stable.
    for element in root.iter(_MACRO, "table", _TASK_LIST, _TASK):
        if element.tag == _MACRO:
            _set_if_missing(element, f"{_AC}schema-version", lambda: "1")
            _set_if_missing(element, f"{_AC}macro-id", new_id)
        elif element.tag == "table":
            _set_if_missing(element, "data-layout", lambda: "default")
            _set_if_missing(element, f"{_AC}local-id", new_id)
        elif element.tag == _TASK_LIST:
            _set_if_missing(element, f"{_AC}task-list-id", new_id)
        elif element.find(f"{_AC}task-uuid") is None:
            # SubElement (not a free-standing Element) reuses the in-scope "ac" prefix, so no
            # stray xmlns declaration appears; Cloud puts the uuid right after ac:task-id.
            task_uuid = etree.SubElement(element, f"{_AC}task-uuid")
            task_uuid.text = new_id()
            task_id = element.find(f"{_AC}task-id")
            if task_id is not None:
                task_id.addnext(task_uuid)
            else:
                element.insert(0, task_uuid)


def _set_if_missing(element: etree._Element, name: str, value: Callable[[], str]) -> None:
    # value is a factory so that an id is drawn only when one is added: a seeded new_id then
    # yields the same ids for the same body, whatever ids it already carries.
    if element.get(name) is None:
        element.set(name, value())


def _serialise(root: etree._Element) -> str:
    """Writes the wrapper's content as Confluence does: characters unescaped, empty tags `<x />`."""
    if len(root) == 0 and not root.text:
        return ""
    document = etree.tostring(root, encoding="unicode")
    inner = document[len(_WRAPPER_OPEN) : -len(_WRAPPER_CLOSE)]
    # libxml2 writes <x/>; Confluence writes <x />. Outside CDATA, comments and processing
    # instructions, "/>" can only end an empty element: lxml escapes ">" in text and attributes.
    if "<!" not in inner and "<?" not in inner:
        return inner.replace("/>", " />")
    parts = _VERBATIM_SECTION.split(inner)
    parts[::2] = [part.replace("/>", " />") for part in parts[::2]]
    return "".join(parts)


def _line_and_column(body: str, index: int) -> tuple[int, int]:
    """1-based row and column of `body[index]`, counting characters as libxml2 and Woodstox do."""
    line_start = body.rfind("\n", 0, index) + 1
    return body.count("\n", 0, index) + 1, index - line_start + 1


def _char_desc(char: str) -> str:
    """Describes a character the way Woodstox does in its messages."""
    code = ord(char)
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"(CTRL-CHAR, code {code})"
    if code > 255:
        return f"'{char}' (code {code} / 0x{code:x})"
    return f"'{char}' (code {code})"


def _illegal_character_error(body: str, index: int) -> StorageFormatError:
    line, column = _line_and_column(body, index)
    return StorageFormatError(_illegal_character_reason(body[index]), line, column)


def _illegal_character_reason(char: str) -> str:
    code = ord(char)
    if code == 0:
        return "Illegal character (NULL, unicode 0) encountered: not valid in any content"
    if 0xD800 <= code <= 0xDFFF:
        # Woodstox would print the character itself; a lone surrogate cannot be printed.
        return f"Illegal character (unpaired surrogate, code {code} / 0x{code:x})"
    return f"Illegal character ({_char_desc(char)})"


def _storage_format_error(
    body: str, document: str, error: etree.XMLSyntaxError
) -> StorageFormatError:
    """Turns libxml2's first error into Confluence's (Woodstox's) message and caller position."""
    doc_line, doc_column = error.position
    # The character libxml2 stopped at, looked up in the document: it may be the wrapper's "<".
    document_lines = document.split("\n")
    at_error = (
        document_lines[doc_line - 1][doc_column - 1 : doc_column]
        if doc_line <= len(document_lines)
        else ""
    )
    lines = body.split("\n")
    line = max(doc_line - 1, 1)
    column = doc_column - _BODY_COLUMN_OFFSET if line == 1 else doc_column
    if line > len(lines):
        # Errors found at the wrapper's close tag belong to the end of the body.
        line, column = len(lines), len(lines[-1]) + 1
    column = min(max(column, 1), len(lines[line - 1]) + 1)
    message = _LIBXML2_LOCATION.sub("", str(error.msg)).strip()
    if _LIBXML2_ILLEGAL_CHARACTER.search(message) and "CharRef" not in message:
        # libxml2 stops at the first illegal character, so it is the body's first one.
        illegal = _ILLEGAL_CHARACTER.search(body)
        if illegal:
            return _illegal_character_error(body, illegal.start())
    return StorageFormatError(_woodstox_reason(message, at_error), line, column)


def _woodstox_reason(message: str, at_error: str) -> str:
    """Confluence's wording for libxml2's `message`; `at_error` is the character it points at."""
    for pattern, reason in _WOODSTOX_REASONS:
        match = pattern.match(message)
        if match:
            return reason(match, at_error)
    # No Woodstox equivalent known: libxml2's own words are still specific and accurate.
    return message


def _unexpected_character(suffix: str) -> Callable[[re.Match[str], str], str]:
    return lambda _, char: f"Unexpected character {_char_desc(char or ' ')}{suffix}"


def _char_reference_reason(match: re.Match[str], _: str) -> str:
    code = int(match[1])
    if code == 0:
        return "Invalid character reference: null character not allowed in XML content."
    return f"Illegal character entity: expansion character (code 0x{code:x})"


def _namespace_reason(match: re.Match[str], _: str) -> str:
    prefix, name, owner = match[1], match[2], match[3]
    if owner:
        return f'Undeclared namespace prefix "{prefix}" (for attribute "{name}")'
    return f'Undeclared namespace prefix "{prefix}"'


def _directive_or_start_tag(_: re.Match[str], char: str) -> str:
    # libxml2 points at the character after "<"; "<!" followed by anything but "--" or "[CDATA["
    # (a DOCTYPE or ENTITY declaration, for one) is what Woodstox calls an unrecognised directive.
    if char == "!":
        return "Unrecognized XML directive; expected CDATA or comment ('<![CDATA[' or '<!--')."
    return _unexpected_character(" in content after '<' (malformed start element?).")(_, char)


_WOODSTOX_REASONS: Final[list[tuple[re.Pattern[str], Callable[[re.Match[str], str], str]]]] = [
    (
        re.compile(r"Opening and ending tag mismatch: (\S+) line \d+ and (\S+)"),
        lambda m, _: f"Unexpected close tag </{m[2]}>; expected </{m[1]}>.",
    ),
    (
        re.compile(r"Premature end of data in tag (\S+)"),
        lambda m, _: f"Unexpected EOF; was expecting a close tag for element <{m[1]}>",
    ),
    (
        re.compile(r"Entity '([^']+)' not defined"),
        lambda m, _: f'Undeclared general entity "{m[1]}"',
    ),
    (
        re.compile(r"Sequence '\]\]>' not allowed in content"),
        lambda m, _: (
            "String ']]>' not allowed in textual content, except as the end marker of CDATA section"
        ),
    ),
    (re.compile(r"xmlParseCharRef: invalid xmlChar value (\d+)"), _char_reference_reason),
    (
        re.compile(r"xmlParseCharRef: character reference out of bounds"),
        lambda m, _: "Illegal character entity: value higher than max allowed (0x10ffff)",
    ),
    (
        re.compile(r"Attribute (\S+) redefined"),
        lambda m, _: f"Duplicate attribute '{m[1]}'.",
    ),
    (
        re.compile(r"Namespace prefix (\S+) (?:on|for) (\S+)(?: on (\S+))? is not defined"),
        _namespace_reason,
    ),
    (
        re.compile(r"Double hyphen within comment"),
        lambda m, _: "String '--' not allowed in comment (missing '>'?)",
    ),
    (re.compile(r"Comment not terminated"), lambda m, _: "Unexpected EOF in comment"),
    (re.compile(r"CData section not finished"), lambda m, _: "Unexpected EOF in CDATA section"),
    (
        re.compile(r"XML declaration allowed only at the start"),
        lambda m, _: (
            'Illegal processing instruction target ("xml"); '
            "'xml' (case insensitive) is reserved by the specs."
        ),
    ),
    (re.compile(r"StartTag: invalid element name"), _directive_or_start_tag),
    (
        re.compile(r"xmlParseEntityRef: no name"),
        _unexpected_character(" (expected a name start character)"),
    ),
    (
        re.compile(r"EntityRef: expecting ';'"),
        _unexpected_character("; expected a semi-colon after the reference for an entity"),
    ),
    (
        re.compile(r"(?:error parsing attribute name|attributes construct error)"),
        _unexpected_character(" excepted space, or '>' or \"/>\""),
    ),
    (
        re.compile(r"Specification mandates value for attribute"),
        _unexpected_character(" expected '='"),
    ),
    (
        re.compile(r"AttValue: \" or ' expected"),
        _unexpected_character(" in attribute value; expected a quote character"),
    ),
    (
        re.compile(r"Unescaped '<' not allowed in attributes values"),
        lambda m, _: "Unexpected '<' character in attribute value",
    ),
]
