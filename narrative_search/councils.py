"""English local areas responsible for SEND, and finding which one a document is about.

A "local area" is an upper-tier local authority: a county council, unitary
authority, metropolitan borough, London borough, the City of London or the
Isles of Scilly. Names are kept in the short form Ofsted uses in its
local-area SEND inspection reports ("Telford and Wrekin", "Kingston upon
Hull", "Bournemouth, Christchurch and Poole"), as of 2024: after the
Northamptonshire split (2021), the Cumbria split and the North Yorkshire and
Somerset unitaries (2023). Former areas ("Northamptonshire", "Cumbria",
"Poole") are not local areas any more and are not recognised.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Optional

from .cleaning import normalise_homoglyphs

LOCAL_AREAS: tuple[str, ...] = (
    # North East
    "County Durham", "Darlington", "Gateshead", "Hartlepool", "Middlesbrough",
    "Newcastle upon Tyne", "North Tyneside", "Northumberland",
    "Redcar and Cleveland", "South Tyneside", "Stockton-on-Tees", "Sunderland",
    # North West
    "Blackburn with Darwen", "Blackpool", "Bolton", "Bury", "Cheshire East",
    "Cheshire West and Chester", "Cumberland", "Halton", "Knowsley",
    "Lancashire", "Liverpool", "Manchester", "Oldham", "Rochdale", "Salford",
    "Sefton", "St Helens", "Stockport", "Tameside", "Trafford", "Warrington",
    "Westmorland and Furness", "Wigan", "Wirral",
    # Yorkshire and the Humber
    "Barnsley", "Bradford", "Calderdale", "Doncaster",
    "East Riding of Yorkshire", "Kingston upon Hull", "Kirklees", "Leeds",
    "North East Lincolnshire", "North Lincolnshire", "North Yorkshire",
    "Rotherham", "Sheffield", "Wakefield", "York",
    # East Midlands
    "Derby", "Derbyshire", "Leicester", "Leicestershire", "Lincolnshire",
    "North Northamptonshire", "Nottingham", "Nottinghamshire", "Rutland",
    "West Northamptonshire",
    # West Midlands
    "Birmingham", "Coventry", "Dudley", "Herefordshire", "Sandwell",
    "Shropshire", "Solihull", "Staffordshire", "Stoke-on-Trent",
    "Telford and Wrekin", "Walsall", "Warwickshire", "Wolverhampton",
    "Worcestershire",
    # East of England
    "Bedford", "Cambridgeshire", "Central Bedfordshire", "Essex",
    "Hertfordshire", "Luton", "Norfolk", "Peterborough", "Southend-on-Sea",
    "Suffolk", "Thurrock",
    # London
    "Barking and Dagenham", "Barnet", "Bexley", "Brent", "Bromley", "Camden",
    "City of London", "Croydon", "Ealing", "Enfield", "Greenwich", "Hackney",
    "Hammersmith and Fulham", "Haringey", "Harrow", "Havering", "Hillingdon",
    "Hounslow", "Islington", "Kensington and Chelsea", "Kingston upon Thames",
    "Lambeth", "Lewisham", "Merton", "Newham", "Redbridge",
    "Richmond upon Thames", "Southwark", "Sutton", "Tower Hamlets",
    "Waltham Forest", "Wandsworth", "Westminster",
    # South East
    "Bracknell Forest", "Brighton and Hove", "Buckinghamshire", "East Sussex",
    "Hampshire", "Isle of Wight", "Kent", "Medway", "Milton Keynes",
    "Oxfordshire", "Portsmouth", "Reading", "Slough", "Southampton", "Surrey",
    "West Berkshire", "West Sussex", "Windsor and Maidenhead", "Wokingham",
    # South West
    "Bath and North East Somerset", "Bournemouth, Christchurch and Poole",
    "Bristol", "Cornwall", "Devon", "Dorset", "Gloucestershire",
    "Isles of Scilly", "North Somerset", "Plymouth", "Somerset",
    "South Gloucestershire", "Swindon", "Torbay", "Wiltshire",
)

# Other spellings of a local area's name, mapped to the name in LOCAL_AREAS.
# Variants that differ only in case, spacing, punctuation or "&" for "and"
# ("Stoke on Trent", "telford  & wrekin") need no entry: names are compared
# in a normalised form. They are listed here anyway where they are common, so
# the table documents what is recognised. Left out on purpose: short forms
# that name another area or a place inside one ("Kingston", "Richmond",
# "Newcastle" - Newcastle-under-Lyme is in Staffordshire -, "Stoke" - Stoke
# Newington is in Hackney -, "Northants", "Beds"), words of ordinary English
# ("Bath", "bucks") and acronyms shared by several councils ("SCC").
ALIASES: dict[str, str] = {
    # "&" for "and"
    "Telford & Wrekin": "Telford and Wrekin",
    "Brighton & Hove": "Brighton and Hove",
    "Windsor & Maidenhead": "Windsor and Maidenhead",
    "Bath & North East Somerset": "Bath and North East Somerset",
    "Barking & Dagenham": "Barking and Dagenham",
    "Hammersmith & Fulham": "Hammersmith and Fulham",
    "Kensington & Chelsea": "Kensington and Chelsea",
    "Redcar & Cleveland": "Redcar and Cleveland",
    "Cheshire West & Chester": "Cheshire West and Chester",
    "Westmorland & Furness": "Westmorland and Furness",
    # hyphens
    "Stoke on Trent": "Stoke-on-Trent",
    "Southend on Sea": "Southend-on-Sea",
    "Stockton on Tees": "Stockton-on-Tees",
    "Newcastle-upon-Tyne": "Newcastle upon Tyne",
    "Kingston-upon-Hull": "Kingston upon Hull",
    "Kingston-upon-Thames": "Kingston upon Thames",
    "Richmond-upon-Thames": "Richmond upon Thames",
    # short forms in everyday use
    "Hull": "Kingston upon Hull",
    "Southend": "Southend-on-Sea",
    "Stockton": "Stockton-on-Tees",
    "Telford": "Telford and Wrekin",
    "Durham": "County Durham",
    "East Riding": "East Riding of Yorkshire",
    "East Yorkshire": "East Riding of Yorkshire",
    "Scilly": "Isles of Scilly",
    "St. Helens": "St Helens",
    "Saint Helens": "St Helens",
    "Blackburn": "Blackburn with Darwen",
    "Bournemouth Christchurch and Poole": "Bournemouth, Christchurch and Poole",
    "BCP": "Bournemouth, Christchurch and Poole",
    "B&NES": "Bath and North East Somerset",
    "BANES": "Bath and North East Somerset",
    "Bath and NE Somerset": "Bath and North East Somerset",
    "RBWM": "Windsor and Maidenhead",
    "RBKC": "Kensington and Chelsea",
    # official and statistical forms ("Herefordshire, County of" is how the
    # ONS lists it)
    "Herefordshire, County of": "Herefordshire",
    "County of Herefordshire": "Herefordshire",
    "Bristol, City of": "Bristol",
    "City of Bristol": "Bristol",
    "City of York": "York",
    "City of London Corporation": "City of London",
    "Corporation of London": "City of London",
    "Kingston upon Hull, City of": "Kingston upon Hull",
    "City of Kingston upon Hull": "Kingston upon Hull",
    "City of Wolverhampton": "Wolverhampton",
    "Nottingham City": "Nottingham",
    "Leicester City": "Leicester",
    "Derby City": "Derby",
    # county abbreviations
    "Staffs": "Staffordshire",
    "Leics": "Leicestershire",
    "Lincs": "Lincolnshire",
    "North Lincs": "North Lincolnshire",
    "NE Lincs": "North East Lincolnshire",
    "North East Lincs": "North East Lincolnshire",
    "NE Lincolnshire": "North East Lincolnshire",
    "Notts": "Nottinghamshire",
    "Derbys": "Derbyshire",
    "Herts": "Hertfordshire",
    "Hants": "Hampshire",
    "Glos": "Gloucestershire",
    "South Glos": "South Gloucestershire",
    "Worcs": "Worcestershire",
    "Warks": "Warwickshire",
    "Cambs": "Cambridgeshire",
    "Oxon": "Oxfordshire",
    "Wilts": "Wiltshire",
    "Lancs": "Lancashire",
}

# Names that are also ordinary English words ("reading age", "to bury",
# "a ship's hull", "the council staffs it"). In running text they count only
# when capitalised as a name ("Reading"), never in lower case or all capitals
# ("READING" in a heading is much more often the skill than the town).
_COMMON_WORDS = frozenset({"Reading", "Bury", "Slough", "Hull", "Staffs", "Wilts"})

# Words printed around a name that do not change which area it is:
# "Staffordshire County Council", "London Borough of Barnet".
_PREFIXES = (
    "the", "london borough of", "royal borough of", "metropolitan borough of",
    "borough of", "city and county of", "city of", "county of", "council of",
)
_SUFFIXES = (
    "metropolitan borough council", "metropolitan district council",
    "county borough council", "borough council", "county council",
    "city council", "district council", "unitary authority", "council",
    "local authority", "local area", "corporation", "la",
)


def _key(name: str) -> str:
    """Compare form of a name: lower case, "&" as "and", punctuation as space."""
    text = normalise_homoglyphs(name).lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


_BY_KEY: dict[str, str] = {_key(area): area for area in LOCAL_AREAS}
for _alias, _area in ALIASES.items():
    assert _area in LOCAL_AREAS, _alias  # a typo in the table, caught on import
    _BY_KEY.setdefault(_key(_alias), _area)
_PREFIX_KEYS = tuple(_key(p) + " " for p in _PREFIXES)
_SUFFIX_KEYS = tuple(" " + _key(s) for s in _SUFFIXES)


def canonical_council(name: str) -> Optional[str]:
    """The LOCAL_AREAS name for a council name or alias, or None.

    Case, spacing, punctuation and "&" do not matter ("telford  & wrekin"),
    nor do council words around the name ("Staffordshire County Council",
    "London Borough of Barnet", "City of York Council").
    """
    if not isinstance(name, str):
        return None
    key = _key(name)
    # Strip one suffix, then prefixes, trying the whole name at each step so
    # that "City of London" and "County Durham" stay whole.
    candidates = [key]
    for suffix in _SUFFIX_KEYS:
        if key.endswith(suffix):
            candidates.append(key[: -len(suffix)])
            break
    for candidate in list(candidates):
        for prefix in _PREFIX_KEYS:
            if candidate.startswith(prefix):
                candidates.append(candidate[len(prefix):])
    for candidate in candidates:
        if candidate in _BY_KEY:
            return _BY_KEY[candidate]
    return None


# --- finding the area a document is about -----------------------------------


def _pattern_for(name: str) -> str:
    """Regex for a name as it may be printed in running text.

    Words may be split by spaces, line breaks, hyphens or commas, "and" may be
    "&", and "St" may carry a full stop: "Stoke on Trent", "Stoke-on-Trent",
    "Telford &\\nWrekin", "St. Helens" all match.
    """
    words = re.findall(r"[A-Za-z0-9]+|&", name)
    parts = []
    for word in words:
        if word.lower() in ("and", "&"):
            parts.append(r"(?:and|&)")
        elif word.lower() == "st":
            parts.append(r"st\.?")
        else:
            parts.append(re.escape(word))
    body = r"[\s,\-]*".join(parts) if len(parts) > 1 else parts[0]
    if name in _COMMON_WORDS:
        body = f"(?-i:{body})"
    return body


def _build_matcher() -> re.Pattern[str]:
    """One regex for every name and alias, built once on import.

    Longest first: the regex takes the first alternative that matches at a
    position, so "North Yorkshire" wins over any shorter name inside it. The
    alternatives are grouped by first letter behind a cheap look-ahead, so at
    each word start only the dozen names with that letter are tried (about
    0.1 s for 1 MB of text, against 0.8 s for one flat alternation).
    """
    names = set(LOCAL_AREAS) | set(ALIASES)
    ordered = sorted(names, key=lambda n: (-len(_key(n)), n))
    groups: dict[str, list[str]] = {}
    for name in ordered:
        groups.setdefault(name[0].lower(), []).append(_pattern_for(name))
    letters = "".join(sorted(groups)) + "".join(sorted(groups)).upper()
    alternation = "|".join(
        f"(?=[{letter}{letter.upper()}])(?:{'|'.join(patterns)})"
        for letter, patterns in sorted(groups.items())
    )
    return re.compile(
        rf"(?<![A-Za-z0-9])(?=[{letters}])(?:{alternation})(?![A-Za-z0-9])",
        re.IGNORECASE,
    )


_MATCHER = _build_matcher()


def count_councils(text: str) -> Counter[str]:
    """Whole-word mentions of each local area in text, aliases included.

    Only the longest name at each position counts: "North Yorkshire" is one
    mention of North Yorkshire, not also one of anything shorter inside it.
    """
    counts: Counter[str] = Counter()
    if not text:
        return counts
    for match in _MATCHER.finditer(normalise_homoglyphs(text)):
        area = _BY_KEY.get(_key(match.group()))
        if area is not None:
            counts[area] += 1
    return counts


def detect_council(text: str) -> Optional[str]:
    """The local area a document is about, judged from its text, or None.

    The most mentioned area wins if it is mentioned at least twice and at
    least twice as often as the next one; otherwise the text is ambiguous
    (or names no area) and the answer is None.
    """
    ranked = count_councils(text).most_common(2)
    if not ranked:
        return None
    top, top_count = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    if top_count >= 2 and top_count >= 2 * runner_up:
        return top
    return None


def council_of_site(site_names: Iterable[str]) -> Optional[str]:
    """The local area a web page's own site name names, or None.

    Tried in the order given ("Torbay Council", "Solihull Local Offer"); a
    name counts only when it names exactly one English local area, so a
    newspaper's or a charity's site name gives none.
    """
    for name in site_names:
        area = canonical_council(name)
        if area is not None:
            return area
        named = count_councils(name)
        if len(named) == 1:
            return next(iter(named))
    return None
