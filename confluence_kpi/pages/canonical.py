"""Canonical form of a storage-format body, and its digest, for change detection.

Confluence does not store what it was sent: it adds ids, renames `<b>` to `<strong>`,
respells empty elements and entities, and its editors add wrappers. Two bodies that differ
only in such ways have the same canonical form, so the bot neither rewrites a page that
Confluence merely re-spelled nor misses a change someone really made.
"""

from __future__ import annotations

import hashlib
import html.entities
import re
from typing import Final

from lxml import etree

# Bump when the templates or canonical() change in a way that must re-render every page.
RENDER_VERSION: Final = 1

AC: Final = "http://atlassian.com/content"
RI: Final = "http://atlassian.com/resource/identifier"
AT: Final = "http://atlassian.com/template"  # page-template variables; rare, but valid
_ROOT: Final = "page"  # the element canonical() wraps a body in

_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")

# Attributes that Confluence adds or regenerates on every save.
_VOLATILE = frozenset(
    {
        f"{{{AC}}}macro-id",
        f"{{{AC}}}schema-version",
        f"{{{AC}}}local-id",
        f"{{{AC}}}task-list-id",
        f"{{{AC}}}task-uuid",
        f"{{{RI}}}version-at-save",
        "local-id",
        "data-layout",
        "data-table-width",
    }
)
_RENAMED = {"b": "strong", "i": "em"}
# Elements whose own text is content even when it is only whitespace.
_PRESERVE_SPACE = frozenset({"pre", "code", f"{{{AC}}}plain-text-body"})
# Elements that stand as blocks: whitespace next to them is layout, not text.
_BLOCKS = frozenset(
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "div", "pre", "blockquote", "hr",
        "table", "thead", "tbody", "tfoot", "tr", "th", "td", "colgroup", "col",
        "ul", "ol", "li",
        f"{{{AC}}}rich-text-body", f"{{{AC}}}parameter", f"{{{AC}}}plain-text-body",
        f"{{{AC}}}task-list", f"{{{AC}}}task", f"{{{AC}}}task-id", f"{{{AC}}}task-status",
        f"{{{AC}}}task-body",
    }
)  # fmt: skip
# Elements that hold only other elements: all whitespace directly inside them is layout.
_CONTAINERS = frozenset(
    {
        _ROOT, "table", "thead", "tbody", "tfoot", "tr", "colgroup", "ul", "ol",
        f"{{{AC}}}structured-macro", f"{{{AC}}}rich-text-body", f"{{{AC}}}task-list",
        f"{{{AC}}}task", f"{{{AC}}}link", f"{{{AC}}}image",
        f"{{{AC}}}layout", f"{{{AC}}}layout-section", f"{{{AC}}}layout-cell",
    }
)  # fmt: skip


class StorageFormatError(ValueError):
    """A body that is not well-formed storage format; the message says where."""


def canonical(storage: str) -> str:
    """The body without what Confluence adds on save, serialised as C14N 2.0 (sorted attributes).

    The result is for comparison only: it is wrapped in a root that declares the namespaces.
    """
    root = _parse(storage)
    _normalise(root)
    return etree.tostring(root, method="c14n2").decode()


def digest(storage: str) -> str:
    """SHA-256 (hex) of the canonical body and RENDER_VERSION."""
    payload = f"{RENDER_VERSION}\n{canonical(storage)}"
    return hashlib.sha256(payload.encode()).hexdigest()


def _parse(storage: str) -> etree._Element:
    wrapped = (
        f'<{_ROOT} xmlns:ac="{AC}" xmlns:ri="{RI}" xmlns:at="{AT}">'
        f"{_ENTITY.sub(_numeric_entity, storage)}</{_ROOT}>"
    )
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        return etree.fromstring(wrapped.encode(), parser)
    except etree.XMLSyntaxError as error:
        raise StorageFormatError(f"storage format is not well-formed XML: {error}") from None


def _numeric_entity(match: re.Match[str]) -> str:
    """HTML entities (`&nbsp;`) as character references, which XML knows without a DTD."""
    name = match.group(1)
    character = html.entities.html5.get(f"{name};")
    if name in _XML_ENTITIES or character is None:
        return match.group(0)  # XML's own, or unknown: the parser reports the latter
    return "".join(f"&#{ord(char)};" for char in character)


def _normalise(root: etree._Element) -> None:
    """Rewrites the tree in place into its canonical shape."""
    for element in list(root.iter()):
        if not isinstance(element.tag, str):  # comments and processing instructions
            _remove(element)
            continue
        for name in _VOLATILE.intersection(element.attrib):
            del element.attrib[name]
        if element.tag == "table" and element.get("class") == "wrapped":
            del element.attrib["class"]  # Data Center's editor marks every table it saved
        element.tag = _RENAMED.get(element.tag, element.tag)
        if _is_artefact(element):
            _remove(element)
        elif _is_wrapper(element):
            _unwrap(element)
    for element in root.iter():
        _drop_layout_whitespace(element)


def _is_artefact(element: etree._Element) -> bool:
    """Editor output that carries nothing: Cloud task ids, DC column groups and cursor stops."""
    if element.tag in (f"{{{AC}}}task-uuid", "colgroup"):
        return True
    return (
        element.tag == "p"
        and element.get("class") == "auto-cursor-target"
        and not (element.text or "").strip()
        and all(child.tag == "br" for child in element)
    )


def _is_wrapper(element: etree._Element) -> bool:
    """Elements an editor puts around content: comment markers and DC/Cloud wrappers."""
    if element.tag == f"{{{AC}}}inline-comment-marker":
        return True
    css_class = element.get("class")
    return (element.tag == "div" and css_class == "content-wrapper") or (
        element.tag == "span" and css_class == "placeholder-inline-tasks"
    )


def _remove(element: etree._Element) -> None:
    """Removes an element with its content, keeping the text that follows it."""
    _unwrap(element, keep_content=False)


def _unwrap(element: etree._Element, *, keep_content: bool = True) -> None:
    """Replaces an element by its content (or by nothing), joining the text around it."""
    parent = element.getparent()
    if parent is None:
        return
    before = element.getprevious()
    pieces = [element.text or ""] if keep_content else []
    children = list(element) if keep_content else []
    index = parent.index(element)
    for offset, child in enumerate(children):
        parent.insert(index + offset + 1, child)
    # Text that followed the element now follows its last child, or joins the text before it.
    last = children[-1] if children else None
    tail = element.tail or ""
    parent.remove(element)
    if last is not None:
        _append_text(before, parent, "".join(pieces))
        last.tail = (last.tail or "") + tail
    else:
        _append_text(before, parent, "".join(pieces) + tail)


def _append_text(before: etree._Element | None, parent: etree._Element, text: str) -> None:
    if before is None:
        parent.text = (parent.text or "") + text
    else:
        before.tail = (before.tail or "") + text


def _drop_layout_whitespace(element: etree._Element) -> None:
    """Drops whitespace-only text that is only layout: between blocks or inside containers.

    Whitespace between inline elements (`<strong>a</strong> <em>b</em>`) is text and stays.
    """
    if element.tag in _PRESERVE_SPACE:
        return
    container = element.tag in _CONTAINERS
    block = container or element.tag in _BLOCKS
    children = list(element)
    if _is_blank(element.text) and (
        container or (block and (not children or children[0].tag in _BLOCKS))
    ):
        element.text = None
    for index, child in enumerate(children):
        following = children[index + 1] if index + 1 < len(children) else None
        if _is_blank(child.tail) and (
            container
            or child.tag in _BLOCKS
            or (following is None and block)
            or (following is not None and following.tag in _BLOCKS)
        ):
            child.tail = None


def _is_blank(text: str | None) -> bool:
    return text is not None and not text.strip()
