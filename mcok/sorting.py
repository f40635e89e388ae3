"""Natural order of codes: «2.3.1», «2.3.2», …, «2.3.10», not «2.3.1», «2.3.10», «2.3.2»."""

import re
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

_DIGITS = re.compile(r"([0-9]+)")


def natural_key(code: str | None) -> tuple[tuple[int, int | str], ...]:
    """A sort key reading the digit runs of a code as numbers and the rest as case-folded text:
    «П9» < «П10», «1.9» < «1.10» < «2.1», «2.3» < «2.3.1». Each part carries a tag, so a number and
    a text at the same place compare (a number first) and never raise TypeError."""
    parts = _DIGITS.split((code or "").strip())
    key: list[tuple[int, int | str]] = []
    for index, part in enumerate(parts):
        if index % 2:
            key.append((0, int(part)))
        elif part:
            key.append((1, part.casefold()))
    return tuple(key)


def naturally_sorted(items: Iterable[T], key: Callable[[T], str | None] = str) -> list[T]:
    """The items in the natural order of the code `key` reads from each."""
    return sorted(items, key=lambda item: natural_key(key(item)))
