"""National themes (issue 14 item 3): the editable table, the assignment, its storage, and the views that use it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from helpers import DATA_DIR, REPO

from narrative_search.cli import main
from narrative_search.model import Citation, SearchFilters, Theme, ThemeAssignment, ThemeScore, Verdict
from narrative_search.render.text import NO_THEMED_ACTIONS, hit_lines, themes_text
from narrative_search.themes import (
    THEMES_NAME,
    AssignmentWeights,
    ThemeTableError,
    UnknownThemeError,
    assign_texts,
    build_overview,
    cue_count,
    current_assignment,
    load_theme_table,
    parse_theme_table,
    ranked,
    read_assignment,
    record_text,
    score_matrix,
    table_hash,
)

BUNDLED_TABLE = DATA_DIR / THEMES_NAME
HEADER = "id,name,description,cue_words\n"


def bundled_themes() -> list[Theme]:
    return load_theme_table(BUNDLED_TABLE)


# -- the table -----------------------------------------------------------------


def test_the_bundled_table_names_the_themes_inspections_use():
    themes = bundled_themes()
    assert 15 <= len(themes) <= 20
    assert len({t.id for t in themes}) == len(themes)
    names = {t.name for t in themes}
    for wanted in ("EHC plan timeliness", "Joint commissioning", "Preparing for adulthood", "Therapies", "Workforce and training"):
        assert wanted in names
    assert all(t.description and t.cue_words for t in themes)


@pytest.mark.parametrize(
    "rows, expected",
    [
        ("id,name,description\n", "line 1: the header lacks the column(s) cue_words"),
        ("x,Name,Some words,cue,extra\n", "line 2: 5 fields where the header names 4"),
        ("Bad Id,Name,Some words,cue\n", "line 2: the id 'Bad Id' must be lower-case letters"),
        ("one,Name,Words,cue\none,Other,Words,cue\n", "line 3: the id 'one' is already used on line 2"),
        ("one,Name,,cue\n", "line 2: the description of 'one' is empty"),
        ("one,Name,Words,cue||other\n", "line 2: an empty cue word"),
        ("", "the table has no themes"),
    ],
)
def test_a_malformed_table_names_the_file_and_line(tmp_path, rows, expected):
    path = tmp_path / THEMES_NAME
    path.write_text(rows if rows.startswith("id,") else HEADER + rows, encoding="utf-8")
    with pytest.raises(ThemeTableError) as raised:
        load_theme_table(path)
    assert str(path) in str(raised.value)
    assert expected in str(raised.value)


def test_blank_and_commented_rows_are_skipped_and_quoted_commas_kept():
    themes = parse_theme_table(HEADER + '\n# draft,x,y,z\none,"Timeliness, mostly",Words,cue\n', "t.csv")
    assert [(t.id, t.name, t.line) for t in themes] == [("one", "Timeliness, mostly", 4)]


def test_the_table_hash_changes_with_a_description_only():
    themes = bundled_themes()
    edited = [Theme(t.id, t.name, t.description + " More.", t.cue_words, t.line) for t in themes]
    moved = [Theme(t.id, t.name, t.description, t.cue_words, t.line + 1) for t in themes]
    assert table_hash(edited) != table_hash(themes)
    assert table_hash(moved) == table_hash(themes)


# -- scoring -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, cues, count",
    [
        ("Review the annual reviews backlog", ("annual review",), 1),  # plural folds
        ("The OT service", ("OT",), 1),
        ("We got the plan out", ("OT",), 0),  # an acronym cue only in capitals
        ("Two OTs recruited", ("OT",), 1),
        ("Speech and language therapy waits", ("speech and language", "therapy", "SALT"), 2),
        ("Post-16 options and post 16 college", ("post-16", "college"), 2),  # each cue counted once
        ("commissioning", ("joint commissioning",), 0),  # a phrase needs all its words
    ],
)
def test_cue_words_are_counted_as_whole_words(text, cues, count):
    assert cue_count(text, Theme("t", "T", "d", cues)) == count


def test_ranked_keeps_near_themes_best_first_and_leaves_weak_records_unassigned():
    themes = [Theme(f"t{i}", f"T{i}", "d") for i in range(5)]
    weights = AssignmentWeights(floor=0.3, share=0.8)
    scores = np.asarray([0.2, 0.5, 0.45, 0.41, 0.39], dtype=np.float32)
    assert [s.id for s in ranked(scores, themes, weights)] == ["t1", "t2", "t3"]  # at most three, t4 under 0.8 x best
    assert ranked(np.asarray([0.1, 0.2, 0.25, 0.0, 0.0]), themes, weights) == []


@pytest.mark.parametrize(
    "text, theme",
    [
        ("Nine in ten new education, health and care plans to be issued within the 20 week limit", "ehcp-timeliness"),
        ("Children wait too long for an autism or ADHD diagnosis", "neurodevelopmental"),
        ("Speech and language therapists see children within twelve weeks of referral", "therapies"),
        ("Young people aged 16 to 25 find supported internships, jobs and places to live independently", "adulthood"),
        ("Fewer pupils with SEND are permanently excluded and attendance improves", "inclusion"),
        ("The parent carer forum designs the new services with us as equal partners", "coproduction"),
        ("The designated clinical officer checks the health advice given for every assessment", "health-involvement"),
    ],
)
def test_texts_written_in_a_theme_s_terms_get_that_theme_first(embedder, text, theme):
    (found,) = assign_texts(embedder, [text], bundled_themes())
    assert found and found[0].id == theme
    assert found == sorted(found, key=lambda s: -s.score)


def test_the_assignment_meets_the_accuracy_target_on_the_labelled_bundled_actions(corpus_store, embedder):
    labels = [r for r in json.loads((REPO / "bench" / "theme_labels.json").read_text())["records"] if r["corpus"] == "bundled"]
    themes = bundled_themes()
    ids = [t.id for t in themes]
    actions = [corpus_store.get_action(r["id"]) for r in labels]
    scores = score_matrix(embedder, [record_text(a) for a in actions if a is not None], themes)
    assert len(scores) == len(labels) >= 120
    firsts = [[ids[i] for i in np.argsort(-row)[:3]] for row in scores]
    top1 = np.mean([order[0] in r["themes"] for order, r in zip(firsts, labels)])
    top3 = np.mean([bool(set(order) & set(r["themes"])) for order, r in zip(firsts, labels)])
    assert top1 >= 0.8 and top3 >= 0.95, (top1, top3)


# -- the stored assignment -----------------------------------------------------


def test_the_assignment_is_kept_in_the_home_and_made_again_when_the_table_changes(tmp_path, corpus_store, embedder, monkeypatch):
    themes = bundled_themes()
    notes: list[str] = []
    first = current_assignment(tmp_path, corpus_store, embedder, themes, notes=notes)
    assert (tmp_path / "themes.json").is_file()
    assert len(first.actions) == corpus_store.count_actions()
    assert notes == [f"themes assigned to {len(first.actions)} actions and sections (no theme assignment yet)"]
    assert read_assignment(tmp_path, themes) == first

    import narrative_search.themes as module

    def fail(*args, **kwargs):
        raise AssertionError("assigned again although nothing changed")

    monkeypatch.setattr(module, "assign_actions", fail)
    assert current_assignment(tmp_path, corpus_store, embedder, themes) == first
    monkeypatch.undo()

    edited = themes[:3]
    notes.clear()
    again = current_assignment(tmp_path, corpus_store, embedder, edited, notes=notes)
    assert "the themes table changed" in notes[0]
    assert {s.id for scores in again.actions.values() for s in scores} <= {t.id for t in edited}


def test_a_home_that_cannot_be_written_still_gets_themes_for_the_run(tmp_path, corpus_store, embedder):
    missing = tmp_path / "gone"  # the temporary file cannot be made in a folder that does not exist
    notes: list[str] = []
    assignment = current_assignment(missing, corpus_store, embedder, bundled_themes(), notes=notes)
    assert assignment.actions
    assert "cannot be written" in notes[0]


# -- the overview --------------------------------------------------------------


def _verdict(council: str, weakness: str | None, kind: str = "sufficient") -> Verdict:
    return Verdict(source=Citation("letter.txt", 3), council=council, event="revisit", verdict=kind,  # type: ignore[arg-type]
                   date="2022-12", weakness=weakness, sufficient=None if weakness else 2, total=None if weakness else 4)


def test_the_overview_lists_actions_per_council_and_attaches_verdicts_to_their_theme(corpus_store):
    themes = bundled_themes()[:2]
    one, two = themes[0].id, themes[1].id
    torbay = [a.id for a in corpus_store.iter_actions("Torbay")][:3]
    assignment = ThemeAssignment("h", "m", "c", {
        torbay[0]: [ThemeScore(one, themes[0].name, 0.6)],
        torbay[1]: [ThemeScore(two, themes[1].name, 0.5), ThemeScore(one, themes[0].name, 0.45)],
        torbay[2]: [],
    })
    verdicts = [_verdict("Torbay", "the timeliness of plans"), _verdict("Torbay", None, "insufficient")]
    overviews = build_overview(themes, assignment, corpus_store.iter_actions("Torbay"), verdicts,
                               [[ThemeScore(one, themes[0].name, 0.7)], []])
    first, second = overviews
    (council,) = first.councils
    assert [(a.action_id, a.rank) for a in council.actions] == [(torbay[0], 1), (torbay[1], 2)]
    assert [v.weakness for v, _ in council.verdicts] == ["the timeliness of plans"]
    assert [v.verdict for v in council.council_verdicts] == ["insufficient"]
    assert second.action_count == 1 and second.councils[0].verdicts == []
    text = themes_text(overviews)
    assert f"{themes[0].name} [{one}]: 2 actions in 1 council" in text
    assert "verdict (matched 0.70): Dec 2022, revisit: sufficient: the timeliness of plans" in text
    assert "council verdict: Dec 2022, revisit: insufficient (2 of 4 areas sufficient)" in text


def test_themes_without_actions_are_named_together():
    themes = bundled_themes()[:2]
    overviews = build_overview(themes, ThemeAssignment("h", "m", "c"), [])
    assert themes_text(overviews) == NO_THEMED_ACTIONS


# -- the workspace: search, similar ----------------------------------------------


def test_a_theme_filter_keeps_only_actions_on_that_theme_and_hits_show_their_themes(workspace):
    assignment = workspace.theme_assignment()
    on_theme = set(assignment.actions_of("coproduction"))
    result = workspace.search("plans", k=10, filters=SearchFilters(themes=("coproduction",)))
    assert result.hits
    assert all(hit.action_id in on_theme for hit in result.hits)
    assert result.filters.describe().endswith("on the theme Co-production with parents and young people")
    for hit in result.hits:
        data = hit.to_dict()
        assert data["themes"] and "coproduction" in [t["id"] for t in data["themes"]]
        assert [t["score"] for t in data["themes"]] == sorted((t["score"] for t in data["themes"]), reverse=True)
    lines = hit_lines(result.hits[0], 1)
    assert any(line.strip().startswith("themes: ") and "Co-production with parents and young people" in line for line in lines)


def test_an_unknown_theme_lists_the_known_ones(workspace):
    with pytest.raises(UnknownThemeError) as raised:
        workspace.search("plans", filters=SearchFilters(themes=("nonsense",)))
    assert "no theme 'nonsense': choose from ehcp-timeliness" in str(raised.value)


def test_a_theme_with_no_actions_in_a_council_says_which_filters_emptied_the_result(workspace):
    assignment = workspace.theme_assignment()
    theme = next(t for t in workspace.themes() if not any(a.startswith("staffordshire/") for a in assignment.actions_of(t.id)))
    result = workspace.search("plans", filters=SearchFilters(councils=("Staffordshire",), themes=(theme.id,)))
    assert result.hits == []
    assert result.message is not None and f"the theme {theme.name}" in result.message


def test_similar_actions_on_a_theme(workspace):
    on_theme = set(workspace.theme_assignment().actions_of("ehcp-quality"))
    result = workspace.similar("torbay/16f", k=5, theme="EHC plan quality and annual reviews")
    assert result.hits and len(result.hits) <= 5
    assert all(hit.key in on_theme and not hit.key.startswith("torbay/") for hit in result.hits)
    unfiltered = [hit.key for hit in workspace.similar("torbay/16f", k=50).hits if hit.key in on_theme]
    assert [hit.key for hit in result.hits] == unfiltered[:5]


# -- the command ---------------------------------------------------------------


def run(home: Path, *args: str):
    return CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)


def test_cli_themes_per_council_as_json_and_text(workspace):
    result = run(workspace.home, "themes", "--council", "torbay", "--json")
    assert result.exit_code == 0, result.output
    overviews = json.loads(result.stdout)
    assert [o["id"] for o in overviews] == [t.id for t in bundled_themes()]
    councils = {c["council"] for o in overviews for c in o["councils"]}
    assert councils == {"Torbay"}
    adulthood = next(o for o in overviews if o["id"] == "adulthood")
    refs = {a["ref"] for a in adulthood["councils"][0]["actions"]}
    assert {"15B", "15C", "18D"} <= refs
    text = run(workspace.home, "themes", "--theme", "adulthood").stdout
    assert text.startswith("Preparing for adulthood [adulthood]: ")
    assert "  Torbay (" in text


def test_cli_search_with_a_theme(workspace):
    result = run(workspace.home, "search", "support for families", "--theme", "local-offer", "--json")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert hits and all("local-offer" in [t["id"] for t in hit["themes"]] for hit in hits)


def test_cli_export_carries_themes_best_first(workspace):
    result = run(workspace.home, "export", "--format", "jsonl", "--council", "Leicestershire")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 33
    assert all(list(theme) == ["id", "name", "score"] for r in records for theme in r["themes"])
    assert all([t["score"] for t in r["themes"]] == sorted((t["score"] for t in r["themes"]), reverse=True) for r in records)
    commissioning = next(r for r in records if r["id"] == "leicestershire/1-9")
    assert commissioning["themes"][0]["id"] == "joint-commissioning"
    plain = run(workspace.home, "export", "--format", "jsonl", "--council", "Leicestershire", "--no-themes").stdout
    assert "themes" not in json.loads(plain.splitlines()[0])


def test_cli_reassign_after_editing_the_home_s_table(fresh_home):
    table = (BUNDLED_TABLE.read_text(encoding="utf-8")).splitlines()
    kept = [table[0]] + [row for row in table[1:] if row.startswith(("adulthood,", "inclusion,"))]
    (fresh_home / THEMES_NAME).write_text("\n".join(kept) + "\n", encoding="utf-8")
    result = run(fresh_home, "themes", "--reassign", "--json")
    assert result.exit_code == 0, result.output
    assert [o["id"] for o in json.loads(result.stdout)] == ["inclusion", "adulthood"]
    exported = run(fresh_home, "export", "--format", "jsonl").stdout
    ids = {t["id"] for line in exported.splitlines() for t in json.loads(line)["themes"]}
    assert ids == {"inclusion", "adulthood"}
    (fresh_home / THEMES_NAME).write_text(HEADER + "Bad Id,x,y,z\n", encoding="utf-8")
    bad = CliRunner().invoke(main, ["--home", str(fresh_home), "themes"])
    assert bad.exit_code != 0
    assert f"{fresh_home / THEMES_NAME} line 2: the id 'Bad Id'" in str(bad.exception or bad.output)


def test_cli_compare_two_councils_on_a_theme(workspace):
    result = run(workspace.home, "compare", "listening to parents", "--council", "torbay", "--council", "Staffordshire",
                 "--theme", "coproduction", "--json")
    assert result.exit_code == 0, result.output
    columns = json.loads(result.stdout)
    assert list(columns) == ["Torbay", "Staffordshire"]
    for council, hits in columns.items():
        assert hits and all(hit["council"] == council for hit in hits)
        assert all("coproduction" in [t["id"] for t in hit["themes"]] for hit in hits)
    text = run(workspace.home, "compare", "listening to parents", "--council", "Torbay", "--council", "Leicestershire").stdout
    assert text.startswith("== Torbay ==\n 1. Torbay ")
    assert "\n\n== Leicestershire ==\n 1. Leicestershire " in text
    one = CliRunner().invoke(main, ["--home", str(workspace.home), "compare", "x", "--council", "Torbay"])
    assert one.exit_code == 2 and "compare two to four councils" in one.output


def test_weakness_texts_get_their_themes(workspace):
    found = workspace.themes_of_texts(["Young people are not well prepared for adult life, work and independent living",
                                       "Joint commissioning arrangements across education, health and care are weak"])
    assert [scores[0].id for scores in found] == ["adulthood", "joint-commissioning"]
    assert workspace.themes_of_texts([]) == []


def test_theme_columns_give_every_council_asked_for_a_column_with_its_verdicts(corpus_store):
    from narrative_search.app_views import NO_VERDICT_KNOWN, theme_column_html
    from narrative_search.themes import theme_columns

    themes = bundled_themes()[:1]
    torbay = [a.id for a in corpus_store.iter_actions("Torbay")][:2]
    assignment = ThemeAssignment("h", "m", "c", {torbay[0]: [ThemeScore(themes[0].id, themes[0].name, 0.6)],
                                                 torbay[1]: [ThemeScore(themes[0].id, themes[0].name, 0.4)]})
    verdicts = [_verdict("Torbay", "the timeliness of plans"), _verdict("Leicestershire", None, "insufficient"),
                _verdict("Staffordshire", "<b>named</b>")]
    (overview,) = build_overview(themes, assignment, corpus_store.iter_actions(), verdicts,
                                 [[ThemeScore(themes[0].id, themes[0].name, 0.7)], [], []])
    columns = theme_columns(overview, ["Leicestershire", "Torbay", "Telford and Wrekin"], verdicts)
    assert [column.council for column in columns] == ["Leicestershire", "Torbay", "Telford and Wrekin"]
    leicestershire, torbay_column, telford = columns
    assert leicestershire.actions == [] and [v.verdict for v in leicestershire.council_verdicts] == ["insufficient"]
    assert [a.action_id for a in torbay_column.actions] == torbay
    # Shown: the verdict matched to the theme; else the council's own, marked; else none known.
    html = theme_column_html(torbay_column)
    assert "Dec 2022, revisit: sufficient: the timeliness of plans" in html and "2 actions on this theme" in html
    assert "The council as a whole: " in theme_column_html(leicestershire)
    assert NO_VERDICT_KNOWN in theme_column_html(telford) and "0 actions on this theme" in theme_column_html(telford)
