"""Every message the server sends to people, in Vietnamese first, then English.

One catalog for the server; clients show `vi` or `en` by the user's choice.
"""

from typing import TypedDict


class Message(TypedDict):
    vi: str
    en: str


CATALOG: dict[str, Message] = {
    "center_not_found": {"vi": "Không tìm thấy trung tâm.", "en": "Center not found."},
    "category_not_found": {"vi": "Không tìm thấy lĩnh vực.", "en": "Category not found."},
    "counter_not_found": {"vi": "Không tìm thấy quầy.", "en": "Counter not found."},
    "ticket_not_found": {"vi": "Không tìm thấy số thứ tự.", "en": "Ticket not found."},
    "print_job_not_found": {
        "vi": "Không tìm thấy lệnh in này của máy in trạm in.",
        "en": "No such print job for this print agent's printer.",
    },
    "not_found": {"vi": "Không tìm thấy.", "en": "Not found."},
    "outside_hours": {
        "vi": "Lĩnh vực {name_vi} hiện ngoài giờ tiếp nhận ({hours}).",
        "en": "{name_en} is closed now; open hours: {hours}.",
    },
    "public_holiday": {
        "vi": "Hôm nay là ngày nghỉ lễ ({holiday_vi}); trung tâm không tiếp nhận hồ sơ.",
        "en": "Today is a public holiday ({holiday_en}); the center is closed.",
    },
    "category_inactive": {
        "vi": "Lĩnh vực {name_vi} tạm ngừng tiếp nhận.",
        "en": "{name_en} is not taking tickets.",
    },
    "daily_cap_reached": {
        "vi": "Lĩnh vực {name_vi} đã hết số hôm nay ({cap} số). Mời ông/bà quay lại ngày làm việc tiếp theo.",
        "en": "{name_en} has given out all {cap} tickets for today. Please come back on the next working day.",
    },
    "counter_paused": {
        "vi": "Quầy {number} đang tạm dừng.",
        "en": "Counter {number} is paused.",
    },
    "counter_closed": {"vi": "Quầy {number} đang đóng.", "en": "Counter {number} is closed."},
    "counter_busy": {
        "vi": "Quầy {number} đang phục vụ số {label}; hãy hoàn thành hoặc báo vắng trước.",
        "en": "Counter {number} still has {label}; complete it or mark it no-show first.",
    },
    "queue_empty": {
        "vi": "Không còn ai đang chờ ở quầy {number}.",
        "en": "Nobody is waiting for counter {number}.",
    },
    "invalid_transition": {
        "vi": "Số {label} đang ở trạng thái {state}, không thể {action}.",
        "en": "Ticket {label} is {state}; cannot {action}.",
    },
    "idempotency_conflict": {
        "vi": "Mã chống trùng đã được dùng cho một yêu cầu khác.",
        "en": "This idempotency key was already used for a different request.",
    },
    "transfer_same_place": {
        "vi": "Số {label} đã ở nơi này.",
        "en": "Ticket {label} is already there.",
    },
    "invalid_input": {"vi": "Dữ liệu gửi lên không hợp lệ.", "en": "The request is not valid."},
    "internal_error": {
        "vi": "Máy chủ gặp lỗi. Vui lòng thử lại hoặc báo cán bộ.",
        "en": "The server hit an error. Please try again or ask the staff.",
    },
    "server_busy": {
        "vi": "Máy chủ đang quá tải, vui lòng thử lại sau giây lát.",
        "en": "The server is overloaded; please try again in a moment.",
    },
    "too_many_requests": {
        "vi": "Quá nhiều yêu cầu, vui lòng thử lại sau giây lát.",
        "en": "Too many requests; please try again in a moment.",
    },
    "unauthorized": {
        "vi": "Vui lòng đăng nhập (hoặc thiết bị chưa được đăng ký).",
        "en": "Please sign in (or this device is not registered).",
    },
    "forbidden": {"vi": "Tài khoản không có quyền làm việc này.", "en": "This account may not do that."},
    "csrf_failed": {
        "vi": "Phiên làm việc không hợp lệ, vui lòng tải lại trang.",
        "en": "The request did not come from this session's page; reload the page.",
    },
    "bad_credentials": {
        "vi": "Sai tên đăng nhập hoặc mật khẩu.",
        "en": "Wrong username or password.",
    },
    "user_not_found": {"vi": "Không có tài khoản {username}.", "en": "No account named {username}."},
    "user_exists": {"vi": "Tài khoản {username} đã tồn tại.", "en": "An account named {username} already exists."},
    "device_not_found": {"vi": "Không tìm thấy thiết bị.", "en": "Device not found."},
    "device_revoked": {"vi": "Thiết bị này đã bị thu hồi.", "en": "This device was revoked."},
    "display_offline": {
        "vi": "Màn hình {name} mất kết nối với máy chủ.",
        "en": "Display {name} lost its connection to the server.",
    },
    "no_printer": {"vi": "{place} không có máy in.", "en": "{place} has no printer."},
    "print_in_progress": {"vi": "Số {label} đang được in.", "en": "Ticket {label} is being printed."},
    # The printer of the entrance desk, as a print fault names it ("Máy in bàn tiếp đón hết giấy").
    "printer_place_desk": {"vi": "bàn tiếp đón", "en": "entrance desk"},
    # Priority groups, as printed on a ticket and shown on screens.
    "priority_elderly": {"vi": "Người cao tuổi", "en": "Elderly"},
    "priority_disabled": {"vi": "Người khuyết tật", "en": "Person with a disability"},
    "priority_pregnant": {"vi": "Phụ nữ mang thai", "en": "Pregnant woman"},
    "priority_small_child": {"vi": "Người đi cùng trẻ nhỏ", "en": "With a small child"},
    "priority_meritorious": {"vi": "Người có công với cách mạng", "en": "Person of meritorious service"},
    "ward_not_found": {
        "vi": "Không có xã, phường này trong danh mục đơn vị hành chính.",
        "en": "No such commune or ward in the official list.",
    },
    "category_prefix_taken": {
        "vi": "Chữ cái {prefix} đã dùng cho lĩnh vực khác.",
        "en": "Prefix {prefix} is already used by another category.",
    },
    "counter_number_taken": {"vi": "Đã có quầy số {number}.", "en": "Counter {number} already exists."},
    "procedure_not_found": {"vi": "Không tìm thấy thủ tục.", "en": "Procedure not found."},
    "notice_not_found": {"vi": "Không tìm thấy thông báo.", "en": "Notice not found."},
    "cannot_disable_self": {
        "vi": "Không thể tự khoá hoặc hạ quyền tài khoản đang dùng.",
        "en": "You cannot disable or demote the account you are signed in with.",
    },
}


def render(code: str, **values: object) -> Message:
    entry = CATALOG[code]
    return {"vi": entry["vi"].format(**values), "en": entry["en"].format(**values)}
