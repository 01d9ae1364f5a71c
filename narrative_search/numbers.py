"""Small counts as documents print them, in digits or words: "8", "eight".

Inspection letters count weaknesses in words ("eight out of the twelve") and
minutes number plan actions in words ("Action Two"): one table serves both.
"""

from __future__ import annotations

#: Number words up to twenty, and the number each names.
NUMBER_WORDS = {
    word: number
    for number, word in enumerate(
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split(),
        start=1,
    )
}


def number_of(printed: str) -> int:
    """The number "8" or "eight" prints."""
    return int(printed) if printed.isdigit() else NUMBER_WORDS[printed.lower()]
