"""Prose documents -> sections: the second reading path, beside the table planner.

Councils publish most of their progress as prose: themed progress pages
("Position in November 2019" under a theme heading), termly updates ("What
we have done" and "By 26 April 2021 we will have ..."), dated logs ("15 June
2023: Title"), timelines (month headings with day lines), newsletters (a
publication date near the top) and committee minutes. This module reads the
rows such a document leaves outside any plan table into *sections*: records
stored like actions (``Action.kind == "section"``, no ref), titled by their
heading, with the heading above as their ``focus_area``, and every dated
piece of text under them as an :class:`~narrative_search.model.Update`.

The rules, in the order they are applied:

* Headings come from the reader where the format marks them (HTML h1-h6,
  Word heading styles: ``Row.heading_level``); plain text has its headings
  inferred (short lines without a final full stop that are followed by body
  text, numbered headings, ALL-CAPS lines, "Title:" lines, date-only lines).
* An undated heading starts a section; a *dated* heading ("Position as of
  June 2022", "15 June 2023: Title", "February 2020", "26 February") starts
  a dated update of the section it is under, whose text is everything up to
  the next heading. A log is one section and each entry one dated update of
  it, so the section's timeline reads as the log in date order (one section
  per entry would give timelines of one update each).
* "By 26 April 2021 we will have ..." starts a *commitment* (a future-dated
  target, ``Update.kind == "commitment"``), kept apart from progress.
* Text under a heading with no date of its own takes the page's date (a
  "Published 12 November 2019" line, a meeting date, "Spring term 2021"
  near the top), else stays undated.
* "Action 1.1" / "Action One" in minutes starts a plan action with a ref,
  read like a table's action.
* Dates are :func:`~narrative_search.stamps.find_date_phrases`'s. Those that
  need a month ("end of last year", "26 February", "November progress
  update") resolve against the page's date, or the month-year line above a
  day line; their stamp is kept as printed. A month named alone dates only a
  heading about progress ("November progress update", not "July fun day").

Nothing is lost: heading lines that hold no text of their own and text
before the first heading are kept as unattributed text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Sequence

from .cleaning import clean_cell
from .model import Action, Citation, DatePhrase, Document, Row, TextSpan, Update, UpdateKind
from .months import Month
from .numbers import NUMBER_WORDS
from .refs import normalise_ref
from .stamps import find_date_phrases

# -- dates in prose ---------------------------------------------------------------
# Date phrases are stamps' (find_date_phrases): what is prose's own is which
# month resolves the phrases that need one (the page's date, or the month
# heading above a day line) and where a phrase counts as a heading's date.

# Words that make a month named alone ("November progress update") a heading's date;
# elsewhere "in July" is part of a sentence.
_PROGRESS_WORDS = re.compile(r"\b(progress|update|position)\b", re.IGNORECASE)


def _end(phrase: DatePhrase) -> int:
    return phrase.offset + len(phrase.printed)


def _month_alone(phrase: DatePhrase) -> bool:
    """A month named without its year or day ("November")."""
    return phrase.relative and phrase.day is None and " " not in phrase.printed and phrase.printed[:1].isupper()


# -- lines and their structure ------------------------------------------------------

_BULLET = re.compile(r"^\s*[-•*–·▪◦]\s+")
_NUMBERED = re.compile(r"^\s*(?P<number>\d{1,2}(?:\.\d{1,2})*)[.)]?\s+\S")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
_FINAL_STOP = tuple(".,;!?")
# Words that mark the page's own date line ("Published 12 November 2019").
_PAGE_DATE_WORDS = re.compile(
    r"\b(published|issue|issued|edition|updated|posted|date|dated|meeting|held|minutes|term|newsletter|"
    r"yesterday|today|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    re.IGNORECASE,
)
_PAGE_DATE_LINES = 8
# Of those, the words of a line that does nothing but date the page.
_PUBLISHED = re.compile(
    r"\b(published|issued|posted|updated|yesterday|today|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    re.IGNORECASE,
)
# ... or a meeting's date line of a few words ("Meeting held on 12 October 2022", "Date of meeting: 3 March 2021").
_MEETING_DATE = re.compile(r"\b(held|meeting|dated?)\b", re.IGNORECASE)
_MEETING_DATE_WORDS = 3
# Headings that mark what kind of text follows rather than start a section.
_PROGRESS_MARKER = re.compile(
    r"(what we have done|what we did|what we have achieved|what has happened|progress so far|progress update|"
    r"progress to date|our progress)(\s+(so far|this term|since \w+))?\s*:?",
    re.IGNORECASE,
)
_FUTURE_MARKER = re.compile(
    r"(what we will do|what we are going to do|next steps|what happens next)(\s+(next term|this term))?\s*:?",
    re.IGNORECASE,
)
_COMMITMENT = re.compile(r"^\s*by\s+(?:the\s+end\s+of\s+)?", re.IGNORECASE)
# "Action 1.1 Agree ...", "Action One: Publish ...": the action's own words start with a capital (or the line ends).
_PLAN_ACTION = re.compile(
    r"^\s*(?i:action)\s+(?P<ref>\d{1,2}(?:\.\d{1,2})*[a-zA-Z]?|(?i:one|two|three|four|five|six|seven|eight|nine|ten))"
    r"\b[\s.:\-–]*(?=[A-Z]|$)",
)
# The most words a dated heading holds besides its date ("Position as of", "progress update from action lead").
_DATED_HEADING_WORDS = 8
_HEADING_MAX_WORDS = 12
_HEADING_MAX_CHARS = 100


@dataclass
class _Line:
    """One non-blank line of prose with what the reader (or inference) saw in it."""

    text: str
    line: int
    level: Optional[int] = None  # heading level; None for body text
    bullet: bool = False
    explicit: bool = False  # the heading level came from the source (HTML, Word)


def _lines(rows: Sequence[Row]) -> list[Optional[_Line]]:
    """Rows as lines of text; None stands for a blank line (a paragraph break)."""
    lines: list[Optional[_Line]] = []
    for row in rows:
        if row.is_blank():
            lines.append(None)
            continue
        for part in clean_cell(row.text).live.split("\n"):
            if not part.strip():
                continue
            lines.append(
                _Line(
                    text=part.strip(),
                    line=row.line,
                    level=row.heading_level,
                    bullet=row.list_item or bool(_BULLET.match(part)),
                    explicit=row.heading_level is not None,
                )
            )
    return lines


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _dates(text: str, context: Month) -> list[DatePhrase]:
    """The date phrases of a line, months named alone left out (see :func:`_dated_heading`)."""
    return [phrase for phrase in find_date_phrases(text, context) if not _month_alone(phrase)]


def _is_date_only(text: str, context: Month) -> bool:
    """"February 2020", "26 February", "Tuesday 31st January 2023": a date and at most a weekday word."""
    dates = _dates(text, context)
    return bool(dates) and _words(text[: dates[0].offset] + text[_end(dates[0]) :]) <= 1


def _day_line(text: str, context: Month) -> bool:
    """"26 February" under "February 2020": a day and month whose year comes from above."""
    dates = _dates(text, context)
    return bool(dates) and dates[0].relative and dates[0].day is not None and _is_date_only(text, context)


def _heading_like(text: str) -> bool:
    return (
        _words(text) <= _HEADING_MAX_WORDS
        and len(text) <= _HEADING_MAX_CHARS
        and not text.endswith(_FINAL_STOP)
        and (text[:1].isupper() or text[:1].isdigit())
    )


def _infer_headings(lines: list[Optional[_Line]], page_month: Month, page_line: Optional[_Line]) -> None:
    """Plain text: mark the lines that read as headings (levels 1 to 4).

    Dates that need a month to resolve them take the page's month, or the
    latest month-year printed alone on a line above ("February 2020" over "26 February").
    The line that only dates the page ("Meeting held on 12 October 2022") is no heading.
    """
    present = [item for item in lines if item is not None and item is not page_line]
    contexts: list[Month] = []
    context = page_month
    for item in present:
        dates = _dates(item.text, context)
        if dates and not dates[0].relative and _is_date_only(item.text, context):
            context = dates[0].start
        contexts.append(context)
    for index, item in enumerate(present):
        context = contexts[index]
        if item.bullet or not _heading_like(item.text):
            continue
        following = present[index + 1] if index + 1 < len(present) else None
        if following is None:
            continue
        if item.text.endswith(":") and (following.bullet or _words(item.text) > 6) and _marker_kind(item.text) is None:
            continue  # a lead line ("We had:") introducing its bullets
        letters = [char for char in item.text if char.isalpha()]
        if len(letters) >= 4 and all(char.isupper() for char in letters):
            item.level = 1
        elif _day_line(item.text, context):
            item.level = 4
        elif _dated_heading(item.text, context) is not None:
            item.level = 3
        else:  # a theme, an item, a numbered heading ("2. Progress on the plan")
            item.level = 2
    # A heading directly followed by another undated heading is the parent of it.
    for index, item in enumerate(present[:-1]):
        following = present[index + 1]
        if item.level == 2 and following.level is not None and following.level >= 2 and not _NUMBERED.match(item.text):
            if _dated_heading(item.text, contexts[index]) is None and _dated_heading(following.text, contexts[index + 1]) is None:
                item.level = 1


@dataclass(frozen=True)
class _Stamp:
    """The date a heading or lead line gives the text under it."""

    printed: str  # as printed: "Position in November 2019", "15 June 2023"
    start: Month
    end: Month
    rest: str = ""  # the heading's own words after the date ("Title" of "15 June 2023: Title")


def _dated_heading(text: str, context: Month) -> Optional[_Stamp]:
    """The stamp of a dated heading, or None if the heading is not one.

    "15 June 2023: Title": the date is the stamp and "Title" the entry's
    first line; "Position as of June 2022": the whole heading is the stamp.
    """
    stripped = text.strip().rstrip(":").strip()
    # A month named alone dates a heading about progress ("November progress update"), not a title ("July fun day").
    about_progress = _PROGRESS_WORDS.search(stripped) is not None
    dates = [phrase for phrase in find_date_phrases(stripped, context) if about_progress or not _month_alone(phrase)]
    if not dates:
        return None
    date = dates[0]
    after = re.match(r"\s*[:\-–—]\s*(?P<rest>\S.*)$", stripped[_end(date) :])
    if date.offset == 0 or _words(stripped[: date.offset]) <= 1:
        if after:
            return _Stamp(stripped[: _end(date)], date.start, date.end, after.group("rest"))
    if _words(stripped) - _words(date.printed) <= _DATED_HEADING_WORDS:
        return _Stamp(stripped, date.start, date.end)
    return None


def _marker_kind(heading: str) -> Optional[UpdateKind]:
    """"What we have done": progress follows; "Next steps": commitments follow; None for other headings."""
    if _PROGRESS_MARKER.fullmatch(heading.strip()):
        return "update"
    if _FUTURE_MARKER.fullmatch(heading.strip()):
        return "commitment"
    return None


def _page_date(lines: list[Optional[_Line]]) -> tuple[Optional[DatePhrase], Optional[_Line]]:
    """The date the page gives itself near its top ("Published 12 November 2019", a meeting date, a term), and its line."""
    present = [item for item in lines if item is not None][:_PAGE_DATE_LINES]
    for item in present:
        dates = find_date_phrases(item.text)  # no month to resolve against yet: whole dates only
        if dates and _PAGE_DATE_WORDS.search(item.text) and _words(item.text) <= _HEADING_MAX_WORDS + 4:
            return dates[0], item
    return None, None


def _dates_the_page(text: str, page_date: DatePhrase) -> bool:
    """Whether the page's date line does nothing but date the page (so it is no heading)."""
    if _PUBLISHED.search(text):
        return True
    return _MEETING_DATE.search(text) is not None and _words(text) - _words(page_date.printed) <= _MEETING_DATE_WORDS


# -- sections --------------------------------------------------------------------


@dataclass
class _Block:
    """The text of one update being gathered."""

    line: int
    stamp: Optional[str]
    start: Month
    end: Month
    kind: UpdateKind = "update"
    parts: list[str] = field(default_factory=list)
    by_heading: bool = False  # dated by a heading or stamp of its own (not the page's date)
    heading: str = ""  # the heading line that opened it, kept if no text follows


@dataclass
class ProseReading:
    """What the prose path read from a document's rows outside plan tables."""

    actions: list[Action] = field(default_factory=list)  # sections, and plan actions found in prose
    unattributed: list[TextSpan] = field(default_factory=list)
    own_dates: int = 0  # updates dated by their own heading or stamp
    # Their stamps as printed: a dated line repeated on every page ("DRAFT 21/08/20") is furniture, not a log.
    own_stamps: set[str] = field(default_factory=set)
    page_dated: int = 0  # updates dated only by the page's date
    page_date: Month = None

    @property
    def has_progress(self) -> bool:
        """Whether anything dated or structured was found."""
        return bool(self.own_dates or self.page_dated or any(a.kind == "action" for a in self.actions))


class _Walker:
    """Walks a document's prose lines, opening sections and their updates."""

    def __init__(self, document: Document, page_date: Optional[DatePhrase], page_line: Optional[_Line]) -> None:
        self.document = document
        self.page = page_date
        # A line that only dates the page ("Published 12 November 2019") is kept as such, not read as a heading.
        self.page_line = page_line if page_date is not None and page_line is not None and _dates_the_page(page_line.text, page_date) else None
        self.result = ProseReading(page_date=page_date.start if page_date else None)
        self.headings: list[tuple[int, str, int]] = []  # (level, text, line) of undated headings above
        self.section: Optional[Action] = None
        self.section_heading: Optional[tuple[int, str, int]] = None
        self.block: Optional[_Block] = None
        self.context: Month = page_date.start if page_date else None  # the latest month-year, for day lines
        self.intro: list[tuple[str, int]] = []

    # -- records ---------------------------------------------------------------

    def keep(self, text: str, line: int, reason: str) -> None:
        self.result.unattributed.append(TextSpan(text=text, line=line, reason=reason))

    def open_section(self, line: int) -> Action:
        """The section text at ``line`` belongs to: the innermost heading above, else the document."""
        heading = self.headings[-1] if self.headings else None
        if self.section is not None and self.section_heading == heading:
            return self.section
        self.close_section()
        title = heading[1] if heading else (self.document.title or self.document.name.rsplit(".", 1)[0])
        at = heading[2] if heading else line
        focus = self.headings[-2][1] if len(self.headings) >= 2 else ""
        self.section = Action(
            council=self.document.council,
            document=self.document.name,
            line=at,
            ref_printed=None,
            ref=None,
            action=title,
            focus_area=focus,
            kind="section",
        )
        self.section_heading = heading
        return self.section

    def close_block(self) -> None:
        block, self.block = self.block, None
        if block is None:
            return
        if not block.parts:
            if block.heading:
                self.keep(block.heading, block.line, "heading")
            return
        target = self.section or self.open_section(block.line)
        target.updates.append(
            Update(
                text="\n".join(block.parts),
                stamp=block.stamp,
                start=block.start,
                end=block.end,
                kind=block.kind,
                source=Citation(self.document.name, block.line),
            )
        )
        if block.start is not None:
            if block.by_heading:
                self.result.own_dates += 1
                self.result.own_stamps.add(block.stamp or "")
            else:
                self.result.page_dated += 1

    def close_section(self) -> None:
        self.close_block()
        section, self.section = self.section, None
        if section is None:
            return
        if section.updates or section.kind == "action":
            self.result.actions.append(section)

    def start_block(self, line: int, stamp: Optional[_Stamp], kind: UpdateKind = "update", heading: str = "") -> None:
        self.close_block()
        if self.section is None or (self.section.kind == "section" and self.section_heading != (self.headings[-1] if self.headings else None)):
            self.open_section(line)
        if stamp is not None:
            self.block = _Block(line, stamp.printed, stamp.start, stamp.end, kind, by_heading=True, heading=heading)
            if stamp.rest:
                self.block.parts.append(stamp.rest)
        else:
            # Progress takes the page's date; a commitment without its own target date has none.
            start, end = (self.page.start, self.page.end) if self.page and kind != "commitment" else (None, None)
            self.block = _Block(line, None, start, end, kind, heading=heading)
            if heading:
                self.block.parts.append(heading)

    # -- the walk --------------------------------------------------------------

    def heading(self, item: _Line, after: Optional[_Line]) -> None:
        level = item.level or 2
        stamp = _dated_heading(item.text, self.context)
        if stamp is not None and stamp.start and _is_date_only(item.text, self.context):
            self.context = stamp.start  # "February 2020" gives its year to the day lines under it
        # A dated heading over an undated one is a page title ("Spring term 2021 update" over the areas);
        # an inferred heading right under a dated one is the entry's own title line, not a section.
        title_like = (
            after is not None
            and after.level is not None
            and (after.explicit or after.level <= 1)
            and _dated_heading(after.text, self.context) is None
            and _marker_kind(after.text) is None
        )
        if stamp is not None and title_like:
            level = 0  # a dated page title ("Spring term 2021 update") heads everything under it
        elif stamp is not None:
            self.start_block(item.line, stamp, heading=item.text)
            return
        elif _marker_kind(item.text) is not None:
            self.start_block(item.line, None, _marker_kind(item.text) or "update", heading=item.text)
            return
        self.close_section()
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()
        self.headings.append((level, item.text, item.line))
        self.keep(item.text, item.line, "heading")

    def body(self, item: _Line) -> None:
        commitment = self.commitment(item.text)
        if commitment is not None:
            self.start_block(item.line, commitment, "commitment")
            self.block_add(item.text)  # the lead line is the commitment's own wording
            return
        lead = self.leading_stamp(item.text)
        if lead is not None:
            self.start_block(item.line, lead)
            return
        if self.block is None:
            if not self.headings and self.section is None:
                self.intro.append((item.text, item.line))
                return
            self.start_block(item.line, None)
        self.block_add(item.text)

    def block_add(self, text: str) -> None:
        assert self.block is not None
        self.block.parts.append(text)

    def commitment(self, text: str) -> Optional[_Stamp]:
        """"By 26 April 2021 we will have:": a commitment stamped "By 26 April 2021"."""
        prefix = _COMMITMENT.match(text)
        if prefix is None or not re.search(r"\bwe\s+will\b|\bwill\s+(have|be)\b", text, re.IGNORECASE):
            return None
        dates = _dates(text, self.context)
        if not dates or dates[0].offset > prefix.end() + 12:
            return None
        return _Stamp(text[: _end(dates[0])], dates[0].start, dates[0].end)

    def leading_stamp(self, text: str) -> Optional[_Stamp]:
        """"Progress as of August 2022: the team ...": a body line opening with its own dated heading."""
        head, colon, rest = text.partition(":")
        if not colon or not rest.strip() or _words(head) > _DATED_HEADING_WORDS + 2:
            return None
        stamp = _dated_heading(head, self.context)
        if stamp is None or stamp.rest:
            return None
        return _Stamp(head.strip(), stamp.start, stamp.end, rest.strip())

    def plan_action(self, item: _Line, match: re.Match[str]) -> None:
        """"Action 1.1 ..." in minutes: a plan action with its ref, as a table row would give."""
        self.close_section()
        printed = match.group("ref")
        ref = str(NUMBER_WORDS[printed.lower()]) if printed.lower() in NUMBER_WORDS else normalise_ref(printed)
        self.section = Action(
            council=self.document.council,
            document=self.document.name,
            line=item.line,
            ref_printed=item.text[: match.end()].strip(),
            ref=ref,
            action=item.text[match.end() :].strip() or item.text,
            focus_area=self.headings[-1][1] if self.headings else "",
        )
        self.section_heading = self.headings[-1] if self.headings else None

    def walk(self, lines: list[Optional[_Line]]) -> ProseReading:
        present = [item for item in lines if item is not None]
        for index, item in enumerate(present):
            after = present[index + 1] if index + 1 < len(present) else None
            if item is self.page_line:
                self.keep(item.text, item.line, "page date")
                continue
            plan_action = _PLAN_ACTION.match(item.text)
            if plan_action is not None:
                self.plan_action(item, plan_action)
                continue
            inferred_title = self.block is not None and not self.block.parts and not item.explicit
            if item.level is not None and not (inferred_title and item.level == 2):
                self.heading(item, after)
            else:
                self.body(item)
        self.close_section()
        if self.intro:
            self.keep("\n".join(text for text, _ in self.intro), self.intro[0][1], "text")
        self.result.unattributed.sort(key=lambda span: span.line)
        return self.result


def read_prose(rows: Sequence[Row], document: Document) -> ProseReading:
    """Read rows of prose (no plan table among them) into sections and what stays unattributed."""
    lines = _lines(rows)
    page_date, page_line = _page_date(lines)
    walker = _Walker(document, page_date, page_line)
    if not any(item is not None and item.explicit for item in lines):
        _infer_headings(lines, walker.context, walker.page_line)
    reading = walker.walk(lines)
    _forget_used_headings(reading)
    return reading


def _forget_used_headings(reading: ProseReading) -> None:
    """Headings kept aside while walking that became a section's title or theme are stored there, not twice."""
    used = {(action.line, action.action) for action in reading.actions}
    focus = {action.focus_area for action in reading.actions}
    kept = []
    for span in reading.unattributed:
        if span.reason == "heading" and ((span.line, span.text) in used or span.text in focus):
            focus.discard(span.text)  # a theme heading printed once is stored once
            continue
        kept.append(span)
    reading.unattributed = kept
