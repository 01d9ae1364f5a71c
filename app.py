"""The narrative-search app: search, timelines, comparison, briefs and the library in a browser.

Run it from the repository root with ``streamlit run app.py`` (the home
folder is ``$NARRATIVE_SEARCH_HOME``, else ``./index``; if nothing is ingested
there yet, the bundled sample corpus is read first).

A thin layer over :class:`narrative_search.workspace.Workspace`: every page
calls the same library functions as a `narrative-search` command
(search, similar, timeline, summary, brief, documents, ingest) and only
lays out what they return. Pages are chosen in the sidebar and named in the
URL (``?page=action&id=staffordshire/3-2-d``), so every result links to its
timeline and to similar actions with an ordinary link.

Safety: text from documents is only ever shown escaped (HTML built by
:mod:`narrative_search.app_views` with ``html.escape``, or Streamlit's own
text elements); errors are shown as plain messages, never tracebacks.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, TypeVar

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from narrative_search import app_views as views
from narrative_search import config
from narrative_search.errors import NarrativeSearchError
from narrative_search.model import ACTION_KINDS, PASSAGE_KINDS, SEARCH_MODES, Brief, QuerySummary, SearchFilters, SearchResult
from narrative_search.months import month_label
from narrative_search.render.csv import brief_csv
from narrative_search.render.markdown import brief_markdown, md_escape
from narrative_search.render.progress import ENCODING_TEXT, STAGE_TEXT, WAIT_TEXT, encoding_text
from narrative_search.render.text import (
    BRIEF_BY_WEAKNESS_HEADING,
    BRIEF_EMPTY,
    NO_UPDATES,
    NO_WEAKNESSES,
    VERDICTS_HEADING,
    brief_action_name,
    brief_as_of_text,
    brief_headings,
    brief_reports_text,
    brief_weakness_title,
    index_built_text,
    index_text,
    no_results,
    outcome_messages,
    verdict_line,
    weakness_as_of_text,
    weakness_title,
)
from narrative_search.summary import summarise_action
from narrative_search.weaknesses import STALE_MONTHS
from narrative_search.workspace import Workspace

LOG = logging.getLogger("narrative_search.app")

RATINGS = ("R", "A", "G", "B")  # as `narrative-search search --status` offers them
ANY_MONTH = ""

# Inputs kept in the session while another page is shown (Streamlit forgets a
# widget's value when it is not drawn; writing it back keeps it).
KEPT_KEYS = (
    "s_q", "s_councils", "s_since", "s_until", "s_ratings", "s_kinds", "s_documents", "s_k", "s_mode",
    "a_id", "a_as_of", "c_q", "c_councils", "b_council", "b_since", "b_as_of", "l_council",
    "s_themes", "c_theme", "w_council", "w_as_of", "w_stale",
)

Remembered = TypeVar("Remembered")


# -- the workspace, once per server process ------------------------------------


@dataclass
class Resources:
    """The workspace of one home folder, shared by every session of the server."""

    workspace: Workspace
    # Held only to load the workspace the first time, for uploads (one at a time) and for the memory of results:
    # searches, timelines and briefs run at once in several sessions (the workspace lets reads run concurrently).
    lock: threading.RLock = field(default_factory=threading.RLock)
    ready: bool = False  # corpus present, index current, model loaded
    results: OrderedDict = field(default_factory=OrderedDict)  # recent searches, by query, filters and index

    def remembered(self, key: tuple, compute: Callable[[], Remembered], keep: int = 64) -> Remembered:
        """``compute()``, or its value from an earlier call with the same key (the key names the index built).

        Computed outside the lock, so one session's search does not wait for another's.
        """
        with self.lock:
            if key in self.results:
                self.results.move_to_end(key)
                return self.results[key]
        value = compute()
        with self.lock:
            self.results[key] = value
            while len(self.results) > keep:
                self.results.popitem(last=False)
            return value


@st.cache_resource(show_spinner=False)
def open_resources(home: str) -> Resources:
    return Resources(Workspace.open(home))


def ready_resources() -> Resources:
    """The shared workspace; the first time, the bundled corpus read (if nothing is) and the model loaded."""
    resources = open_resources(str(config.home_dir()))
    if resources.ready:
        return resources
    with resources.lock:
        if resources.ready:
            return resources
        workspace = resources.workspace
        if not workspace.councils():
            ingest_bundled(workspace)
        with st.spinner("Loading the search index and the language model…"):
            workspace.index()
            # One search loads what the first search would (the model, spaCy's rules), so that no user waits for it.
            workspace.search("progress", k=1)
        resources.ready = True
    return resources


class BuildProgress:
    """One ``st.progress`` bar following an index build: each slow step by name, and its counts while it encodes.

    ``on_stage`` is the workspace's stage notice, ``encoding`` its progress(done, total) callback."""

    def __init__(self, bar: DeltaGenerator, prefix: str = "") -> None:
        self.bar = bar
        self.prefix = prefix
        self.stage = "building_index"

    def on_stage(self, stage: str) -> None:
        self.stage = stage
        counted = stage in ENCODING_TEXT  # its counts follow: the bar starts empty
        self.bar.progress(0.0 if counted else 1.0, text=f"{self.prefix}{STAGE_TEXT.get(stage, stage)}")

    def encoding(self, done: int, total: int) -> None:
        self.bar.progress(done / total if total else 1.0, text=self.prefix + encoding_text(self.stage, done, total))


def ingest_bundled(workspace: Workspace) -> None:
    """Read the bundled sample corpus into an empty home, with a progress bar."""
    bundled = config.bundled_data_dir()
    if not bundled.is_dir():
        st.info(views.EMPTY_LIBRARY)
        return
    bar = st.progress(0.0, text="First start: reading the bundled sample corpus…")

    def progress(done: int, total: int, path: Path) -> None:
        if total and done < total:
            bar.progress(done / total, text=f"First start: reading {path.name} ({done + 1} of {total})…")
        else:
            bar.progress(1.0, text="First start: building the search index…")

    build = BuildProgress(bar, "First start: ")
    workspace.report_stages(build.on_stage)
    try:
        with st.spinner("Building the search index from the bundled corpus…"):
            outcomes = workspace.ingest([bundled], update_index=True, progress=progress, index_progress=build.encoding)
    finally:
        workspace.report_stages(None)
    bar.empty()
    for level, message in outcome_messages(outcomes):
        if level == "error":
            st.error(md_escape(views.app_wording(message)))


# -- state, links and errors ---------------------------------------------------


def keep_inputs() -> None:
    for key in KEPT_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def current_page() -> str:
    page = st.query_params.get("page", "search")
    return page if page in views.PAGES or page == "similar" else "search"


def param_list(name: str) -> list[str]:
    return [value for value in st.query_params.get_all(name) if value]


def set_url(page: str, **params: Any) -> None:
    """Show the page's state in the address bar (only when it changed), so it can be bookmarked or shared."""
    href = views.page_href(page, **params)
    if st.session_state.get("_url") != href or st.query_params.get("page") != page:
        st.session_state["_url"] = href
        pairs: dict[str, Any] = {"page": page}
        for key, value in params.items():
            if value not in (None, "", [], ()):
                pairs[key] = [str(v) for v in value] if isinstance(value, (list, tuple)) else str(value)
        st.query_params.from_dict(pairs)


def on_navigate() -> None:
    st.query_params.from_dict({"page": st.session_state["nav"]})
    st.session_state.pop("_url", None)


def show_error(error: BaseException) -> None:
    """A plain message: the library's own for its errors, a short one otherwise (details go to the log)."""
    if isinstance(error, NarrativeSearchError):
        st.error(md_escape(views.app_wording(str(error))))
    else:
        LOG.error("page failed", exc_info=error)
        st.error(f"Something went wrong: {md_escape(views.app_wording(str(error)) or type(error).__name__)}. "
                 "Nothing was changed; the details are in the server's log.")


def guarded(render: Callable[[Resources], None], resources: Resources) -> None:
    try:
        render(resources)
    except Exception as error:  # Streamlit's own stop/rerun signals are not Exceptions
        show_error(error)


def show_notes(workspace: Workspace) -> None:
    """What the workspace says it did (an index rebuilt, and why)."""
    for note in workspace.notes:
        st.info(md_escape(views.app_wording(note)))
    workspace.notes.clear()


def html(body: str) -> None:
    """Render HTML built by app_views (document text escaped there)."""
    st.html(body)


# -- Search --------------------------------------------------------------------


def init_search_state(councils: list[str], months: list[str], documents: list[str]) -> None:
    if "s_q" in st.session_state:
        return
    linked, cut = config.cap_query(st.query_params.get("q", ""))  # a long link is cut as the box cuts typing
    st.session_state["s_q"] = linked
    st.session_state["s_q_cut"] = linked if cut else None  # said above the results while this query stands
    known = {name.lower(): name for name in councils}
    st.session_state["s_councils"] = [known[c.lower()] for c in param_list("council") if c.lower() in known]
    st.session_state["s_since"] = st.query_params.get("since", ANY_MONTH) if st.query_params.get("since") in months else ANY_MONTH
    st.session_state["s_until"] = st.query_params.get("until", ANY_MONTH) if st.query_params.get("until") in months else ANY_MONTH
    st.session_state["s_ratings"] = [r for r in (v.upper() for v in param_list("rating")) if r in RATINGS]
    st.session_state["s_kinds"] = [k for k in param_list("kind") if k in PASSAGE_KINDS]
    st.session_state["s_records"] = [r for r in param_list("record") if r in ACTION_KINDS]
    st.session_state["s_documents"] = [d for d in param_list("document") if d in documents]
    try:
        st.session_state["s_k"] = max(1, min(50, int(st.query_params.get("k", 10))))
    except ValueError:
        st.session_state["s_k"] = 10
    mode = st.query_params.get("mode", "hybrid")
    st.session_state["s_mode"] = mode if mode in SEARCH_MODES else "hybrid"
    st.session_state["s_themes"] = param_list("theme")


def page_search(resources: Resources) -> None:
    workspace = resources.workspace
    councils = workspace.councils()
    documents = workspace.document_names()
    months = workspace.index_months()
    init_search_state(councils, months, documents)
    theme_names = theme_choices(workspace)
    st.session_state["s_themes"] = [name for name in st.session_state.get("s_themes", []) if name in theme_names]
    for key in ("s_since", "s_until"):
        if st.session_state.get(key) not in months:
            st.session_state[key] = ANY_MONTH

    with st.sidebar:
        st.header("Filters")
        st.multiselect("Councils", councils, key="s_councils", placeholder="All councils")
        st.selectbox("From", [ANY_MONTH, *months], key="s_since",
                     format_func=lambda m: month_label(m) if m else "any date",
                     help="Only updates dated from this month (action descriptions have no date and are left out).")
        st.selectbox("To", [ANY_MONTH, *months], key="s_until",
                     format_func=lambda m: month_label(m) if m else "any date",
                     help="Only updates dated up to this month.")
        st.multiselect("Rating", RATINGS, key="s_ratings", placeholder="Any rating",
                       help="Only passages with this rating in force (R red, A amber, G green, B blue).")
        st.multiselect("Kind", list(PASSAGE_KINDS), key="s_kinds", placeholder="Any kind",
                       format_func=lambda k: views.KIND_LABELS.get(k, k))
        st.multiselect("Record", list(ACTION_KINDS), key="s_records", placeholder="Actions and sections",
                       format_func=lambda r: views.RECORD_LABELS.get(r, r),
                       help="Only plan actions, or only sections of prose documents (progress pages, logs, minutes).")
        st.multiselect("Theme", theme_names, key="s_themes", placeholder="Any national theme",
                       help="Only actions and sections assigned to these national themes (data/themes.csv).")
        with st.expander("More options"):
            st.multiselect("Documents", documents, key="s_documents", placeholder="All documents")
            st.number_input("Results", min_value=1, max_value=50, step=1, key="s_k")
            st.selectbox("Ranking", SEARCH_MODES, key="s_mode",
                         help="hybrid: meaning and words together; dense: meaning only; keyword: words only.")

    st.title("Search")
    typed = st.text_input(
        "Search every council's plans", key="s_q", placeholder="e.g. tell it once, or \"annual review\" timeliness",
        help=views.QUERY_HELP, max_chars=config.MAX_QUERY_CHARS,
    )
    query, cut = config.cap_query(typed)
    if cut or (query and query == st.session_state.get("s_q_cut")):
        st.caption(md_escape(views.query_cut_caption()))
    state = st.session_state
    filters = SearchFilters(
        councils=tuple(state["s_councils"]), since=state["s_since"] or None, until=state["s_until"] or None,
        ratings=tuple(state["s_ratings"]), documents=tuple(state["s_documents"]), kinds=tuple(state["s_kinds"]),
        records=tuple(state["s_records"]), themes=tuple(state["s_themes"]),
    )
    set_url("search", q=query, council=list(filters.councils), since=filters.since, until=filters.until,
            rating=list(filters.ratings), kind=list(filters.kinds), record=list(filters.records),
            document=list(filters.documents), theme=list(filters.themes),
            k=state["s_k"] if state["s_k"] != 10 else None, mode=state["s_mode"] if state["s_mode"] != "hybrid" else None)
    if not query:
        st.caption(md_escape(f"{len(documents)} documents from {len(councils)} councils are searchable: "
                                   + ", ".join(councils) + ". Type a query and press Enter."))
        return

    def run_search() -> tuple[SearchResult, Optional[QuerySummary], float]:
        started = time.perf_counter()
        found = workspace.search(query, k=int(state["s_k"]), filters=filters, mode=state["s_mode"])
        summarised = workspace.summarise_result(found) if found.hits else None
        return found, summarised, time.perf_counter() - started

    remembered_as = ("search", *workspace.index_version(), query, filters, int(state["s_k"]), state["s_mode"])
    with st.spinner(WAIT_TEXT["search"]):
        result, summary, elapsed = resources.remembered(remembered_as, run_search)
    show_notes(workspace)
    if result.index_behind:
        st.warning(views.INDEX_BEHIND)
    if not result.hits:
        st.info(md_escape(no_results(result.message)))
        return
    notice = views.weak_match_notice(result.weak)
    if notice:
        st.warning(md_escape(notice))
    st.caption(md_escape(views.result_caption(result.hits, query, result.filters.describe()) + f" Searched in {elapsed:.2f} s."))
    if summary is not None and summary.councils:
        with st.expander("Summary: how each council approaches this", expanded=True):
            per_row = 3
            for first in range(0, len(summary.councils), per_row):
                row = summary.councils[first:first + per_row]
                for column, (council, sentences) in zip(st.columns(per_row), row):
                    with column:
                        html(views.council_summary_html(council, sentences))
    elif summary is not None and summary.message:
        st.caption(md_escape(summary.message))
    for number, hit in enumerate(result.hits, start=1):
        html(views.hit_html(hit, number))


def page_similar(resources: Resources) -> None:
    action_id = st.query_params.get("id", "")
    st.title("Similar actions elsewhere")
    if not action_id:
        st.info("Open an action's timeline or a search result and follow “Similar actions elsewhere”.")
        return
    workspace = resources.workspace
    with st.spinner(WAIT_TEXT["similar"]):
        result = workspace.similar(action_id, k=10)
    show_notes(workspace)
    html(views.similar_heading_html(action_id))
    if not result.hits:
        st.info(md_escape(no_results(result.message)))
        return
    for number, hit in enumerate(result.hits, start=1):
        html(views.hit_html(hit, number))


# -- Action --------------------------------------------------------------------


def page_action(resources: Resources) -> None:
    workspace = resources.workspace
    actions = workspace.indexed_actions()
    ids = [action.action_id for action in actions]
    names = {action.action_id: f"{action.council} {action.ref or ''} ({action.action_id})".replace("  ", " ")
             for action in actions}
    wanted = st.query_params.get("id", "")
    problem = None
    if "a_id" not in st.session_state or (wanted and st.session_state.get("_a_from_url") != wanted):
        st.session_state["_a_from_url"] = wanted
        if wanted and wanted not in names:
            # An id typed as printed ("Staffordshire/3.2 D"): the library resolves it or says what is close.
            try:
                wanted = workspace.timeline(wanted).action_id
            except NarrativeSearchError as error:
                problem = str(error)
        st.session_state["a_id"] = wanted if wanted in names else None
        st.session_state.setdefault("a_as_of", st.query_params.get("as_of", ""))

    st.title("Action timeline")
    if problem:
        st.error(md_escape(problem))
    left, right = st.columns([3, 1])
    action_id = left.selectbox("Action", ids, key="a_id", format_func=lambda i: names.get(i, i),
                               placeholder="Choose an action (type to filter)")
    as_of = right.text_input("As of (YYYY-MM)", key="a_as_of", placeholder="latest report",
                             help="Count staleness to this month.").strip()
    set_url("action", id=action_id, as_of=as_of)
    if not action_id:
        if not problem:
            st.info("Choose an action, or follow “Timeline” from a search result.")
        return
    with st.spinner(WAIT_TEXT["timeline"]):
        timeline = workspace.timeline(action_id, as_of=as_of or None)
        summary = summarise_action(timeline)

    st.subheader(md_escape(views.timeline_heading(timeline)), anchor=False)
    if timeline.action and timeline.kind != "section":  # a section's title is its heading
        html(views.action_text_html(timeline.action))
    html(views.timeline_facts_html(timeline))
    st.altair_chart(views.timeline_chart(timeline), width="stretch")
    st.caption("Bands: the rating in force from each review date. Marks: the updates, as high as the number "
               "of new sentences they added.")

    st.subheader("Summary", anchor=False)
    html(views.summary_html(summary))

    st.subheader(f"Updates ({len(timeline.entries)})", anchor=False)
    if not timeline.entries:
        st.caption(NO_UPDATES)
    for entry in timeline.entries:
        html(views.entry_html(entry))
    st.caption("New sentences are tinted green; sentences that repeat an earlier update are grey "
               "(hover to see what they repeat).")

    st.subheader("Sources", anchor=False)
    rows = views.rating_sources_rows(timeline)
    if rows:
        st.dataframe(rows, hide_index=True)
    st.caption(md_escape("Documents: " + ", ".join(timeline.documents)))


# -- Weaknesses ----------------------------------------------------------------


def theme_choices(workspace: Workspace) -> list[str]:
    """The national themes' names, in the table's order (a table that cannot be read offers none)."""
    try:
        return [theme.name for theme in workspace.themes()]
    except NarrativeSearchError as error:
        st.warning(md_escape(str(error)))
        return []


def init_weaknesses_state(councils: list[str]) -> None:
    if "w_council" not in st.session_state:
        wanted = st.query_params.get("council", "").lower()
        st.session_state["w_council"] = next((c for c in councils if c.lower() == wanted), councils[0])
        st.session_state["w_as_of"] = st.query_params.get("as_of", "")
        try:
            st.session_state["w_stale"] = max(1, min(60, int(st.query_params.get("stale", STALE_MONTHS))))
        except ValueError:
            st.session_state["w_stale"] = STALE_MONTHS
    if st.session_state.get("w_council") not in councils:
        st.session_state["w_council"] = councils[0]


def page_weaknesses(resources: Resources) -> None:
    """A council's weaknesses as its documents print them, each rolled up as `narrative-search weaknesses` does."""
    workspace = resources.workspace
    with resources.lock:
        councils = workspace.councils()
    if not councils:
        st.info(views.EMPTY_LIBRARY)
        return
    init_weaknesses_state(councils)
    st.title("Weaknesses")
    one, two, three = st.columns([2, 1, 1])
    council = one.selectbox("Council", councils, key="w_council") or councils[0]
    as_of = two.text_input("As of (YYYY-MM)", key="w_as_of", placeholder="latest report",
                           help="Roll up each weakness as it stood at this month.").strip()
    stale_months = int(three.number_input("Stale after (months)", min_value=1, max_value=60, step=1, key="w_stale",
                                          help="An action is stale with no dated update in this many months."))
    set_url("weaknesses", council=council, as_of=as_of,
            stale=stale_months if stale_months != STALE_MONTHS else None)
    with resources.lock, st.spinner(f"Rolling up {council}'s weaknesses…"):
        key = ("weaknesses", *workspace.index_version(), council, as_of, stale_months)
        report = resources.remembered(key, lambda: workspace.weaknesses(council, as_of=as_of or None,
                                                                         stale_months=stale_months))
    caption = weakness_as_of_text(report)
    st.caption(md_escape(caption[:1].upper() + caption[1:] + "."))
    if not report.rollups:
        st.info(NO_WEAKNESSES)
        return
    st.dataframe(views.weaknesses_table(report), hide_index=True)
    if report.verdicts:
        st.markdown(f"**{md_escape(VERDICTS_HEADING)} (the council as a whole)**")
        st.markdown("\n".join(f"- {md_escape(verdict_line(verdict))}" for verdict in report.verdicts))
    for rollup in report.rollups:
        st.subheader(md_escape(weakness_title(rollup.weakness, 160)), anchor=False)
        html(views.rating_shares_html(rollup.review_dates))
        html(views.weakness_rollup_html(rollup))
    if report.unlinked:
        st.caption(md_escape("Under no weakness: " + ", ".join(report.unlinked)))


# -- Compare -------------------------------------------------------------------


def page_compare(resources: Resources) -> None:
    workspace = resources.workspace
    councils = workspace.councils()
    if "c_q" not in st.session_state:
        st.session_state["c_q"] = config.cap_query(st.query_params.get("q", ""))[0]
        known = {name.lower(): name for name in councils}
        st.session_state["c_councils"] = [known[c.lower()] for c in param_list("council") if c.lower() in known][:4]
        st.session_state["c_theme"] = st.query_params.get("theme", "")
    st.title("Compare councils")
    theme_names = theme_choices(workspace)
    if st.session_state.get("c_theme") not in theme_names:
        st.session_state["c_theme"] = next((n for n in theme_names if n.lower() == str(st.session_state.get("c_theme", "")).lower()), "")
    theme = st.selectbox("National theme", ["", *theme_names], key="c_theme",
                         format_func=lambda name: name or "none: compare by query",
                         help="Each council's actions on one of the national themes (data/themes.csv), with its verdicts.")
    query = config.cap_query(st.text_input("Theme or query", key="c_q", placeholder="e.g. co-production with parents",
                                           max_chars=config.MAX_QUERY_CHARS))[0]
    chosen = st.multiselect("Councils (two to four)", councils, key="c_councils", max_selections=4)
    set_url("compare", theme=theme, q=query, council=chosen)
    if theme and not query:
        compare_by_theme(resources, theme, chosen)
        return
    if not query or len(chosen) < 2:
        st.info("Choose a national theme, or type a theme and choose two to four councils to see how each "
                "approaches it, side by side.")
        return
    themed = (theme,) if theme else ()
    if theme:
        with resources.lock:
            theme_columns = {column.council: column for column in workspace.theme_columns(theme, chosen)[1]}
    columns = st.columns(len(chosen))
    for column, council in zip(columns, chosen):
        def run_summary(council: str = council) -> tuple[SearchResult, QuerySummary]:
            # As `narrative-search summary QUERY --council C`, one council at a time.
            found = workspace.search(query, k=10, filters=SearchFilters(councils=(council,), themes=themed), explain=False)
            return found, workspace.summarise_result(found)

        key = ("compare", *workspace.index_version(), query, council, theme)
        with st.spinner(WAIT_TEXT["compare"]):
            result, summary = resources.remembered(key, run_summary)
        with column:
            st.subheader(md_escape(council), anchor=False)
            if theme:
                html(views.theme_verdicts_html(theme_columns[council]))
            sentences = [s for _, found in summary.councils for s in found]
            if sentences:
                html(views.theme_sentences_html(sentences))
            else:
                st.caption(md_escape(no_results(summary.message or result.message)))
            if result.hits:
                html(views.closest_actions_html(result.hits[:5]))


def compare_by_theme(resources: Resources, theme: str, chosen: list[str]) -> None:
    """One column per council (those chosen, else every council) with its actions on the theme and its verdicts."""
    workspace = resources.workspace
    with resources.lock, st.spinner("Assigning themes…"):
        key = ("compare-theme", *workspace.index_version(), theme, tuple(chosen))
        found, columns = resources.remembered(key, lambda: workspace.theme_columns(theme, chosen))
        show_notes(workspace)
    st.caption(md_escape(found.description))
    per_row = 4
    for first in range(0, len(columns), per_row):
        row = columns[first:first + per_row]
        for place, column in zip(st.columns(per_row), row):
            with place:
                st.subheader(md_escape(column.council), anchor=False)
                html(views.theme_column_html(column))


# -- Brief ---------------------------------------------------------------------


def page_brief(resources: Resources) -> None:
    workspace = resources.workspace
    councils = workspace.councils()
    if not councils:
        st.info(views.EMPTY_LIBRARY)
        return
    if "b_council" not in st.session_state:
        wanted = st.query_params.get("council", "").lower()
        st.session_state["b_council"] = next((c for c in councils if c.lower() == wanted), councils[0])
        st.session_state["b_since"] = st.query_params.get("since", "")
        st.session_state["b_as_of"] = st.query_params.get("as_of", "")
    if st.session_state.get("b_council") not in councils:
        st.session_state["b_council"] = councils[0]
    st.title("Revisit brief")
    one, two, three = st.columns([2, 1, 1])
    council = one.selectbox("Council", councils, key="b_council") or councils[0]
    since = two.text_input("Changes since (YYYY-MM)", key="b_since", placeholder="e.g. 2021-01",
                           help="List what changed from this month; without it, actions with nothing dated in "
                                "the last six months count as not updated.").strip()
    as_of = three.text_input("As of (YYYY-MM)", key="b_as_of", placeholder="latest report",
                             help="The brief as it stood at this month.").strip()
    set_url("brief", council=council, since=since, as_of=as_of)
    with st.spinner(f"Writing the brief for {council}…"):
        brief = workspace.brief(council, since=since or None, as_of=as_of or None)
    show_brief_downloads(brief)
    show_brief(brief)


def show_brief_downloads(brief: Brief) -> None:
    """The brief as Markdown, CSV and JSON files, as `narrative-search brief --format` writes them."""
    row = st.container(horizontal=True)  # each button as wide as its label: never cut
    row.download_button("Download Markdown", brief_markdown(brief).encode("utf-8"),
                        file_name=views.brief_file_name(brief.council, brief.since, "md"),
                        mime="text/markdown", on_click="ignore", key="dl_md")
    row.download_button("Download CSV", brief_csv(brief).encode("utf-8"),
                        file_name=views.brief_file_name(brief.council, brief.since, "csv"),
                        mime="text/csv", on_click="ignore", key="dl_csv")
    row.download_button("Download JSON",
                        (json.dumps(brief.to_dict(), ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
                        file_name=views.brief_file_name(brief.council, brief.since, "json"),
                        mime="application/json", on_click="ignore", key="dl_json")


def show_brief(brief: Brief) -> None:
    """The brief's counts and sections, worded as its Markdown."""
    st.subheader(md_escape(f"{brief.council}, {brief_as_of_text(brief)}"), anchor=False)
    st.caption(md_escape(brief_reports_text(brief)))
    counts = st.columns(5)
    counts[0].metric("Actions", len(brief.actions))
    counts[1].metric("Got worse", len(brief.worse))
    counts[2].metric("Not updated", len(brief.not_updated))
    counts[3].metric("Reported complete", len(brief.complete))
    counts[4].metric("Changed since", len(brief.changed) if brief.since else "–")
    if brief.verdicts:  # verdicts (issue 12, shape 7)
        st.markdown(f"**{md_escape(VERDICTS_HEADING)}**")
        st.markdown("\n".join(f"- {md_escape(verdict_line(verdict))}" for verdict in brief.verdicts))

    tables = views.brief_tables(brief)
    headings = brief_headings(brief)
    for section in ("review_dates", "worse", "not_updated", "complete"):
        st.markdown(f"**{md_escape(headings[section])}**")
        if tables[section].empty:
            st.caption(BRIEF_EMPTY[section])
        else:
            st.dataframe(tables[section], hide_index=True)
    show_brief_by_weakness(brief)
    if brief.since:
        st.markdown(f"**{md_escape(headings['changed'])}**")
        if not brief.changed:
            st.caption(BRIEF_EMPTY["changed"])
        for action in brief.changed:
            with st.expander(md_escape(brief_action_name(action))):
                html(views.changed_action_html(action))
    with st.expander("Every action (as in the CSV)"):
        st.dataframe(tables["actions"], hide_index=True)


def show_brief_by_weakness(brief: Brief) -> None:
    """Each weakness with what its actions did (as the Markdown's "By weakness" section); nothing if none found."""
    groups = brief.by_weakness()
    if not groups:
        return
    st.markdown(f"**{md_escape(BRIEF_BY_WEAKNESS_HEADING)}**")
    for group, actions in groups:
        with st.expander(md_escape(brief_weakness_title(group))):
            html(views.brief_weakness_html(brief, group, actions))


# -- Library -------------------------------------------------------------------


def page_library(resources: Resources) -> None:
    workspace = resources.workspace
    st.title("Library")
    for level, message in st.session_state.pop("l_outcomes", []):
        getattr(st, level)(md_escape(views.app_wording(message)))  # file names, never the server's folders

    st.subheader("Add documents", anchor=False)
    with st.form("upload", clear_on_submit=True):
        files = st.file_uploader(
            "Plans or progress reports", type=list(views.upload_types()), accept_multiple_files=True,
            max_upload_size=views.MAX_UPLOAD_MB,
            help=f"{', '.join('.' + t for t in views.upload_types())}; up to {views.MAX_UPLOAD_MB} MB each.",
        )
        council = st.text_input("Council", key="l_council", placeholder="e.g. Telford and Wrekin",
                                help="The council these documents belong to; leave empty to tell it from the text.")
        replace = st.checkbox(views.REPLACE_LABEL, key="l_replace", help=views.REPLACE_HELP)
        submitted = st.form_submit_button("Ingest")
    if submitted:
        if not files:
            st.warning("Choose one or more files first.")
        else:
            st.session_state["l_outcomes"] = ingest_uploads(resources, files, council.strip() or None, replace)
            st.rerun()

    summaries = workspace.document_summary()
    current = workspace.index_is_current()
    manifest = workspace.index_manifest() if summaries else None
    show_notes(workspace)
    st.subheader("What is ingested", anchor=False)
    if not summaries:
        st.info("Nothing is ingested yet.")
        return
    councils = sorted({s.council for s in summaries})
    st.caption(md_escape(f"{len(summaries)} documents from {len(councils)} councils."))
    table = views.documents_table(summaries)
    st.dataframe(table, hide_index=True, column_order=views.LIBRARY_COLUMNS,  # what fits across the page
                 column_config={"title": st.column_config.TextColumn(width="medium")})
    with st.expander(views.LIBRARY_DETAILS):
        st.dataframe(table, hide_index=True)
    warned = [s for s in summaries if s.warnings]
    for summary in warned:
        with st.expander(md_escape(f"Warnings: {summary.name} ({len(summary.warnings)})")):
            for warning in summary.warnings:
                st.text(warning)
    if manifest is not None:
        st.caption(index_text(manifest) + ("" if current else views.INDEX_BEHIND_LIBRARY) + ".")
    if manifest is not None and not current and st.button(views.UPDATE_INDEX_LABEL, key="l_update_index"):
        with st.spinner("Updating the search index…"):
            built = workspace.update_index()
        st.session_state["l_outcomes"] = [("info", index_built_text(built))] if built is not None else []
        st.rerun()


def ingest_uploads(
    resources: Resources, files: list, council: Optional[str], replace: bool = False
) -> list[tuple[str, str]]:
    """Ingest the uploads (each kept under <home>/uploads/ once read) with a progress bar, update the index."""
    workspace = resources.workspace
    messages: list[tuple[str, str]] = []
    uploads = []
    for upload in files:
        problem = views.upload_name_problem(upload.name, upload.size)
        if problem:
            messages.append(("error", f"{upload.name}: {problem}"))
            continue
        uploads.append((views.safe_upload_name(upload.name), upload.getvalue()))
    if not uploads:
        return messages
    bar = st.progress(0.0, text="Reading the documents…")

    def progress(done: int, total: int, path: Path) -> None:
        if total and done < total:
            bar.progress(done / total, text=f"Reading {path.name} ({done + 1} of {total})…")
        else:
            bar.progress(1.0, text="Updating the search index…")

    with resources.lock:
        outcomes = workspace.ingest_uploads(uploads, council=council, replace=replace, progress=progress)
    # Outside the lock: other sessions' searches answer from the last good index while it builds.
    build = BuildProgress(bar)
    workspace.report_stages(build.on_stage)
    try:
        with st.spinner("Updating the search index…"):
            manifest = workspace.update_index(progress=build.encoding)
    finally:
        workspace.report_stages(None)
    messages.extend(outcome_messages(outcomes, replace_advice=views.REPLACE_ADVICE))
    if manifest is not None:
        messages.append(("info", index_built_text(manifest)))
    return messages


# -- the app -------------------------------------------------------------------

RENDER: dict[str, Callable[[Resources], None]] = {
    "search": page_search,
    "similar": page_similar,
    "action": page_action,
    "weaknesses": page_weaknesses,
    "compare": page_compare,
    "brief": page_brief,
    "library": page_library,
}


def main() -> None:
    # An emoji icon is drawn in the page; a ":material/...:" one is fetched from fonts.gstatic.com.
    st.set_page_config(page_title="narrative-search", page_icon="🔎", layout="wide")
    # As in .streamlit/config.toml, for a server started from another folder: no tracebacks, no developer menu.
    st.set_option("client.showErrorDetails", "none")
    st.set_option("client.toolbarMode", "viewer")
    keep_inputs()
    page = current_page()
    shown = "search" if page == "similar" else page
    if st.session_state.get("nav") != shown:
        st.session_state["nav"] = shown
    st.sidebar.title("narrative-search")
    st.sidebar.radio("Page", list(views.PAGES), format_func=views.PAGES.get, key="nav", on_change=on_navigate,
                     label_visibility="collapsed")
    try:
        resources = ready_resources()
    except Exception as error:
        show_error(error)
        return
    guarded(RENDER[page], resources)


main()
