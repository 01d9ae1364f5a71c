"""The app's rough edges a newcomer hit (issue 16, items 12, 14, 17): its own words, long queries, tables that fit.

Runs app.py with Streamlit's AppTest, on homes prepared as tests/test_app.py prepares them.
"""

from __future__ import annotations

import re

from test_app import app, app_home, check_clean, open_app, params, prepare_home, shared_model  # noqa: F401

from narrative_search import app_views as views
from narrative_search import config
from narrative_search.render.markdown import md_plain

#: Text no council name can be told from: the upload needs its council typed.
COUNCILLESS_NOTES = (
    "Focus Area (Intent)\tActions (Implementation)\tLead\tProgress\n"
    "1.1 Families are heard\tA. Hold listening events.\tJo Bloggs\tDec 2020: Events planned.\n"
)


def shown_texts(at) -> list[str]:
    """Every message, caption and markdown the app drew."""
    return [md_plain(element.value) for kind in ("error", "warning", "info", "success", "caption", "markdown")
            for element in getattr(at, kind)]


def test_the_app_shows_file_names_and_its_own_controls_never_server_paths_or_cli_options(monkeypatch, tmp_path, embedder):
    home = prepare_home(tmp_path / "home", embedder)
    at = open_app(monkeypatch, home, "library")
    at.file_uploader[0].set_value(("notes.txt", COUNCILLESS_NOTES.encode("utf-8"), "text/plain"))
    at.button[0].click().run()  # no council typed
    check_clean(at)
    assert len(at.error) == 1
    assert md_plain(at.error[0].value).startswith("notes.txt: cannot tell which council this document belongs to: "
                                        "type its council in the Council box")
    at = open_app(monkeypatch, home, "similar", id="staffordshire/9-9-z")
    check_clean(at)
    assert "search for the action and follow its link" in at.error[0].value
    for page in ("library", "similar"):
        at = open_app(monkeypatch, home, page, id="staffordshire/9-9-z")
        for text in shown_texts(at):
            assert str(tmp_path) not in text and "Home folder" not in text
            assert "--" not in text and "narrative-search " not in text, text


def test_a_long_query_is_cut_in_the_caption_the_address_and_the_search_and_the_user_is_told(app):  # noqa: F811
    long_query = "tell it once " * 420  # 5,040 characters
    at = app("search", q=long_query)
    check_clean(at)
    (address,) = params(at, "q")
    assert len(address) <= config.MAX_QUERY_CHARS and long_query.startswith(address)
    assert any(f"only its first {config.MAX_QUERY_CHARS}" in caption.value for caption in at.caption)
    assert all(len(caption.value) < 2 * config.MAX_QUERY_CHARS for caption in at.caption)
    assert at.text_input(key="s_q").value == address
    assert any(re.search(r"\d+ results? from", caption.value) for caption in at.caption)


def test_the_library_table_fits_the_page_with_every_count_below_it(app):  # noqa: F811
    at = app("library")
    check_clean(at)
    main, details = at.dataframe[0], at.dataframe[1]
    assert list(main.proto.column_order) == list(views.LIBRARY_COLUMNS)
    assert len(views.LIBRARY_COLUMNS) <= 9
    assert set(views.LIBRARY_COLUMNS) < set(details.value.columns)
    assert views.LIBRARY_DETAILS in [expander.label for expander in at.expander]
