"""The Streamlit app (app.py), page by page, with Streamlit's AppTest; and its pure helpers (app_views).

AppTest runs app.py in this process, as a browser session would drive it:
widgets are set, the script reruns, and the elements it drew are checked.
The app opens its own Workspace on the home folder named by
$NARRATIVE_SEARCH_HOME; each home here holds the bundled corpus, ingested
once with the session's embedder, and a copy of its vector cache, so the app
encodes almost nothing. The app's embedder is handed the session's
already-loaded model (``Embedder._load`` patched) so it is not loaded again.

tests/test_browser.py drives the same app in a real browser.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from helpers import DATA_DIR, REPO

from narrative_search import app_views as views
from narrative_search import config
from narrative_search.embed import Embedder
from narrative_search.render.markdown import md_escape, md_plain
from narrative_search.store import CorpusStore
from narrative_search.workspace import Workspace

APP = REPO / "app.py"
TIMEOUT = 240  # seconds a run may take (a first run reads a corpus or loads the model)

#: A small plan modelled on Staffordshire's (data/001_...): a tab table with dated
#: rating columns and date-stamped progress cells, one of which holds a script.
SCRIPT = "<script>alert(1)</script>"
SCRIPT_PLAN_NAME = "rutland_plan.txt"
SCRIPT_PLAN_COUNCIL = "Rutland"
SCRIPT_PLAN = "\n".join([
    "",
    "Focus Area (Intent)\tActions (Implementation)\tLead\tEvidence (Impact)\t"
    "Progress Red - Delayed Amber - In progress Green - Completed Grey - not yet started\t\t\t"
    "Sub Group Action to date (Implementation)\tEVIDENCE",
    "\t\t\t\tDec-20\tJun-21\tDec-21\t\t",
    "1.1 Families are listened to\tA. Run a listening campaign with parent carers.\tJo Bloggs\t"
    "Parents report being heard\tA\tA\tG\tDec 2020: Campaign planned with the parent carer forum. "
    f"Jun 2021: {SCRIPT} Listening events held in every district. "
    "Dec 2021: Campaign completed and evaluated.\t1. Evaluation report",
    "\tB. Publish a guide for families on <iframe src=x></iframe> short breaks.\tAnn Other\t"
    "Guide on the Local Offer\tR\tA\tA\tDec 2020: Drafting started. Jun 2021: Guide in draft with the forum.\t",
    "",
])
SCRIPT_ACTION = "rutland/1-1-a"


# -- homes -----------------------------------------------------------------------


def copy_vector_cache(embedder: Embedder, target: Path) -> None:
    """A consistent copy of the session's vector cache (SQLite's backup), as the home's own cache."""
    source = sqlite3.connect(embedder.cache_path)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()


def prepare_home(home: Path, embedder: Embedder, ingest: bool = True) -> Path:
    """A home folder with the bundled corpus ingested and indexed (unless not ``ingest``) and the vectors cached."""
    home.mkdir(parents=True, exist_ok=True)
    if ingest:
        with Workspace.open(home, embedder=embedder) as workspace:
            outcomes = workspace.ingest([DATA_DIR])
            assert [o.error for o in outcomes if o.error] == []
    copy_vector_cache(embedder, home / config.VECTOR_CACHE_NAME)
    return home


@pytest.fixture(scope="session")
def app_home(tmp_path_factory, embedder) -> Path:
    """The bundled corpus, for the tests that only read (shared: nothing here may change it)."""
    return prepare_home(tmp_path_factory.mktemp("app-home"), embedder)


@pytest.fixture(autouse=True)
def shared_model(monkeypatch, embedder):
    """The app's Embedder gets the session's loaded model instead of loading its own."""
    model = embedder.model
    monkeypatch.setattr(Embedder, "_load", lambda self: model)


def open_app(monkeypatch, home: Path, page: str | None = None, **params):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv(config.HOME_ENV, str(home))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if page:
        at.query_params["page"] = page
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


@pytest.fixture
def app(monkeypatch, app_home):
    """``app(page, **query parameters)``: the app opened at that URL on the shared home, after its first run."""
    return lambda page=None, **params: open_app(monkeypatch, app_home, page, **params)


def check_clean(at) -> None:
    """No traceback shown, and no raw script or handler in any HTML the app drew."""
    assert [e.value for e in at.exception] == []
    for element in at.html:
        body = element.value.lower()
        assert "<script" not in body and "<iframe" not in body and "onerror" not in body


def params(at, key: str) -> list[str]:
    """A query parameter of the address the app left, as a list (one value or several)."""
    value = at.query_params.get(key, [])
    return [value] if isinstance(value, str) else list(value)


def htmls(at) -> str:
    return "\n".join(element.value for element in at.html)


def hit_cards(at) -> list[str]:
    return [element.value for element in at.html if 'class="ns-hit"' in element.value]


# -- Search ----------------------------------------------------------------------


def test_search_shows_one_result_per_action_with_council_ref_rating_and_marks(app):
    at = app()
    check_clean(at)
    assert at.title[0].value == "Search"
    assert "Staffordshire" in at.caption[0].value  # what can be searched, before a query
    at.text_input(key="s_q").input("tell it once").run()
    check_clean(at)
    assert [e.value for e in at.error] == []
    assert at.caption[0].value.startswith("10 results from ")
    assert "for “tell it once” (no filters)" in at.caption[0].value
    cards = hit_cards(at)
    assert len(cards) == 10
    assert 'class="ns-council">' in cards[0]
    # 3.2 D ranks by its own text; the focus area all 3.2 actions print is one card of its own (issue 13)
    first = next(card for card in cards if 'class="ns-ref">3.2 D<' in card)
    assert 'class="ns-council">Staffordshire<' in first
    assert sum('class="ns-ref">3.2 A, 3.2 B' in card for card in cards) == 1
    assert 'class="ns-chip"' in first  # the rating chip
    assert "<mark" in first and 'class="ns-best"' in first  # matched words, best sentence
    assert 'href="?page=action&amp;id=staffordshire%2F3-2-d"' in first
    assert 'href="?page=similar&amp;id=staffordshire%2F3-2-d"' in first
    assert "001_7b6795448c6a5649.txt line 17" in first
    # The query summary comes first: each council's representative sentences.
    assert at.expander[0].label.startswith("Summary")
    assert "ns-summary-council" in at.html[0].value
    assert params(at, "q") == ["tell it once"]  # the search is in the address


def test_search_filters_in_the_sidebar_narrow_the_results(app):
    at = app("search", q="tell it once")
    at.sidebar.multiselect(key="s_councils").set_value(["Torbay"]).run()
    check_clean(at)
    cards = hit_cards(at)
    assert cards and all('class="ns-council">Torbay<' in card for card in cards)
    assert "council Torbay" in at.caption[0].value
    assert params(at, "council") == ["Torbay"]

    at.sidebar.multiselect(key="s_councils").set_value(["Leicestershire"])
    at.sidebar.multiselect(key="s_kinds").set_value(["update"]).run()
    check_clean(at)
    assert hit_cards(at) == []
    assert "No passages match council Leicestershire and kind update." in at.info[0].value


def test_search_filters_by_the_kind_of_record(app):
    at = app("search", q="tell it once", record="action")
    check_clean(at)
    records = at.sidebar.multiselect(key="s_records")
    assert records.options == ["plan action", "section of a prose document"]
    assert records.value == ["action"] and params(at, "record") == ["action"]
    assert hit_cards(at)
    records.set_value(["section"]).run()  # the bundled plans hold no prose sections
    check_clean(at)
    assert hit_cards(at) == []
    assert "No passages match record section." in at.info[0].value


def test_search_state_is_read_from_the_address(app):
    at = app("search", q="annual review", council="Staffordshire", since="2021-01", kind="update")
    check_clean(at)
    assert at.text_input(key="s_q").value == "annual review"
    assert at.sidebar.multiselect(key="s_councils").value == ["Staffordshire"]
    assert at.sidebar.selectbox(key="s_since").value == "2021-01"
    cards = hit_cards(at)
    assert cards and all("Staffordshire" in card and "progress update" in card for card in cards)


def test_a_warm_search_rerenders_in_well_under_a_second(app):
    at = app("search", q="waiting times for EHC assessments")
    check_clean(at)
    assert hit_cards(at)
    # The same search again (another widget touched, the page revisited): remembered.
    same = []
    for _ in range(3):
        started = time.perf_counter()
        at.run()
        same.append(time.perf_counter() - started)
    assert hit_cards(at)
    # New wordings of it: searched again, with the model and the sentences' vectors warm.
    reworded = []
    for query in ("Waiting times for EHC assessments", "waiting Times for EHC assessments", "waiting times For EHC assessments"):
        started = time.perf_counter()
        at.text_input(key="s_q").input(query).run()
        reworded.append(time.perf_counter() - started)
        assert len(hit_cards(at)) == 10 and f"for “{query}”" in at.caption[0].value
    assert min(same) < 0.5, same
    assert min(reworded) < 1.0, reworded


def test_similar_actions_come_from_other_councils_with_the_reason(app):
    at = app("similar", id="staffordshire/3-2-d")
    check_clean(at)
    assert at.title[0].value == "Similar actions elsewhere"
    cards = hit_cards(at)
    assert len(cards) == 10
    assert all('class="ns-council">Staffordshire<' not in card for card in cards)
    assert all('class="ns-because"' in card for card in cards)


# -- Action ----------------------------------------------------------------------


def test_action_page_shows_the_chart_summary_updates_and_sources(app):
    at = app("action", id="staffordshire/3-2-d")
    check_clean(at)
    assert [e.value for e in at.error] == []
    assert at.selectbox(key="a_id").value == "staffordshire/3-2-d"
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1
    spec = charts[0].proto.spec
    assert '"mark": {"type": "rect"' in spec or '"type": "rect"' in spec  # the rating bands
    assert "new_sentences" in spec  # the updates as marks
    body = htmls(at)
    assert 'class="ns-summary"' in body and "Now</strong>" in body
    assert body.count('class="ns-entry"') == 4
    assert 'class="ns-new"' in body and 'class="ns-repeat"' in body  # new and repeated sentences marked
    assert "001_7b6795448c6a5649.txt line 17" in body  # each update's source
    assert "?page=similar&amp;id=staffordshire%2F3-2-d" in body
    sources = at.dataframe[0].value
    assert list(sources["rating"]) == ["R", "R", "A", "G"]
    assert sources["printed"].str.contains("line").all()


def test_a_prose_section_is_shown_as_a_section_with_its_commitment(monkeypatch, tmp_path, embedder):
    page = tmp_path / "progress.txt"
    page.write_text("Our SEND progress\n\nHearing support\n\nPosition in May 2021\n"
                    "We had one teacher of the deaf for the whole county.\n\n"
                    "By 30 June 2024 we will have:\n- a second teacher of the deaf in post\n", encoding="utf-8")
    home = prepare_home(tmp_path / "home", embedder, ingest=False)
    with Workspace.open(home, embedder=embedder) as workspace:
        (outcome,) = workspace.ingest([page], council="Rutland")
        assert outcome.error is None
    at = open_app(monkeypatch, home, "search", q="teacher of the deaf")
    check_clean(at)
    card = hit_cards(at)[0]
    assert 'section:</span> <strong class="ns-title">Hearing support</strong>' in card
    at = open_app(monkeypatch, home, "action", id="rutland/progress-line-3")
    check_clean(at)
    assert md_plain(at.subheader[0].value) == "Rutland section: Hearing support"
    entries = [element.value for element in at.html if 'class="ns-entry"' in element.value]
    assert len(entries) == 2 and "commitment (target)" in entries[1] and 'class="ns-commitment"' in entries[1]
    assert 'class="ns-new"' not in entries[1]


def test_action_page_accepts_an_id_as_printed(app):
    at = app("action", id="Staffordshire/3.2 D")
    check_clean(at)
    assert at.selectbox(key="a_id").value == "staffordshire/3-2-d"
    assert params(at, "id") == ["staffordshire/3-2-d"]


def test_an_unknown_action_is_a_plain_message(app):
    at = app("action", id="staffordshire/3-2-z")
    check_clean(at)
    assert len(at.error) == 1
    assert "no action 'staffordshire/3-2-z' in the corpus" in at.error[0].value
    assert "did you mean" in at.error[0].value


# -- Compare ---------------------------------------------------------------------


def test_compare_shows_two_to_four_councils_side_by_side(app):
    at = app("compare", q="co-production with parents")
    check_clean(at)
    assert "two to four councils" in at.info[0].value
    at.multiselect(key="c_councils").set_value(["Staffordshire", "Torbay", "Telford and Wrekin"]).run()
    check_clean(at)
    assert [s.value for s in at.subheader] == ["Staffordshire", "Torbay", "Telford and Wrekin"]
    assert len(at.columns) == 3
    for column in at.columns:
        assert 'class="ns-theme"' in "".join(e.value for e in column.html)
    assert params(at, "council") == ["Staffordshire", "Torbay", "Telford and Wrekin"]


# -- Brief -----------------------------------------------------------------------


def test_brief_page_shows_the_brief_with_downloads(app):
    at = app("brief", council="Staffordshire", since="2021-01")
    check_clean(at)
    assert [e.value for e in at.error] == []
    assert at.selectbox(key="b_council").value == "Staffordshire"
    assert [b.label for b in at.download_button] == ["Download Markdown", "Download CSV", "Download JSON"]
    assert at.subheader[0].value == "Staffordshire, as of Dec 2021; changes since Jan 2021"
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Actions"]) > 0 and int(metrics["Changed since"]) > 0
    assert any("Changes since Jan 2021" in m.value for m in at.markdown)
    assert any('class="ns-entry"' not in h.value and "line" in h.value for h in at.html)


def test_a_malformed_month_on_the_brief_page_is_a_plain_message(app):
    at = app("brief", council="Torbay")
    at.text_input(key="b_since").input("Jan 2021").run()
    check_clean(at)
    assert len(at.error) == 1
    assert "since must be a month written YYYY-MM" in at.error[0].value


def test_brief_page_shows_the_councils_verdicts(monkeypatch, tmp_path, embedder):
    page = tmp_path / "revisit.txt"
    page.write_text("The revisit took place in October 2022.\n"
                    "Inspectors found the area had made sufficient progress in 2 of the 3 areas.\n", encoding="utf-8")
    home = prepare_home(tmp_path / "home", embedder, ingest=False)
    with Workspace.open(home, embedder=embedder) as workspace:
        (outcome,) = workspace.ingest([page], council="Rutland")
        assert outcome.error is None
    at = open_app(monkeypatch, home, "brief", council="Rutland")
    check_clean(at)
    assert any(m.value == "**Revisit and monitoring verdicts**" for m in at.markdown)
    assert any("Oct 2022, revisit: sufficient (2 of 3 areas sufficient) [revisit.txt line 2]" in md_plain(m.value)
               for m in at.markdown)


# -- Library ---------------------------------------------------------------------


def test_library_lists_what_is_ingested(app):
    at = app("library")
    check_clean(at)
    table = at.dataframe[0].value
    assert set(table["council"]) == {"Staffordshire", "Leicestershire", "Torbay", "Telford and Wrekin"}
    assert len(table) == 5 and {"as of", "actions", "updates", "warnings"} <= set(table.columns)
    assert any("Search index:" in c.value for c in at.caption)
    uploader = at.file_uploader[0]
    assert sorted(uploader.allowed_type) == sorted("." + t for t in views.upload_types())


def test_an_uploaded_document_with_a_script_is_searchable_and_shown_as_text(monkeypatch, tmp_path, embedder):
    home = prepare_home(tmp_path / "home", embedder)
    at = open_app(monkeypatch, home, "library")
    at.file_uploader[0].set_value((SCRIPT_PLAN_NAME, SCRIPT_PLAN.encode("utf-8"), "text/plain"))
    at.text_input(key="l_council").input(SCRIPT_PLAN_COUNCIL)
    at.button[0].click().run()  # the form's "Ingest"
    check_clean(at)
    assert [e.value for e in at.error] == []
    assert any(md_plain(s.value).startswith(f"{SCRIPT_PLAN_NAME}: new; 2 actions") for s in at.success)
    assert (home / views.UPLOADS_FOLDER / SCRIPT_PLAN_NAME).is_file()
    assert SCRIPT_PLAN_COUNCIL in set(at.dataframe[0].value["council"])

    # Searchable at once (no restart), the script shown as text.
    at = open_app(monkeypatch, home, "search", q="listening events held in every district")
    check_clean(at)
    cards = hit_cards(at)
    assert 'class="ns-council">Rutland<' in cards[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in cards[0]

    at = open_app(monkeypatch, home, "action", id=SCRIPT_ACTION)
    check_clean(at)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in htmls(at)
    assert len(at.get("vega_lite_chart")) == 1  # its tooltips hold the text as data, shown as text by Vega

    at = open_app(monkeypatch, home, "brief", council=SCRIPT_PLAN_COUNCIL, since="2021-01")
    check_clean(at)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in htmls(at)


PROSE_PAGE_NAME = "rutland_journey.txt"
PROSE_PAGE = """\
Our SEND improvement so far

Short breaks for disabled children

Position in January 2021
Families waited months to hear whether they could have a short break.

Position as of September 2022
We have:
- a decision within four weeks for every request
- a new holiday club in each market town
"""


def test_the_library_says_how_an_uploaded_prose_page_was_read(monkeypatch, tmp_path, embedder):
    home = prepare_home(tmp_path / "home", embedder)
    at = open_app(monkeypatch, home, "library")
    at.file_uploader[0].set_value((PROSE_PAGE_NAME, PROSE_PAGE.encode("utf-8"), "text/plain"))
    at.text_input(key="l_council").input("Rutland")
    at.button[0].click().run()
    check_clean(at)
    assert [e.value for e in at.error] == []
    assert any(md_plain(s.value).startswith(f"{PROSE_PAGE_NAME}: new; read as prose: 1 section, 2 dated updates, "
                                            "0 commitments, 0 characters dropped") for s in at.success)
    table = at.dataframe[0].value
    assert {"read as", "sections", "commitments", "verdicts", "characters dropped", "dropped as"} <= set(table.columns)
    row = table[table["document"] == PROSE_PAGE_NAME].iloc[0]
    assert (row["read as"], row["actions"], row["sections"], row["updates"]) == ("prose", 0, 1, 2)
    plan = table[table["read as"] == "table"].iloc[0]
    assert "repeated page banner" in plan["dropped as"]


def test_an_upload_of_a_refused_file_is_a_plain_message(monkeypatch, tmp_path, embedder):
    home = prepare_home(tmp_path / "home", embedder)
    at = open_app(monkeypatch, home, "library")
    # Undated prose is no longer refused (it is stored as text only, with a warning): a binary file still is.
    at.file_uploader[0].set_value(("notes.txt", bytes(range(256)) * 8, "text/plain"))
    at.text_input(key="l_council").input("Rutland")
    at.button[0].click().run()
    check_clean(at)
    assert len(at.error) == 1
    assert "notes.txt" in at.error[0].value and "Traceback" not in at.error[0].value
    assert not (home / views.UPLOADS_FOLDER / "notes.txt").exists()  # a refused file is not kept


# -- the app as a whole ----------------------------------------------------------


def test_a_fresh_home_is_filled_from_the_bundled_corpus(monkeypatch, tmp_path, embedder):
    from streamlit.elements.progress import ProgressMixin

    home = prepare_home(tmp_path / "fresh", embedder, ingest=False)  # only the vector cache, to be quick
    shown: list[tuple[float, str]] = []  # what the progress bar said, in order (it is gone once the page is ready)
    real_progress = ProgressMixin.progress

    def progress(self, value, text=None, **options):
        shown.append((float(value), str(text)))
        return real_progress(self, value, text=text, **options)

    monkeypatch.setattr(ProgressMixin, "progress", progress)
    at = open_app(monkeypatch, home)
    check_clean(at)
    assert [e.value for e in at.error] == []
    texts = [text for _, text in shown]
    assert "First start: reading 000_e72ea107f020d91e.txt (1 of 5)…" in texts
    assert "First start: Building the search index…" in texts
    # The sentences encoded after the build, counted up to all of them (from the cache here: the counts still show).
    sentences = [(value, text) for value, text in shown if "encoding each passage's sentences:" in text]
    assert sentences[0][0] == 0.0 and sentences[-1][0] == 1.0
    done, total = sentences[-1][1].rsplit(": ", 1)[1].rstrip("…").split(" of ")
    assert done == total and int(total) > 437  # every passage, then each action's texts for the themes
    with CorpusStore(config.database_path(home)) as store:
        assert store.councils() == ["Leicestershire", "Staffordshire", "Telford and Wrekin", "Torbay"]
    at.text_input(key="s_q").input("tell it once").run()
    check_clean(at)
    assert len(hit_cards(at)) == 10


def test_an_unexpected_failure_is_a_plain_message_not_a_traceback(app, monkeypatch):
    def broken(self, *args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(Workspace, "search", broken)
    at = app("search", q="a query searched only by this test")  # not one the app remembers
    assert [e.value for e in at.exception] == []
    assert len(at.error) == 1
    assert at.error[0].value.startswith("Something went wrong: the disk is full.")


def test_messages_with_markdown_in_them_are_shown_as_typed(app):
    at = app("search", q='"**" [*]')
    check_clean(at)
    assert len(at.error) == 1
    assert r"\*\*" in at.error[0].value and r"\[\*\]" in at.error[0].value
    assert md_plain(at.error[0].value) == "the query '\"**\" [*]' has no words to search for"


def test_navigation_in_the_sidebar_changes_the_page(app):
    at = app("search")
    assert at.sidebar.radio(key="nav").value == "search"
    at.sidebar.radio(key="nav").set_value("library").run()
    check_clean(at)
    assert at.title[0].value == "Library"
    assert params(at, "page") == ["library"]


# -- app_views: pure helpers -----------------------------------------------------


def test_highlight_escapes_text_and_marks_terms_and_the_best_sentence():
    text = "First <b>bold</b> & done. Tell it once <script>x</script> now."
    start = text.index("Tell")
    out = views.highlight_html(text, [(start, start + 4), (text.index("once"), text.index("once") + 4)], (start, len(text)))
    assert "<b>" not in out and "<script>" not in out
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; done." in out
    assert out.count("<mark") == 2 and ">Tell</mark>" in out and ">once</mark>" in out
    assert out.count('class="ns-best"') == 1 and out.endswith("now.</span>")
    # Spans out of range are clipped, and no spans at all leave the text escaped.
    assert views.highlight_html("a<b", [(-5, 1), (2, 99)]) .count("<mark") == 2
    assert views.highlight_html("x < y") == "x &lt; y"


def test_links_encode_ids_and_labels_are_escaped():
    assert views.page_href("action", id="staffordshire/3-2-d") == "?page=action&id=staffordshire%2F3-2-d"
    assert views.page_href("search", q="a&b", council=["X", "Y"], since=None) == "?page=search&q=a%26b&council=X&council=Y"
    assert views.link_html('?x="1"', "<b>") == '<a href="?x=&quot;1&quot;">&lt;b&gt;</a>'
    assert md_escape("**3.1** [x](javascript:1)") == r"\*\*3.1\*\* \[x\](javascript\:1)"
    assert md_escape("1. a\n- b <i>") == r"1\. a - b \<i\>"
    for text in ("rutland_plan.txt: new", "$x$ :red[y] `z` # h", "- item", "2) two"):
        assert md_plain(md_escape(text)) == text


def test_rating_chips_and_colours():
    assert views.rating_colour("R") == views.RATING_COLOURS["R"]
    assert views.rating_colour("G/A") == views.MIXED_COLOUR
    assert views.rating_colour(None) == views.UNRATED_COLOUR
    assert views.rating_chip_html(None) == ""
    assert ">A</span>" in views.rating_chip_html("A")
    assert "&lt;x&gt;" in views.rating_chip_html("<x>")


def test_upload_names_and_limits():
    assert views.safe_upload_name("../../etc/pass wd.TXT") == "pass_wd.txt"
    assert views.safe_upload_name("C:\\Users\\me\\plan (v2).docx") == "plan_v2.docx"
    assert views.upload_path(Path("/h"), "a/b.pdf") == Path("/h/uploads/b.pdf")
    assert views.upload_name_problem("plan.pdf", 1000) is None
    assert "not accepted" in views.upload_name_problem("run.exe", 10)
    assert "too large" in views.upload_name_problem("plan.pdf", 51 * 1024 * 1024)
    assert "empty" in views.upload_name_problem("plan.txt", 0)
    assert "describes a corpus" in views.upload_name_problem("sources.csv", 10)


def test_timeline_chart_data_has_a_band_per_review_date_and_a_mark_per_update(app_home, embedder):
    with Workspace.open(app_home, embedder=embedder) as workspace:
        timeline = workspace.timeline("staffordshire/3-2-d")
    bands, marks = views.timeline_chart_data(timeline)
    assert [(b["start"], b["rating"]) for b in bands] == [
        ("2019-12-01", "R"), ("2020-01-01", "R"), ("2021-04-01", "A"), ("2021-11-01", "G")]
    assert [b["end"] for b in bands][:3] == ["2020-01-01", "2021-04-01", "2021-11-01"]
    assert bands[-1]["end"] > bands[-1]["start"]
    assert len(marks) == len([e for e in timeline.entries if e.month])
    assert all(m["what"] in ("says something new", "repeats earlier text", "points elsewhere") for m in marks)
    chart = views.timeline_chart(timeline).to_dict()
    assert len(chart["layer"]) == 3


def test_brief_file_names():
    assert views.brief_file_name("Telford and Wrekin", "2021-01", "md") == "brief-telford-and-wrekin-since-2021-01.md"
    assert views.brief_file_name("Torbay", None, "csv") == "brief-torbay.csv"


# -- Weaknesses, compare by theme, themes on Search, the brief by weakness (issue 14) ----------


def test_weaknesses_page_rolls_up_each_weakness_with_its_chart_and_actions(app):
    at = app("weaknesses", council="Staffordshire")
    check_clean(at)
    assert at.title[0].value == "Weaknesses"
    assert at.selectbox(key="w_council").value == "Staffordshire"
    assert md_plain(at.caption[0].value).startswith("As of Dec 2021; stale: no dated update since Jun 2021 (6 months)")
    titles = [md_plain(s.value) for s in at.subheader]
    assert [t.split(":")[0] for t in titles] == ["Priority 1", "Priority 3", "Priority 4", "Priority 5", "Priority 6"]
    assert titles[1].startswith("Priority 3: Co-production is weak")
    assert len(at.dataframe) == 1 and list(at.dataframe[0].value["actions"]) == [2, 18, 1, 2, 2]
    cards = [e.value for e in at.html if 'class="ns-weakness"' in e.value]
    six = cards[4]  # 6 E and 6 F: A at every review, no dated update (counted by hand in test_weaknesses)
    assert "<strong>Stalled (2):</strong>" in six and "6 E: A since Dec-19 (same rating at successive reviews)" in six
    assert "<strong>Stale (2):</strong>" in six and "<strong>Latest dated update:</strong> none dated" in six
    assert 'href="?page=action&amp;id=staffordshire%2F6-e"' in six
    charts = [e.value for e in at.html if e.value.startswith('<div class="ns-shares">')]
    assert len(charts) == 5
    assert [label in charts[4] for label in ("Dec-19", "Jan-20", "Apr-21", "Dec-21")] == [True] * 4
    assert "width:100.0%" in charts[4] and "A 2" in charts[4]
    assert params(at, "council") == ["Staffordshire"]

    # As of January 2020, 4 D is rated G ("Completed"): complete, and never stalled.
    at.text_input(key="w_as_of").input("2020-01").run()
    check_clean(at)
    four = [e.value for e in at.html if 'class="ns-weakness"' in e.value][2]
    assert "<strong>Rated complete (1):</strong>" in four and ">4 D</a>" in four
    assert "<strong>Stalled (0):</strong> none" in four
    assert params(at, "as_of") == ["2020-01"]

    at.number_input(key="w_stale").set_value(24).run()
    check_clean(at)
    assert "stale: no dated update since Jan 2018 (24 months)" in md_plain(at.caption[0].value)
    assert params(at, "stale") == ["24"]


def test_a_malformed_month_on_the_weaknesses_page_is_a_plain_message(app):
    at = app("weaknesses", council="Torbay")
    at.text_input(key="w_as_of").input("Dec 2021").run()
    check_clean(at)
    assert len(at.error) == 1 and "as of must be a month written YYYY-MM" in at.error[0].value


def test_compare_by_theme_shows_one_column_per_council(app):
    theme = "Co-production with parents and young people"
    at = app("compare", theme=theme)
    check_clean(at)
    assert at.selectbox(key="c_theme").value == theme
    assert [s.value for s in at.subheader] == ["Leicestershire", "Staffordshire", "Telford and Wrekin", "Torbay"]
    columns = [e.value for e in at.html if 'class="ns-theme-council"' in e.value]
    assert len(columns) == 4
    assert all(views.NO_VERDICT_KNOWN in column for column in columns)  # the bundled corpus prints no verdicts
    staffordshire = columns[1]
    assert "actions on this theme" in staffordshire and 'href="?page=action&amp;id=staffordshire%2F3-' in staffordshire
    at.multiselect(key="c_councils").set_value(["Torbay", "Staffordshire"]).run()
    check_clean(at)
    assert [s.value for s in at.subheader] == ["Torbay", "Staffordshire"]
    assert params(at, "theme") == [theme] and params(at, "council") == ["Torbay", "Staffordshire"]
    # A query as well: each council's closest actions on the theme, under its verdict badge.
    at.text_input(key="c_q").input("listening to parents").run()
    check_clean(at)
    assert [s.value for s in at.subheader] == ["Torbay", "Staffordshire"]
    assert sum('class="ns-verdicts"' in e.value for e in at.html) == 2


def test_compare_by_theme_shows_the_verdicts_matched_to_the_theme(monkeypatch, tmp_path, embedder):
    from test_weaknesses import LETTER, PRIORITY_PLAN

    home = prepare_home(tmp_path / "home", embedder, ingest=False)
    with Workspace.open(home, embedder=embedder) as workspace:
        for name, text in (("rutland_wsoa.txt", PRIORITY_PLAN), ("letter.txt", LETTER)):
            (tmp_path / name).write_text(text, encoding="utf-8")
            (outcome,) = workspace.ingest([tmp_path / name], council="Rutland")
            assert outcome.error is None
    at = open_app(monkeypatch, home, "compare", theme="EHC plan quality and annual reviews")
    check_clean(at)
    (column,) = [e.value for e in at.html if 'class="ns-theme-council"' in e.value]
    assert 'class="ns-verdict"' in column and "Oct 2022, revisit: sufficient: " in column
    at = open_app(monkeypatch, home, "weaknesses", council="Rutland")
    check_clean(at)
    cards = htmls(at)
    assert "Oct 2022, revisit: sufficient" in cards and "Oct 2022, revisit: insufficient" in cards


def test_search_filters_by_theme_and_each_hit_shows_its_themes(app):
    theme = "Co-production with parents and young people"
    at = app("search", q="tell it once", theme=theme)
    check_clean(at)
    assert at.sidebar.multiselect(key="s_themes").value == [theme]
    cards = hit_cards(at)
    assert cards and all('class="ns-hit-themes"' in card and theme in card for card in cards)
    assert f"theme {theme}" in md_plain(at.caption[0].value)
    assert params(at, "theme") == [theme]
    at.sidebar.multiselect(key="s_themes").set_value([]).run()
    check_clean(at)
    assert "theme" not in md_plain(at.caption[0].value) and params(at, "theme") == []
    cards = hit_cards(at)
    assert 5 <= sum('class="ns-hit-themes"' in card for card in cards) < len(cards)  # unassigned ones show none


def test_brief_page_groups_the_changes_by_weakness(app):
    at = app("brief", council="Staffordshire", since="2021-01")
    check_clean(at)
    assert any(m.value == "**By weakness**" for m in at.markdown)
    labels = [md_plain(e.label) for e in at.expander]
    three = next(label for label in labels if label.startswith("Priority 3: Co-production is weak"))
    groups = [e.value for e in at.html if 'class="ns-brief-weakness"' in e.value]
    assert len(groups) == 5
    body = next(group for group in groups if 'title="Priority 3: Co-production is weak' in group)
    # 3.1 E fell in Jan 2020, before the window: it is not counted as worse since Jan 2021.
    assert three and "18 actions: 0 got worse since Jan 2021, 8 not updated since Jan 2021" in body
    assert "<strong>Got worse" not in body and ">3.1 E</a>" in body
    assert "3.1 E (staffordshire/3-1-e): rating better at Apr-21: R → G | Feb 2021: GR sub group report" in body


def test_rating_share_bars_and_verdict_badges_escape_and_colour():
    from narrative_search.model import Citation, ReviewShare, Verdict

    shares = [ReviewShare("2021-04", ["Apr-21"], {"R": 1, "G": 3}, {"R": 0.25, "G": 0.75}, 4),
              ReviewShare("2021-12", ["<Dec-21>"], {"G": 3, "none": 1}, {"G": 0.75, "none": 0.25}, 4)]
    chart = views.rating_shares_html(shares)
    assert chart.count('class="ns-share"') == 2
    assert f"width:25.0%;background:{views.RATING_COLOURS['R']}" in chart
    assert f"width:25.0%;background:{views.UNRATED_COLOUR}" in chart and "not rated 1" in chart
    assert "&lt;Dec-21&gt;" in chart and "<Dec-21>" not in chart
    assert "No ratings printed." in views.rating_shares_html([])
    verdict = Verdict(source=Citation("letter.txt", 4), council="Rutland", event="revisit", verdict="insufficient",
                      date="2022-10", weakness="<script>x</script> the local offer")
    badge = views.verdict_badge_html(verdict, 0.61)
    assert views.VERDICT_COLOURS["insufficient"] in badge and "(matched 0.61)" in badge
    assert "<script>" not in badge and "Oct 2022, revisit: insufficient: &lt;script&gt;" in badge
