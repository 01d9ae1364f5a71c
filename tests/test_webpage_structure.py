"""Readers keep the structure the prose reader needs; web-page furniture is dropped and counted.

- HTML h1-h6, Word heading styles and larger PDF type give ``Row.heading_level``; HTML <li>
  and Word list paragraphs give ``Row.list_item``; row text is unchanged.
- Navigation, cookie banners, breadcrumbs, share links, contact blocks,
  site headers and footers are dropped, each block with a reason, and no
  word of the page goes missing: kept words and dropped words add up to the
  words the page shows.
- "Page last reviewed: 20/04/2023" dates the page (its as-of month), and the
  page's own site name gives its council when nothing else does.

The pages in tests/webpages/ are made up, in the shapes councils publish.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from pathlib import Path
from typing import Optional

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE

from narrative_search.councils import council_of_site
from narrative_search.errors import CouncilUnknownError
from narrative_search.ingest import SourceEntry, read_document, resolve_council
from narrative_search.readers.common import SourceRows
from narrative_search.readers.furniture import line_reason, page_date_of_line, title_site_name
from narrative_search.readers.pdf import read_pdf
from narrative_search.readers.webpage import read_html
from narrative_search.readers.word import read_docx

PAGES = Path(__file__).resolve().parent / "webpages"


def read_page(text: str, name: str = "page.html") -> SourceRows:
    return read_html(text.encode("utf-8"), name)


def structure(source: SourceRows) -> list[tuple[str, Optional[int], bool]]:
    return [(row.text, row.heading_level, row.list_item) for row in source.rows]


# --- headings and list items -------------------------------------------------------


HTML_STRUCTURE = [
    pytest.param(
        "<h1>Our plan</h1><h2>Theme one</h2><h3>Position in June 2022</h3><p>We have:</p>"
        "<ul><li>a new panel</li><li>more staff</li></ul><h6>Small print</h6>",
        [
            ("Our plan", 1, False),
            ("Theme one", 2, False),
            ("Position in June 2022", 3, False),
            ("We have:", None, False),
            ("- a new panel", None, True),
            ("- more staff", None, True),
            ("Small print", 6, False),
        ],
        id="headings-and-bullets",
    ),
    pytest.param(
        "<ol><li><p>a numbered point in a paragraph</p></li></ol><h4><span>Spanned</span> heading</h4>",
        [("a numbered point in a paragraph", None, True), ("Spanned heading", 4, False)],
        id="paragraph-in-item-and-inline-in-heading",
    ),
    pytest.param(
        "<table><tr><th>Ref</th><th>Action</th></tr><tr><td>1</td><td><ul><li>in a cell</li></ul></td></tr></table>",
        [("Ref\tAction", None, False), ("1\t<ul><li>in a cell</li></ul>", None, False)],
        id="table-cells-stay-cells",
    ),
]


@pytest.mark.parametrize(("body", "expected"), HTML_STRUCTURE)
def test_html_heading_levels_and_list_items(body: str, expected: list) -> None:
    source = read_page(f"<html><body>{body}</body></html>")
    assert structure(source) == expected
    assert source.dropped == []


def _docx_with_structure(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("Improvement progress", style="Title")
    document.add_heading("Quality of plans", level=1)
    document.add_heading("Position in November 2019", level=2)
    document.add_paragraph("We had:")
    document.add_paragraph("plans finished late", style="List Bullet")
    document.add_paragraph("a numbered point", style="List Number")
    house = document.styles.add_style("House Heading", WD_STYLE_TYPE.PARAGRAPH)
    house.base_style = document.styles["Heading 3"]
    document.add_paragraph("A house heading", style=house)
    document.add_heading("Too deep for a page", level=7)
    document.add_paragraph("Body text")
    document.save(str(path))
    return path


def test_docx_heading_levels_and_list_items(tmp_path: Path) -> None:
    source = read_docx(_docx_with_structure(tmp_path / "structure.docx"))
    assert structure(source) == [
        ("Improvement progress", 1, False),
        ("Quality of plans", 1, False),
        ("Position in November 2019", 2, False),
        ("We had:", None, False),
        ("- plans finished late", None, True),
        ("- a numbered point", None, True),
        ("A house heading", 3, False),  # a style based on "Heading 3"
        ("Too deep for a page", None, False),
        ("Body text", None, False),
    ]


def test_pdf_heading_levels_from_font_size(tmp_path: Path) -> None:
    """Short lines printed larger than the body text are headings, the largest level 1; bold alone is not."""
    from reportlab.pdfgen import canvas

    path = tmp_path / "headings.pdf"
    page = canvas.Canvas(str(path), pagesize=(595, 842))
    lines = [
        (18, "Helvetica-Bold", "Our improvement journey"),
        (14, "Helvetica-Bold", "Quality of plans"),
        (10, "Helvetica", "We had too many late plans, and we have fewer now."),
        (12, "Helvetica-Bold", "Position in June 2022"),
        (10, "Helvetica-Bold", "We have:"),
        (10, "Helvetica", "a second line of body text for the count"),
        (14, "Helvetica-Bold", "Joint commissioning"),
    ]
    top = 780
    for size, font, text in lines:
        page.setFont(font, size)
        page.drawString(72, top, text)
        top -= int(size * 2.2)
    page.save()
    source = read_pdf(path)
    assert [(row.text, row.heading_level) for row in source.rows] == [
        ("Our improvement journey", 1),
        ("Quality of plans", 2),
        ("We had too many late plans, and we have fewer now.", None),
        ("Position in June 2022", 3),
        ("We have:", None),
        ("a second line of body text for the count", None),
        ("Joint commissioning", 2),
    ]


# --- furniture on the fixture pages --------------------------------------------------

# Per page: rows kept, and dropped blocks by reason.
FIXTURE_PAGES = [
    pytest.param(
        "progress.html",
        18,
        {"skip link": 1, "cookie banner": 2, "site header": 1, "search form": 1, "navigation": 4,
         "page date": 1, "site footer": 7},
        id="progress",
    ),
    pytest.param(
        "news.html", 8, {"navigation": 1, "advert": 3, "share links": 4, "sidebar": 3, "site footer": 2}, id="news"
    ),
    pytest.param(
        "local-offer.html",
        10,
        {"skip link": 1, "navigation": 1, "breadcrumb": 3, "contact block": 3, "page date": 1,
         "feedback form": 2, "share links": 1, "site footer": 1},
        id="local-offer",
    ),
    pytest.param(
        "minutes.html",
        10,
        {"site header": 1, "navigation": 1, "breadcrumb": 1, "sidebar": 3, "share links": 1, "site footer": 2},
        id="minutes",
    ),
]

# What must be kept and what must go, per page (substrings of the text).
KEPT_AND_DROPPED = {
    "progress.html": (
        ["Quality and oversight of EHC plans", "Position as of June 2022", "- a pooled fund for speech"],
        ["Skip to main content", "essential cookies", "Bins and recycling", "Page last reviewed", "Telephone"],
    ),
    "news.html": (
        ["Families asked to help shape", "Published 12 November 2019", "- Every school now has a named contact"],
        ["Hide Ad", "Advertisement", "Share this article", "Related stories", "All rights reserved"],
    ),
    "local-offer.html": (
        ["15 June 2023: New autism pathway", "Autumn 2022\t455\t96"],
        ["About the local offer", "send.team@example.org", "Was this page helpful?", "Share this page"],
    ),
    "minutes.html": (
        ["Minutes of the SEND Improvement Board", "Action 1.1", "3. Date of next meeting"],
        ["You are here", "Popular pages", "Share on Facebook", "Back to top", "Civic Offices, Shute End"],
    ),
}


@pytest.mark.parametrize(("page", "kept_rows", "dropped_by_reason"), FIXTURE_PAGES)
def test_fixture_page_furniture_is_dropped_with_reasons(page: str, kept_rows: int, dropped_by_reason: dict) -> None:
    source = read_html((PAGES / page).read_bytes(), PAGES / page)
    assert len(source.rows) == kept_rows
    assert Counter(span.reason for span in source.dropped) == dropped_by_reason
    kept, dropped = KEPT_AND_DROPPED[page]
    text = source.text()
    assert all(piece in text for piece in kept)
    assert not any(piece in text for piece in dropped)
    dropped_text = " ".join(span.text for span in source.dropped)
    assert all(piece in dropped_text for piece in dropped)
    # Every dropped block says where it was.
    assert all(source.locations()[span.line].startswith("HTML line ") for span in source.dropped)


_HEAD = re.compile(r"<(head|script|style)\b.*?</\1>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^<>]*>")
_WORD = re.compile(r"\w+")


def _words(text: str) -> Counter:
    return Counter(word.lower() for word in _WORD.findall(html.unescape(_TAG.sub(" ", text))))


@pytest.mark.parametrize("page", sorted(path.name for path in PAGES.glob("*.html")))
def test_fixture_page_words_are_kept_or_reported_dropped(page: str) -> None:
    """Word for word: what the page shows is in its rows or in its dropped spans, once."""
    raw = (PAGES / page).read_text(encoding="utf-8")
    source = read_html(raw.encode("utf-8"), PAGES / page)
    shown = _words(_HEAD.sub(" ", raw))
    read = _words(source.text()) + _words(" ".join(span.text for span in source.dropped))
    assert read == shown


FURNITURE_CASES = [
    pytest.param('<div class="cookie-notice"><p>We use cookies.</p></div><p>Kept</p>', "cookie banner", id="cookie"),
    pytest.param('<ul id="breadcrumbs"><li>Home</li></ul><p>Kept</p>', "breadcrumb", id="breadcrumb-id"),
    pytest.param('<div role="navigation"><p>Menu</p></div><p>Kept</p>', "navigation", id="role-navigation"),
    pytest.param('<div class="social-share-bar">Share</div><p>Kept</p>', "share links", id="share"),
    pytest.param("<address>Town Hall, High Street</address><p>Kept</p>", "contact block", id="address"),
    pytest.param("<p>Hide Ad</p><p>Kept</p>", "advert", id="hide-ad-line"),
    pytest.param("<p>Skip to main content</p><p>Kept</p>", "skip link", id="skip-line"),
    pytest.param("<p>Home &gt; Education &gt; SEND</p><p>Kept</p>", "breadcrumb", id="breadcrumb-line"),
    pytest.param("<main><p>Kept</p></main><p>Printed after the main content</p>", "outside the main content", id="outside-main"),
]


@pytest.mark.parametrize(("body", "reason"), FURNITURE_CASES)
def test_furniture_rules(body: str, reason: str) -> None:
    source = read_page(f"<html><body>{body}</body></html>")
    assert [row.text for row in source.rows] == ["Kept"]
    assert [span.reason for span in source.dropped] == [reason]


KEPT_CASES = [
    pytest.param("<article><header><h1>Title</h1><p>Published 3 May 2022</p></header><p>Body</p></article>",
                 ["Title", "Published 3 May 2022", "Body"], id="article-header-is-content"),
    pytest.param('<header class="site-header"><h1>Our SEND plan</h1><nav>Menu</nav></header><p>Body</p>',
                 ["Our SEND plan", "Body"], id="page-title-in-site-header"),
    pytest.param("<nav><p>Menu</p></div><p>still the menu</p></nav><p>Body</p>",
                 ["Body"], id="stray-end-tag-inside-nav-ignored"),
    pytest.param("<p>Share of pupils with a plan rose to 4% this year, and we will share the figures.</p>",
                 ["Share of pupils with a plan rose to 4% this year, and we will share the figures."], id="long-line"),
    pytest.param("<p>Updated 15 June 2023: new pathway opened</p>",
                 ["Updated 15 June 2023: new pathway opened"], id="dated-update-is-not-a-page-date"),
]


@pytest.mark.parametrize(("body", "kept"), KEPT_CASES)
def test_content_is_kept(body: str, kept: list[str]) -> None:
    source = read_page(f"<html><body>{body}</body></html>")
    assert [row.text for row in source.rows] == kept


def test_page_of_nothing_but_furniture_is_read_whole() -> None:
    source = read_page("<html><body><nav><p>Our plan</p><p>Progress in 2022</p></nav></body></html>")
    assert [row.text for row in source.rows] == ["Our plan", "Progress in 2022"]
    assert source.dropped == [] and any("furniture" in warning for warning in source.warnings)


LINE_REASONS = [
    ("Skip to content", "skip link"),
    ("Hide Ad", "advert"),
    ("Share this page", "share links"),
    ("Back to top", "navigation"),
    ("You are here: Home > Schools", "breadcrumb"),
    ("Was this page helpful?", "feedback form"),
    ("Accept all cookies", "cookie banner"),
    ("We will share this page with schools next term.", None),
    ("Position as of June 2022", None),
]


@pytest.mark.parametrize(("line", "reason"), LINE_REASONS)
def test_line_reasons(line: str, reason: Optional[str]) -> None:
    assert line_reason(line) == reason


# --- the page date -------------------------------------------------------------------

PAGE_DATE_LINES = [
    ("Page last reviewed: 20/04/2023", "2023-04"),
    ("Last updated: 3 March 2023", "2023-03"),
    ("This page was last updated on 1st February 2021 at 10:15am", "2021-02"),
    ("Page updated: 2022-11-30", "2022-11"),
    ("Last reviewed June 2022", "2022-06"),
    ("Updated 15 June 2023: new pathway opened", None),  # a dated entry, not the page's date
    ("Position as of June 2022", None),
    ("Page last reviewed: soon", None),
]


@pytest.mark.parametrize(("line", "month"), PAGE_DATE_LINES)
def test_page_date_of_line(line: str, month: Optional[str]) -> None:
    assert page_date_of_line(line) == month


PAGE_DATES = [
    pytest.param("progress.html", "2023-04", id="printed-review-date"),
    pytest.param("local-offer.html", "2023-03", id="printed-over-meta"),
    pytest.param("news.html", "2019-11", id="meta-published-time"),
    pytest.param("minutes.html", None, id="none"),
]


@pytest.mark.parametrize(("page", "month"), PAGE_DATES)
def test_page_date(page: str, month: Optional[str]) -> None:
    assert read_html((PAGES / page).read_bytes(), PAGES / page).page_date == month


# --- the site's name and the council ---------------------------------------------------

SITE_NAMES = [
    pytest.param("progress.html", ["Torbay Council"], id="og-site-name-and-title-agree"),
    pytest.param("news.html", ["Rutland County Council"], id="title-suffix"),
    pytest.param("local-offer.html", ["Solihull Local Offer"], id="application-name"),
    pytest.param("minutes.html", ["Wokingham Borough Council"], id="og-site-name"),
]


@pytest.mark.parametrize(("page", "names"), SITE_NAMES)
def test_site_names(page: str, names: list[str]) -> None:
    assert read_html((PAGES / page).read_bytes(), PAGES / page).site_names == names


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("Our SEND plan - Torbay Council", "Torbay Council"),
        ("News | Events | Rutland County Council", "Rutland County Council"),
        ("SEND progress \u2013 Solihull Local Offer", "Solihull Local Offer"),
        ("Plans for 2022-23", None),
        ("Home", None),
    ],
)
def test_title_site_name(title: str, name: Optional[str]) -> None:
    assert title_site_name(title) == name


@pytest.mark.parametrize(
    ("names", "council"),
    [
        (["Torbay Council"], "Torbay"),
        (["Solihull Local Offer"], "Solihull"),
        (["London Borough of Barnet"], "Barnet"),
        (["The Daily Courier", "Rutland County Council"], "Rutland"),
        (["The Daily Courier"], None),
        (["Torbay and Rutland partnership"], None),  # two areas: neither
        ([], None),
    ],
)
def test_council_of_site(names: list[str], council: Optional[str]) -> None:
    assert council_of_site(names) == council


def test_site_name_is_the_fourth_source_of_the_council() -> None:
    path = Path("page.html")
    assert resolve_council(path, "", None, None, ["Torbay Council"]) == "Torbay"
    assert resolve_council(path, "", "Rutland", None, ["Torbay Council"]) == "Rutland"
    assert resolve_council(path, "", None, SourceEntry(file="page.html", council="Solihull"), ["Torbay Council"]) == "Solihull"
    assert resolve_council(path, "Wokingham. Wokingham again.", None, None, ["Torbay Council"]) == "Wokingham"
    with pytest.raises(CouncilUnknownError):
        resolve_council(path, "", None, None, ["The Daily Courier"])


PLAN_PAGE = """<!DOCTYPE html>
<html><head><title>Improvement plan progress | Torbay Council</title>
<meta property="og:site_name" content="Torbay Council"></head>
<body>
<div id="cookie-banner"><p>We use cookies on this site.</p><button>Accept all cookies</button></div>
<nav><ul><li>Home</li><li>Schools</li></ul></nav>
<main>
<h1>Improvement plan progress</h1>
<table>
<tr><th>Ref</th><th>Actions</th><th>Lead</th><th>RAG</th><th>Progress update</th></tr>
<tr><td>1.1</td><td>Publish the new panel terms</td><td>Head of SEND</td><td>G</td>
<td>Jan 2023: terms agreed by the board.</td></tr>
</table>
<p>Page last reviewed: 20/04/2023</p>
</main>
<footer><p>Town Hall, Harbour Road</p></footer>
</body></html>
"""


def test_ingested_page_takes_council_from_site_name_and_as_of_from_page_date(tmp_path: Path) -> None:
    path = tmp_path / "plan.html"
    path.write_text(PLAN_PAGE, encoding="utf-8")
    reading = read_document(path)
    assert reading.document.council == "Torbay"
    assert reading.document.as_of == "2023-04"
    [action] = reading.actions
    assert action.ref == "1.1" and [u.text for u in action.updates] == ["terms agreed by the board."]
    assert Counter(span.reason for span in reading.dropped) == {
        "cookie banner": 2, "navigation": 2, "page date": 1, "site footer": 1,
    }
    manifest = SourceEntry(file="plan.html", council="Torbay", as_of="2023-06")
    assert read_document(path, entry=manifest).document.as_of == "2023-06"  # the manifest's date wins
