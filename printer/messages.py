"""Every string the printer package puts on paper or shows to staff, Vietnamese first, then English.

One catalog for the printer package, shaped like the server's (`{"vi": ..., "en": ...}`), so the
server can show a printer fault to staff in either language by its key.
"""

from typing import TypedDict


class Message(TypedDict):
    vi: str
    en: str


CATALOG: dict[str, Message] = {
    # On the ticket.
    "your_number": {"vi": "SỐ THỨ TỰ CỦA BẠN", "en": "YOUR NUMBER"},
    "issued_at": {"vi": "Giờ lấy số", "en": "Issued"},
    "people_ahead": {"vi": "Số người chờ trước: {count}", "en": "People ahead: {count}"},
    "estimated_wait": {"vi": "Thời gian chờ dự kiến: ~{minutes} phút", "en": "Estimated wait: ~{minutes} min"},
    "estimated_wait_unknown": {"vi": "Thời gian chờ dự kiến: chưa rõ", "en": "Estimated wait: unknown"},
    "scan_status": {"vi": "Quét mã để theo dõi lượt", "en": "Scan to follow your turn"},
    "hotline": {"vi": "Đường dây nóng: {phone}", "en": "Hotline: {phone}"},
    "priority": {"vi": "ƯU TIÊN: {group_vi}", "en": "PRIORITY: {group_en}"},
    "keep_ticket": {"vi": "Vui lòng giữ phiếu đến khi được phục vụ", "en": "Please keep this ticket until served"},
    # On the appointment slip (phiếu hẹn trả kết quả), printer/slip.py.
    "slip_title": {"vi": "PHIẾU HẸN TRẢ KẾT QUẢ", "en": "APPOINTMENT SLIP"},
    "slip_dossier_code": {"vi": "Mã hồ sơ", "en": "Dossier code"},
    "slip_procedure": {"vi": "Thủ tục", "en": "Procedure"},
    "slip_received_at": {"vi": "Ngày nhận: {when}", "en": "Received: {when}"},
    "slip_return_date": {"vi": "Ngày hẹn trả kết quả", "en": "Result due"},
    "slip_officer": {"vi": "Cán bộ tiếp nhận: {name}", "en": "Received by: {name}"},
    "slip_address": {"vi": "Địa chỉ: {address}", "en": "Address: {address}"},
    "slip_scan": {"vi": "Quét mã để xem tình trạng hồ sơ", "en": "Scan to follow your dossier"},
    "slip_bring": {
        "vi": "Vui lòng mang theo phiếu này khi đến nhận kết quả",
        "en": "Please bring this slip when you collect the result",
    },
    # Weekdays by date.weekday(): Monday is "Thứ Hai" (Vietnamese counts Sunday as day one).
    "weekday_0": {"vi": "Thứ Hai", "en": "Monday"},
    "weekday_1": {"vi": "Thứ Ba", "en": "Tuesday"},
    "weekday_2": {"vi": "Thứ Tư", "en": "Wednesday"},
    "weekday_3": {"vi": "Thứ Năm", "en": "Thursday"},
    "weekday_4": {"vi": "Thứ Sáu", "en": "Friday"},
    "weekday_5": {"vi": "Thứ Bảy", "en": "Saturday"},
    "weekday_6": {"vi": "Chủ nhật", "en": "Sunday"},
    # Printer faults, for staff and the kiosk screen.
    "printer_unreachable": {
        "vi": "Không kết nối được máy in {printer}.",
        "en": "Cannot reach printer {printer}.",
    },
    "printer_timeout": {
        "vi": "Máy in {printer} không phản hồi.",
        "en": "Printer {printer} does not respond.",
    },
    "printer_disconnected": {
        "vi": "Mất kết nối với máy in {printer} khi đang in.",
        "en": "Lost the connection to printer {printer} while printing.",
    },
    "paper_out": {
        "vi": "Máy in {printer} hết giấy.",
        "en": "Printer {printer} is out of paper.",
    },
    "printer_offline": {
        "vi": "Máy in {printer} đang ngoại tuyến (mở nắp hoặc lỗi).",
        "en": "Printer {printer} is offline (cover open or error).",
    },
    "printer_no_reply": {
        "vi": "Máy in {printer} không xác nhận đã in (không trả lời trạng thái).",
        "en": "Printer {printer} did not confirm the ticket (no status answer).",
    },
    "cover_open": {
        "vi": "Máy in {printer} đang mở nắp.",
        "en": "Printer {printer} has its cover open.",
    },
    "printer_error": {
        "vi": "Máy in {printer} báo lỗi (dao cắt hoặc đầu in).",
        "en": "Printer {printer} reports an error (cutter or print head).",
    },
    "print_interrupted": {
        "vi": "Việc in bị gián đoạn (mất điện hoặc khởi động lại); kiểm tra phiếu, in lại nếu cần.",
        "en": "Printing was interrupted (power cut or restart); check the ticket and reprint if needed.",
    },
}


def text(key: str, lang: str, **values: object) -> str:
    """One message in one language, with its placeholders filled."""
    return CATALOG[key][lang].format(**values)  # type: ignore[literal-required]


def both(key: str, **values: object) -> Message:
    """One message in both languages, with its placeholders filled."""
    return {"vi": text(key, "vi", **values), "en": text(key, "en", **values)}


def pair(key: str, **values: object) -> str:
    """Both languages on one line, Vietnamese first: "Giờ lấy số / Issued"."""
    return f"{text(key, 'vi', **values)} / {text(key, 'en', **values)}"
