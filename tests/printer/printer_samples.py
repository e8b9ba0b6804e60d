"""Sample data for the printer tests, importable by name (a module called `conftest` is not:
pytest keeps only the last one it loaded under that name)."""

from datetime import UTC, datetime

from printer.layout import TicketPrint

VIETNAMESE = "Đăng ký khai sinh, chứng thực, Bảo hiểm y tế"


def sample_ticket() -> TicketPrint:
    return TicketPrint(
        center_name="Trung tâm Phục vụ hành chính công Phường Hoàn Kiếm",
        label="A015",
        category_vi=VIETNAMESE,
        category_en="Birth registration, certification, health insurance",
        # 09:05 in Hà Nội.
        issued_at=datetime(2026, 11, 23, 2, 5, tzinfo=UTC),
        people_ahead=7,
        estimated_wait_minutes=25,
        status_url="https://hanhchinh.hoankiem.gov.vn/s/9f8e7d6c5b4a39281706",
        hotline="1900 1234",
    )
