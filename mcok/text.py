"""Text helpers shared by the apps: Latin letters for Russian names and titles (one table), codes
made from titles, a period after a preposition."""

import re
import unicodedata

# Russian, and the Bashkir and Tatar letters the municipalities' names use; the rest goes through
# Unicode decomposition (é → e) or is dropped.
# fmt: off
_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch",
    "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "і": "i", "ї": "yi", "є": "ye",
    "ә": "a", "ө": "o", "ү": "u", "ҡ": "k", "ғ": "g", "ҙ": "z", "ҫ": "s", "һ": "h", "ң": "n",
    "җ": "zh",
}
# fmt: on


def transliterate(text: str) -> str:
    """Latin letters for a Russian text: «Всего учителей» → «Vsego uchiteley»,
    «Мастрюкова» → «Mastryukova»."""
    out = []
    for char in text:
        lower = char.lower()
        if lower in _LATIN:
            latin = _LATIN[lower]
            out.append(latin.capitalize() if char != lower else latin)
        else:
            out.append(unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode())
    return "".join(out)


CODE_LENGTH = 40  # of a code made from a title; an edited code may be longer


def code_from(title: str, taken: set[str] | None = None, *, length: int = CODE_LENGTH) -> str:
    """A code made from a title, the same wherever a code is proposed (a question added in the form
    builder, a column of an imported Google Forms table): Latin letters (transliterate), digits and
    «_», lower case, whole words up to `length` characters, beginning with a letter («q_» before a
    title that does not). When `taken` is given the code differs from every code in it, compared
    without case («vsego_uchiteley_2»), and joins it.

    «Всего учителей» → «vsego_uchiteley», «2. Доля ШНОР, %» → «q_2_dolya_shnor», ««»» → «q».
    """
    words = re.findall(r"[a-z0-9]+", transliterate(title).lower())
    if not words or not words[0][0].isalpha():
        words = ["q", *words]
    code = words[0][:length]
    for word in words[1:]:
        if len(code) + 1 + len(word) > length:
            break
        code = f"{code}_{word}"
    if taken is None:
        return code
    folded = {item.lower() for item in taken}
    unique, n = code, 1
    while unique.lower() in folded:
        n += 1
        unique = f"{code}_{n}"
    taken.add(unique)
    return unique


# A period after a preposition -------------------------------------------------------------------------
# «2024 год» is the period's name (period_label), right after «за»; after «в» and «с» Russian declines
# it: «в 2024 году», «в сравнении с 2024 годом». These give the whole phrase, the preposition included,
# so a sentence never glues a preposition to the nominative.


def _period_parts(period) -> tuple[str, dict]:
    return str(period.kind), {"year": period.year, "next": period.year + 1, "number": period.number}


def period_in(period) -> str:
    """«в 2024 году», «в 2024/2025 учебном году», «в 1 полугодии 2024 года», «во 2 квартале 2024 года»."""
    from django.utils.translation import gettext

    kind, values = _period_parts(period)
    if kind == "year":
        return gettext("in the year %(year)s") % values
    if kind == "academic_year":
        return gettext("in the academic year %(year)s/%(next)s") % values
    if kind == "half_year":
        return gettext("in half-year %(number)s of %(year)s") % values
    return gettext("in quarter %(number)s of %(year)s") % values


def period_with(period) -> str:
    """«с 2024 годом», «с 2024/2025 учебным годом», «с 1 полугодием 2024 года», «с 3 кварталом 2024 года»
    (after «в сравнении»)."""
    from django.utils.translation import gettext

    kind, values = _period_parts(period)
    if kind == "year":
        return gettext("with the year %(year)s") % values
    if kind == "academic_year":
        return gettext("with the academic year %(year)s/%(next)s") % values
    if kind == "half_year":
        return gettext("with half-year %(number)s of %(year)s") % values
    return gettext("with quarter %(number)s of %(year)s") % values
