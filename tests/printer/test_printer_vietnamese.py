"""Vietnamese on paper: the marks are drawn, where they belong, and the same every time.

Compared against renders of the same text without its marks, not just "not blank": a font
without Vietnamese would draw boxes, which are not blank either.
"""

import unicodedata

import pytest
from PIL import Image, ImageChops
from printer_samples import VIETNAMESE

from printer import fonts
from printer.escpos_out import fold_vietnamese
from printer.layout import PAPER_58MM, PAPER_80MM, TicketPrint, compose, render, spans
from printer.textblock import text_block


def strip_marks(text: str) -> str:
    return fold_vietnamese(text)


def diff_box(a: Image.Image, b: Image.Image) -> tuple[int, int, int, int] | None:
    assert a.size == b.size
    return ImageChops.difference(a.convert("L"), b.convert("L")).getbbox()


def ink_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    return ImageChops.invert(image.convert("L")).getbbox()


@pytest.fixture(params=["BeVietnamPro", "DejaVuSans"])
def font_set(request: pytest.FixtureRequest) -> fonts.FontSet:
    found = fonts.be_vietnam_pro() if request.param == "BeVietnamPro" else fonts.dejavu_sans()
    assert found is not None, f"{request.param} is installed by the printer extra / deploy/packages.txt"
    return found


def test_stripping_really_removes_the_marks() -> None:
    assert strip_marks(VIETNAMESE) == "Dang ky khai sinh, chung thuc, Bao hiem y te"


@pytest.mark.parametrize("width", [PAPER_58MM, PAPER_80MM])
def test_ticket_with_marks_differs_from_ticket_without_only_in_the_category(ticket: TicketPrint, width: int) -> None:
    bare = ticket.model_copy(update={"category_vi": strip_marks(VIETNAMESE)})
    marked_page, bare_page = render(ticket, width), render(bare, width)
    assert render(ticket, width).tobytes() == marked_page.tobytes()  # a second render: identical
    box = diff_box(marked_page, bare_page)
    assert box is not None, "the marks left no trace"
    top, bottom = spans(compose(ticket, width))["category"]
    assert top <= box[1] and box[3] <= bottom


def test_each_word_differs_exactly_when_it_has_marks(font_set: fonts.FontSet) -> None:
    font = fonts.load(font_set.bold, 28)
    for word in VIETNAMESE.replace(",", "").split():
        marked = text_block(word, font, 300)
        bare = text_block(strip_marks(word), font, 300)
        assert text_block(word, font, 300).tobytes() == marked.tobytes()
        if strip_marks(word) == word:
            assert diff_box(marked, bare) is None, word
        else:
            assert diff_box(marked, bare) is not None, f"{word}: marks not drawn"


@pytest.mark.parametrize(
    ("marked", "base", "where"),
    [
        ("ă", "a", "above"),
        ("ý", "y", "above"),
        ("ế", "e", "above"),
        ("ả", "a", "above"),
        ("ự", "ư", "below"),
        ("ạ", "a", "below"),
        ("ọ", "o", "below"),
    ],
)
def test_marks_sit_above_or_below_their_letter(font_set: fonts.FontSet, marked: str, base: str, where: str) -> None:
    """The marked letter has ink where the bare letter has none: above its top, or below its
    baseline, and over the letter rather than beside it."""
    font = fonts.load(font_set.regular, 40)
    with_mark, without = text_block(marked, font, 80), text_block(base, font, 80)
    assert diff_box(with_mark, without) is not None
    letter = ink_box(without)
    assert letter is not None
    left, top, right, bottom = letter
    band = (
        (left - 2, 0, right + 2, top - 1) if where == "above" else (left - 2, bottom + 1, right + 2, with_mark.height)
    )
    outside = (0, 0, left - 2, with_mark.height), (right + 2, 0, with_mark.width, with_mark.height)
    mark_ink = with_mark.crop(band).convert("L").histogram()[0]
    assert mark_ink >= 6, f"no mark {where} {base} in {marked}"
    assert all(with_mark.crop(box).convert("L").histogram()[0] == 0 for box in outside), f"ink beside {marked}"


def test_letters_are_not_missing_glyph_boxes(font_set: fonts.FontSet) -> None:
    """A font without a letter draws its 'missing' box; every letter here must look different
    from that box (U+E000 is a private-use code point no text font draws)."""
    font = fonts.load(font_set.regular, 32)
    missing = text_block("\ue000", font, 60)
    for letter in "ĐđĂăÂâÊêÔôƠơƯưỹỵẫậễựỗ":
        assert diff_box(text_block(letter, font, 60), missing) is not None, letter


def test_d_with_stroke_is_not_d(font_set: fonts.FontSet) -> None:
    font = fonts.load(font_set.bold, 40)
    for marked, plain in (("Đ", "D"), ("đ", "d")):
        box = diff_box(text_block(marked, font, 80), text_block(plain, font, 80))
        letter = ink_box(text_block(plain, font, 80))
        assert box is not None and letter is not None
        # The stroke crosses the letter's stem, inside its height.
        assert letter[1] <= box[1] and box[3] <= letter[3] + 1


def test_nfd_input_draws_the_same_marks(font_set: fonts.FontSet) -> None:
    font = fonts.load(font_set.bold, 28)
    composed = text_block(VIETNAMESE, font, PAPER_58MM)
    decomposed_then_composed = text_block(
        unicodedata.normalize("NFC", unicodedata.normalize("NFD", VIETNAMESE)), font, PAPER_58MM
    )
    assert composed.tobytes() == decomposed_then_composed.tobytes()
