"""Pure helpers of the Streamlit app (``app.py``): HTML, charts, tables, links.

Nothing here talks to Streamlit or decides anything the library does not:
these functions only turn library records (search hits, timelines, briefs,
document summaries) into what the pages show, so they can be tested without
a browser.

Escaping rule: every piece of text that comes from a document goes through
:func:`esc` (``html.escape``) before it is put into HTML, and the HTML built
here is the only HTML the app renders. Matched words become ``<mark>``
elements around escaped slices, so a document's ``<script>`` is shown as the
text ``<script>`` and never runs.
"""

from __future__ import annotations

import html
import re
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, Iterable, Optional, Sequence
from urllib.parse import urlencode

from . import config
from .brief import rating_order
from .config import MAX_QUERY_CHARS
from .ingest import is_skipped
from .model import cite
from .months import add_months, first_day, month_label
from .readers.registry import upload_suffixes
from .render.text import (
    NO_CLOSE_MATCH,
    NOTHING_TO_SUMMARISE,
    ROLE_LABELS,
    attached_verdict_text,
    brief_change_line,
    brief_weakness_counts,
    brief_weakness_summary,
    brief_weakness_title,
    change_kind_and_sources,
    change_nothing_new,
    change_repeats_note,
    dropped_reasons_text,
    hit_themes_text,
    latest_ratings_text,
    latest_update_text,
    one_line,
    query_cut_text,
    stalled_text,
    timeline_facts,
    verdict_line,
    verdict_outcome,
    verdict_when,
    weakness_link_text,
    weakness_printed_text,
)

if TYPE_CHECKING:  # imported for type hints only: the app imports this module early
    import altair as alt
    import pandas as pd

    from .model import (
        ActionBrief,
        ActionHit,
        AttachedVerdict,
        Brief,
        BriefWeakness,
        Change,
        DocumentSummary,
        PassageHit,
        ReviewShare,
        SummarySentence,
        ThemeCouncil,
        ThemeSentence,
        Timeline,
        TimelineEntry,
        Verdict,
        WeaknessReport,
        WeaknessRollup,
    )


# -- settings ------------------------------------------------------------------

#: Pages of the app, by the key used in the URL (``?page=...``), with their titles.
PAGES = {
    "search": "Search",
    "action": "Action",
    "weaknesses": "Weaknesses",
    "compare": "Compare",
    "brief": "Brief",
    "library": "Library",
}


def upload_types() -> tuple[str, ...]:
    """File types the Library page accepts ("txt", "pdf", ...): the extensions the readers offer for upload."""
    return tuple(suffix.lstrip(".") for suffix in upload_suffixes())


#: Said where there is nothing to show because nothing is ingested.
EMPTY_LIBRARY = "Nothing is ingested yet: add documents on the Library page."

#: Largest upload, in megabytes (also ``server.maxUploadSize`` in .streamlit/config.toml).
MAX_UPLOAD_MB = 50

#: The Library's choice to replace a stored document by an upload of the same file name.
REPLACE_LABEL = "Replace a stored document of the same name"
REPLACE_HELP = (
    "Off: a different file with the name of a stored document (another council's, say) is kept beside it. "
    "On: it replaces the stored document of that name."
)
#: How the app says to replace a stored document instead (the CLI says --replace).
REPLACE_ADVICE = f"to replace that one instead, upload this file again with “{REPLACE_LABEL}” ticked"

#: Said with results the search index gave while behind the stored documents.
INDEX_BEHIND = (
    "The search index is behind the stored documents (some were added or changed since it was built): "
    "these results come from the last index built and may miss them. The Library page brings it up to date."
)
#: The Library's word for an index behind the stored documents, and its button.
INDEX_BEHIND_LIBRARY = "; it is behind the stored documents"
UPDATE_INDEX_LABEL = "Bring the search index up to date"

#: Folder, inside the home folder, where uploaded documents are kept.
UPLOADS_FOLDER = config.UPLOADS_FOLDER

#: Colour of each rating on chips and the timeline's bands.
RATING_COLOURS = {
    "R": "#d73027",
    "A": "#f4a300",
    "G": "#1a9850",
    "B": "#3b6fb6",
    "pink": "#e377c2",
    "grey": "#9e9e9e",
    "purple": "#8e44ad",
}
MIXED_COLOUR = "#a6b83a"  # "G/A" and other mixed ratings
OTHER_COLOUR = "#7f7f7f"
UNRATED_COLOUR = "#d9d9d9"
UNRATED_LABEL = "not rated"

#: Names of the kinds of passage, as a person reads them.
KIND_LABELS = {
    "action": "action description",
    "update": "progress update",
    "position_statement": "position statement",
    "commitment": "commitment (target)",
    "unattributed": "text outside the action tables",
}

#: Names of the kinds of record a passage belongs to, as a person reads them.
RECORD_LABELS = {"action": "plan action", "section": "section of a prose document"}

_MARK_STYLE = "background:#fff176;padding:0 1px;border-radius:2px"
_BEST_STYLE = "background:#e8f0fe;border-radius:3px"
_TEXT_STYLE = "white-space:pre-wrap;line-height:1.5;margin:0.35rem 0"


# -- escaping and links --------------------------------------------------------


def esc(text: Any) -> str:
    """``text`` as HTML text: ``&``, ``<``, ``>`` and quotes escaped."""
    return html.escape("" if text is None else str(text), quote=True)


def page_href(page: str, **params: Any) -> str:
    """A link to a page of the app with query parameters (lists repeat the key), e.g. ``?page=action&id=...``."""
    pairs: list[tuple[str, str]] = [("page", page)]
    for key, value in params.items():
        if value is None or value == "" or value == [] or value == ():
            continue
        if isinstance(value, (list, tuple)):
            pairs.extend((key, str(item)) for item in value)
        else:
            pairs.append((key, str(value)))
    return "?" + urlencode(pairs)


def link_html(href: str, label: str, test_id: str = "") -> str:
    """An ``<a>`` to a page of this app (same tab), its label escaped."""
    attribute = f' data-ns="{esc(test_id)}"' if test_id else ""
    return f'<a href="{esc(href)}"{attribute}>{esc(label)}</a>'


def timeline_href(action_id: str) -> str:
    return page_href("action", id=action_id)


def similar_href(action_id: str) -> str:
    return page_href("similar", id=action_id)


# -- ratings -------------------------------------------------------------------


def rating_colour(rating: Optional[str]) -> str:
    """The colour of a rating: R, A, G, B, pink, grey...; mixed ("G/A") and unknown ones have their own."""
    if not rating:
        return UNRATED_COLOUR
    if rating in RATING_COLOURS:
        return RATING_COLOURS[rating]
    if rating.upper() in RATING_COLOURS:
        return RATING_COLOURS[rating.upper()]
    if "/" in rating:
        return MIXED_COLOUR
    return OTHER_COLOUR


def rating_chip_html(rating: Optional[str], prefix: str = "") -> str:
    """A small coloured chip with the rating in it; empty for no rating."""
    if not rating:
        return ""
    colour = rating_colour(rating)
    text_colour = "#222" if colour in (RATING_COLOURS["A"], UNRATED_COLOUR, MIXED_COLOUR) else "#fff"
    return (
        f'<span class="ns-chip" title="rating {esc(rating)}" style="background:{colour};color:{text_colour};'
        f'border-radius:0.7em;padding:0.05em 0.6em;font-weight:600;font-size:0.85em;white-space:nowrap">'
        f"{esc(prefix)}{esc(rating)}</span>"
    )


# -- highlighted text ----------------------------------------------------------


def _clip(spans: Iterable[Sequence[int]], length: int) -> list[tuple[int, int]]:
    clipped = []
    for span in spans:
        start, end = max(0, int(span[0])), min(length, int(span[1]))
        if start < end:
            clipped.append((start, end))
    return sorted(clipped)


def highlight_html(text: str, term_spans: Iterable[Sequence[int]] = (), sentence_span: Optional[Sequence[int]] = None) -> str:
    """``text`` escaped, the matched words in ``<mark>`` and the best sentence in a tinted ``<span>``.

    Spans are character offsets into ``text`` (as :class:`~narrative_search.model.PassageHit`
    gives them); spans outside the text are clipped, overlapping ones merged.
    """
    text = text or ""
    terms = _clip(term_spans, len(text))
    sentence = _clip([sentence_span], len(text)) if sentence_span else []
    cuts = {0, len(text)}
    for start, end in terms + sentence:
        cuts.update((start, end))
    points = sorted(cuts)
    out: list[str] = []
    in_sentence = False
    for start, end in zip(points, points[1:]):
        inside = bool(sentence) and sentence[0][0] <= start and end <= sentence[0][1]
        if inside and not in_sentence:
            out.append(f'<span class="ns-best" style="{_BEST_STYLE}">')
        elif not inside and in_sentence:
            out.append("</span>")
        in_sentence = inside
        piece = esc(text[start:end])
        if any(s <= start and end <= e for s, e in terms):
            piece = f'<mark style="{_MARK_STYLE}">{piece}</mark>'
        out.append(piece)
    if in_sentence:
        out.append("</span>")
    return "".join(out)


# -- search hits ---------------------------------------------------------------


def _where(passage: Any) -> str:
    return cite(passage.document, passage.line, passage.location)


def hit_html(hit: "ActionHit", number: int) -> str:
    """One search (or similar-actions) result as an HTML card; every document text escaped.

    Council, ref, rating chip, date, kind, source, the best passage with the
    matched words marked and the best sentence tinted, the other passages
    shown for the action, and links to the timeline and to similar actions.
    """
    best: "PassageHit" = hit.best
    passage = best.passage
    date = month_label(hit.date) if hit.date else "undated"
    header = (
        f'<span style="color:#666">{number}.</span> '
        f'<strong class="ns-council">{esc(hit.council)}</strong> '
        + (f'<strong class="ns-ref">{esc(hit.ref)}</strong> ' if hit.ref else "")
        + (f'<span class="ns-section" style="color:#666">section:</span> <strong class="ns-title">'
           f"{esc(hit.title or '(untitled)')}</strong> " if hit.record_kind == "section" and not hit.ref else "")
        + rating_chip_html(passage.rating)
        + f' <span class="ns-date" style="color:#444">{esc(date)}</span>'
        + f' <span style="color:#666">· {esc(KIND_LABELS.get(hit.kind, hit.kind))}'
        + f" · {esc(_where(passage))}</span>"
    )
    parts = ['<div class="ns-hit" style="border:1px solid #ddd;border-radius:0.5rem;padding:0.6rem 0.9rem;margin:0 0 0.7rem 0">',
             f'<div class="ns-hit-head">{header}</div>']
    if hit.because is not None:
        because = hit.because.passage
        when = month_label(because.start) if because.start else "undated"
        parts.append(
            f'<div class="ns-because" style="color:#555;font-size:0.9em;margin-top:0.3rem">Close to this, from '
            f"{esc(because.ref or because.council)} ({esc(when)}, similarity {hit.because.score:.2f}): "
            f"<em>{esc(one_line(because.text, 300))}</em></div>"
        )
    parts.append(
        f'<div class="ns-text" style="{_TEXT_STYLE}">'
        f"{highlight_html(passage.text, best.term_spans, best.sentence_span)}</div>"
    )
    for other in hit.passages[1:]:
        when = month_label(other.passage.start) if other.passage.start else "undated"
        parts.append(
            f'<div class="ns-more" style="color:#444;font-size:0.9em;{_TEXT_STYLE}">'
            f"<span style=\"color:#777\">Also ({esc(when)}, {esc(_where(other.passage))}):</span> "
            f"{highlight_html(other.passage.text, other.term_spans, None)}</div>"
        )
    if hit.themes:
        parts.append(hit_themes_html(hit))
    if hit.action_id:
        parts.append(
            '<div class="ns-links" style="font-size:0.9em">'
            + link_html(timeline_href(hit.action_id), "Timeline", "timeline")
            + " · "
            + link_html(similar_href(hit.action_id), "Similar actions elsewhere", "similar")
            + f' <span style="color:#999">({esc(hit.action_id)})</span></div>'
        )
    parts.append("</div>")
    return "".join(parts)


#: The search box's help: how to search, and how long a query may be.
QUERY_HELP = ('In your words or theirs. Words in "quotes" must appear as written. '
              f"At most {MAX_QUERY_CHARS} characters.")


def query_cut_caption() -> str:
    """Said above the results when a query (from a link) was longer than the box takes."""
    return query_cut_text(MAX_QUERY_CHARS)


def weak_match_notice(weak: bool) -> Optional[str]:
    """What the app says above results that are only the nearest, not a close match; None for a close match."""
    return NO_CLOSE_MATCH if weak else None


def result_caption(hits: Sequence["ActionHit"], query: str, filters_text: str) -> str:
    """"7 results from 3 councils for “tell it once” (no filters)."""
    councils = sorted({hit.council for hit in hits})
    noun = "result" if len(hits) == 1 else "results"
    where = f"{len(councils)} council" + ("" if len(councils) == 1 else "s")
    return f"{len(hits)} {noun} from {where} for “{query}” ({filters_text})."


def theme_sentence_html(sentence: "ThemeSentence") -> str:
    """A sentence of a query summary, with its ref, date and source, and a link to its action's timeline."""
    when = month_label(sentence.month) if sentence.month else "undated"
    ref = f"{sentence.ref}, " if sentence.ref else ""
    link = (" · " + link_html(timeline_href(sentence.action_id), "timeline", "timeline")) if sentence.action_id else ""
    return (
        f'<div class="ns-theme" style="margin:0 0 0.5rem 0"><div style="{_TEXT_STYLE};margin:0">{esc(" ".join(sentence.text.split()))}</div>'
        f'<div style="color:#666;font-size:0.85em">{esc(ref)}{esc(when)}; {esc(cite(sentence.document, sentence.line, sentence.location))}{link}</div></div>'
    )


def theme_sentences_html(sentences: Iterable["ThemeSentence"]) -> str:
    return "".join(theme_sentence_html(sentence) for sentence in sentences)


def council_summary_html(council: str, sentences: Sequence["ThemeSentence"]) -> str:
    """One council's column of the search page's summary: its name, then its representative sentences."""
    return (f'<div class="ns-summary-council" style="font-size:0.9em"><strong>{esc(council)}</strong>'
            f"{theme_sentences_html(sentences)}</div>")


def similar_heading_html(action_id: str) -> str:
    """Above the similar actions: which action they are close to, with a link to its timeline."""
    return (f"<div>Actions of other councils closest to <strong>{esc(action_id)}</strong> · "
            + link_html(timeline_href(action_id), "its timeline", "timeline") + "</div>")


def closest_actions_html(hits: Sequence["ActionHit"]) -> str:
    """A short list of hits for a column of the Compare page: ref (linked), rating, the opening of the text."""
    items = "".join(
        f"<li>{link_html(timeline_href(hit.action_id), hit.ref or hit.action_id, 'timeline')} "
        f"{rating_chip_html(hit.best.passage.rating)} "
        f'<span style="color:#666">{esc(one_line(hit.text, 90))}</span></li>'
        if hit.action_id else
        f'<li><span style="color:#666">{esc(one_line(hit.text, 90))}</span></li>'
        for hit in hits
    )
    return f'<div style="font-size:0.9em"><strong>Closest actions</strong><ul>{items}</ul></div>'


# -- timelines -----------------------------------------------------------------


def timeline_chart_data(timeline: "Timeline") -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(bands, marks): the rating in force from each review date to the next, and one mark per placed update."""
    bands: list[dict[str, Any]] = []
    points = [point for point in timeline.ratings if point.month]
    placed = [entry.month for entry in timeline.entries if entry.month]
    last_month = max([p.month for p in points] + placed + ([timeline.as_of] if timeline.as_of else []), default=None)
    for index, point in enumerate(points):
        if index + 1 < len(points):
            end = points[index + 1].month
        else:
            end = add_months(max(point.month, last_month or point.month), 1)
        bands.append({
            "start": first_day(point.month),
            "end": first_day(end),
            "rating": point.rating or UNRATED_LABEL,
            "review": point.display_label,
            "transition": point.transition,
        })
    marks: list[dict[str, Any]] = []
    for entry in timeline.entries:
        if not entry.month:
            continue
        if entry.reference_only:
            what = "points elsewhere"
        elif entry.new_sentences:
            what = "says something new"
        else:
            what = "repeats earlier text"
        marks.append({
            "month": first_day(entry.month),
            "when": entry.when + (" (undated: placed at its report's date)" if entry.undated and entry.stamp else ""),
            "new_sentences": len(entry.new_sentences),
            "repeated_sentences": len(entry.repeated_sentences),
            "what": what,
            "rating": entry.rating or "",
            "text": one_line(entry.text, 160),
            "source": "; ".join(cite(s.document, s.line, s.location) for s in entry.sources),
        })
    return bands, marks


def timeline_chart(timeline: "Timeline") -> "alt.LayerChart":
    """Altair: the rating at each review date as coloured bands, the updates as marks on a time axis.

    A mark's height is the number of new sentences the update added; its
    shape says whether it added something, only repeated, or pointed elsewhere.
    """
    import altair as alt
    import pandas as pd

    bands, marks = timeline_chart_data(timeline)
    ratings = list(dict.fromkeys(band["rating"] for band in bands))
    colour = alt.Color(
        "rating:N",
        title="Rating",
        scale=alt.Scale(domain=ratings or [UNRATED_LABEL],
                        range=[rating_colour(None if r == UNRATED_LABEL else r) for r in ratings] or [UNRATED_COLOUR]),
    )
    layers = []
    if bands:
        band_data = pd.DataFrame(bands)
        layers.append(
            alt.Chart(band_data).mark_rect(opacity=0.35).encode(
                x=alt.X("start:T", title=None, axis=alt.Axis(format="%b %Y")),
                x2="end:T",
                color=colour,
                tooltip=[alt.Tooltip("review:N", title="Review date"), alt.Tooltip("rating:N", title="Rating"),
                         alt.Tooltip("transition:N", title="Change")],
            )
        )
        layers.append(
            alt.Chart(band_data).mark_text(align="left", baseline="top", dx=3, dy=3, fontWeight="bold").encode(
                x="start:T", y=alt.value(0), text="rating:N",
            )
        )
    if marks:
        mark_data = pd.DataFrame(marks)
        layers.append(
            alt.Chart(mark_data).mark_point(filled=True, size=110, color="#333").encode(
                x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y")),
                y=alt.Y("new_sentences:Q", title="New sentences",
                        scale=alt.Scale(domain=[0, max(m["new_sentences"] for m in marks) + 1]),
                        axis=alt.Axis(tickMinStep=1)),
                shape=alt.Shape("what:N", title="Update",
                                scale=alt.Scale(domain=["says something new", "repeats earlier text", "points elsewhere"],
                                                range=["circle", "triangle-down", "square"])),
                tooltip=[alt.Tooltip("when:N", title="Date"), alt.Tooltip("new_sentences:Q", title="New sentences"),
                         alt.Tooltip("repeated_sentences:Q", title="Repeated sentences"),
                         alt.Tooltip("text:N", title="Text"), alt.Tooltip("source:N", title="Source")],
            )
        )
    if not layers:
        layers.append(alt.Chart(pd.DataFrame({"month": []})).mark_point())
    return alt.layer(*layers).resolve_scale(color="independent", shape="independent").properties(height=240)


def entry_html(entry: "TimelineEntry") -> str:
    """One update: date, kind, rating, sources, then its text with new sentences marked and repeats greyed.

    A commitment (a future target) is labelled as one and its sentences are not marked new: it is not progress.
    """
    kind = "update" if entry.kind == "update" else KIND_LABELS[entry.kind]
    sources = "; ".join(cite(source.document, source.line, source.location) for source in entry.sources)
    head = (
        f'<strong class="ns-when">{esc(entry.when)}</strong> '
        f'<span style="color:#666">{esc(kind)}</span> '
        + rating_chip_html(entry.rating)
        + f' <span class="ns-source" style="color:#666;font-size:0.9em">· {esc(sources)}</span>'
    )
    body: list[str] = []
    if entry.reference_only:
        body.append(f'<span style="color:#666">Points elsewhere ({esc(entry.reference_to)}):</span> {esc(entry.text)}')
    else:
        position = 0
        for sentence in entry.sentences:
            body.append(esc(entry.text[position:sentence.start]))
            piece = esc(entry.text[sentence.start:sentence.end])
            if sentence.label == "commitment":
                body.append(f'<span class="ns-commitment" style="font-style:italic">{piece}</span>')
            elif sentence.label == "repeat" and sentence.repeats is not None:
                earlier = sentence.repeats
                said = earlier.stamp or month_label(earlier.month) or "earlier"
                title = f"repeats {said} ({earlier.similarity:.2f}): {one_line(earlier.text, 200)}"
                body.append(
                    f'<span class="ns-repeat" title="{esc(title)}" style="color:#888">{piece}'
                    f'<sup style="color:#888"> repeats {esc(said)}</sup></span>'
                )
            else:
                body.append(
                    f'<span class="ns-new" style="background:#e6f4ea;border-radius:3px">{piece}</span>'
                    f'<sup style="color:#1a7f37;font-weight:600"> new</sup>'
                )
            position = sentence.end
        body.append(esc(entry.text[position:]))
    extra = []
    for deleted in entry.deleted:
        extra.append(f'<div style="color:#999;font-size:0.9em">Struck through: <s>{esc(deleted)}</s></div>')
    for variant in entry.variants:
        where = cite(variant.document, variant.line, variant.location)
        extra.append(
            f'<div style="color:#777;font-size:0.9em">Worded differently in {esc(where)}: {esc(one_line(variant.text, 400))}</div>'
        )
    return (
        f'<div class="ns-entry" style="border-left:3px solid {rating_colour(entry.rating)};padding:0.2rem 0 0.2rem 0.7rem;margin:0 0 0.8rem 0">'
        f"<div>{head}</div><div class=\"ns-text\" style=\"{_TEXT_STYLE}\">{''.join(body)}</div>{''.join(extra)}</div>"
    )


def timeline_heading(timeline: "Timeline") -> str:
    """"Staffordshire 3.2 D" for an action; "Rutland section: Progress log" for a section of a prose document."""
    if timeline.kind == "section":
        return f"{timeline.council} section: {one_line(timeline.action) or '(untitled)'}"
    return f"{timeline.council} {timeline.ref or ''}".strip()


def action_text_html(text: str) -> str:
    """The action as its plan prints it, line breaks kept."""
    return f'<div class="ns-action" style="white-space:pre-wrap;margin-bottom:0.5rem">{esc(text)}</div>'


def timeline_facts_html(timeline: "Timeline") -> str:
    """The timeline's facts (latest rating, path, last update, how repeats were found) and a link to similar actions."""
    facts = "".join(f"<li><strong>{esc(label)}:</strong> {esc(value)}</li>" for label, value in timeline_facts(timeline))
    return (f'<ul class="ns-facts" style="margin:0">{facts}</ul>'
            + '<div style="margin-top:0.3rem">'
            + link_html(similar_href(timeline.action_id), "Similar actions elsewhere", "similar")
            + "</div>")


def rating_sources_rows(timeline: "Timeline") -> list[dict[str, str]]:
    """One row per review date: its label and month, the rating, the change, and what each report printed."""
    return [
        {"review date": point.display_label, "month": point.month, "rating": point.rating or "",
         "change": point.transition,
         "printed": "; ".join(f"{cite(c.document, c.line, c.location)}: {c.rag_printed or '-'}" for c in point.printed)}
        for point in timeline.ratings
    ]


def summary_html(sentences: Sequence["SummarySentence"]) -> str:
    """The action's summary: now, main change, stalled or remains, each with its date and source."""
    if not sentences:
        return f'<div class="ns-summary" style="color:#666">{esc(NOTHING_TO_SUMMARISE)}</div>'
    rows = []
    for sentence in sentences:
        where = ("; ".join(cite(*source) for source in sentence.sources)
                 or cite(sentence.document, sentence.line, sentence.location))
        rows.append(
            f'<li style="margin-bottom:0.35rem"><strong>{esc(ROLE_LABELS.get(sentence.role, sentence.role))}</strong> '
            f"({esc(sentence.when)}): {esc(' '.join(sentence.text.split()))} "
            f'<span style="color:#666;font-size:0.9em">[{esc(where)}]</span></li>'
        )
    return f'<ul class="ns-summary" style="margin:0 0 0.5rem 0">{"".join(rows)}</ul>'


# -- briefs --------------------------------------------------------------------


def brief_file_name(council: str, since: Optional[str], extension: str) -> str:
    """"brief-staffordshire-since-2021-01.md"."""
    name = re.sub(r"[^a-z0-9]+", "-", council.lower()).strip("-") or "council"
    return f"brief-{name}" + (f"-since-{since}" if since else "") + f".{extension}"


#: The months-stale cell of an action with no dated update at all.
NO_DATED_UPDATE_CELL = "–"


def months_stale_cell(months: Optional[int]) -> str:
    """Months since the last dated update, as a table cell: a number, or a dash where none is dated."""
    return NO_DATED_UPDATE_CELL if months is None else str(months)


def brief_tables(brief: "Brief") -> dict[str, "pd.DataFrame"]:
    """The brief's sections as tables: ratings by review date, got worse, not updated, complete, all actions."""
    import pandas as pd

    from .render.csv import brief_csv_rows

    # The key's order (R, A, G, B, then mixed and other ratings), as the Markdown brief's table.
    ratings = sorted({rating for review in brief.review_dates for rating in review.counts}, key=rating_order)
    review_rows = []
    for review in brief.review_dates:
        row: dict[str, Any] = {"review date": ", ".join(review.labels), "month": review.month}
        for rating in ratings:
            row[UNRATED_LABEL if rating == "none" else rating] = review.counts.get(rating, 0)
        row["actions"] = review.actions
        review_rows.append(row)
    worse = [
        {"ref": a.ref or "", "action id": a.action_id, "ratings": a.rating_path,
         "got worse": "; ".join(move.describe() for move in a.worse)}
        for a in brief.worse
    ]
    not_updated = [
        {"ref": a.ref or "", "action id": a.action_id,
         "last dated update": month_label(a.last_update_month) if a.last_update_month else "none printed",
         "months stale": months_stale_cell(a.months_stale), "rating": a.latest_rating or "", "complete": "yes" if a.complete else ""}
        for a in brief.not_updated
    ]
    complete = [
        {"ref": a.ref or "", "action id": a.action_id, "rating": a.latest_rating or "",
         "evidence": " | ".join(item.text for item in a.evidence)}
        for a in brief.complete
    ]
    actions = pd.DataFrame(brief_csv_rows(brief))
    if "months_stale" in actions:  # "" where there is no dated update: shown as a dash, never "None"
        actions["months_stale"] = [months_stale_cell(None if value == "" else value) for value in actions["months_stale"]]
    stale = pd.DataFrame(not_updated)
    return {
        "review_dates": pd.DataFrame(review_rows),
        "worse": pd.DataFrame(worse),
        "not_updated": stale,
        "complete": pd.DataFrame(complete),
        "actions": actions,
    }


def change_html(change: "Change") -> str:
    """One update of a brief's "changes since" section, with what it added, worded as the Markdown; text escaped."""
    if change.reference_to is not None:
        body = f"points elsewhere: {esc(one_line(change.text, 600))}"
    elif change.new_sentences:
        body = " ".join(esc(one_line(s, 600)) for s in change.new_sentences)
        if change.repeated_sentences:
            body += f' <span style="color:#888">{esc(change_repeats_note(change))}</span>'
    else:
        body = (f'<span style="color:#888">{esc(change_nothing_new(change))}</span> '
                + " ".join(esc(one_line(s, 600)) for s in change.repeated_sentences))
    return (f'<li style="margin-bottom:0.3rem"><strong>{esc(change.when)}</strong> '
            f'<span style="color:#666">({esc(change_kind_and_sources(change))})</span>: {body}</li>')


def changed_action_html(action: "ActionBrief") -> str:
    """One action of a brief's "changes since" section: its text, rating moves, the updates, a timeline link."""
    parts = []
    if action.action:
        parts.append(f'<div style="white-space:pre-wrap;color:#444">{esc(action.action)}</div>')
    if action.rating_moves_since:
        parts.append("<div>Rating: " + esc("; ".join(m.describe() for m in action.rating_moves_since)) + "</div>")
    parts.append("<ul>" + "".join(change_html(change) for change in action.changes) + "</ul>")
    parts.append(link_html(timeline_href(action.action_id), "Timeline", "timeline"))
    return "".join(parts)


# -- weaknesses (issue 14) -----------------------------------------------------

#: Colour of each verdict on its badge: judged enough progress (or closed off), or not (or still monitored).
VERDICT_COLOURS = {"sufficient": "#1a9850", "closed": "#1a9850", "insufficient": "#d73027",
                   "still monitored": "#f4a300"}

#: Said on a council's column of the Compare page where no verdict of that council is known.
NO_VERDICT_KNOWN = "no verdict known"

_CARD_STYLE = "border:1px solid #ddd;border-radius:0.5rem;padding:0.6rem 0.9rem;margin:0 0 0.7rem 0"


def hit_themes_html(hit: "ActionHit") -> str:
    """A hit's national themes, best first, with their scores (as `narrative-search search` prints them)."""
    return f'<div class="ns-hit-themes" style="color:#555;font-size:0.85em">{esc(hit_themes_text(hit.themes))}</div>'


def verdict_badge_html(verdict: "Verdict", matched: Optional[float] = None) -> str:
    """A coloured badge with a verdict (what was judged, when), and its whole line as the tooltip."""
    colour = VERDICT_COLOURS.get(verdict.verdict, OTHER_COLOUR)
    text_colour = "#222" if colour == VERDICT_COLOURS["still monitored"] else "#fff"
    title = verdict_line(verdict) + (f" (matched {matched:.2f})" if matched is not None else "")
    return (
        f'<span class="ns-verdict" title="{esc(title)}" style="background:{colour};color:{text_colour};'
        f'border-radius:0.4em;padding:0.1em 0.5em;font-size:0.85em;font-weight:600;display:inline-block;'
        f'margin:0 0.3em 0.3em 0">{esc(verdict_when(verdict))}: {esc(verdict_outcome(verdict))}</span>'
    )


def attached_verdicts_html(verdicts: Sequence["AttachedVerdict"]) -> str:
    """A weakness's verdicts as badges, each with how well the weakness it names matched."""
    return "".join(verdict_badge_html(attached.verdict, attached.score) for attached in verdicts)


def rating_shares_html(shares: Sequence["ReviewShare"]) -> str:
    """The rating-share chart of a weakness: one bar per review date, split by rating in the ratings' colours."""
    if not shares:
        return '<div class="ns-shares" style="color:#666;font-size:0.9em">No ratings printed.</div>'
    rows = []
    for share in shares:
        label = ", ".join(share.labels)
        pieces = "".join(
            f'<span title="{esc(label)}: {esc(_rating_name(rating))} {count} of {share.actions}" '
            f'style="display:inline-block;height:1.1em;width:{share.shares[rating] * 100:.1f}%;'
            f'background:{rating_colour(None if rating == "none" else rating)}"></span>'
            for rating, count in share.counts.items()
        )
        counts = ", ".join(f"{_rating_name(rating)} {count}" for rating, count in share.counts.items())
        rows.append(
            '<div class="ns-share" style="display:flex;align-items:center;gap:0.5rem;margin:0.15rem 0">'
            f'<span style="width:7rem;font-size:0.85em;color:#444">{esc(label)}</span>'
            f'<span style="flex:1;display:flex;max-width:24rem;border:1px solid #ccc">{pieces}</span>'
            f'<span style="font-size:0.85em;color:#444">{esc(counts)}</span></div>'
        )
    return f'<div class="ns-shares">{"".join(rows)}</div>'


def _rating_name(rating: str) -> str:
    return UNRATED_LABEL if rating == "none" else rating


def _refs_html(rollup: "WeaknessRollup", action_ids: Sequence[str]) -> str:
    refs = {link.action_id: link.ref or one_line(link.title, 40) or link.action_id for link in rollup.weakness.links}
    return ", ".join(link_html(timeline_href(i), refs.get(i, i), "timeline") for i in action_ids) or "none"


def weakness_rollup_html(rollup: "WeaknessRollup") -> str:
    """A weakness's roll-up as a card: where printed, counts, stalled since when, latest update, verdicts, actions."""
    weakness = rollup.weakness
    stalled = "; ".join(
        link_html(timeline_href(item.action_id), stalled_text(item), "timeline") for item in rollup.stalled
    ) or "none"
    facts = [
        ("Actions", esc(rollup.actions)),
        ("Rated now", esc(latest_ratings_text(rollup.latest_ratings))),
        (f"Rated complete ({len(rollup.complete)})", _refs_html(rollup, rollup.complete)),
        (f"Stale ({len(rollup.stale)})", _refs_html(rollup, rollup.stale)),
        (f"Stalled ({len(rollup.stalled)})", stalled),
        ("Latest dated update", esc(latest_update_text(rollup.latest_update, 200))),
        ("Verdicts", attached_verdicts_html(rollup.verdicts) or "none"),
    ]
    items = "".join(f"<li><strong>{esc(label)}:</strong> {value}</li>" for label, value in facts)
    actions = "".join(
        f"<li>{link_html(timeline_href(link.action_id), weakness_link_text(link), 'timeline')} "
        f'<span style="color:#666">{esc(one_line(link.title, 100))}</span></li>'
        for link in weakness.links
    )
    heading = (f'<div style="color:#555">Heading: {esc(one_line(weakness.heading))}</div>'
               if weakness.heading and weakness.heading != weakness.text else "")
    return (
        f'<div class="ns-weakness" style="{_CARD_STYLE}">{heading}'
        f'<div style="color:#666;font-size:0.9em">{esc(weakness_printed_text(weakness))}</div>'
        f'<ul class="ns-rollup" style="margin:0.3rem 0">{items}</ul>'
        f'<details><summary>Actions ({len(weakness.links)})</summary><ul class="ns-weakness-actions">{actions}</ul>'
        "</details></div>"
    )


def weaknesses_table(report: "WeaknessReport") -> "pd.DataFrame":
    """One row per weakness, as `narrative-search weaknesses` prints its table."""
    import pandas as pd

    from .render.text import weakness_label

    rows = [
        {"weakness": weakness_label(rollup.weakness), "printed as": one_line(rollup.weakness.text, 90),
         "actions": rollup.actions, "rated now": latest_ratings_text(rollup.latest_ratings),
         "complete": len(rollup.complete), "stale": len(rollup.stale), "stalled": len(rollup.stalled),
         "latest update": month_label(rollup.latest_update.month) if rollup.latest_update else "none dated",
         "verdicts": "; ".join(attached_verdict_text(v) for v in rollup.verdicts) or "none"}
        for rollup in report.rollups
    ]
    return pd.DataFrame(rows)


# -- compare by theme ------------------------------------------------------------


def theme_verdicts_html(column: "ThemeCouncil") -> str:
    """A council's verdict badges on a theme: those matched to the theme where there are any; else the
    council's verdicts on the whole (they print only counts), marked as such; else "no verdict known"."""
    if column.verdicts:
        badges = "".join(verdict_badge_html(verdict, score) for verdict, score in column.verdicts)
    elif column.council_verdicts:
        badges = ('<span style="color:#666;font-size:0.85em">The council as a whole: </span>'
                  + "".join(verdict_badge_html(verdict) for verdict in column.council_verdicts))
    else:
        badges = f'<span class="ns-verdict-none" style="color:#666;font-size:0.85em">{esc(NO_VERDICT_KNOWN)}</span>'
    return f'<div class="ns-verdicts">{badges}</div>'


def theme_column_html(column: "ThemeCouncil", limit: int = 12) -> str:
    """One council's column on the Compare page by theme: its verdict badges, then its actions on the theme."""
    shown = column.actions[:limit]
    items = "".join(
        f"<li>{link_html(timeline_href(action.action_id), action.ref or one_line(action.title, 40), 'timeline')} "
        f'<span style="color:#666">{esc(one_line(action.title, 90))}</span> '
        f'<span style="color:#999;font-size:0.85em">({action.score:.2f}{"" if action.rank == 1 else ", also"})</span></li>'
        for action in shown
    )
    more = (f'<div style="color:#666;font-size:0.85em">and {len(column.actions) - limit} more</div>'
            if len(column.actions) > limit else "")
    count = f"{len(column.actions)} action" + ("" if len(column.actions) == 1 else "s") + " on this theme"
    body = f"<ul>{items}</ul>{more}" if items else ""
    return (f'<div class="ns-theme-council" style="font-size:0.9em">{theme_verdicts_html(column)}'
            f'<div class="ns-theme-count" style="margin-top:0.3rem"><strong>{esc(count)}</strong></div>{body}</div>')


# -- the brief by weakness ---------------------------------------------------------


def brief_weakness_html(brief: "Brief", group: Optional["BriefWeakness"], actions: Sequence["ActionBrief"]) -> str:
    """One weakness of a brief: its counts, verdicts, which actions got worse, stale, completed, and the changes."""
    parts = [f'<div style="color:#444">{esc(brief_weakness_summary(brief, actions))}.</div>']
    if group is not None and group.verdicts:
        parts.append(f"<div>{attached_verdicts_html(group.verdicts)}</div>")
    lines = [
        f"<li><strong>{esc(what[:1].upper() + what[1:])}:</strong> "
        + ", ".join(link_html(timeline_href(a.action_id), a.ref or a.action_id, "timeline") for a in chosen) + "</li>"
        for what, chosen in brief_weakness_counts(brief, actions)[:3] if chosen
    ]
    lines += [f'<li class="ns-change-line">{esc(brief_change_line(action))}</li>' for action in actions if action.changes]
    if lines:
        parts.append(f"<ul>{''.join(lines)}</ul>")
    return f'<div class="ns-brief-weakness" title="{esc(brief_weakness_title(group))}">{"".join(parts)}</div>'


# -- the library ---------------------------------------------------------------


#: The Library's table: the columns that fit across the page; every count is in an expander below it.
LIBRARY_COLUMNS = ("document", "council", "title", "as of", "read as", "actions", "sections", "updates", "warnings")

#: The expander under the Library's table that holds every column.
LIBRARY_DETAILS = "Every count, per document"


def documents_table(summaries: Sequence["DocumentSummary"]) -> "pd.DataFrame":
    """One row per ingested document, as `narrative-search documents` lists them."""
    import pandas as pd

    rows = [
        {
            "document": s.name,
            "council": s.council,
            "title": s.title,
            "as of": s.as_of or "",
            "format": s.format,
            "read as": s.read_as,
            "actions": s.actions,
            "sections": s.sections,
            "updates": s.updates,
            "commitments": s.commitments,
            "verdicts": s.verdicts,
            "statuses": s.statuses,
            "characters dropped": s.dropped_chars,
            "dropped as": dropped_reasons_text(s.dropped_reasons, limit=None),
            "unattributed characters": s.unattributed_chars,
            "warnings": len(s.warnings),
            "ingested at": s.ingested_at,
            # Scans read by OCR: how sure the reading is (mean word confidence); empty for text documents.
            "OCR confidence": (f"{s.ocr_confidence:.0f}%" if s.ocr_confidence is not None else "OCR") if s.ocr else "",
        }
        for s in summaries
    ]
    return pd.DataFrame(rows)


def upload_name_problem(name: str, size: int, max_mb: int = MAX_UPLOAD_MB) -> Optional[str]:
    """Why an uploaded file is refused (type, size, name), or None if it may be saved."""
    base = PurePath(name or "").name
    suffix = PurePath(base).suffix.lower().lstrip(".")
    if not base or base in (".", ".."):
        return "the file has no name"
    accepted = upload_types()
    if suffix not in accepted:
        return f"files of type .{suffix or '(none)'} are not accepted (accepted: {', '.join('.' + t for t in accepted)})"
    if is_skipped(base):
        return f"a file named {base} describes a corpus rather than belongs to one; rename it to upload it"
    if size > max_mb * 1024 * 1024:
        return f"the file is too large ({size / 1024 / 1024:.1f} MB; the limit is {max_mb} MB)"
    if size == 0:
        return "the file is empty"
    return None


def safe_upload_name(name: str) -> str:
    """The uploaded file's name reduced to letters, digits, dots, dashes and underscores (no folders)."""
    base = PurePath((name or "").replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "upload"
    suffix = re.sub(r"[^A-Za-z0-9]+", "", suffix).lower()
    return f"{stem}.{suffix}" if suffix else stem


def upload_path(home: Path, name: str) -> Path:
    """Where an uploaded file is saved: ``<home>/uploads/<safe name>``."""
    return Path(home) / UPLOADS_FOLDER / safe_upload_name(name)


# -- months for the date filter ------------------------------------------------




# -- the app's own words for library messages --------------------------------------

#: Advice worded for the command line, and what the app says instead (its own controls).
_CLI_ADVICE = (
    (re.compile(r"pass --council NAME, or add a row for it to a sources\.csv \([^)]*\) in its folder"),
     "type its council in the Council box and ingest it again"),
    (re.compile(r"with --council it is stored"), "with a council typed in the Council box it is stored"),
    (re.compile(r"see `narrative-search export` for action ids"), "search for the action and follow its link"),
    (re.compile(r"run `narrative-search ingest` to read the bundled corpus"), "add documents on the Library page"),
    (re.compile(r"--council"), "the Council box"),
)

# An absolute path (POSIX, or Windows with a drive letter): shown by its last part, the file's own name.
_ABSOLUTE_PATH = re.compile(r"(?<![\w.])(?:[A-Za-z]:\\|/)(?:[^\s/\\:;,()]+[/\\])+([^\s/\\:;,()]+)")


def app_wording(message: str) -> str:
    """A library message as the app says it: file names instead of server paths, the app's controls
    instead of command-line options (the server's folders are nobody's business in a browser)."""
    for pattern, instead in _CLI_ADVICE:
        message = pattern.sub(instead, message)
    return _ABSOLUTE_PATH.sub(lambda match: match.group(1), message)

