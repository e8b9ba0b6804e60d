"""The demo center's server for kiosk tests, driven through the API the way kiosks and staff
drive it. (Not in conftest.py: pytest keeps one module named conftest, and tests import this.)"""

from pathlib import Path

import httpx

from server_process import ServerProcess


class KioskServer(ServerProcess):
    """The demo center's server with a kiosk device and a staff member of center 1. The kiosk
    device is named "kiosk-1": MOTCUA_PRINTERS keys its printer by that name."""

    def __init__(self, database: Path, voice: Path, env: dict[str, str] | None = None) -> None:
        super().__init__(database, env={"MOTCUA_KIOSK_VOICE_DIR": str(voice), **(env or {})})
        self._tokens: dict[str, str] = {}

    def token_for(self, kind: str) -> str:
        if kind not in self._tokens:
            self._tokens[kind] = self.token(kind)
        return self._tokens[kind]

    def headers(self, kind: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token_for(kind)}"}

    def kiosk_url(self, **params: object) -> str:
        query = "&".join(f"{k}={v}" for k, v in {"token": self.token_for("kiosk"), **params}.items())
        return f"{self.url}/kiosk?{query}"

    def issue(self, category_id: int, **body: object) -> dict:
        r = httpx.post(
            f"{self.url}/api/v1/tickets",
            json={"category_id": category_id, **body},
            headers=self.headers("kiosk"),
            timeout=30,
        )
        assert r.status_code == 201, r.text
        return r.json()

    def call_next(self, counter_id: int) -> dict:
        r = httpx.post(f"{self.url}/api/v1/counters/{counter_id}/call-next", headers=self.headers("staff"), timeout=30)
        assert r.status_code == 200, r.text
        return r.json()

    def admin(self, method: str, path: str, body: dict | None = None) -> dict:
        """The admin API (/api/v1/admin/...) as the center's admin."""
        r = httpx.request(method, f"{self.url}/api/v1/admin{path}", json=body, headers=self.headers("admin"), timeout=30)
        assert r.status_code in (200, 201), r.text
        return r.json()

    def kiosk_device_id(self) -> int:
        """The id of the device whose token `kiosk_url` carries."""
        self.token_for("kiosk")
        return max(d["id"] for d in self.admin("GET", "/centers/1")["devices"] if d["name"] == "kiosk-1")

    def snapshot(self) -> dict:
        r = httpx.get(f"{self.url}/api/v1/centers/1/queue", headers=self.headers("staff"), timeout=30)
        assert r.status_code == 200, r.text
        return r.json()


def tile(page, category_id: int):
    """The home screen's tile of a category."""
    return page.locator(f'.tile[data-category-id="{category_id}"]')
