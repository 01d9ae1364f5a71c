"""The training pairs of bench/adapt.py (the leave-one-council-out adaptation experiment): no training here."""

from __future__ import annotations

import random
import sys

from helpers import REPO

from narrative_search.model import Citation, MergedAction, MergedUpdate
from narrative_search.vocabulary import parse_vocabulary

sys.path.insert(0, str(REPO / "bench"))
from adapt import no_duplicate_batches, training_pairs  # noqa: E402

FOCUS = "Focus area 2: families can find help without chasing it"
VOCABULARY = parse_vocabulary(
    "term,expansions,case,note\nEHCP,EHCPs|EHC plan|education health and care plan,any,\n", "vocabulary.csv"
)


def _update(text: str, line: int) -> MergedUpdate:
    return MergedUpdate(text=text, start="2022-03", end="2022-03", sources=[Citation("plan.txt", line)])


def _actions() -> list[MergedAction]:
    return [
        MergedAction(id="rutland/2-1", council="Rutland", ref="2.1", focus_area=FOCUS,
                     action="Publish a single contact point for parents of disabled children",
                     evidence="Contact point live on the council pages",
                     updates=[_update("A duty worker now answers the family line every weekday.", 10),
                              _update("See above", 11)]),
        MergedAction(id="rutland/2-2", council="Rutland", ref="2.2", focus_area=FOCUS,
                     action="Train reception staff in every school office on where to signpost",
                     updates=[_update("Forty school offices have had the signposting session.", 14)]),
        MergedAction(id="halton/progress-line-3", council="Halton", ref=None, kind="section",
                     focus_area="Halton progress page", action="Speech therapy waiting list",
                     updates=[_update("The wait for a first appointment is down to nine weeks.", 3)]),
    ]


def test_pairs_join_each_action_to_its_updates_focus_area_evidence_and_the_vocabulary_forms() -> None:
    pairs = {(p.kind, p.anchor, p.positive) for p in training_pairs(_actions(), VOCABULARY)}
    title = "Publish a single contact point for parents of disabled children"
    assert ("update", title, "A duty worker now answers the family line every weekday.") in pairs
    assert ("status", title, "Contact point live on the council pages") in pairs
    assert ("focus", FOCUS, title) in pairs
    assert ("update", "Speech therapy waiting list", "The wait for a first appointment is down to nine weeks.") in pairs
    assert ("vocabulary", "EHCP", "education health and care plan") in pairs
    assert not any(p == "See above" for _, _, p in pairs)  # a bare cross-reference teaches nothing
    assert not any(a == "Halton progress page" for _, a, _ in pairs)  # a section's page title is not a heading above it
    assert ("vocabulary", "EHCP", "EHCPs") not in pairs  # a plural of the term is not a pair


def test_a_held_out_council_gives_no_pair_and_the_pairs_come_out_in_one_order() -> None:
    kept = training_pairs(_actions(), VOCABULARY, leave_out=["Rutland"])
    assert {p.council for p in kept} == {"Halton", ""}
    assert training_pairs(_actions(), VOCABULARY) == training_pairs(list(reversed(_actions())), VOCABULARY)


def test_no_batch_holds_a_text_twice_and_the_batching_is_seeded() -> None:
    pairs = training_pairs(_actions(), VOCABULARY)
    batches = no_duplicate_batches(pairs, 4, random.Random(7))
    for batch in batches:
        texts = [t for p in batch for t in (p.anchor, p.positive)]
        assert len(texts) == len(set(texts))
    assert sum(len(b) for b in batches) >= len(pairs) - 1  # only a last lone pair (no negative) may be left out
    assert batches == no_duplicate_batches(pairs, 4, random.Random(7))
