"""Inline comments on bot blocks: read them from the stored block, anchor them in the new one.

A person's inline comment is a marker around words of the page; its thread lives in
Confluence under the marker's `ac:ref`. When the bot rewrites a block, the marker is put back
around the same words if they are still there, so the thread stays attached to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from lxml import etree

# canonical's parser knows the namespaces and HTML entities of storage format; it is private
# there only because nothing outside the package needed it before.
from confluence_kpi.pages.canonical import AC, RI, _parse

_MARKER: Final = f"{{{AC}}}inline-comment-marker"
_REF: Final = f"{{{AC}}}ref"
# Confluence elements whose text is page text; the text of the others (macro parameters,
# task ids, plain-text bodies) is data that a marker would corrupt.
_RICH: Final = frozenset({f"{{{AC}}}rich-text-body", f"{{{AC}}}task-body", f"{{{AC}}}link-body"})


def inline_comments(block: str) -> list[tuple[str, str]]:
    """The (ac:ref, marked text) of each inline comment in a block, in document order."""
    return [
        (ref, text)
        for marker in _parse(block).iter(_MARKER)
        if (ref := marker.get(_REF)) and (text := _text(marker))
    ]


def reapply_comments(block: str, comments: Sequence[tuple[str, str]]) -> str:
    """The block with each comment's marker around the first unmarked occurrence of its text.

    Only whole text nodes are searched (a text that now spans markup is not found), never
    attributes or macro parameters. A comment whose text is gone is dropped: its thread stays
    in Confluence, unanchored. The block is re-serialised only when a marker was placed.
    """
    root = _parse(block)
    placed = [_mark_first(root, ref, text) for ref, text in comments]
    if not any(placed):
        return block
    wrapped = etree.tostring(root, encoding="unicode")
    return wrapped[wrapped.index(">") + 1 : wrapped.rindex("</")]


def _text(element: etree._Element) -> str:
    return etree.tostring(element, method="text", encoding="unicode", with_tail=False)


def _mark_first(element: etree._Element, ref: str, text: str) -> bool:
    """Wraps the first markable occurrence of `text` under `element`; False when there is none."""
    if _markable(element) and text in (element.text or ""):
        before, after = (element.text or "").split(text, 1)
        element.text = before
        element.insert(0, _marker(element, ref, text, after))
        return True
    for index, child in enumerate(element):
        if isinstance(child.tag, str) and _mark_first(child, ref, text):
            return True
        # A child's tail is text of `element`, and comes after the child's own text.
        if _markable(element) and text in (child.tail or ""):
            before, after = (child.tail or "").split(text, 1)
            child.tail = before
            element.insert(index + 1, _marker(element, ref, text, after))
            return True
    return False


def _markable(element: etree._Element) -> bool:
    """Whether text directly in `element` is page text (markers, being `ac:`, are not: a text
    already marked is not marked again)."""
    namespace = etree.QName(element).namespace
    return namespace not in (AC, RI) or element.tag in _RICH


def _marker(parent: etree._Element, ref: str, text: str, tail: str) -> etree._Element:
    marker = parent.makeelement(_MARKER, {_REF: ref})
    marker.text = text
    marker.tail = tail
    return marker
