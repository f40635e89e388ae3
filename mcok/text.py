"""Text helpers shared by the apps: Latin letters for Russian names and titles."""

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
