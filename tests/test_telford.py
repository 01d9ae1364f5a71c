"""Telford and Wrekin (004): a clean table, then interleaved and cut columns.

The first section (refs 1 ... 1.9) is a tab table read by the planner; the
rest of the document is run-on text and two-column fragments that
narrative_search.interleaved recovers. Facts below were checked by hand
against data/004_fa80f464e6dc6b8c.txt.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from narrative_search.ingest import load_manifest, read_document
from narrative_search.interleaved import RECOVERED_NOTE, continuity
from narrative_search.model import Document, DocumentReading
from narrative_search.plans import plan_document
from narrative_search.readers.text import rows_from_text

DATA = Path(__file__).resolve().parents[1] / "data"
TELFORD = "004_fa80f464e6dc6b8c.txt"
JANUARY = "Position Statement January 2022"
JUNE = "Position Statement June 2022"


def read(name: str) -> DocumentReading:
    return read_document(DATA / name, entry=load_manifest(DATA)[name])


@pytest.fixture(scope="module")
def reading() -> DocumentReading:
    return read(TELFORD)


def by_ref(reading: DocumentReading) -> dict[str, object]:
    return {action.ref: action for action in reading.actions}


def statements(action, column: str) -> list:
    return [u for u in action.updates if u.kind == "position_statement" and u.column == column]


# --- the clean first section ------------------------------------------------------

CLEAN = [
    # ref, line, lead, start of the January 2022 statement (None: empty cell)
    ("1", 4, "All partner agencies", "Final changes to be made to the Working Together Charter, which w"),
    ("1.1", 5, "Natalie Bevan / Claire Mcguiggan / Marianne Everett", "A SEND Conference for October 2022 is being arranged."),
    ("1.2", 6, "Claire Mcguiggan / Michael Lane / LSAT Lead", "Target achieved 80%of schools trained in LGAP"),
    ("1.3", 7, "Claire Mcguiggan / Michael Lane / LSAT Lead", "LSATs working on consultaion pilots in one school per LSAT."),
    ("1.4", 8, "Natalie Bevan / Claire Mcguiggan", None),
    ("1.6", 9, "Laura Goodfellow/SC SDM", "As of Septembers information. Additionally, PFA Officers are now p"),
    ("1.7", 10, "Natalie Bevan", None),
    ("1.8", 11, "Natalie Bevan", "New Action added: January 2022"),
    ("1.9", 12, "Laura Goodfellow/SC SDM / Claire Mcguiggan", "Scorecard for schools now includes the ISF data."),
]


def test_clean_section_refs_leads_and_january_statements(reading):
    clean = [a for a in reading.actions if not a.ref_note.startswith(RECOVERED_NOTE)]
    assert [(a.ref, a.line) for a in clean] == [(ref, line) for ref, line, _, _ in CLEAN]
    for action, (ref, _line, lead, january) in zip(clean, CLEAN):
        assert action.lead == lead, ref
        found = statements(action, JANUARY)
        if january is None:
            assert found == [], ref
        else:
            assert len(found) == 1, ref
            assert found[0].text.startswith(january), ref
            assert (found[0].start, found[0].end) == ("2022-01", "2022-01")


def test_june_statements_follow_january(reading):
    actions = by_ref(reading)
    one, one_one = actions["1"], actions["1.1"]
    assert [(u.column, u.start) for u in one.updates] == [(JANUARY, "2022-01"), (JUNE, "2022-06")]
    june = one.updates[1]
    assert june.kind == "position_statement" and june.end == "2022-06"
    assert june.line == 15 and june.document == TELFORD
    assert june.text.startswith("Coproduction Charter is in the final stages, a Coproduction Sell Evaluation")
    assert june.text.endswith("to aid the development of the SEND Strategy.")
    assert [(u.column, u.start) for u in one_one.updates] == [(JANUARY, "2022-01"), (JUNE, "2022-06")]
    assert one_one.updates[1].text == "A SEND Conference for October 2022 is being arranged."
    assert one_one.updates[1].line == 16
    # Only rows 1 and 1.1 print a June statement in the first section.
    assert {a.ref for a in reading.actions if statements(a, JUNE)} == {"1", "1.1"}


def test_cut_january_tails_are_appended_where_certain(reading):
    actions = by_ref(reading)
    tails = {
        "1": "ch will be signed by er within services will be",
        "1.2": "ttism lead. Training in Good September 22. Impact",
        "1.3": "isk and finish aub grups paoity building: literacy ; roll out in SEptember 22.",
        "1.6": "w picking up all YP when ice and support and that mes. WITH TKIS WE IS WITH ASC AND SEND ING GROUP CREATED IELINE.",
        "1.9": "include 'notional budget ruary, they will be sent out",
    }
    for ref, tail in tails.items():
        january = statements(actions[ref], JANUARY)[0].text
        assert january.endswith("\n" + tail), ref
    for ref in ("1.1", "1.8"):  # complete cells: nothing appended
        assert "\n" not in statements(actions[ref], JANUARY)[0].text
    assert actions["1.9"].updates[0].text.startswith("Scorecard for schools")


# --- refs recovered from run-on text ---------------------------------------------------

RECOVERED = [f"2.{n}" for n in range(1, 11)] + ["3.1", "3.2", "3.3"] + [f"4.{n}" for n in range(1, 9)]


def test_recovered_refs(reading):
    recovered = [a for a in reading.actions if a.ref_note.startswith(RECOVERED_NOTE)]
    assert [a.ref for a in recovered] == RECOVERED
    assert len(reading.actions) == 9 + len(RECOVERED)
    assert len({a.id for a in reading.actions}) == len(reading.actions)
    for action in recovered:
        assert "recovered from interleaved columns" in action.ref_note
        assert action.ref_printed == action.ref
        assert re.search(rf"(?<!\S){re.escape(action.ref)}(?!\S)", action.action), action.ref
        assert action.document == TELFORD
    lines = {a.ref: a.line for a in recovered}
    assert (lines["2.1"], lines["2.2"], lines["2.3"], lines["2.10"]) == (22, 22, 29, 29)
    assert (lines["3.1"], lines["3.2"], lines["4.1"], lines["4.8"]) == (53, 60, 60, 77)


def test_recovered_fields(reading):
    actions = by_ref(reading)
    leads = {
        "2.1": "anne Everett",
        "2.4": "rianne Everett",
        "2.6": "Laura Goodfellow/SC SDM",
        "2.8": "Lisa Seymour & Kate Jordan",
        "3.1": "PfA Lead / Amardeep Grewal",
        "3.2": "Natalie Bevan",
        "4.1": "Vicki Pike/Sam Ives",
        "4.8": "Laura Goodfellow/SC SDM",
        "3.3": "",
        "4.7": "",
    }
    for ref, lead in leads.items():
        assert actions[ref].lead == lead, ref
    dues = {"2.1": "2021-06", "2.2": "2021-09", "2.6": "2021-06", "3.1": "2022-01", "3.3": "2022-05", "4.5": "2022-01"}
    for ref, due in dues.items():
        assert actions[ref].due == due, ref
    assert actions["2.3"].due_printed == "Monthly" and actions["2.3"].due is None
    # Header words are not action text; the row's text before the ref is.
    assert actions["2.1"].action.startswith("lew look of the Local Offer is in progress")
    assert actions["2.1"].action.endswith("2.1 anne Everett PODS, YP forum Jun-21")
    assert actions["2.2"].action.endswith("e group is now back to face to face meetings at Hazeldin Goverment Guidance).")
    assert actions["3.1"].action.startswith("To describe pathways, that are available on the local offer")
    assert actions["4.8"].action.endswith("4.8 EHC Pathway No change - A focus for 2022.")


def test_what_stays_unattributed(reading):
    spans = {(s.line, s.reason) for s in reading.unattributed}
    assert (22, "table header") in spans and (53, "table header") in spans
    header = next(s for s in reading.unattributed if s.line == 22)
    assert header.text.startswith("Lead Group members Timeframe iority Reference")
    assert header.text.endswith(JANUARY)
    lines = sorted(s.line for s in reading.unattributed)
    # Fragments of later sections stay, with their lines; so do headers and banners.
    assert lines == [1, 3, 14, 22, 31, 33, *range(34, 45), 46, *range(48, 52), 53, 79, *range(80, 87)]
    assert not any(s.line in range(15, 21) for s in reading.unattributed)
    warning = [w for w in reading.warnings if w.startswith("interleaved columns")]
    assert len(warning) == 1
    assert "21 refs (2.1 ... 4.8) recovered" in warning[0]
    assert f"{reading.unattributed_chars} characters stayed unattributed" in warning[0]
    assert reading.unattributed_chars < 3500


def _placed_words(reading: DocumentReading) -> Counter[str]:
    texts: list[str] = []
    for action in reading.actions:
        texts += [action.ref_printed or "", action.action, action.focus_area, action.priority, action.lead,
                  action.evidence, action.impact, action.due_printed, *action.fields.values()]
        texts += [s.rag_printed or "" for s in action.statuses]
        for update in action.updates:
            texts += [update.stamp or "", update.text, *update.deleted]
    texts += [span.text for span in reading.unattributed + reading.dropped]
    return Counter(word for text in texts for word in text.split())


def test_every_word_of_the_file_is_kept(reading):
    raw = (DATA / TELFORD).read_text(encoding="utf-8")
    raw = re.sub(r"</?[A-Za-z][^<>]*>", " ", raw)
    file_words = Counter(raw.split())
    placed = _placed_words(reading)
    missing = {word: count - placed[word] for word, count in file_words.items() if placed[word] < count}
    assert missing == {}


def test_reading_without_the_recovery_loses_nothing_either(monkeypatch):
    """The recovery only moves text: without it the same words are kept."""
    import narrative_search.plans as plans

    with monkeypatch.context() as patch:
        patch.setattr(plans, "recover_interleaved", lambda reading, rows: None)
        before = read(TELFORD)
    after = read(TELFORD)
    assert len(before.actions) == 9 and before.unattributed_chars > after.unattributed_chars
    gained = _placed_words(after) - _placed_words(before)
    # Only copies: ref, lead and timeframe copied out of the recovered text.
    copies = " ".join(f"{a.ref_printed} {a.lead} {a.due_printed}" for a in after.actions)
    assert set(gained) <= set(copies.split())


# --- other documents are read as before ------------------------------------------------


@pytest.mark.parametrize(
    "name, count",
    [
        ("000_e72ea107f020d91e.txt", 9),
        ("001_7b6795448c6a5649.txt", 18),
        ("002_8e0d413e95991a77.txt", 33),
        ("003_db0635ce1a3fedb6.txt", 75),
    ],
)
def test_other_samples_unchanged(name, count):
    reading = read(name)
    assert len(reading.actions) == count
    assert not any(a.ref_note.startswith(RECOVERED_NOTE) for a in reading.actions)
    assert not any(w.startswith("interleaved columns") for w in reading.warnings)


def test_numbered_paragraphs_after_a_clean_table_are_left_alone():
    text = (
        "Ref\tAction\tLead\tPosition Statement January 2022\n"
        "1.1\tDo a thing\tAnn Smith\tStarted.\n"
        "1.2\tDo another\tAnn Smith\tStarted.\n"
        "1.3\tAnd one more\tAnn Smith\tDone.\n"
        "\n"
        "2.1 Next steps are set out below.\n"
        "2.2 Funding remains in place.\n"
    )
    document = Document(name="synthetic.txt", council="Somewhere")
    reading = plan_document(rows_from_text(text), document)
    assert [a.ref for a in reading.actions] == ["1.1", "1.2", "1.3"]
    assert not reading.warnings
    assert [s.line for s in reading.unattributed] == [1, 6]


def test_continuity_of_cut_words():
    vocabulary = {"approach", "february"}
    assert continuity("will be sent out in Februa in December", "ruary, they will", vocabulary) == 3
    assert continuity("Charter, which w Executive", "ch will be signed by", vocabulary) == 4
    assert continuity("Don't think the 'tell it once ap we would", "proach' is embedded", vocabulary) == 3
    assert continuity("A complete sentence.", "Nothing continues here", vocabulary) == 0


def test_run_on_rows_of_another_document_are_recovered():
    """The rules read any document with this damage, not just Telford's lines."""
    text = (
        "Ref\tAction\tLead\tTimeframe\tPosition Statement January 2022\n"
        "1.1\tDo a thing\tAnn Smith\tSep-22\tStarted.\n"
        "1.2\tDo another\tAnn Smith\tSep-22\tStarted.\n"
        "1.3\tAnd one more\tBob Jones\tOct-22\tDone.\n"
        "\n"
        "Lead Action Ref Timeframe Position Statement January 2022 To map the offer. 2.1 nn Smith Jun-22 "
        "Mapping has begun. To train staff. Bob Jones 2.2 Training booked.\n"
    )
    document = Document(name="synthetic.txt", council="Somewhere")
    reading = plan_document(rows_from_text(text), document)
    recovered = {a.ref: a for a in reading.actions if a.ref_note.startswith(RECOVERED_NOTE)}
    assert list(recovered) == ["2.1", "2.2"]
    assert recovered["2.1"].action == "To map the offer. 2.1 nn Smith Jun-22"
    assert (recovered["2.1"].lead, recovered["2.1"].due) == ("nn Smith", "2022-06")
    assert recovered["2.2"].action == "Mapping has begun. To train staff. Bob Jones 2.2 Training booked."
    assert recovered["2.2"].lead == "Bob Jones"
    assert [(s.line, s.reason, s.text) for s in reading.unattributed if s.line == 6] == [
        (6, "table header", "Lead Action Ref Timeframe Position Statement January 2022")
    ]
