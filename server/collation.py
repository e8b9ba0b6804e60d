"""Vietnamese alphabetical order, as a dictionary sorts: the order a Vietnamese reader expects.

Sorting by character code puts "Đống Đa" and "Ô Chợ Dừa" after every name in plain Latin
letters. In the Vietnamese alphabet the letters are a ă â b c d đ e ê g h i k l m n o ô ơ p q r
s t u ư v x y: a letter with a breve, circumflex or horn, and đ, is a letter of its own, after
its plain one. Tone marks only break ties between otherwise equal names, in the order
ngang, huyền, hỏi, ngã, sắc, nặng (a à ả ã á ạ), as Unicode's CLDR "vi" collation has it,
the one browsers use for Intl.Collator("vi").
"""

import unicodedata

# Marks that make a letter of its own, by their rank after the plain letter.
_LETTER_MARKS = {"\u0306": 1, "\u0302": 2, "\u031b": 3}  # breve (ă), circumflex (â ê ô), horn (ơ ư)
# Tone marks, by their rank: huyền, hỏi, ngã, sắc, nặng.
_TONE_MARKS = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def _letters(text: str) -> list[tuple[int, int, int]]:
    """Each letter as (primary, tone, case): primary orders the letters, tone and case break ties."""
    out: list[tuple[int, int, int]] = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char):
            if out and char in _LETTER_MARKS:
                primary, tone, case = out[-1]
                out[-1] = (primary + _LETTER_MARKS[char], tone, case)
            elif out and char in _TONE_MARKS:
                primary, _, case = out[-1]
                out[-1] = (primary, _TONE_MARKS[char], case)
            continue
        lower = char.lower()
        if lower == "đ":
            primary = ord("d") * 4 + 1  # right after d, before e
        else:
            primary = ord(lower) * 4
        out.append((primary, 0, int(char != lower)))
    return out


def vi_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], str]:
    """A sort key for `sorted(names, key=vi_key)` in Vietnamese alphabetical order."""
    letters = _letters(text)
    return tuple(p for p, _, _ in letters), tuple(t for _, t, _ in letters), tuple(c for _, _, c in letters), text


def fold(text: str) -> str:
    """`text` without diacritics, đ as d, in lower case: "Đăng ký" and "dang ky" fold alike, as
    a search typed without accents expects (admin_fields.js folds the same way)."""
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return bare.replace("đ", "d").replace("Đ", "d").lower()
