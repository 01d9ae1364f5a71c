"""Update splitting of progress cells: precision, recall and F1 per stamp style.

    .venv/bin/python bench/stamps_f1.py [--show-misses]

Each cell below is made up (in the shapes of real progress columns, none
copied) and written in one stamp style, with the updates a reader should
cut it into. An update is its month (None before the first stamp) and its
text after the stamp; a predicted update counts only when both equal an
expected one exactly (white space collapsed), so a stamp missed costs a
false negative for each half it should have made and a false positive for
the glued text, and an "Update" label left on the previous update's text
costs that update too. Some cells hold dates that are part of a sentence,
which must not split. Run it on main and on a branch to compare.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from narrative_search.stamps import split_updates  # noqa: E402

Expected = list[tuple[Optional[str], str]]  # (month "YYYY-MM" or None, text)

# (style, cell as printed, the updates it holds)
CELLS: list[tuple[str, str, Expected]] = [
    # -- the styles the sample reports use (a control: should stay at 1.0) --
    (
        "classic",
        "Oct 2019: Working group formed with parents. Jan 2020 - Terms of reference signed off."
        "\nFeb 2021 Group reports every half term.",
        [
            ("2019-10", "Working group formed with parents."),
            ("2020-01", "Terms of reference signed off."),
            ("2021-02", "Group reports every half term."),
        ],
    ),
    (
        "classic",
        "Audit of plans planned for spring. Sept 2019: Audit tool agreed. Dec 2019: First audit held, "
        "findings due by Feb 2020 - see report. May 21: Second audit done.",
        [
            (None, "Audit of plans planned for spring."),
            ("2019-09", "Audit tool agreed."),
            ("2019-12", "First audit held, findings due by Feb 2020 - see report."),
            ("2021-05", "Second audit done."),
        ],
    ),
    # -- numeric dates, day first --
    (
        "numeric",
        "26/07/2019: Steering group met for the first time.\n06/01/2020: Draft charter shared with schools."
        "\n13/03/2020: Charter signed by all partners.",
        [
            ("2019-07", "Steering group met for the first time."),
            ("2020-01", "Draft charter shared with schools."),
            ("2020-03", "Charter signed by all partners."),
        ],
    ),
    (
        "numeric",
        "Training offer being written. 02/09/2019 - Sessions booked for SENCos. 14/10/2019 - Two sessions "
        "held, 40 staff attended. 20/01/2020 - Evaluation shows confidence up. 03/02/20 - Offer repeated.",
        [
            (None, "Training offer being written."),
            ("2019-09", "Sessions booked for SENCos."),
            ("2019-10", "Two sessions held, 40 staff attended."),
            ("2020-01", "Evaluation shows confidence up."),
            ("2020-02", "Offer repeated."),
        ],
    ),
    (
        "numeric",
        "05/11/2019: Dashboard scoped; data due by 31/01/2020 from health. 10/02/2020: Health data received "
        "and loaded. 11/05/2020: Dashboard live for managers.",
        [
            ("2019-11", "Dashboard scoped; data due by 31/01/2020 from health."),
            ("2020-02", "Health data received and loaded."),
            ("2020-05", "Dashboard live for managers."),
        ],
    ),
    # -- a full date written on after a sentence, no full stop --
    (
        "run-on",
        "Guidance drafted for the local offer pages 28th January 2020 - Underway. Pages checked by parents "
        "4th March 2020 - Published. Links reviewed 1st June 2021 - No broken links",
        [
            (None, "Guidance drafted for the local offer pages"),
            ("2020-01", "Underway. Pages checked by parents"),
            ("2020-03", "Published. Links reviewed"),
            ("2021-06", "No broken links"),
        ],
    ),
    (
        "run-on",
        "Panel membership widened to health 12 November 2019 - Agreed at board. The panel met on 3 March "
        "2020 and agreed its terms 9 March 2020 - Terms circulated. Review of decisions 15 June 2021 - Done",
        [
            (None, "Panel membership widened to health"),
            ("2019-11", "Agreed at board. The panel met on 3 March 2020 and agreed its terms"),
            ("2020-03", "Terms circulated. Review of decisions"),
            ("2021-06", "Done"),
        ],
    ),
    (
        "run-on",
        "Short breaks review started 2 October 2019 - Scope set. Provider survey in place by 30 November "
        "2019 - Leads to confirm. Findings to cabinet 21st January 2020 - Approved",
        [
            (None, "Short breaks review started"),
            ("2019-10", "Scope set. Provider survey in place by 30 November 2019 - Leads to confirm. "
             "Findings to cabinet"),
            ("2020-01", "Approved"),
        ],
    ),
    # -- an en dash after the stamp --
    (
        "en-dash",
        "Transition protocol drafted January 2020 \u2013 Underway. March 2020 \u2013 Paused during school "
        "closures. Sept 2020 \u2013 Restarted with health visitors.",
        [
            (None, "Transition protocol drafted"),
            ("2020-01", "Underway."),
            ("2020-03", "Paused during school closures."),
            ("2020-09", "Restarted with health visitors."),
        ],
    ),
    (
        "en-dash",
        "Nov 2019 \u2013 Parent forum asked for a single contact point.\nFeb 2020 \u2013 Contact point staffed."
        "\nJune 2020 \u2013 Calls answered within two days; launched in July 2020 \u2013 see website.",
        [
            ("2019-11", "Parent forum asked for a single contact point."),
            ("2020-02", "Contact point staffed."),
            ("2020-06", "Calls answered within two days; launched in July 2020 \u2013 see website."),
        ],
    ),
    (
        "en-dash",
        "Caseload review of EHC coordinators October 2019 \u2013 Complete. December 2019 \u2013 New "
        "allocation model in use. April 2020 \u2013 Caseloads within target",
        [
            (None, "Caseload review of EHC coordinators"),
            ("2019-10", "Complete."),
            ("2019-12", "New allocation model in use."),
            ("2020-04", "Caseloads within target"),
        ],
    ),
    # -- an "Update" label before the date --
    (
        "update-label",
        "Annual review process mapped. Update May 2021: Backlog halved. Update July 2021: Backlog cleared. "
        "Update Oct 2021: Reviews on time.",
        [
            (None, "Annual review process mapped."),
            ("2021-05", "Backlog halved."),
            ("2021-07", "Backlog cleared."),
            ("2021-10", "Reviews on time."),
        ],
    ),
    (
        "update-label",
        "Update - May 2021 - Inclusion toolkit in draft.\nUpdate - September 2021 - Toolkit trialled in six "
        "schools.\nUpdate - January 2022 - Toolkit issued to all schools.",
        [
            ("2021-05", "Inclusion toolkit in draft."),
            ("2021-09", "Toolkit trialled in six schools."),
            ("2022-01", "Toolkit issued to all schools."),
        ],
    ),
    (
        "update-label",
        "Update Feb 2021: Health leads named. Update Apr 2021: Joint clinic pilot agreed for the May 2021 "
        "half term. Update Jun 2021: Pilot running.",
        [
            ("2021-02", "Health leads named."),
            ("2021-04", "Joint clinic pilot agreed for the May 2021 half term."),
            ("2021-06", "Pilot running."),
        ],
    ),
    # -- harder: shapes the rules are known to miss (lower case after a run-on
    # dash, a stamp with no separator inside a sentence) --
    (
        "hard",
        "Consultation closed 28 January 2020 - underway with analysis. 3 March 2020 - Report written."
        " Findings shared;06/01/2021: Action plan agreed.",
        [
            (None, "Consultation closed"),
            ("2020-01", "underway with analysis."),
            ("2020-03", "Report written. Findings shared;"),
            ("2021-01", "Action plan agreed."),
        ],
    ),
    (
        "hard",
        "Review of panel decisions January 2020 Underway, half the files read. Update 2 March 2020: Files "
        "all read. April 2020 - Report due.",
        [
            (None, "Review of panel decisions"),
            ("2020-01", "Underway, half the files read."),
            ("2020-03", "Files all read."),
            ("2020-04", "Report due."),
        ],
    ),
    # -- styles mixed in one cell --
    (
        "mixed",
        "Oct 2019: Outreach model proposed. 06/01/2020: Model agreed by heads. Outreach team recruited "
        "28th February 2020 - Team in post. Update May 2021: Reach extended to colleges.",
        [
            ("2019-10", "Outreach model proposed."),
            ("2020-01", "Model agreed by heads. Outreach team recruited"),
            ("2020-02", "Team in post."),
            ("2021-05", "Reach extended to colleges."),
        ],
    ),
    (
        "mixed",
        "Sept 2019 - Sufficiency plan started. November 2019 \u2013 Sites visited in the north. "
        "Update - March 2020 - Two sites chosen.\n14/09/2020: First places opened, more due by April 2021 - "
        "see plan.",
        [
            ("2019-09", "Sufficiency plan started."),
            ("2019-11", "Sites visited in the north."),
            ("2020-03", "Two sites chosen."),
            ("2020-09", "First places opened, more due by April 2021 - see plan."),
        ],
    ),
    (
        "mixed",
        "Preparing for adulthood pathway drafted 3rd December 2019 - Shared with young people. "
        "21/02/2020: Young people's changes made. Update Jul 2021 - Pathway in use. Dec 2021 Audit shows "
        "plans reflect it.",
        [
            (None, "Preparing for adulthood pathway drafted"),
            ("2019-12", "Shared with young people."),
            ("2020-02", "Young people's changes made."),
            ("2021-07", "Pathway in use."),
            ("2021-12", "Audit shows plans reflect it."),
        ],
    ),
]


def _collapse(text: str) -> str:
    return " ".join(text.split())


def score(cell: str, expected: Expected) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of one cell."""
    predicted = Counter((piece.start, _collapse(piece.text)) for piece in split_updates(cell))
    wanted = Counter((month, _collapse(text)) for month, text in expected)
    hits = sum((predicted & wanted).values())
    return hits, sum(predicted.values()) - hits, sum(wanted.values()) - hits


def _f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-misses", action="store_true", help="print the cells not split as expected")
    args = parser.parse_args()

    totals: dict[str, list[int]] = {}
    for style, cell, expected in CELLS:
        tp, fp, fn = score(cell, expected)
        counts = totals.setdefault(style, [0, 0, 0, 0])
        counts[0] += tp
        counts[1] += fp
        counts[2] += fn
        counts[3] += 1
        if args.show_misses and (fp or fn):
            print(f"[{style}] {cell!r}")
            for piece in split_updates(cell):
                print(f"    {piece.stamp!r} {piece.start} {piece.text!r}")
    print(f"{'style':<14}{'cells':>6}{'updates':>9}{'precision':>11}{'recall':>8}{'F1':>7}")
    overall = [0, 0, 0, 0]
    for style, (tp, fp, fn, cells) in totals.items():
        precision, recall, f1 = _f1(tp, fp, fn)
        print(f"{style:<14}{cells:>6}{tp + fn:>9}{precision:>11.2f}{recall:>8.2f}{f1:>7.2f}")
        overall = [overall[0] + tp, overall[1] + fp, overall[2] + fn, overall[3] + cells]
    precision, recall, f1 = _f1(*overall[:3])
    print(f"{'all':<14}{overall[3]:>6}{overall[0] + overall[2]:>9}{precision:>11.2f}{recall:>8.2f}{f1:>7.2f}")


if __name__ == "__main__":
    main()
