"""Nothing is lost: every word of every sample document is in the export or kept aside.

Words are counted with their multiplicity, so a word printed twice must be
found twice. HTML tags are markup, not content, and are removed first; the
text of dropped page banners is the only content allowed to go missing, and
it is reported.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter

import pytest
from helpers import DATA_DIR, SAMPLE_FILES

from narrative_search.export import export_jsonl

_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_WORD = re.compile(r"\w+")


def words(text: str) -> Counter:
    return Counter(word.lower() for word in _WORD.findall(_TAG.sub(" ", text)))


def strings_in(value) -> list[str]:
    """Every string inside a JSON value (keys of 'fields' included: they are column labels)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in strings_in(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings_in(item)]
    return []


@pytest.fixture(scope="module")
def exported_words_by_document(corpus_store):
    """Words of the JSONL export, credited to the document each record came from."""
    buffer = io.StringIO()
    export_jsonl(corpus_store, buffer)
    by_document: dict[str, Counter] = {name: Counter() for name in SAMPLE_FILES}
    for line in buffer.getvalue().splitlines():
        record = json.loads(line)
        # Merged actions print their text once; credit it to each report that
        # printed it, since identical wording is stored once by design.
        shared = " ".join(
            strings_in({key: record[key] for key in ("ref", "priority", "focus_area", "action", "lead", "evidence", "due", "impact", "fields", "ref_printed")})
        )
        shared += " " + " ".join(" ".join([s["label"], s["rag_printed"] or ""]) for s in record["statuses"])
        shared += " " + " ".join(strings_in(record["earlier_wording"]))
        for document in record["documents"]:
            by_document[document] += words(shared)
        for update in record["updates"]:
            variants = {v["document"]: v["text"] for v in update["variants"]}
            for document in {source[0] for source in update["sources"]}:
                wording = variants.get(document, update["text"])
                by_document[document] += words(" ".join([update["stamp"] or "", wording, *update["deleted"]]))
    for document in SAMPLE_FILES:
        for span in corpus_store.unattributed(document):
            by_document[document] += words(span.text)
    return by_document


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_every_word_is_exported_or_kept_as_unattributed_text(corpus_store, exported_words_by_document, name):
    source = words((DATA_DIR / name).read_text(encoding="utf-8"))
    dropped = Counter()
    for span in corpus_store.dropped(name):
        dropped += words(span.text)
    missing = source - dropped - exported_words_by_document[name]
    assert not missing, f"{name}: words missing from the export: {dict(missing.most_common(20))}"


def test_dropped_text_is_only_repeated_banners_and_headers(corpus_store):
    reasons = {span.reason for name in SAMPLE_FILES for span in corpus_store.dropped(name)}
    assert reasons <= {"repeated page banner", "repeated table header"}
