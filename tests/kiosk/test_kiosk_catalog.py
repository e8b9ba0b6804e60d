"""One message catalog for the kiosk and its status page: every word in it, in both languages,
and none scattered in the HTML or JS; a pictogram for every demo category and priority group."""

import json
import re
from pathlib import Path

from server import demo
from server.models import PriorityGroup

STATIC = Path(__file__).resolve().parents[2] / "kiosk" / "static"
CATALOG = json.loads((STATIC / "messages.json").read_text("utf-8"))
# Vietnamese letters outside ASCII (đ, ơ, ư, and every vowel with a tone mark).
VIETNAMESE = re.compile(r"[À-ỹĐđƠơƯư]")


def test_both_languages_have_the_same_keys():
    assert set(CATALOG["vi"]) == set(CATALOG["en"])
    assert set(CATALOG["voice"]["vi"]) == set(CATALOG["voice"]["en"])
    assert all(text.strip() for language in ("vi", "en") for text in CATALOG[language].values())


def test_vietnamese_texts_carry_their_diacritics():
    assert CATALOG["vi"]["unavailable_title"] == "Tạm thời gián đoạn"
    assert CATALOG["vi"]["print_failed"] == "Máy in lỗi: xin ông/bà ghi nhớ số của mình"
    assert CATALOG["voice"]["vi"]["your_number"] == "Số của ông bà là"
    with_marks = [k for k, v in CATALOG["vi"].items() if VIETNAMESE.search(v)]
    assert len(with_marks) > 0.8 * len(CATALOG["vi"])  # the rest is "English" and the like


def test_no_words_outside_the_catalog():
    for path in [*STATIC.glob("*.html"), *STATIC.glob("*.js")]:
        text = path.read_text("utf-8")
        assert not VIETNAMESE.search(text), f"{path.name}: {VIETNAMESE.search(text).group()!r}"
        for key in re.findall(r'data-i18n(?:-label)?="(\w+)"', text):
            assert key in CATALOG["vi"], f"{path.name}: {key}"
        for key in re.findall(r'\bt\("(\w+)"', text):
            assert key in CATALOG["vi"], f"{path.name}: {key}"


def test_every_category_and_priority_group_has_a_pictogram_and_words():
    pictograms = {p.stem for p in (STATIC / "pictograms").glob("*.svg")}
    assert {c[3] for c in demo.CATEGORIES} <= pictograms
    assert {g.value for g in PriorityGroup} <= pictograms
    for group in PriorityGroup:
        assert f"priority_{group.value}" in CATALOG["vi"] and f"priority_{group.value}" in CATALOG["voice"]["vi"]
    for reason in ("outside_hours", "daily_cap_reached", "category_inactive"):
        assert f"closed_{reason}" in CATALOG["vi"]
    for path in (STATIC / "pictograms").glob("*.svg"):
        svg = path.read_text("utf-8")
        assert svg.startswith("<svg") and 'viewBox="0 0 64 64"' in svg and "http://" not in svg.replace(
            'xmlns="http://www.w3.org/2000/svg"', ""
        ), path.name
