"""A ticket with every field as long as TicketPrint allows: the longest a ticket can print.
(tests/printer/test_printer_layout.py holds it under 40 kB; bench/print_ticket.py times it.)"""

from datetime import UTC, datetime

from printer.layout import TicketPrint

LONGEST = TicketPrint(
    center_name=("Trung tâm Phục vụ hành chính công Phường Hoàn Kiếm, Thành phố Hà Nội — Bộ phận Tiếp nhận " * 3)[:200],
    label="A015",
    category_vi=("Đăng ký khai sinh, kết hôn, khai tử, chứng thực bản sao, chữ ký, hợp đồng, Bảo hiểm y tế " * 3)[:200],
    category_en=("Birth, marriage and death registration, certified copies, signatures, contracts, insurance " * 3)[:200],
    issued_at=datetime(2026, 11, 23, 2, 5, tzinfo=UTC),
    people_ahead=127,
    estimated_wait_minutes=245,
    status_url="https://dichvucong.phuong-hoan-kiem.ha-noi.gov.vn:8443/t/" + "x" * 22,
    hotline="1900 1234 / 024 3825 1234 / 0912 345 678",
    priority_vi="Người có công với cách mạng",
    priority_en="Meritorious service to the revolution",
)
