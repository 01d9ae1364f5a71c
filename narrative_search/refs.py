"""Action references as councils print them: "3.1 C", "1.12", "16A", "Ref - 4".

Refs are kept as printed and normalised separately, so a reader can always
see what the document said.
"""

from __future__ import annotations

import re
from typing import Optional

from .cleaning import normalise_homoglyphs

# A focus-area number at the start of a cell: "Ref - 1.1 Roles ...",
# "Ref -3.1 Co- production ...", "3.2 Parents/ carers ...", "Ref - 4 EHC ...".
_FOCUS_NUMBER = re.compile(r"^\s*(?:ref\s*[-:.]?\s*)?(\d{1,2}(?:\.\d{1,2})?)(?=[\s.:)]|$)", re.IGNORECASE)

# A lettered action at the start of a cell: "A. Co-produce ...", "F. Review".
_ACTION_LETTER = re.compile(r"^\s*([A-Z])\s*[.)]\s+")

# A ref printed in its own cell: "1A", "2 A", "16A", "1.12", "3", "'D", "′C", "18".
_STANDALONE_REF = re.compile(r"^\s*([0-9']{1,2}(?:\.\d{1,2})?)\s*([A-Z]?)\s*$")


def focus_number(cell: str) -> Optional[str]:
    """The focus-area number a cell starts with, or None."""
    match = _FOCUS_NUMBER.match(normalise_homoglyphs(cell))
    return match.group(1) if match else None


def action_letter(cell: str) -> Optional[str]:
    """The action letter a cell starts with ("A. ..."), or None."""
    match = _ACTION_LETTER.match(normalise_homoglyphs(cell))
    return match.group(1) if match else None


def compose_ref(focus: Optional[str], letter: Optional[str]) -> Optional[str]:
    """Focus number and action letter as one ref: ("3.1", "C") -> "3.1 C"."""
    if focus and letter:
        return f"{focus} {letter}"
    return focus or letter


def looks_like_ref(cell: str) -> bool:
    """True for a cell that holds only a ref, OCR slips included."""
    text = normalise_homoglyphs(cell).strip()
    return bool(text) and bool(_STANDALONE_REF.match(text))


def normalise_ref(printed: Optional[str]) -> Optional[str]:
    """A ref printed in its own cell, normalised: "2 A" -> "2A", "1.12" -> "1.12".

    Homoglyphs and typographic quotes are mapped first. A ref that is not
    recognisable is returned stripped, as printed.
    """
    if printed is None:
        return None
    text = normalise_homoglyphs(printed).strip()
    if not text:
        return None
    match = _STANDALONE_REF.match(text)
    if not match:
        return text
    number, letter = match.groups()
    return f"{number}{letter}"


# -- repairing OCR slips from the sequence --------------------------------------

_MILESTONE_REF = re.compile(r"^(\d{1,2})([A-Z])$")
# In a scan read by OCR, refs numbered by section and lettered ("2.1A", printed "2.1 A") are
# repaired the same way: the OCR'd "2.18" between "2.1A" and "2.1C" is "2.1B".
_SECTIONED_REF = re.compile(r"^(\d{1,2})\.(\d{1,2})([A-Z])$")
MilestoneNumber = tuple[int, ...]  # (16,) for "16A", (2, 1) for "2.1A"
# What OCR makes of letters in refs: "18" for "1B", "'D" for "7D".
_OCR_LETTER = {"8": "B", "0": "D", "6": "G", "1": "I", "5": "S", "2": "Z"}


def _split_milestone(ref: Optional[str], sectioned: bool = False) -> tuple[Optional[MilestoneNumber], Optional[str]]:
    """(number, letter) of a ref like "16A" (or "2.1A" when ``sectioned``); parts that are unreadable are None."""
    if not ref:
        return None, None
    match = _MILESTONE_REF.match(ref)
    if match:
        return (int(match.group(1)),), match.group(2)
    sectioned_match = _SECTIONED_REF.match(ref) if sectioned else None
    if sectioned_match:
        return (int(sectioned_match.group(1)), int(sectioned_match.group(2))), sectioned_match.group(3)
    letters = [ch for ch in ref if ch.isalpha()]
    letter = letters[-1].upper() if len(letters) == 1 and ref.endswith(letters[0]) else None
    if letter is None and len(ref) >= 2 and ref[-1] in _OCR_LETTER:
        letter = _OCR_LETTER[ref[-1]]
    return None, letter


def _follows(previous: tuple[MilestoneNumber, str], current: tuple[MilestoneNumber, str]) -> bool:
    """True if current is the next ref after previous: same number, next letter, or next number from A."""
    (prev_number, prev_letter), (number, letter) = previous, current
    if number == prev_number:
        return ord(letter) == ord(prev_letter) + 1
    return number > prev_number and letter == "A"


def repair_milestone_refs(refs: list[Optional[str]], sectioned: bool = False) -> list[tuple[Optional[str], str]]:
    """Repair refs like "16A" from their neighbours where the sequence makes it certain.

    Returns (ref, note) per input: the ref to use and why it differs from the
    printed one ("" when unchanged). A ref is repaired only when the one
    before fixes its number and either the printed letter or the ref after
    confirms its letter: "18" between "1A" and "1C" is "1B"; "'D" after "7C"
    is "7D"; "11F" after "12E" is "12F". With ``sectioned`` (a scan read by
    OCR), refs like "2.1A" are repaired too.
    """
    result: list[tuple[Optional[str], str]] = [(ref, "") for ref in refs]
    previous: Optional[tuple[MilestoneNumber, str]] = None
    for index, ref in enumerate(refs):
        if ref is None:
            continue
        number, letter = _split_milestone(ref, sectioned)
        # A sectioned ref read whole ("4.2C") is trusted out of sequence: such plans skip refs.
        if number is not None and letter is not None and (
            previous is None or len(number) > 1 or _follows(previous, (number, letter))
        ):
            previous = (number, letter)
            continue
        if previous is None:
            continue
        expected = (previous[0], chr(ord(previous[1]) + 1))
        following = next((_split_milestone(r, sectioned) for r in refs[index + 1 :] if r), (None, None))
        confirmed_by_next = following[0] == expected[0] and following[1] == chr(ord(expected[1]) + 1)
        if letter == expected[1] or confirmed_by_next:
            repaired = ".".join(str(part) for part in expected[0]) + expected[1]
            result[index] = (repaired, f"repaired to {repaired} from the refs around it")
            previous = expected
        else:
            previous = (number, letter) if number is not None and letter is not None else previous
    return result


def uses_milestone_refs(refs: list[Optional[str]], sectioned: bool = False) -> bool:
    """True when most refs of a document look like "16A" (Torbay's milestones), or "2.1A" when ``sectioned``."""
    printed = [ref for ref in refs if ref]
    matching = sum(1 for ref in printed if _MILESTONE_REF.match(ref) or (sectioned and _SECTIONED_REF.match(ref)))
    return bool(printed) and matching * 2 > len(printed)


# -- cross-references ------------------------------------------------------


# An update that is nothing but a pointer: "See above", "SEE 6E", "See [4a above]",
# "As above", "Refer to 2.3". The target is short, one clause, and ends the text, so
# "Completed (See SEND Strategy)" or "See the report: three audits done." are content.
_REFERENCE = re.compile(
    r"""^\s*(?:please\s+)?
    (?:see(?:\s+also)?|refer(?:red)?\s+to|cross[\s-]?ref(?:erence)?|same\s+as|as\s+per|as(?=\s+(?:above|below|before|previous)))
    \s*[:\-]?\s*
    (?P<target>[\[(]?(?:[^.:;!?\n]|(?<=\d)\.(?=\d)){1,40}?[\])]?)  # a dot only inside a ref like 2.3
    \s*\.?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# "As 3.1", "As per action 2.3", "As 1.4 above": a pointer to another action by its ref.
_AS_REF = re.compile(r"^\s*as\s+(?:in\s+|per\s+)?(?:action\s+|item\s+|point\s+)?[\[(]?\d+(?:\.\d+)*[a-z]?[\])]?(?:\s+(?:above|below))?\s*\.?\s*$",
                     re.IGNORECASE)


def reference_target(text: str) -> Optional[str]:
    """What an update that only points elsewhere points at ("above", "6E"), else None."""
    match = _REFERENCE.match(text)
    if match is None:
        return None
    target = match.group("target").strip().strip("[]()").strip()
    return target or None


def is_bare_reference(text: str) -> bool:
    """Whether an update only points elsewhere ("See above", "SEE 6E", "As above", "As 3.1")."""
    return reference_target(text) is not None or _AS_REF.match(text) is not None
