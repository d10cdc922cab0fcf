"""Canonical form and digest: blind to what Confluence adds on save, not to real changes."""

from __future__ import annotations

import pytest

from confluence_kpi.pages import canonical as canonical_module
from confluence_kpi.pages import render_kpi_page
from confluence_kpi.pages.canonical import StorageFormatError, canonical, digest

from .factories import TEAM, make_context, make_evaluation, make_goal, make_kpi

SENT = (
    '<ac:structured-macro ac:name="info"><ac:rich-text-body><p>Kept by the bot &amp; you.</p>'
    "</ac:rich-text-body></ac:structured-macro>\n"
    '<table><tbody><tr><th><p>Status</p></th><td><p><ac:structured-macro ac:name="status">'
    '<ac:parameter ac:name="colour">Green</ac:parameter></ac:structured-macro></p></td></tr>'
    "</tbody></table>\n"
    "<p><strong>Owner</strong> <em>Jane</em>\u00a0Doe<br/>since 2026</p>\n"
    '<p><ac:link><ri:page ri:space-key="KPI" ri:content-title="Team: A"/></ac:link></p>\n'
    "<ac:task-list><ac:task><ac:task-id>1</ac:task-id><ac:task-status>incomplete"
    "</ac:task-status><ac:task-body>Call Jane</ac:task-body></ac:task></ac:task-list>"
)

SAVED = (
    '<ac:structured-macro ac:schema-version="1" ac:macro-id="1c2d" ac:name="info">'
    '<ac:rich-text-body><p local-id="9f">Kept by the <ac:inline-comment-marker ac:ref="77">bot'
    "</ac:inline-comment-marker> &amp; you.</p></ac:rich-text-body></ac:structured-macro>"
    '<p class="auto-cursor-target"><br /></p>'
    '<table data-layout="default" data-table-width="760" ac:local-id="t1" class="wrapped">'
    "<colgroup><col /><col /></colgroup><tbody>\n  <tr>\n    <th><p>Status</p></th>\n    "
    '<td><div class="content-wrapper"><p><ac:structured-macro ac:name="status" '
    'ac:macro-id="ab12" ac:schema-version="1"><ac:parameter ac:name="colour">Green'
    "</ac:parameter></ac:structured-macro></p></div></td>\n  </tr>\n</tbody></table>"
    "<p><b>Owner</b> <i>Jane</i>&nbsp;Doe<br />since 2026</p>"
    '<p><ac:link><ri:page ri:content-title="Team: A" ri:version-at-save="3" '
    'ri:space-key="KPI" /></ac:link></p>'
    '<ac:task-list ac:task-list-id="l1"><ac:task><ac:task-id>1</ac:task-id>'
    "<ac:task-uuid>5e0c</ac:task-uuid><ac:task-status>incomplete</ac:task-status>"
    '<ac:task-body><span class="placeholder-inline-tasks">Call Jane</span></ac:task-body>'
    "</ac:task></ac:task-list>"
)


def test_canonical_ignores_confluence_save_artefacts() -> None:
    assert SAVED != SENT
    assert canonical(SAVED) == canonical(SENT)
    assert digest(SAVED) == digest(SENT)


def test_canonical_ignores_artefacts_on_a_rendered_page() -> None:
    page = render_kpi_page(make_kpi(), make_evaluation(), TEAM, [make_goal()], make_context())
    saved = (
        page.replace('<ac:structured-macro ac:name="status">',
                     '<ac:structured-macro ac:macro-id="1" ac:name="status" ac:schema-version="1">')
        .replace("<table>", '<table data-layout="default" local-id="t">')
        .replace("\n", "\n  ")
        .replace("<p/>", "<p></p>")
        .replace("&#39;", "'")
        .replace('"/>', '" />')
    )  # fmt: skip
    assert saved != page
    assert canonical(saved) == canonical(page)


@pytest.mark.parametrize(
    "edited",
    [
        SENT.replace("Kept by the bot", "Kept by a bot"),  # words
        SENT.replace("<strong>Owner</strong> <em>", "<strong>Owner</strong><em>"),  # inline space
        SENT.replace(">Green<", ">Red<"),  # a macro parameter
        SENT.replace("Team: A", "Team: B"),  # a link target
        SENT.replace("<p><strong>Owner", "<h3><strong>Owner").replace("2026</p>", "2026</h3>"),
        SENT.replace("incomplete", "complete"),  # a ticked task
    ],
)
def test_canonical_sees_a_real_change(edited: str) -> None:
    assert edited != SENT
    assert canonical(edited) != canonical(SENT)
    assert digest(edited) != digest(SENT)


def test_canonical_keeps_preformatted_whitespace() -> None:
    assert canonical("<pre>a\n  b</pre>") != canonical("<pre>a\nb</pre>")


def test_digest_changes_with_the_render_version(monkeypatch: pytest.MonkeyPatch) -> None:
    before = digest(SENT)
    monkeypatch.setattr(canonical_module, "RENDER_VERSION", canonical_module.RENDER_VERSION + 1)
    assert digest(SENT) != before


@pytest.mark.parametrize("broken", ["<p>unclosed", "<p>a</b>", "<p>&bogus;</p>"])
def test_malformed_storage_is_a_clear_error(broken: str) -> None:
    with pytest.raises(StorageFormatError, match="not well-formed"):
        canonical(broken)
