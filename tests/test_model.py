"""The shared records: one citation type, and the closed vocabularies the CLI and app offer."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pytest

from narrative_search.cli import main
from narrative_search.model import (
    ACTION_KINDS,
    INDEX_TYPES,
    PASSAGE_KINDS,
    READ_AS,
    SAVE_STATUSES,
    SEARCH_MODES,
    UPDATE_KINDS,
    Citation,
    Cited,
    cited_fields,
)


@pytest.mark.parametrize(
    "citation, text",
    [
        (Citation("plan.txt", 12), "plan.txt line 12"),
        (Citation("plan.pdf", 40, "page 3"), "plan.pdf page 3"),
        (Citation("plan.docx", 7, "table 2 row 5"), "plan.docx table 2 row 5"),
    ],
)
def test_a_citation_prints_as_every_output_cites(citation: Citation, text: str) -> None:
    assert citation.text == text


@pytest.mark.parametrize(
    "locate, location",
    [
        (None, None),
        (lambda document, line: f"page {line // 10}", "page 4"),
    ],
)
def test_located_looks_the_location_up_only_with_a_locate(locate, location) -> None:
    assert Citation("plan.pdf", 40).located(locate) == Citation("plan.pdf", 40, location)


@dataclass
class _Quote(Cited):
    text: str
    source: Citation
    sources: list[Citation]


def test_cited_fields_spell_the_source_out_in_its_place_and_keep_lists_of_citations() -> None:
    quote = _Quote("Audits done.", Citation("a.pdf", 4, "page 1"), [Citation("a.pdf", 4, "page 1")])
    data = cited_fields(asdict(quote))
    assert list(data) == ["text", "document", "line", "location", "sources"]
    assert (data["document"], data["line"], data["location"]) == ("a.pdf", 4, "page 1")
    assert data["sources"] == [("a.pdf", 4, "page 1")]
    assert (quote.document, quote.line, quote.location) == ("a.pdf", 4, "page 1")


@pytest.mark.parametrize(
    "values, expected",
    [
        (UPDATE_KINDS, ("update", "position_statement", "commitment")),
        (PASSAGE_KINDS, ("action", "update", "position_statement", "commitment", "unattributed")),
        (ACTION_KINDS, ("action", "section")),
        (READ_AS, ("table", "prose", "both", "text only", "")),
        (SAVE_STATUSES, ("new", "unchanged", "replaced")),
        (SEARCH_MODES, ("hybrid", "dense", "keyword")),
        (INDEX_TYPES, ("flat", "hnsw")),
    ],
)
def test_vocabularies_list_their_values(values: tuple[str, ...], expected: tuple[str, ...]) -> None:
    assert values == expected


@pytest.mark.parametrize("option, values", [("kinds", PASSAGE_KINDS), ("mode", SEARCH_MODES)])
def test_cli_search_offers_the_vocabularies(option: str, values: tuple[str, ...]) -> None:
    (param,) = [param for param in main.commands["search"].params if param.name == option]
    assert tuple(param.type.choices) == values
