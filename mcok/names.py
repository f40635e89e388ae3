"""Names of organizations and officials as orders, tables and forms write them, compared one way.

Pure functions: no database, no models. Every importer and demo loader that links a written name to
an Organization or an Official asks this module, so they all agree.

    organization_key("МБОУ «СОШ № 1»")              # "мбоусош№1": the legal form kept
    organization_core("МБОУ «СОШ № 1»")             # "сош№1": without the legal form
    best_organization("СОШ №1", organizations)       # the one it names, or None
    person_key("Мастрюкова Л.И.")                    # ("мастрюкова", "ли")
    best_official("Мастрюкова Людмила Ивановна", officials)

How an organization's name is compared:

- case, «ё» as «е», non-breaking spaces, every kind of quotes («», "", „“, '') and punctuation do
  not count; «N 1», «No1», «№1» and «№ 1» are one number sign;
- the legal form written in full is read as its abbreviation: «муниципальное бюджетное
  общеобразовательное учреждение» is «МБОУ», «муниципальное автономное дошкольное образовательное
  учреждение» «МАДОУ», «… учреждение дополнительного образования» «… ДО»; the usual long names of
  schools likewise («средняя общеобразовательная школа» is «СОШ»);
- the key keeps the legal form (МБОУ and МАОУ schools of one name are two organizations); the core
  drops it (МБОУ, МАОУ, МБДОУ, МАДОУ, МКОУ, МОБУ, МБУ ДО, ГАУ ДПО and their like), so «СОШ №1» is
  «МБОУ «СОШ № 1»».

best_organization tries, in this order, and stops at the first step that finds exactly one: the
same key; the same core; the same numbers and the same letters (word order and spaces aside); for a
kindergarten («ДДС № 15», «Детский сад № 15», «ЦРР «ДДС № 15»») the one kindergarten with that
number. A step that finds two or more refuses: None, never a guess. The letters must be the same,
not a prefix of each other: «ПСОШ №1» is never «ДООШ № 1», and «СОШ №1» never «СОШ №11».

An official's name is compared by surname and initials: «Мастрюкова Л.И.», «Л. И. Мастрюкова» and
«Мастрюкова Людмила Ивановна» are one person; a position after the name («, методист») is ignored.
best_official refuses two officials of one surname whose initials both agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, TypeVar

T = TypeVar("T")

_QUOTES = re.compile(r"[«»\"'“”„‘’`´]")
_NUMBER_SIGN = re.compile(r"(?:№|\bno\.?|\bn)\s*(?=\d)")
_NOT_WORD = re.compile(r"[^0-9a-zа-я№]+")

# A legal form in full, word by word: each word gives the letter of the abbreviation.
_FORM_WORDS = {
    "муниципальное": "м",
    "муниципальная": "м",
    "государственное": "г",
    "государственная": "г",
    "частное": "ч",
    "негосударственное": "н",
    "бюджетное": "б",
    "автономное": "а",
    "казенное": "к",
    "дошкольное": "д",
    "общеобразовательное": "о",
    "образовательное": "о",
    "профессиональное": "п",
}
_FORM_WORD = "|".join(_FORM_WORDS)
_LONG_FORM = re.compile(
    rf"\b((?:(?:{_FORM_WORD})\s+)+)учреждени[ея]"
    r"(\s+дополнительного\s+(?:профессионального\s+)?образования)?\b"
)
# Long names of schools and their usual abbreviations.
_LONG_NAMES = (
    (re.compile(r"\bсредняя\s+общеобразовательная\s+школа\b"), "сош"),
    (re.compile(r"\bосновная\s+общеобразовательная\s+школа\b"), "оош"),
    (re.compile(r"\bначальная\s+общеобразовательная\s+школа\b"), "нош"),
    (re.compile(r"\bцентр\s+развития\s+ребенка\b"), "црр"),
    (re.compile(r"\bдетская\s+школа\s+искусств\b"), "дши"),
)
# The legal form before the name, abbreviated: МБОУ, МАДОУ, МОБУ, МБУ ДО, ГАУ ДПО, ЧОУ …
_LEGAL_FORM = re.compile(
    r"^(?:м|г|ч|н)?(?:а|б|к)?(?:д)?(?:о|у|ну|оу|оуи|обу|доу|удо|поу|бу|ау|ку)(?:\s+(?:до|дпо))?\s+"
)
_KINDERGARTEN = re.compile(r"детский\s*сад|\bд?дс\b|\bд?дс(?=№|\d)|доу\b")
_DIGITS = re.compile(r"\d+")

_WORD = r"[А-ЯЁ][а-яё]+"
_SURNAME = rf"{_WORD}(?:-{_WORD})?"
_PERSON = re.compile(
    rf"(?P<s1>{_SURNAME})\s+(?P<i1>[А-ЯЁ])\.\s?(?:(?P<j1>[А-ЯЁ])\.?)?(?![а-яё])"  # Иванова А.Б.
    rf"|(?P<i2>[А-ЯЁ])\.\s?(?:(?P<j2>[А-ЯЁ])\.\s?)?(?P<s2>{_SURNAME})"  # А.Б. Иванова
    rf"|(?P<s3>{_SURNAME})\s+(?P<n3>{_WORD})\s+(?P<p3>{_WORD}(?:вна|вич|ична|чна|ич))\b"  # in full
)


def fold(text: Any) -> str:
    """Lower case, «ё» as «е», single plain spaces: the form every comparison starts from."""
    value = str(text or "").casefold().replace("ё", "е").replace("\u00a0", " ")
    return " ".join(value.split())


def _abbreviate(value: str) -> str:
    def form(match: re.Match) -> str:
        letters = "".join(_FORM_WORDS[word] for word in match[1].split()) + "у"
        extra = match[2] or ""
        if extra:
            letters += " дпо" if "профессионального" in extra else " до"
        return letters + " "

    value = _LONG_FORM.sub(form, value)
    for pattern, short in _LONG_NAMES:
        value = pattern.sub(short, value)
    return value


@lru_cache(maxsize=8192)
def _spaced_text(text: str) -> str:
    value = " ".join(_QUOTES.sub(" ", fold(text)).split())
    value = _abbreviate(value)
    return " ".join(_NUMBER_SIGN.sub("№", value).split())


def _spaced(text: Any) -> str:
    """Folded, quotes as spaces, long forms abbreviated, «N 1» as «№1»; spaces kept (cached: a file
    compares the same names row after row)."""
    return _spaced_text(str(text or ""))


def legal_form(text: Any) -> str:
    """The abbreviated legal form that begins the name («мбоу», «мбу до»), or ""."""
    match = _LEGAL_FORM.match(_spaced(text) + " ")
    return " ".join(match[0].split()) if match else ""


def organization_key(text: Any) -> str:
    """The whole name, legal form included, as compared: «МБОУ "СОШ N 1"» → «мбоусош№1»."""
    return _NOT_WORD.sub("", _spaced(text))


def organization_core(text: Any) -> str:
    """The name without its legal form: «МБОУ «СОШ № 1»», «СОШ №1» → «сош№1». A name that is only a
    legal form keeps it."""
    value = _spaced(text)
    stripped = _LEGAL_FORM.sub("", value + " ", count=1)
    if _NOT_WORD.sub("", stripped):
        value = stripped
    return _NOT_WORD.sub("", value)


def _letters(core: str) -> str:
    return "".join(sorted(re.sub(r"[\d№]", "", core)))


def is_kindergarten_name(text: Any) -> bool:
    """The name reads as a kindergarten's: «детский сад», «ДДС», «ДС», an «…ДОУ» form."""
    return bool(_KINDERGARTEN.search(_spaced(text)))


def _one(found: list[T]) -> T | None:
    unique = list(dict.fromkeys(found))
    return unique[0] if len(unique) == 1 else None


def organization_names(organization: Any) -> list[str]:
    """The names an organization is known by: its short and its full name."""
    written = (getattr(organization, "short_name", ""), getattr(organization, "full_name", ""))
    return [name for name in written if name]


def organizations_named(
    text: Any,
    candidates: Iterable[T],
    *,
    names: Callable[[T], Iterable[str]] = organization_names,
    kind: Callable[[T], str] = lambda o: getattr(o, "kind", ""),
) -> list[T]:
    """The candidates the written name may mean, from the first step that finds any (see the
    module's docstring): one — the organization; several — ambiguous; none — unknown."""
    if not fold(text):
        return []
    key, core = organization_key(text), organization_core(text)
    if not core:
        return []
    known = [(candidate, list(names(candidate))) for candidate in candidates]
    steps: list[Callable[[str], bool]] = [
        lambda name: organization_key(name) == key,
        lambda name: organization_core(name) == core,
    ]
    digits = _DIGITS.findall(core)
    if digits:
        letters = _letters(core)
        steps.append(
            lambda name: (
                _DIGITS.findall(organization_core(name)) == digits
                and _letters(organization_core(name)) == letters
            )
        )
    for step in steps:
        found = [candidate for candidate, written in known if any(step(name) for name in written)]
        if found:
            return list(dict.fromkeys(found))
    if digits and is_kindergarten_name(text):
        gardens = [
            candidate
            for candidate, written in known
            if kind(candidate) == "kindergarten"
            and any(_DIGITS.findall(organization_core(name)) == digits for name in written)
        ]
        return list(dict.fromkeys(gardens))
    return []


def best_organization(
    text: Any,
    candidates: Iterable[T],
    *,
    names: Callable[[T], Iterable[str]] = organization_names,
    kind: Callable[[T], str] = lambda o: getattr(o, "kind", ""),
) -> T | None:
    """The one candidate the written name names, or None when none does or several could (see the
    module's docstring for the steps). ``names`` gives a candidate's names (short and full by
    default), ``kind`` its kind («kindergarten» for a kindergarten)."""
    return _one(organizations_named(text, candidates, names=names, kind=kind))


def organization_at_start(
    text: Any, candidates: Iterable[T], *, names: Callable[[T], Iterable[str]] = organization_names
) -> T | None:
    """The candidate whose name begins the line («МБОУ СОШ № 1, директор» → СОШ № 1), the longest
    name first; a number must end where the name ends (СОШ №1 does not begin «СОШ №12»). Two
    candidates with the same longest name: None."""
    line = organization_key(text)
    line_core = organization_core(text)
    found: list[tuple[int, T]] = []
    for candidate in candidates:
        for name in names(candidate):
            for whole, prefix in ((line, organization_key(name)), (line_core, organization_core(name))):
                if prefix and whole.startswith(prefix):
                    rest = whole[len(prefix) :]
                    if not (rest[:1].isdigit() and prefix[-1:].isdigit()):
                        found.append((len(prefix), candidate))
    if not found:
        return None
    longest = max(length for length, _ in found)
    return _one([candidate for length, candidate in found if length == longest])


# Officials ------------------------------------------------------------------------------------------


def person_key(text: Any) -> tuple[str, str] | None:
    """(surname, initials), folded, of the first person's name in the text, in any of its usual
    spellings, capitals as written: «Иванова А.Б.», «А. Б. Иванова», «Иванова Анна Борисовна» →
    ("иванова", "аб"). None if the text holds no name."""
    match = _PERSON.search(" ".join(str(text or "").replace("\u00a0", " ").split()))
    if not match:
        return None
    if match["s1"]:
        surname, initials = match["s1"], match["i1"] + (match["j1"] or "")
    elif match["s2"]:
        surname, initials = match["s2"], match["i2"] + (match["j2"] or "")
    else:
        surname, initials = match["s3"], match["n3"][0] + match["p3"][0]
    return fold(surname), fold(initials)


def initials_agree(a: str, b: str) -> bool:
    """«ли» agrees with «л» and «ли», not with «лв» nor with nothing."""
    shorter = min(len(a), len(b))
    return shorter > 0 and a[:shorter] == b[:shorter]


def same_person(a: Any, b: Any) -> bool:
    """Two spellings of one person's name: the same surname and initials that agree."""
    first, second = person_key(a), person_key(b)
    return bool(first and second and first[0] == second[0] and initials_agree(first[1], second[1]))


def best_official(
    text: Any, candidates: Iterable[T], *, name: Callable[[T], str] = lambda o: getattr(o, "full_name", "")
) -> T | None:
    """The one candidate the written name names (surname and agreeing initials), or None when none
    does or two could. With initials written in full and more than one candidate agreeing, the one
    whose initials are the same in full wins («Иванова А.Б.» over «Иванова А.»)."""
    key = person_key(text)
    if not key:
        return None
    found = []
    for candidate in candidates:
        other = person_key(name(candidate))
        if other and other[0] == key[0] and initials_agree(other[1], key[1]):
            found.append((other[1] == key[1], candidate))
    exact = [candidate for same, candidate in found if same]
    if len(found) > 1 and len(exact) == 1:
        return exact[0]
    return _one([candidate for _, candidate in found])


class NameIndex:
    """Officials and organizations looked up by the names a table or an order gives them, built once
    from lists (the caller reads them from the database): by surname for officials, every name for
    organizations, so a file of many rows costs no further query."""

    def __init__(self, officials: Iterable[Any], organizations: Iterable[Any]):
        self.by_surname: dict[str, list[tuple[str, Any]]] = {}
        for official in officials:
            key = person_key(getattr(official, "full_name", ""))
            if key:
                self.by_surname.setdefault(key[0], []).append((key[1], official))
        self.organizations = list(organizations)

    def officials_matching(self, name: Any) -> list[Any]:
        """Every official whose surname is the name's and whose initials agree with it."""
        key = person_key(name)
        if key is None:
            return []
        found = [
            official
            for initials, official in self.by_surname.get(key[0], [])
            if initials_agree(initials, key[1])
        ]
        return list(dict.fromkeys(found))

    def official(self, name: Any) -> Any | None:
        """The one official the name means; None when none or several do."""
        found = self.officials_matching(name)
        if len(found) > 1:
            return best_official(name, found)
        return found[0] if found else None

    def organization(self, name: Any) -> Any | None:
        """The one organization the name means (best_organization); None when none or several do."""
        return best_organization(name, self.organizations) if fold(name) else None
