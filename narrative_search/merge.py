"""When two printings are one: the rules that merge what several reports print.

Reports of one plan repeat each other: the same update retyped ("tool-kit" /
"tool kit"), re-wrapped, re-stamped ("Feb 2021:" / "Feb 21:") or cut short
by a cell. The store keeps one update for all of them (see
:class:`~narrative_search.model.MergedUpdate`); these rules say which
printings are the same update and which wording stands for it. Nothing here
reads or writes SQLite.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from .model import MergedAction, MergedUpdate, Update


def normalise_space(text: str) -> str:
    """Collapse runs of whitespace, so re-wrapped copies of a text compare equal."""
    return re.sub(r"\s+", " ", text).strip()


def comparable_text(text: str) -> str:
    """Letters and digits only, lower-cased: what two printings of an update share."""
    return re.sub(r"[^0-9a-z]+", "", text.lower())


def update_content_key(update: Update) -> str:
    """Identity of an update within its action: its months and comparable text.

    The stamp, case, spacing and punctuation are left out on purpose:
    "Feb 2021:" and "Feb 21:" printed over the same text in two reports,
    or "tool-kit" retyped as "tool kit", are one update.
    """
    basis = "\x1f".join((update.start or "", update.end or "", comparable_text(update.text)))
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


#: A cut-off copy must keep this many comparable characters to count as the same update.
MIN_PREFIX_CHARS = 40


def is_same_update(stored: str, new: str) -> bool:
    """True if two texts are printings of one update: equal, or one cut short of the other."""
    a, b = comparable_text(stored), comparable_text(new)
    if a == b:
        return True
    shorter, longer = sorted((a, b), key=len)
    return len(shorter) >= MIN_PREFIX_CHARS and longer.startswith(shorter)


def settle_wording(update: MergedUpdate) -> None:
    """Show the fullest printing as the update's text; keep the others as variants.

    A report that cut the cell short must not hide the complete text another
    report printed, and the cut or retyped wording stays traceable.
    """
    printings = update.variants
    fullest = max(printings, key=lambda p: len(comparable_text(p.text))).text if printings else update.text
    update.text = fullest
    update.variants = [p for p in printings if normalise_space(p.text) != normalise_space(fullest)]


def action_order(action: MergedAction) -> tuple[Any, ...]:
    """Council, then ref in natural order ("3.2" before "3.10"), then id."""
    ref = action.ref or ""
    natural = [(0, int(part), "") if part.isdigit() else (1, 0, part.lower())
               for part in re.findall(r"\d+|[^\d\s.]+", ref)]
    return (action.council, action.ref is None, natural, action.id)
