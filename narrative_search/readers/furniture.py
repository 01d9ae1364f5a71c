"""Web-page furniture: what a page holds for the site rather than for its reader.

A council's page about its SEND progress is printed inside the site's
navigation menus, cookie banners, breadcrumbs, share links, contact blocks
and footers. The HTML reader drops that text and reports each dropped block
with the reason named here, so the coverage report can say what went and why.

Rules are structural first (:func:`element_reason`): the page's own markup
says what an element is, by its tag (``<nav>``, ``<footer>``), its ARIA role
or the words of its class and id ("cookie-banner", "breadcrumb"). A few
short lines are furniture whatever element holds them (:func:`line_reason`):
"Skip to main content", "Hide Ad", "Share this page", "Was this page
helpful?". "Page last reviewed: 20/04/2023" is the page's date, not an
update of anything it describes (:func:`page_date_of_line`).

The rules were chosen over a main-content extractor (trafilatura) measured on
the same pages: the extractor kept the main text as well, but it rewrites the
text (so rows lose their source lines and table cells their HTML), cannot say
why a block went, kept contact blocks, "Hide Ad" and "Page last reviewed"
lines, and brings ten more packages.
"""

from __future__ import annotations

import re
from typing import Optional

from ..months import Month, month_of
from ..stamps import parse_due

# Elements that are furniture by their tag, and the reason each is dropped.
# A page header, footer or sidebar is furniture only outside the page's main
# content (<main>, <article>): an article's own <header> holds its title and
# publication date, its <footer> may hold notes.
_TAGS = {"nav": "navigation", "header": "site header", "footer": "site footer", "aside": "sidebar", "address": "contact block"}
_ROLES = {
    "navigation": "navigation",
    "banner": "site header",
    "contentinfo": "site footer",
    "complementary": "sidebar",
    "search": "search form",
}
OUTSIDE_CONTENT_ONLY = frozenset({"site header", "site footer", "sidebar"})
# Elements that hold the page's own content.
CONTENT_TAGS = frozenset({"main", "article"})
CONTENT_ROLES = frozenset({"main", "article"})

# Words of an element's class or id (split at anything not a letter or digit)
# that say what it holds. Whole words only: "header" is not "headers-table".
_CLASS_WORDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(words), reason)
    for words, reason in (
        (r"cookies?|cookiebanner|consent|gdpr", "cookie banner"),
        (r"breadcrumbs?|crumbs?", "breadcrumb"),
        (r"skip|skiplinks?|skipnav|skiptocontent", "skip link"),
        (r"nav|navbar|navigation|menu|menubar|megamenu|mainnav|sitenav|topnav", "navigation"),
        (r"share|sharing|sharethis|social|socialshare", "share links"),
        (r"ad|ads|advert|adverts|advertisement|adslot|sponsored", "advert"),
        (r"contact|contacts|contactblock|contactdetails", "contact block"),
        (r"feedback|pagefeedback", "feedback form"),
        (r"header|masthead|siteheader", "site header"),
        (r"footer|sitefooter", "site footer"),
        (r"sidebar|sidenav", "sidebar"),
    )
)
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")

#: What text outside the main content is dropped as, on a page that marks its main content.
OUTSIDE_MAIN = "outside the main content"
#: What a "Page last reviewed: ..." line is dropped as.
PAGE_DATE = "page date"


def element_reason(tag: str, attrs: dict[str, str], inside_content: bool) -> Optional[str]:
    """Why an element is furniture (its tag, role, or class and id words), or None for content.

    ``inside_content``: whether the element is inside the page's <main> or an <article>.
    """
    reason = _TAGS.get(tag) or _ROLES.get(attrs.get("role", "").strip().lower())
    if reason is None:
        words = _WORD_SPLIT.split(f"{attrs.get('class', '')} {attrs.get('id', '')}".lower())
        reason = next(
            (reason for pattern, reason in _CLASS_WORDS for word in words if word and pattern.fullmatch(word)),
            None,
        )
    if reason in OUTSIDE_CONTENT_ONLY and inside_content:
        return None
    return reason


def is_content(tag: str, attrs: dict[str, str]) -> bool:
    """Whether the element holds the page's own content (<main>, <article>, role="main")."""
    return tag in CONTENT_TAGS or attrs.get("role", "").strip().lower() in CONTENT_ROLES


def is_main(tag: str, attrs: dict[str, str]) -> bool:
    """Whether the element is the page's main content (<main>, role="main")."""
    return tag == "main" or attrs.get("role", "").strip().lower() == "main"


# Lines that are furniture wherever they are printed, matched whole (case and
# a closing full stop or colon aside).
_LINES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), reason)
    for pattern, reason in (
        (r"skip (?:to )?(?:the )?(?:main )?(?:content|navigation|menu)|skip navigation", "skip link"),
        (r"hide ad|advertisement|advert|sponsored(?: content)?", "advert"),
        (r"(?:share|print|email)(?: this)?(?: page| article| story| post| news item)?(?: on \w+)?", "share links"),
        (r"back to (?:the )?top|return to top|top of (?:the )?page", "navigation"),
        (r"you are here\b.*|home\s*[>›»]\s*.*", "breadcrumb"),
        (r"(?:was|is) this page (?:helpful|useful)\??(?: yes,? no)?", "feedback form"),
        (
            r"(?:accept|reject|allow|manage|set)(?: all| optional| analytics| additional| essential)? cookies"
            r"|cookie (?:settings|preferences|policy)",
            "cookie banner",
        ),
    )
)
# The longest line a line rule is tried on: furniture lines are short, and
# a long line that happens to start like one is prose.
_LONGEST_LINE = 120


def line_reason(text: str) -> Optional[str]:
    """Why a whole line is furniture ("Hide Ad", "Skip to main content"), or None."""
    line = text.strip().rstrip(".:").strip()
    if not line or len(line) > _LONGEST_LINE:
        return None
    return next((reason for pattern, reason in _LINES if pattern.fullmatch(line)), None)


_MONTH_WORD = r"[A-Za-z]{3,9}\.?"
_PAGE_DATE_LINE = re.compile(
    rf"""
    (?:this\s+)?(?:page\s+(?:was\s+)?last|page|last)\s+(?:reviewed|updated|modified|edited|checked)
    (?:\s+on)?\s*:?\s*
    (?P<date>
        (?:[A-Za-z]+day,?\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH_WORD},?\s+\d{{4}}
      | \d{{1,2}}\s*/\s*\d{{1,2}}\s*/\s*(?:\d{{4}}|\d{{2}})
      | \d{{4}}-\d{{2}}-\d{{2}}
      | {_MONTH_WORD}\s+\d{{4}}
    )
    (?:,?\s*(?:at\s+)?\d{{1,2}}[:.]\d{{2}}\s*(?:am|pm)?)?
    """,
    re.IGNORECASE | re.VERBOSE,
)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})(?:-\d{2})?")


def page_date_of_line(text: str) -> Month:
    """The month a "Page last reviewed: 20/04/2023" line gives the page, or None for any other line."""
    match = _PAGE_DATE_LINE.fullmatch(" ".join(text.split()).rstrip("."))
    if match is None:
        return None
    return iso_month(match.group("date")) or parse_due(match.group("date"))


def iso_month(value: str) -> Month:
    """The month of an ISO date or timestamp ("2023-03-03T12:00:00Z"), or None."""
    match = _ISO_DATE.match(value.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12:
        return None
    return month_of(int(match.group(1)), int(match.group(2)))


# <meta> names and properties that name the site, best first.
SITE_NAME_KEYS = ("og:site_name", "application-name", "apple-mobile-web-app-title", "dcterms.publisher", "dc.publisher")
# <meta> names and properties that date the page, best first: when it was
# last changed, then when it was published.
PAGE_DATE_KEYS = (
    "article:modified_time", "og:updated_time", "dcterms.modified", "dc.date.modified", "last-modified",
    "article:published_time", "dcterms.created", "dc.date.created", "dcterms.issued", "dc.date",
)
# How a <title> separates the page's name from the site's: "Minutes - Rutland County Council".
_TITLE_SEPARATOR = re.compile(r"\s+[-|\u2013\u2014]\s+")


def title_site_name(title: str) -> Optional[str]:
    """The site's name a <title> ends with ("Our plan | Torbay Council" -> "Torbay Council"), or None."""
    parts = _TITLE_SEPARATOR.split(" ".join(title.split()))
    return parts[-1] if len(parts) > 1 and parts[-1] else None
