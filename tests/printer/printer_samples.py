"""Sample data for the printer tests, importable by name (a module called `conftest` is not:
pytest keeps only the last one it loaded under that name)."""

from datetime import UTC, date, datetime

from printer.layout import TicketPrint
from printer.slip import SlipContent

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


def sample_slip() -> SlipContent:
    """A dossier received on Wednesday 04/02/2026 at 09:05 in Hà Nội, due Monday 09/02/2026."""
    return SlipContent(
        center_name="Trung tâm Phục vụ hành chính công Phường Hoàn Kiếm",
        center_address="126 Hàng Trống, Phường Hoàn Kiếm, Thành phố Hà Nội",
        hotline="1900 1234",
        procedure_name="Đăng ký khai sinh",
        dossier_code="H26.22-260204-0017",
        received_at=datetime(2026, 2, 4, 2, 5, tzinfo=UTC),
        return_date=date(2026, 2, 9),
        officer_name="Nguyễn Thị Hằng",
        status_url="https://hanhchinh.hoankiem.gov.vn/d/9f8e7d6c5b4a39281706",
    )
