"""Every word the wall display shows or says, in Vietnamese and English, in one place.

The board is bilingual (Vietnamese first, English under it) so a translator edits only this
file. The voice phrases are what each clip must say: `display.voice_build` writes them into the
voice folder's manifest, which is the script for a center recording a real voice.
"""

LANGUAGES = ("vi", "en")

UI: dict[str, dict[str, str]] = {
    "now_calling": {"vi": "MỜI CÔNG DÂN CÓ SỐ", "en": "NOW CALLING"},
    "to_counter": {"vi": "ĐẾN QUẦY", "en": "COUNTER"},
    "counter": {"vi": "Quầy", "en": "Counter"},
    "counters_title": {"vi": "CÁC QUẦY ĐANG PHỤC VỤ", "en": "Counters"},
    "waiting_title": {"vi": "SỐ NGƯỜI ĐANG CHỜ", "en": "People waiting"},
    "no_call_yet": {"vi": "Chưa gọi số", "en": "No call yet"},
    "counter_idle": {"vi": "—", "en": "—"},
    "counter_paused": {"vi": "Tạm dừng", "en": "Paused"},
    "counter_closed": {"vi": "Đóng", "en": "Closed"},
    "disconnected": {
        "vi": "Mất kết nối máy chủ — đang kết nối lại…",
        "en": "Server connection lost — reconnecting…",
    },
    "connecting": {"vi": "Đang kết nối máy chủ…", "en": "Connecting to the server…"},
    "refused": {
        "vi": "Máy chủ từ chối màn hình này — kiểm tra mã thiết bị (token) và số trung tâm",
        "en": "The server refused this display — check its device token and center",
    },
    "sound_none": {"vi": "Không có loa", "en": "No sound device"},
    "sound_muted": {"vi": "Đã tắt tiếng", "en": "Sound off"},
    "default_notice": {
        "vi": "Xin vui lòng giữ phiếu số và chú ý màn hình, loa gọi số. Đường dây nóng: {hotline}",
        "en": "Please keep your ticket and watch the screen. Hotline: {hotline}",
    },
}

# datetime.weekday() order: Monday first. Vietnamese counts weekdays from Sunday ("Chủ Nhật")
# as day one, so Monday is "Thứ Hai" (the second day).
WEEKDAYS: dict[str, tuple[str, ...]] = {
    "vi": ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}

# What each voice clip says. Clip names are the same in every language, so a center adds a
# language by dropping same-named files into voice/<language>/.
_LETTERS_VI = {
    "a": "a", "b": "bê", "c": "xê", "d": "dê", "e": "e", "f": "ép", "g": "giê", "h": "hát",
    "i": "i", "j": "gi", "k": "ca", "l": "e lờ", "m": "em mờ", "n": "en nờ", "o": "o",
    "p": "pê", "q": "quy", "r": "e rờ", "s": "ét xì", "t": "tê", "u": "u", "v": "vê",
    "w": "vê kép", "x": "ích xì", "y": "i dài", "z": "dét",
}  # fmt: skip
_DIGITS_VI = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_DIGITS_EN = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
# The words Vietnamese numerals need beyond the digits (display.voice.number_clips says when).
_NUMBERS_VI = {
    "num_ten": "mười", "num_tens": "mươi", "num_hundred": "trăm", "num_linh": "linh",
    "num_mot": "mốt", "num_tu": "tư", "num_lam": "lăm",
}  # fmt: skip
_TEENS_EN = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS_EN = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")

VOICE: dict[str, dict[str, str]] = {
    "vi": {
        "prefix": "Mời công dân có số",
        "to_counter": "đến quầy số",
        "counter": "quầy",
        **{f"letter_{k}": v for k, v in _LETTERS_VI.items()},
        **{f"digit_{i}": word for i, word in enumerate(_DIGITS_VI)},
        **_NUMBERS_VI,
    },
    "en": {
        "prefix": "Ticket number",
        "to_counter": "please go to counter",
        "counter": "counter",
        **{f"letter_{k}": k.upper() for k in _LETTERS_VI},
        **{f"digit_{i}": word for i, word in enumerate(_DIGITS_EN)},
        **{f"num_{10 + i}": word for i, word in enumerate(_TEENS_EN)},
        **{f"num_{20 + 10 * i}": word for i, word in enumerate(_TENS_EN)},
        "num_hundred": "hundred",
    },
}


def text(key: str, language: str = "vi", **values: object) -> str:
    """One UI string; unknown languages fall back to Vietnamese."""
    entry = UI[key]
    return entry.get(language, entry["vi"]).format(**values)
