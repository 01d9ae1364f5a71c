"""Revisit and monitoring outcomes in a document's text, as :class:`~narrative_search.model.Verdict` records.

After a SEND inspection finds significant weaknesses, Ofsted and CQC revisit
the area and judge, weakness by weakness, whether it made sufficient
progress; afterwards the DfE and NHS England monitor the weaknesses still
open and close them off one by one. Pages, letters and minutes report these
judgements in a few shapes, each read here into verdict records:

* counts: "enough progress in addressing 4 of the 5 areas", "sufficient
  progress in eight out of the twelve significant weaknesses",
  "insufficient progress in all but one of the thirteen areas" (1 of 13
  sufficient): ``sufficient`` and ``total``, numbers printed as digits or
  the words one to twenty;
* one weakness named in the sentence: "sufficient progress in addressing the
  weakness in the quality of EHC plans";
* lists: a lead line ("has made sufficient progress in the following
  areas:", or a heading "Areas where sufficient progress was made") and one
  verdict per list line under it (a list item, or a line printed with a
  bullet), the weakness as printed; a heading with no list under it is a
  verdict of its own;
* an overall judgement with neither: "inspectors judged that the area had
  made sufficient progress";
* monitoring: "two other areas ... were closed off" (``closed``, the count in
  ``sufficient``), "the one remaining area continues to be monitored"
  (``still monitored``).

A verdict is a judgement made, so a sentence counts only when it speaks in
the past ("has made", "were closed", "found", "judged") and nothing before
the progress words makes it an aim or a question ("we will make sufficient
progress", "to ensure sufficient progress", "whether sufficient progress has
been made"); progress judgements also need an inspection or monitoring word
in the sentence or earlier in the document, and monitoring verdicts need the
DfE or NHS England (or their monitoring meeting) named there and an area or
weakness in the sentence, so a plan's own "we will continue to monitor
attendance" is none.

The date of a verdict is the month of the event: a month printed in the
sentence after a revisit or monitoring word, else the last such month printed
earlier in the document ("The revisit took place in October 2022."); months
after "published", "dated" or "updated" are the page's, not the event's.
None where no month of the event is printed.

This module reads rows (any reader's, tables included: each cell is read as
its own text), so it depends on no planner.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Optional, Sequence

from .model import Citation, Row, Verdict, VerdictEvent, VerdictKind
from .months import Month
from .numbers import NUMBER_WORDS, number_of
from .stamps import MONTH_YEAR, parse_column_month

_NUMBER = r"(?:\d{1,2}|" + "|".join(NUMBER_WORDS) + r")"
_THE = r"(?:the\s+|its\s+|their\s+)?"

# "sufficient progress", "enough progress"; "insufficient progress", "not (made) sufficient/enough progress".
_PROGRESS = re.compile(
    r"\b(?:(?P<insufficient>insufficient|not\s+(?:yet\s+)?(?:made?\s+)?(?:sufficient|enough))"
    r"|(?P<sufficient>sufficient|enough))\s+progress\b",
    re.IGNORECASE,
)
# "sufficient progress had not been made": the negation after the words.
_NEGATED_AFTER = re.compile(r"^\s+(?:has|had|have|was|were)\s+not\s+been\s+made\b", re.IGNORECASE)

# Counts, tried in this order on the text after the progress words, then before them.
_ALL_BUT = re.compile(rf"\ball\s+but\s+(?P<but>{_NUMBER})\s+(?:out\s+)?of\s+{_THE}(?P<total>{_NUMBER})\b", re.IGNORECASE)
_N_OF_M = re.compile(rf"\b(?P<n>{_NUMBER})\s+(?:out\s+)?of\s+{_THE}(?P<total>{_NUMBER})\b", re.IGNORECASE)
_ALL_OF = re.compile(rf"\b(?:all|each|every|any)\s+(?:of\s+)?{_THE}(?P<total>{_NUMBER})\b", re.IGNORECASE)
# "four of the significant weaknesses": a count without the total.
_N_AREAS = re.compile(
    rf"\b(?P<n>{_NUMBER})\s+(?:of\s+the\s+)?(?:significant\s+|remaining\s+|identified\s+)*(?:areas|weaknesses)\b",
    re.IGNORECASE,
)
_NONE_OF = re.compile(rf"\bnone\s+of\s+{_THE}(?P<total>{_NUMBER})\b", re.IGNORECASE)

# What makes a sentence a judgement made, not an aim.
_PAST = re.compile(
    r"\b(?:has|have|had|was|were|been|made|found|judged|concluded|confirmed|determined|decided|deemed|"
    r"showed|demonstrated|did|achieved|agreed|closed)\b",
    re.IGNORECASE,
)
_NOT_YET_JUDGED = re.compile(
    r"\b(?:will|shall|would|should|must|needs?\s+to|ensure|ensuring|aims?|aiming|intends?|expects?|expected|hopes?|"
    r"plans?\s+to|going\s+to|in\s+order\s+to|so\s+that|if|unless|whether|target|"
    r"to\s+(?:make|achieve|show|demonstrate|secure|have\s+made))\b",
    re.IGNORECASE,
)

_REVISIT_WORDS = re.compile(r"\b(?:re-?visit(?:ed|s)?|inspectors?|inspection|ofsted|cqc)\b", re.IGNORECASE)
# Who monitors after a revisit, or monitoring named as theirs: a plan's own "we monitor attendance" is not it.
_MONITORING_WORDS = re.compile(
    r"\b(?:dfe|department\s+for\s+education|nhs\s*england|nhse|"
    r"monitoring\s+(?:meeting|review|visit|letter|arrangements|period)s?|formal(?:ly)?\s+monitor(?:ing|ed))\b",
    re.IGNORECASE,
)
# A month after these words dates the page or the letter, not the event.
_PAGE_DATE_WORDS = re.compile(r"\b(?:published|publish|dated|updated|reviewed|posted)\b[^.]*$", re.IGNORECASE)

# Monitoring outcomes.
_CLOSED = re.compile(
    r"\b(?:closed(?:\s+off)?|signed\s+off|stood\s+down|removed\s+from\s+(?:formal\s+)?monitoring|"
    r"no\s+longer\s+(?:formally\s+)?monitored)\b",
    re.IGNORECASE,
)
_AREA_WORDS = re.compile(r"\b(?:areas?|weakness(?:es)?)\b", re.IGNORECASE)
_STILL_MONITORED = re.compile(
    rf"\b(?:(?:will\s+)?continues?\s+to\s+be\s+(?:formally\s+)?monitored|"
    rf"monitor\s+(?:the\s+)?(?:{_NUMBER}\s+)?(?:remaining|last|outstanding)\s+(?:areas?|weakness(?:es)?)|"
    r"monitoring\s+of\s+[^.]{1,80}?\s+(?:will\s+)?continues?|"
    r"remains?\s+(?:under|subject\s+to|in)\s+(?:formal\s+)?(?:dfe\s+|nhs\s+england\s+)?monitoring|"
    r"still\s+(?:being\s+)?monitored|monitoring\s+(?:will\s+)?continues?\s+(?:for|of|on)|"
    r"(?:is|are)\s+still\s+open|remains?\s+open)\b",
    re.IGNORECASE,
)
_CLOSED_COUNT = re.compile(
    rf"\b(?P<n>{_NUMBER})\s+(?:(?:other|further|more)\s+)?(?:of\s+{_THE}(?P<total>{_NUMBER})\s+)?"
    r"(?:(?:other|further|more|remaining)\s+)?(?:significant\s+)?(?:areas?|weakness(?:es)?)\b",
    re.IGNORECASE,
)

# "in addressing X", "in relation to X": one weakness named after the progress words.
_NAMED_WEAKNESS = re.compile(
    r"^\s+(?:in|on|with|against|towards)\s+(?:addressing|tackling|improving|relation\s+to|respect\s+of)?\s*"
    r"(?P<weakness>[^.;:]+?)\s*(?:[.;]|,\s+(?:but|and|while|whereas)\b|$)",
    re.IGNORECASE,
)
_WEAKNESS_LEAD = re.compile(
    r"^(?:the\s+)?(?:significant\s+)?(?:weakness|area(?:\s+of\s+weakness)?)\s+(?:in|of|on|around|relating\s+to|about)\s+",
    re.IGNORECASE,
)
# What names no weakness: "the following areas", "these", "all areas", "the remaining one".
_GENERIC = re.compile(
    rf"^(?:the\s+)?(?:following|these|those|this|that|all|each|every|any|its|their|remaining|other|most|many|some|"
    rf"several|a\s+number|none|{_NUMBER}\b|(?:significant\s+)?(?:weakness(?:es)?|areas?)\b(?!\s+(?:of|in|around|relating)\s))",
    re.IGNORECASE,
)

# A list line: an HTML or Word list item, or a line printed with a bullet or number.
_BULLET = re.compile(r"^\s*(?:[-\u2013\u2014\u2022*\u00b7\u25aa\u25cfo]|\d{1,2}[.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"\u201c(])")
_TAG = re.compile(r"<[^>]+>")


@dataclass
class _Context:
    """What earlier text in the document says about the event its verdicts judge."""

    event: Optional[VerdictEvent] = None  # the last inspection or monitoring word seen
    dates: dict[VerdictEvent, Month] = field(default_factory=dict)  # event -> the last month printed after its word
    list_kind: Optional[VerdictKind] = None  # a lead line opened a list of weaknesses with this verdict
    list_event: VerdictEvent = "revisit"
    list_date: Month = None
    monitored: bool = False  # the document names the DfE, NHS England or their monitoring
    # A heading-like lead ("Areas where sufficient progress was made", no colon)
    # is a verdict of its own when no list follows it: kept here until then.
    lead: Optional[Verdict] = None

    def open_list(self, kind: VerdictKind, event: VerdictEvent, date: Month, lead: Optional[Verdict] = None) -> None:
        self.list_kind, self.list_event, self.list_date, self.lead = kind, event, date, lead

    def close_list(self) -> list[Verdict]:
        """The lead's own verdict if no list line followed it; ends the list."""
        unlisted = [self.lead] if self.lead is not None else []
        self.list_kind, self.lead = None, None
        return unlisted


def find_verdicts(rows: Sequence[Row], council: str, document: str) -> list[Verdict]:
    """Every revisit and monitoring verdict the rows report, in document order."""
    context = _Context()
    verdicts: list[Verdict] = []
    for row in rows:
        for cell in row.cells:
            text = _plain(cell.text)
            if not text:
                continue  # a blank line does not end a list
            source = Citation(document, cell.line or row.line)
            if context.list_kind is not None and (row.list_item or _BULLET.match(text)) and len(row.cells) == 1:
                verdicts.append(_listed_verdict(text, council, source, context))
                context.lead = None
                continue
            verdicts.extend(context.close_list())
            sentences = _sentences(text)
            # A line of one sentence without a full stop reads as a heading (or a lead).
            title = len(sentences) == 1 and not text.endswith((".", "!", "?", ";", ","))
            for sentence in sentences:
                verdicts.extend(_sentence_verdicts(sentence, council, source, context, title))
    return verdicts + context.close_list()


def _plain(text: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", text)).split())


def _sentences(text: str) -> list[str]:
    return [sentence for sentence in _SENTENCE_END.split(text) if sentence.strip()]


def _listed_verdict(text: str, council: str, source: Citation, context: _Context) -> Verdict:
    """A list line under a lead: its weakness as printed, less the bullet and the list's own punctuation."""
    weakness = re.sub(r"(?:[;,.]|;?\s+and|;?\s+or)$", "", _BULLET.sub("", text)).strip()
    assert context.list_kind is not None
    return Verdict(council=council, event=context.list_event, verdict=context.list_kind, date=context.list_date,
                   weakness=weakness, text=text, source=source)


def _sentence_verdicts(
    sentence: str, council: str, source: Citation, context: _Context, title: bool = False
) -> list[Verdict]:
    """The verdicts of one sentence; it also tells ``context`` the events and months it mentions.

    ``title``: the sentence is a whole line without a full stop, which may lead a list.
    """
    _note_event_months(sentence, context)
    event = _event_of(sentence, context)
    found = _progress_verdicts(sentence, council, source, context, event, title)
    found += _monitoring_verdicts(sentence, council, source, context)
    return found


def _event_of(sentence: str, context: _Context) -> Optional[VerdictEvent]:
    """The event a sentence speaks of: monitoring words first (they follow a revisit), then revisit words."""
    if _MONITORING_WORDS.search(sentence):
        return "monitoring"
    if _REVISIT_WORDS.search(sentence):
        return "revisit"
    return context.event


def _note_event_months(sentence: str, context: _Context) -> None:
    """Remember the event last named in the sentence, and each month printed after an event word."""
    revisit: VerdictEvent = "revisit"
    monitoring: VerdictEvent = "monitoring"
    words = sorted(
        [(match.start(), revisit) for match in _REVISIT_WORDS.finditer(sentence)]
        + [(match.start(), monitoring) for match in _MONITORING_WORDS.finditer(sentence)]
    )
    if not words:
        return
    for month_match in MONTH_YEAR.finditer(sentence):
        if _PAGE_DATE_WORDS.search(sentence[: month_match.start()]):
            continue
        # The event word before the month ("the revisit in October 2022"), else
        # the first after it ("In May 2024 the monitoring meeting ...").
        before = [name for start, name in words if start < month_match.start()]
        context.dates[before[-1] if before else words[0][1]] = parse_column_month(month_match.group(0))
    context.event = words[-1][1]


def _judged(before: str, sentence: str) -> bool:
    """A judgement made: the sentence speaks in the past and nothing before the words makes it an aim."""
    return bool(_PAST.search(sentence)) and not _NOT_YET_JUDGED.search(before)


def _progress_verdicts(
    sentence: str, council: str, source: Citation, context: _Context, event: Optional[VerdictEvent], title: bool
) -> list[Verdict]:
    """Sufficient and insufficient progress: counts, a named weakness, a list's lead, or an overall judgement."""
    matches = list(_PROGRESS.finditer(sentence))
    if not matches or event is None:
        return []
    found: list[Verdict] = []
    counted = False
    for number, match in enumerate(matches):
        if not _judged(sentence[: match.start()], sentence):
            continue
        end = matches[number + 1].start() if number + 1 < len(matches) else len(sentence)
        after = sentence[match.end():end]
        negated = _NEGATED_AFTER.match(after)
        if negated:
            after = after[negated.end():]
        kind: VerdictKind = "insufficient" if match.group("insufficient") or negated else "sufficient"
        record = Verdict(council=council, event=event, verdict=kind, date=context.dates.get(event),
                         text=sentence, source=source)
        counts = _counts(after) or (_counts(sentence[: match.start()]) if number == 0 else None)
        if counts is not None:
            applies, total = counts
            record.total = total
            # Insufficient in some: the rest were sufficient, where the total says how many that is.
            record.sufficient = applies if kind == "sufficient" else (total - applies if total is not None else None)
            counted = True
            found.append(record)
            continue
        if counted:
            continue  # "... and insufficient progress in the other one": the counts said it
        record.weakness = _named_weakness(after)
        if record.weakness is None and sentence.rstrip().endswith(":"):
            context.open_list(kind, event, record.date)
        elif record.weakness is None and title:
            context.open_list(kind, event, record.date, lead=record)
        else:
            found.append(record)
    return found


def _counts(text: str) -> Optional[tuple[int, Optional[int]]]:
    """(areas the verdict applies to, areas in all: None where not printed) printed in ``text``, or None."""
    if match := _ALL_BUT.search(text):
        total = number_of(match.group("total"))
        return total - number_of(match.group("but")), total
    if match := _N_OF_M.search(text):
        return number_of(match.group("n")), number_of(match.group("total"))
    if match := _ALL_OF.search(text):
        total = number_of(match.group("total"))
        return total, total
    if match := _NONE_OF.search(text):
        return 0, number_of(match.group("total"))
    if match := _N_AREAS.search(text):
        return number_of(match.group("n")), None
    return None


def _named_weakness(after: str) -> Optional[str]:
    match = _NAMED_WEAKNESS.match(after)
    if match is None:
        return None
    # "the weakness in the timeliness of assessments": the weakness is what follows.
    weakness = _WEAKNESS_LEAD.sub("", match.group("weakness").strip())
    if _GENERIC.match(weakness) or len(weakness.split()) < 2:
        return None
    return weakness


def _monitoring_verdicts(sentence: str, council: str, source: Citation, context: _Context) -> list[Verdict]:
    """Areas closed off by monitoring, and areas still monitored (both about areas, in a monitoring context)."""
    context.monitored = context.monitored or bool(_MONITORING_WORDS.search(sentence))
    if not (context.monitored and _AREA_WORDS.search(sentence)):
        return []
    date = context.dates.get("monitoring")
    found: list[Verdict] = []
    closed = _CLOSED.search(sentence)
    if closed and _judged(sentence[: closed.start()], sentence):
        record = Verdict(council=council, event="monitoring", verdict="closed", date=date, text=sentence, source=source)
        if count := _CLOSED_COUNT.search(sentence[: closed.start()]) or _CLOSED_COUNT.search(sentence[closed.end():]):
            record.sufficient = number_of(count.group("n"))
            record.total = number_of(count.group("total")) if count.group("total") else None
        if sentence.rstrip().endswith(":") and record.sufficient is None:
            context.open_list("closed", "monitoring", date)
        else:
            found.append(record)
    still = _STILL_MONITORED.search(sentence)
    # Monitoring that "will continue" is going on: only other aims and questions are not verdicts.
    if still and not _NOT_YET_JUDGED.search(re.sub(r"\bwill\b", "", sentence[: still.start()])):
        if sentence.rstrip().endswith(":"):
            context.open_list("still monitored", "monitoring", date)
        else:
            found.append(Verdict(council=council, event="monitoring", verdict="still monitored", date=date,
                                 text=sentence, source=source))
    return found

