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
    "staffing_no_history": {
        "vi": "Chưa có số liệu tiếp nhận trong {weeks} tuần qua vào thứ này; chưa thể đề xuất số quầy.",
        "en": "No tickets on this weekday in the past {weeks} weeks: no advice yet.",
    },
    "staffing_no_service_history": {
        "vi": "Chưa có thời gian phục vụ đo được; dùng thời gian đã cài đặt ({minutes} phút).",
        "en": "No measured service times yet: the configured {minutes} minutes are used.",
    },
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
        "vi": "Số {label} {state}, không thể {action}.",
        "en": "Ticket {label} is {state}; cannot {action}.",
    },
    "counter_held": {
        "vi": "Quầy {number} đang do {name} làm việc (từ {since}). Hãy chọn quầy khác, hoặc nhận thay quầy này.",
        "en": "Counter {number} is worked by {name} (since {since}). Choose another counter, or take this one over.",
    },
    "ticket_not_today": {
        "vi": "Số {label} không phải số của hôm nay.",
        "en": "Ticket {label} is not one of today's.",
    },
    "ticket_label_not_found": {
        "vi": "Hôm nay không có số {label}.",
        "en": "There is no ticket {label} today.",
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
    "method_not_allowed": {
        "vi": "Địa chỉ này không nhận phương thức {method}; chỉ nhận: {allowed}.",
        "en": "This address does not take {method}; it takes: {allowed}.",
    },
    "unreadable_body": {
        "vi": "Không đọc được nội dung gửi lên (cần JSON hợp lệ, mã hóa UTF-8).",
        "en": "The request's body could not be read (it must be valid JSON, in UTF-8).",
    },
    "http_error": {"vi": "Yêu cầu không thực hiện được ({status}).", "en": "The request cannot be done ({status})."},
    "internal_error": {
        "vi": "Máy chủ gặp lỗi. Vui lòng thử lại hoặc báo cán bộ.",
        "en": "The server hit an error. Please try again or ask the staff.",
    },
    "too_many_connections": {
        "vi": "Quá nhiều kết nối từ địa chỉ này hoặc tới máy chủ; xin thử lại sau.",
        "en": "Too many connections from this address or to the server; please try again later.",
    },
    # A websocket close reason holds at most 123 bytes: both languages, short.
    "too_many_websockets": {"vi": "Quá nhiều kết nối, thử lại sau", "en": "Too many connections, retry later"},
    "body_too_large": {
        "vi": "Nội dung yêu cầu quá lớn (tối đa {limit} byte).",
        "en": "The request body is too large (at most {limit} bytes).",
    },
    "server_busy": {
        "vi": "Máy chủ đang quá tải, vui lòng thử lại sau giây lát.",
        "en": "The server is overloaded; please try again in a moment.",
    },
    "workers_need_postgres": {
        "vi": "Chạy {workers} tiến trình máy chủ cần cơ sở dữ liệu PostgreSQL (MOTCUA_DATABASE_URL=postgresql+psycopg://...); với SQLite, máy chủ chạy một tiến trình (bỏ --workers).",
        "en": "{workers} server processes need a PostgreSQL database (MOTCUA_DATABASE_URL=postgresql+psycopg://...); on SQLite the server runs as one process (leave out --workers).",
    },
    "database_busy": {
        "vi": "Cơ sở dữ liệu đang bận (một chương trình khác, như bản sao lưu, đang giữ khóa); chưa ghi gì. Vui lòng thử lại sau giây lát.",
        "en": "The database is busy (another program, a backup perhaps, holds its lock); nothing was saved. Please try again in a moment.",
    },
    "database_full": {
        "vi": "Ổ đĩa của máy chủ đã đầy; chưa ghi gì. Vui lòng báo quản trị viên giải phóng dung lượng.",
        "en": "The server's disk is full; nothing was saved. Please ask the administrator to free some space.",
    },
    "database_read_only": {
        "vi": "Cơ sở dữ liệu đang ở chế độ chỉ đọc; chưa ghi gì. Vui lòng báo quản trị viên kiểm tra quyền ghi của tệp.",
        "en": "The database is read-only; nothing was saved. Please ask the administrator to check the file's permissions.",
    },
    "database_io_error": {
        "vi": "Ổ đĩa của máy chủ gặp lỗi đọc/ghi; chưa ghi gì. Vui lòng thử lại hoặc báo quản trị viên.",
        "en": "The server's disk failed to read or write; nothing was saved. Please try again or ask the administrator.",
    },
    "database_unreachable": {
        "vi": "Máy chủ không kết nối được tới cơ sở dữ liệu; chưa ghi gì. Vui lòng thử lại sau giây lát hoặc báo quản trị viên.",
        "en": "The server cannot reach its database; nothing was saved. Please try again in a moment or ask the administrator.",
    },
    # /healthz (server/health.py) also reports database_unreachable: why this server should not be sent requests now.
    "database_timeout": {
        "vi": "Cơ sở dữ liệu không trả lời kịp.",
        "en": "The database did not answer in time.",
    },
    "database_missing": {
        "vi": "Tệp cơ sở dữ liệu đã bị xóa hoặc di chuyển khi máy chủ đang chạy; hãy khôi phục tệp rồi khởi động lại máy chủ.",
        "en": "The database file was deleted or moved while the server runs; put it back, then restart the server.",
    },
    "database_replaced": {
        "vi": "Tệp cơ sở dữ liệu đã bị thay bằng tệp khác khi máy chủ đang chạy; hãy khởi động lại máy chủ.",
        "en": "The database file was replaced while the server runs; restart the server.",
    },
    "migrations_behind": {
        "vi": "Cơ sở dữ liệu chưa được nâng cấp lên phiên bản của máy chủ; hãy khởi động lại máy chủ để nâng cấp.",
        "en": "The database is at an older schema than this server's; restart the server to migrate it.",
    },
    "migrations_unknown": {
        "vi": "Cơ sở dữ liệu thuộc một phiên bản motcua mới hơn máy chủ này; hãy nâng cấp máy chủ.",
        "en": "The database was migrated by a newer motcua than this server; upgrade this server.",
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
    "province_account": {
        "vi": "Tài khoản cấp tỉnh (vai trò province) cần mã tỉnh và không thuộc trung tâm nào; vai trò khác thì không có mã tỉnh.",
        "en": "A province account (role province) needs a province code and no center; no other role has a province code.",
    },
    "center_code_taken": {"vi": "Mã trung tâm {center} đã được dùng.", "en": "The center code {center} is already taken."},
    "ward_outside_province": {
        "vi": "Xã, phường này không thuộc tỉnh, thành phố của tài khoản hoặc của trung tâm.",
        "en": "This commune or ward is not in the account's or the center's province.",
    },
    "user_exists": {"vi": "Tài khoản {username} đã tồn tại.", "en": "An account named {username} already exists."},
    "device_not_found": {"vi": "Không tìm thấy thiết bị.", "en": "Device not found."},
    "device_revoked": {"vi": "Thiết bị này đã bị thu hồi.", "en": "This device was revoked."},
    "sign_in_throttled": {
        "vi": "Đăng nhập sai nhiều lần; vui lòng thử lại sau {seconds} giây.",
        "en": "Too many wrong sign-ins; please try again in {seconds} seconds.",
    },
    # Why an officer's open event stream was closed (the console asks to sign in again).
    "signed_out": {"vi": "Đã đăng xuất.", "en": "Signed out."},
    "session_ended": {
        "vi": "Phiên đăng nhập đã kết thúc (tài khoản bị khóa, đổi vai trò hoặc đổi mật khẩu).",
        "en": "The session ended (account disabled, role or password changed).",
    },
    "no_printer": {"vi": "{place} không có máy in.", "en": "{place} has no printer."},
    "print_in_progress": {"vi": "Số {label} đang được in.", "en": "Ticket {label} is being printed."},
    # The printer of the entrance desk, as a print fault names it ("Máy in bàn tiếp đón hết giấy").
    "printer_place_desk": {"vi": "bàn tiếp đón", "en": "entrance desk"},
    # A counter whose appointment slips have no printer ("Quầy 3 không có máy in").
    "printer_place_counter": {"vi": "Quầy {number}", "en": "Counter {number}"},
    # Priority groups, as printed on a ticket and shown on screens.
    "priority_elderly": {"vi": "Người cao tuổi", "en": "Elderly"},
    "priority_disabled": {"vi": "Người khuyết tật", "en": "Person with a disability"},
    "priority_pregnant": {"vi": "Phụ nữ mang thai", "en": "Pregnant woman"},
    "priority_small_child": {"vi": "Người đi cùng trẻ nhỏ", "en": "With a small child"},
    "priority_meritorious": {"vi": "Người có công với cách mạng", "en": "Person of meritorious service"},
    "province_not_found": {
        "vi": "Không có tỉnh, thành phố này trong danh mục đơn vị hành chính.",
        "en": "No such province or city in the official list.",
    },
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
    "counter_inactive": {
        "vi": "Quầy {number} đã ngừng sử dụng.",
        "en": "Counter {number} is retired.",
    },
    "procedure_has_dossiers": {
        "vi": "Thủ tục {name_vi} đã có {count} hồ sơ nên không xóa được; hãy ngừng sử dụng thủ tục này.",
        "en": "{name_en} has {count} dossiers, so it cannot be deleted; retire it instead.",
    },
    "category_has_tickets": {
        "vi": "Lĩnh vực {name_vi} còn {count} số đang chờ hoặc đang phục vụ hôm nay; hãy phục vụ xong "
        "hoặc chuyển các số này sang lĩnh vực khác rồi mới ngừng sử dụng.",
        "en": "{name_en} still has {count} tickets waiting or being served today; serve them or transfer "
        "them to another category before retiring it.",
    },
    "counter_has_tickets": {
        "vi": "Quầy {number} còn {count} số đang chờ riêng quầy này hoặc đang phục vụ; hãy phục vụ xong "
        "hoặc chuyển các số này đi rồi mới ngừng sử dụng.",
        "en": "Counter {number} still has {count} tickets waiting for it by name or being served; serve "
        "them or transfer them before retiring it.",
    },
    "dossier_not_found": {"vi": "Không tìm thấy hồ sơ.", "en": "Dossier not found."},
    "dossier_code_taken": {
        "vi": "Mã hồ sơ {dossier_code} đã được tiếp nhận trước đó ở trung tâm này.",
        "en": "Dossier code {dossier_code} was already received at this center.",
    },
    "dossier_ticket_not_served": {
        "vi": "Số {label} chưa được gọi đến quầy; chỉ tiếp nhận hồ sơ của số đang hoặc vừa được phục vụ.",
        "en": "Ticket {label} has not been called to a counter; dossiers are received from the ticket being or just served.",
    },
    "dossier_not_your_ticket": {
        "vi": "Số {label} được phục vụ ở quầy {number} ({name}); hồ sơ do cán bộ quầy đó tiếp nhận.",
        "en": "Ticket {label} is served at counter {number} ({name}); its officer receives the dossier.",
    },
    "dossier_invalid_transition": {
        "vi": "Hồ sơ {dossier_code} {state}, không thể chuyển sang “{target}”.",
        "en": "Dossier {dossier_code} is {state}; it cannot become “{target}”.",
    },
    "dossier_not_late": {
        "vi": "Hồ sơ {dossier_code} không trễ hạn, không cần thư xin lỗi.",
        "en": "Dossier {dossier_code} is not late; it needs no apology letter.",
    },
    "procedure_inactive": {
        "vi": "Thủ tục {name_vi} đã ngừng sử dụng.",
        "en": "Procedure {name_en} is retired.",
    },
    "cannot_disable_self": {
        "vi": "Không thể tự khoá hoặc hạ quyền tài khoản đang dùng.",
        "en": "You cannot disable or demote the account you are signed in with.",
    },
    # --- ratings (server.ratings) --------------------------------------------------------------
    "rating_exists": {
        "vi": "Số {label} đã được đánh giá rồi; mỗi số chỉ đánh giá một lần. Xin cảm ơn ông/bà!",
        "en": "Ticket {label} has already been rated; each ticket is rated once. Thank you!",
    },
    "rating_not_done": {
        "vi": "Số {label} {state}; chỉ đánh giá được sau khi đã phục vụ xong.",
        "en": "Ticket {label} is {state}; it can be rated once it has been served.",
    },
    "rating_not_at_counter": {
        "vi": "Số {label} không phải số quầy {number} vừa phục vụ xong; hãy đánh giá từ trang tra cứu của số này.",
        "en": "Ticket {label} is not the one counter {number} has just completed; rate it from its status page.",
    },
    "rating_closed": {
        "vi": "Đã hết hạn đánh giá số {label} (chỉ đánh giá trong ngày được phục vụ).",
        "en": "Ticket {label} can no longer be rated (only on the day it was served).",
    },
    "rating_dossier_not_returned": {
        "vi": "Hồ sơ {dossier_code} {state}; chỉ đánh giá được sau khi đã trả kết quả.",
        "en": "Dossier {dossier_code} is {state}; it can be rated once its result has been returned.",
    },
    "rating_dossier_exists": {
        "vi": "Lần phục vụ của hồ sơ {dossier_code} (số {label}) đã được đánh giá rồi; mỗi lượt chỉ đánh giá một lần. Xin cảm ơn ông/bà!",
        "en": "The service of dossier {dossier_code} (ticket {label}) has already been rated; each visit is rated once. Thank you!",
    },
    "rating_dossier_closed": {
        "vi": "Đã hết hạn đánh giá hồ sơ {dossier_code} (chỉ đánh giá trong {days} ngày sau khi trả kết quả).",
        "en": "Dossier {dossier_code} can no longer be rated (only within {days} days of its result being returned).",
    },
    "rating_not_your_counter": {
        "vi": "Chỉ cán bộ đang làm việc tại quầy {number} mới ghi được đánh giá của quầy này.",
        "en": "Only the officer working counter {number} can record its ratings.",
    },
    # --- why an input was refused (server.invalid): "<field>: <reason>" -------------------------
    "field_request": {"vi": "Dữ liệu gửi lên", "en": "The request"},
    "field_item": {"vi": "mục {n}", "en": "item {n}"},
    "field_prefix": {"vi": "Chữ cái", "en": "Prefix"},
    "field_name_vi": {"vi": "Tên tiếng Việt", "en": "Vietnamese name"},
    "field_name_en": {"vi": "Tên tiếng Anh", "en": "English name"},
    "field_pictogram": {"vi": "Biểu tượng", "en": "Pictogram"},
    "field_color": {"vi": "Màu", "en": "Colour"},
    "field_sessions": {"vi": "Giờ tiếp nhận", "en": "Opening hours"},
    "field_daily_cap": {"vi": "Số phiếu tối đa mỗi ngày", "en": "Tickets per day at most"},
    "field_service_minutes": {"vi": "Phút phục vụ thường mất", "en": "Usual service minutes"},
    "field_position": {"vi": "Thứ tự hiển thị", "en": "Display order"},
    "field_active": {"vi": "Đang sử dụng", "en": "In use"},
    "field_category_id": {"vi": "Lĩnh vực", "en": "Category"},
    "field_counter_id": {"vi": "Quầy", "en": "Counter"},
    # A procedure's code on the admin page, a dossier's (mã hồ sơ) at the counter.
    "field_code": {"vi": "Mã", "en": "Code"},
    "field_ticket_id": {"vi": "Số thứ tự", "en": "Ticket"},
    "field_dossier_token": {"vi": "Mã tra cứu của hồ sơ", "en": "The dossier's status code"},
    "field_procedure_id": {"vi": "Thủ tục", "en": "Procedure"},
    # Ids in paths and queries (server.ids bounds them all).
    "field_center_id": {"vi": "Trung tâm", "en": "Center"},
    "field_dossier_id": {"vi": "Hồ sơ", "en": "Dossier"},
    "field_job_id": {"vi": "Lệnh in", "en": "Print job"},
    "field_user_id": {"vi": "Tài khoản", "en": "Account"},
    "field_device_id": {"vi": "Thiết bị", "en": "Device"},
    "field_notice_id": {"vi": "Thông báo", "en": "Notice"},
    "field_province_code": {"vi": "Tỉnh, thành phố", "en": "Province"},
    "field_before": {"vi": "Trang tiếp theo (trước mã)", "en": "Next page (before id)"},
    "field_since": {"vi": "Từ sự kiện số", "en": "Since event"},
    "field_attempts": {"vi": "Số lần in thử", "en": "Print attempts"},
    "field_id": {"vi": "Mã", "en": "Id"},
    "field_limit": {"vi": "Số dòng", "en": "How many"},
    "field_weeks": {"vi": "Số tuần số liệu", "en": "Weeks of history"},
    "field_target_minutes": {"vi": "Mục tiêu chờ (phút)", "en": "Wait target (min)"},
    "field_wait_target_minutes": {"vi": "Mục tiêu chờ (phút)", "en": "Wait target (min)"},
    "field_volume": {"vi": "Âm lượng", "en": "Volume"},
    "field_ticket_digits": {"vi": "Đọc số vé từng chữ số", "en": "Read ticket numbers digit by digit"},
    "field_citizen_name": {"vi": "Họ tên công dân", "en": "Citizen's name"},
    "field_citizen_phone": {"vi": "Số điện thoại", "en": "Phone number"},
    "field_state": {"vi": "Trạng thái", "en": "State"},
    "field_missing_documents": {"vi": "Giấy tờ cần bổ sung", "en": "Documents missing"},
    "field_reject_reason": {"vi": "Lý do từ chối", "en": "Reason for refusing"},
    "field_personal_data_retention_days": {
        "vi": "Số ngày giữ họ tên, số điện thoại sau khi trả hồ sơ",
        "en": "Days a closed dossier keeps the name and phone",
    },
    "field_afternoon_cutoff": {"vi": "Giờ chốt nhận hồ sơ buổi chiều", "en": "Afternoon cut-off"},
    "field_days_off": {"vi": "Ngày nghỉ riêng của trung tâm", "en": "The center's own days off"},
    "field_working_saturdays": {"vi": "Thứ Bảy làm bù", "en": "Working Saturdays (làm bù)"},
    "field_processing_days": {"vi": "Thời hạn giải quyết", "en": "Processing time"},
    "field_number": {"vi": "Số quầy", "en": "Counter number"},
    "field_categories": {"vi": "Lĩnh vực phục vụ", "en": "Categories served"},
    "field_weight": {"vi": "Trọng số", "en": "Weight"},
    "field_username": {"vi": "Tên đăng nhập", "en": "Username"},
    "field_full_name": {"vi": "Họ và tên", "en": "Full name"},
    "field_role": {"vi": "Vai trò", "en": "Role"},
    "field_password": {"vi": "Mật khẩu", "en": "Password"},
    "field_kind": {"vi": "Loại thiết bị", "en": "Device kind"},
    "field_name": {"vi": "Tên thiết bị", "en": "Device name"},
    "field_text_vi": {"vi": "Nội dung tiếng Việt", "en": "Vietnamese text"},
    "field_text_en": {"vi": "Nội dung tiếng Anh", "en": "English text"},
    "field_address": {"vi": "Địa chỉ", "en": "Address"},
    "field_hotline": {"vi": "Đường dây nóng", "en": "Hotline"},
    "field_ward_code": {"vi": "Xã, phường", "en": "Commune or ward"},
    "field_priority_rule": {"vi": "Cách gọi số ưu tiên", "en": "Priority rule"},
    "field_priority_ratio": {"vi": "Số thường sau mỗi số ưu tiên", "en": "Ordinary tickets per priority one"},
    "field_ageing_minutes": {"vi": "Số phút chờ để được ưu tiên", "en": "Minutes before a wait counts as priority"},
    "field_observe_public_holidays": {"vi": "Nghỉ ngày lễ", "en": "Closed on public holidays"},
    "field_pause_alert_minutes": {"vi": "Cảnh báo tạm dừng quá (phút)", "en": "Alert after a pause of (min)"},
    "field_wait_alert_minutes": {"vi": "Cảnh báo chờ quá (phút)", "en": "Alert after a wait of (min)"},
    "field_priority_group": {"vi": "Nhóm ưu tiên", "en": "Priority group"},
    "field_idempotency_key": {"vi": "Mã chống trùng", "en": "Idempotency key"},
    "field_note": {"vi": "Ghi chú", "en": "Note"},
    "field_source": {"vi": "Nguồn", "en": "Source"},
    "field_level": {"vi": "Mức độ hài lòng", "en": "How satisfied"},
    "field_reasons": {"vi": "Lý do", "en": "Reasons"},
    "field_comment": {"vi": "Góp ý", "en": "Comment"},
    "field_token": {"vi": "Mã tra cứu của số", "en": "The ticket's status code"},
    "field_ticket_id": {"vi": "Số thứ tự", "en": "Ticket"},
    "field_dossier_token": {"vi": "Mã tra cứu của hồ sơ", "en": "The dossier's status code"},
    "reason_reasons_when_satisfied": {
        "vi": "chỉ chọn lý do khi chưa hài lòng (bình thường hoặc không hài lòng)",
        "en": "are given only when not satisfied (neutral or dissatisfied)",
    },
    "reason_rating_from": {
        "vi": "gửi một trong ba: mã tra cứu của số hoặc của hồ sơ (từ điện thoại), hoặc số thứ tự và quầy (từ quầy), không cả hai",
        "en": "give one of: the ticket's or the dossier's status token (from a phone), or the ticket and its counter (at the counter), not both",
    },
    "reason_repeated": {"vi": "có mục bị lặp lại", "en": "has an item twice"},
    "reason_missing": {"vi": "chưa nhập", "en": "is required"},
    "reason_empty": {"vi": "không được để trống", "en": "must not be empty"},
    "reason_string_too_short": {"vi": "cần ít nhất {min_length} ký tự", "en": "needs at least {min_length} characters"},
    "reason_string_too_long": {"vi": "dài quá {max_length} ký tự", "en": "is longer than {max_length} characters"},
    "reason_string_pattern_mismatch": {"vi": "không đúng định dạng", "en": "is not in the expected form"},
    "reason_greater_than_equal": {"vi": "phải từ {ge} trở lên", "en": "must be at least {ge}"},
    "reason_greater_than": {"vi": "phải lớn hơn {gt}", "en": "must be greater than {gt}"},
    "reason_less_than_equal": {"vi": "không được quá {le}", "en": "must be at most {le}"},
    "reason_less_than": {"vi": "phải nhỏ hơn {lt}", "en": "must be less than {lt}"},
    "reason_int_parsing": {"vi": "phải là một số nguyên", "en": "must be a whole number"},
    "reason_bool_parsing": {"vi": "phải là có hoặc không", "en": "must be yes or no"},
    "reason_enum": {"vi": "phải là một trong: {expected}", "en": "must be one of: {expected}"},
    "reason_too_long": {"vi": "nhiều nhất {max_length} mục", "en": "takes at most {max_length} items"},
    "reason_too_short": {"vi": "cần ít nhất {min_length} mục", "en": "needs at least {min_length} items"},
    "reason_extra_forbidden": {"vi": "không có trường này", "en": "is not a field of this form"},
    "reason_json_invalid": {"vi": "không phải JSON hợp lệ", "en": "is not valid JSON"},
    "reason_wrong_type": {"vi": "sai kiểu dữ liệu", "en": "has the wrong type"},
    "reason_other": {"vi": "không hợp lệ ({detail})", "en": "is not valid ({detail})"},
    "reason_session_form": {
        "vi": "mỗi ca ghi dạng GG:PP-GG:PP, từ 00:00 đến 24:00 (vd. 07:30-11:30); “{session}” không đúng dạng đó",
        "en": "each session is HH:MM-HH:MM, from 00:00 to 24:00 (like 07:30-11:30); “{session}” is not",
    },
    "reason_session_order": {
        "vi": "ca {session} phải bắt đầu trước giờ kết thúc",
        "en": "session {session} must start before it ends",
    },
    "reason_session_overlap": {
        "vi": "ca {first} và ca {second} trùng giờ nhau",
        "en": "sessions {first} and {second} overlap",
    },
    "reason_pictogram_unknown": {
        "vi": "không có biểu tượng “{name}”; hãy chọn một trong: {names}",
        "en": "there is no pictogram “{name}”; pick one of: {names}",
    },
    "reason_category_twice": {"vi": "một lĩnh vực được chọn hai lần", "en": "a category is chosen twice"},
    "reason_control_characters": {
        "vi": "không được chứa ký tự điều khiển (xuống dòng, tab...)",
        "en": "must not contain control characters (line breaks, tabs...)",
    },
    "reason_missing_documents_required": {
        "vi": "hãy ghi rõ giấy tờ công dân cần bổ sung",
        "en": "say which documents the citizen must bring",
    },
    "reason_reject_reason_required": {"vi": "hãy ghi lý do từ chối", "en": "give the reason for refusing"},
    "reason_not_a_phone": {
        "vi": "phải là số điện thoại Việt Nam: 10 hoặc 11 chữ số bắt đầu bằng 0 (vd. 0912 345 678), hoặc +84",
        "en": "must be a Vietnamese phone number: 10 or 11 digits starting with 0 (like 0912 345 678), or +84",
    },
    "reason_date_from_datetime_parsing": {"vi": "có ngày không hợp lệ (ghi dạng dd/mm/yyyy)", "en": "holds a date that is not valid (write dd/mm/yyyy)"},
    "reason_date_parsing": {"vi": "có ngày không hợp lệ (ghi dạng dd/mm/yyyy)", "en": "holds a date that is not valid (write dd/mm/yyyy)"},
    "reason_not_a_saturday": {"vi": "ngày {day} không phải thứ Bảy", "en": "{day} is not a Saturday"},
    "reason_date_twice": {"vi": "ngày {day} được nhập hai lần", "en": "{day} is entered twice"},
    "pattern_code": {
        "vi": "chỉ gồm chữ, số và . - _ /, không có khoảng trắng, dài 1 đến 40 ký tự",
        "en": "only letters, digits and . - _ /, no spaces, 1 to 40 long",
    },
    "pattern_afternoon_cutoff": {"vi": "phải ở dạng GG:PP (vd. 16:30)", "en": "must be HH:MM (like 16:30)"},
    "pattern_prefix": {
        "vi": "phải là một hoặc hai chữ cái in hoa từ A đến Z (vd. A, HT)",
        "en": "must be one or two capital letters A to Z (like A, HT)",
    },
    "pattern_color": {"vi": "phải là mã màu dạng #RRGGBB (vd. #1565c0)", "en": "must be a colour like #1565c0"},
    "pattern_username": {
        "vi": "chỉ gồm chữ thường không dấu, chữ số và . _ -, bắt đầu bằng chữ hoặc số, dài 2 đến 64 ký tự",
        "en": "only lowercase letters without accents, digits and . _ -, starting with a letter or digit, 2 to 64 long",
    },
    # The leader's reports: column headers of the CSV and XLSX exports, and the chart.
    "report_title": {"vi": "Báo cáo {center}, {first} – {last}", "en": "Report of {center}, {first} – {last}"},
    "report_col_name": {"vi": "Tên", "en": "Name"},
    "report_col_issued": {"vi": "Số đã phát", "en": "Issued"},
    "report_col_called": {"vi": "Số đã gọi", "en": "Called"},
    "report_col_served": {"vi": "Đã phục vụ", "en": "Served"},
    "report_col_no_show": {"vi": "Vắng mặt", "en": "No-show"},
    "report_col_cancelled": {"vi": "Đã huỷ", "en": "Cancelled"},
    "report_col_transferred": {"vi": "Đã chuyển", "en": "Transferred"},
    "report_col_wait_mean": {"vi": "Chờ trung bình (phút)", "en": "Mean wait (min)"},
    "report_col_wait_median": {"vi": "Chờ trung vị (phút)", "en": "Median wait (min)"},
    "report_col_wait_p90": {"vi": "Chờ 90% (phút)", "en": "90th percentile wait (min)"},
    "report_col_service_mean": {"vi": "Phục vụ trung bình (phút)", "en": "Mean service (min)"},
    "report_col_service_p90": {"vi": "Phục vụ 90% (phút)", "en": "90th percentile service (min)"},
    "report_col_very_satisfied": {"vi": "Rất hài lòng", "en": "Very satisfied"},
    "report_col_satisfied": {"vi": "Hài lòng", "en": "Satisfied"},
    "report_col_neutral": {"vi": "Bình thường", "en": "Neutral"},
    "report_col_dissatisfied": {"vi": "Không hài lòng", "en": "Dissatisfied"},
    "report_col_satisfaction_rate": {"vi": "Tỷ lệ hài lòng (%)", "en": "Satisfaction rate (%)"},
    "report_col_dossiers_received": {"vi": "Hồ sơ tiếp nhận", "en": "Dossiers received"},
    "report_col_dossiers_on_time": {"vi": "Trả đúng hạn", "en": "Returned on time"},
    "report_col_dossiers_late": {"vi": "Trả trễ hạn", "en": "Returned late"},
    "report_col_dossiers_overdue": {"vi": "Quá hạn chưa trả", "en": "Overdue, not returned"},
    "report_col_on_time_rate": {"vi": "Tỷ lệ đúng hạn (%)", "en": "On-time rate (%)"},
    "report_total": {"vi": "Tổng", "en": "Total"},
    "report_all_centers": {"vi": "các trung tâm", "en": "all centers"},
    "report_hour": {"vi": "Giờ", "en": "Hour"},
    "report_arrivals": {"vi": "Số người đến theo giờ", "en": "Arrivals by hour"},
    "report_arrivals_desc": {
        "vi": "Số thứ tự đã phát theo từng giờ trong ngày, {first} – {last}; nhiều nhất {most} lúc {hour} giờ.",
        "en": "Tickets issued per hour of the day, {first} – {last}; most: {most} at {hour}:00.",
    },
    "report_range_invalid": {
        "vi": "Khoảng thời gian không hợp lệ: cần ngày cuối không trước ngày đầu, và không quá {days} ngày.",
        "en": "Bad range: the last day must not be before the first, and at most {days} days.",
    },
    # motcua backup / motcua restore (server/backup.py), read by the operator at the terminal.
    "backup_unsupported": {
        "vi": "motcua chỉ sao lưu SQLite và PostgreSQL, không sao lưu {driver}.",
        "en": "motcua backs up SQLite and PostgreSQL only, not {driver}.",
    },
    "backup_pg_tool_missing": {
        "vi": "Không tìm thấy chương trình {tool} của PostgreSQL; hãy cài gói postgresql-client.",
        "en": "PostgreSQL's {tool} was not found: install the postgresql-client package.",
    },
    "backup_pg_failed": {
        "vi": "{tool} thất bại với {path}: {detail}. Không có gì bị thay đổi.",
        "en": "{tool} failed on {path}: {detail}. Nothing was changed.",
    },
    "backup_corrupt_dump": {
        "vi": "Tệp {path} bị hỏng hoặc không phải bản sao lưu pg_dump ({detail}); không khôi phục.",
        "en": "{path} is damaged or not a pg_dump backup ({detail}); nothing restored.",
    },
    "backup_no_database": {
        "vi": "Không có cơ sở dữ liệu tại {path}.",
        "en": "No database at {path}.",
    },
    "backup_corrupt": {
        "vi": "Tệp {path} bị hỏng hoặc không phải cơ sở dữ liệu SQLite ({detail}); không khôi phục.",
        "en": "{path} is damaged or not an SQLite database ({detail}); nothing restored.",
    },
    "backup_not_motcua": {
        "vi": "Tệp {path} không phải bản sao lưu của motcua (không có phiên bản lược đồ); không khôi phục.",
        "en": "{path} is not a motcua backup (no schema version); nothing restored.",
    },
    "backup_newer": {
        "vi": "Bản sao lưu {path} có lược đồ {revision}, mới hơn phiên bản motcua này; hãy nâng cấp motcua trước.",
        "en": "The backup {path} has schema {revision}, newer than this motcua: upgrade motcua first.",
    },
    "backup_in_use": {
        "vi": "Cơ sở dữ liệu {path} đang được mở (máy chủ đang chạy?); hãy dừng máy chủ (systemctl stop motcua-server) rồi khôi phục, hoặc dùng --force.",
        "en": "The database {path} is open (is the server running?): stop it (systemctl stop motcua-server) and restore again, or use --force.",
    },
}


# A ticket's state and what was tried on it, in the words of `invalid_transition`.
STATE_WORDS: dict[str, Message] = {
    "waiting": {"vi": "đang chờ", "en": "waiting"},
    "called": {"vi": "đã được gọi", "en": "called"},
    "serving": {"vi": "đang được phục vụ", "en": "being served"},
    "done": {"vi": "đã hoàn thành", "en": "done"},
    "no_show": {"vi": "đã báo vắng mặt", "en": "marked no-show"},
    "cancelled": {"vi": "đã huỷ", "en": "cancelled"},
    "transferred": {"vi": "đã được chuyển", "en": "transferred"},
}
# A dossier's state, in the words of `dossier_invalid_transition`.
DOSSIER_STATE_WORDS: dict[str, Message] = {
    "received": {"vi": "đã tiếp nhận", "en": "received"},
    "processing": {"vi": "đang giải quyết", "en": "being processed"},
    "needs_more": {"vi": "chờ bổ sung giấy tờ", "en": "waiting for more documents"},
    "ready": {"vi": "đã có kết quả, chờ trả", "en": "ready for pick-up"},
    "returned": {"vi": "đã trả kết quả", "en": "returned"},
    "rejected": {"vi": "bị từ chối", "en": "rejected"},
}
ACTION_WORDS: dict[str, Message] = {
    "call": {"vi": "gọi số này", "en": "call it"},
    "recall": {"vi": "gọi lại", "en": "recall it"},
    "start": {"vi": "bắt đầu phục vụ", "en": "start serving it"},
    "complete": {"vi": "hoàn thành", "en": "complete it"},
    "no_show": {"vi": "báo vắng mặt", "en": "mark it no-show"},
    "cancel": {"vi": "huỷ số", "en": "cancel it"},
    "transfer": {"vi": "chuyển số", "en": "transfer it"},
}


def render(code: str, **values: object) -> Message:
    """The message `code` in both languages; a value given as a Message fills each language
    with its own words."""
    entry = CATALOG[code]
    return {
        language: entry[language].format(**{k: v[language] if isinstance(v, dict) else v for k, v in values.items()})  # type: ignore[literal-required]
        for language in ("vi", "en")
    }  # type: ignore[return-value]
