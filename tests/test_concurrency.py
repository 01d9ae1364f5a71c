"""Many people at once: searches and other reads run from several threads on one workspace (as the app's
sessions do) and answer exactly as they do one at a time; an ingest or rebuild meanwhile waits for them and
never corrupts them."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Optional

import pytest

from narrative_search.model import SearchFilters
from narrative_search.workspace import ReadWriteLock, Workspace

THREADS = 8

QUERIES = [
    ("EHCP quality assurance audit", SearchFilters()),
    ('"tell it once" approach', SearchFilters()),
    ("joint commissioning", SearchFilters(councils=("torbay",))),
    ("training for school staff", SearchFilters(since="2020-01", until="2021-12")),
    ("annual reviews overdue", SearchFilters()),
    ("waiting times for assessments", SearchFilters(ratings=("R", "A"))),
    ("parents told what support is available", SearchFilters()),
    ("preparation for adulthood", SearchFilters()),
]


def answer(workspace: Workspace, query: str, filters: SearchFilters) -> str:
    """Everything a person sees of a search (hits, scores, marked text, message), as one comparable text."""
    return repr(workspace.search(query, k=10, filters=filters))


def found(workspace: Workspace, query: str, filters: SearchFilters) -> tuple[Optional[str], dict[str, float]]:
    """What a search finds: its message and its best five actions with their scores.

    Used across a rebuild: the new index holds the same passages, but passages with equal scores may
    come back in another order, which moves a fused score in its third decimal (never an action)."""
    result = workspace.search(query, k=10, filters=filters)
    return result.message, {hit.key: hit.score for hit in result.hits[:5]}


def same_finds(got: tuple[Optional[str], dict[str, float]], expected: tuple[Optional[str], dict[str, float]]) -> bool:
    return got[0] == expected[0] and got[1].keys() == expected[1].keys() and all(
        abs(score - expected[1][key]) < 0.002 for key, score in got[1].items())


def test_concurrent_searches_answer_as_serial_ones_do(workspace):
    serial = {query: answer(workspace, query, filters) for query, filters in QUERIES}
    assert all("hits=[]" not in text for text in serial.values())  # real answers, not empty ones
    jobs = QUERIES * 4
    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(lambda job: (job[0], answer(workspace, *job)), jobs))
    assert len(answers) == len(jobs)
    for query, text in answers:
        assert text == serial[query], query


def test_timelines_briefs_and_similar_run_concurrently_with_searches(workspace):
    action_id = workspace.search("EHCP quality assurance audit", k=1).hits[0].action_id
    council = workspace.councils()[0]
    tasks = {
        "timeline": lambda: repr(workspace.timeline(action_id)),
        "similar": lambda: repr(workspace.similar(action_id, k=5)),
        "brief": lambda: repr(workspace.brief(council)),
        "verdicts": lambda: repr(workspace.verdicts()),
        "documents": lambda: repr(workspace.document_summary()),
        "search": lambda: answer(workspace, "preparation for adulthood", SearchFilters()),
    }
    serial = {name: task() for name, task in tasks.items()}
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(lambda name: (name, tasks[name]()), list(tasks) * 3))
    for name, text in results:
        assert text == serial[name], name


def test_a_rebuild_in_progress_does_not_corrupt_searches(fresh_home, embedder):
    with Workspace.open(fresh_home, embedder=embedder) as workspace:
        serial = {query: found(workspace, query, filters) for query, filters in QUERIES}
        first_generation = workspace.index_version()
        rebuilt = threading.Event()
        failures: list[BaseException] = []
        answered_after_rebuild = []

        def keep_searching(offset: int) -> None:
            try:
                position = offset
                while True:
                    done = rebuilt.is_set()  # read before the search: this one may have started after the rebuild
                    query, filters = QUERIES[position % len(QUERIES)]
                    got = found(workspace, query, filters)
                    assert same_finds(got, serial[query]), (query, got, serial[query])
                    position += 1
                    if done:
                        answered_after_rebuild.append(offset)
                        return
            except BaseException as error:  # reported by the main thread
                failures.append(error)

        readers = [threading.Thread(target=keep_searching, args=(n,)) for n in range(4)]
        for reader in readers:
            reader.start()
        for _ in range(2):
            assert workspace.update_index(force=True) is not None  # a new generation, the old one closed
        rebuilt.set()
        for reader in readers:
            reader.join()
        assert not failures, failures
        assert sorted(answered_after_rebuild) == [0, 1, 2, 3]
        assert workspace.index_version() != first_generation


def test_an_ingest_waits_for_searches_in_progress_which_may_still_nest():
    lock = ReadWriteLock()
    reading, release_reader, written = threading.Event(), threading.Event(), threading.Event()
    order: list[str] = []

    def reader() -> None:
        with lock.read():
            reading.set()
            release_reader.wait()
            with lock.read():  # a summary runs a search: a nested read passes a waiting writer
                order.append("nested read")
            order.append("read done")

    def writer() -> None:
        with lock.write():
            order.append("write")
        written.set()

    first = threading.Thread(target=reader)
    first.start()
    reading.wait()
    second = threading.Thread(target=writer)
    second.start()
    while not lock.writers_waiting():  # the writer is queued behind the reader
        threading.Event().wait(0.001)
    release_reader.set()
    first.join()
    second.join()
    assert written.is_set()
    assert order == ["nested read", "read done", "write"]


def test_a_thread_reading_cannot_start_writing():
    lock = ReadWriteLock()
    with lock.read():
        with pytest.raises(RuntimeError, match="cannot start writing"):
            with lock.write():
                pass
    with lock.write():  # the writer may read and write again inside its write
        with lock.read():
            with lock.write():
                pass


def test_two_searches_are_in_progress_at_the_same_time(workspace, monkeypatch):
    """Both searches must be inside the search at once to pass the barrier: one lock for all would fail it."""
    import narrative_search.workspace as workspace_module

    both_inside = threading.Barrier(2, timeout=60)  # a guard against hanging, not a measure of speed
    real_search = workspace_module.search

    def search_meeting_the_other(*args, **kwargs):
        both_inside.wait()
        return real_search(*args, **kwargs)

    monkeypatch.setattr(workspace_module, "search", search_meeting_the_other)
    with ThreadPoolExecutor(2) as pool:
        found = list(pool.map(lambda query: workspace.search(query, k=5), ["joint commissioning", "annual reviews"]))
    assert all(result.hits for result in found)
