"""deploy/kiosk-launcher.sh: waits for the server, then starts Chromium in kiosk mode on the
kiosk page with its token and the flags that keep it off the internet. A stand-in for Chromium
records what it was started with; the real Chromium then loads the same address."""

import os
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from browser import CHROMIUM, FLAGS

REPO = Path(__file__).resolve().parents[2]
LAUNCHER = REPO / "deploy" / "kiosk-launcher.sh"


def launch(tmp_path: Path, server_url: str, token: str) -> list[str]:
    fake = tmp_path / "chromium"
    record = tmp_path / "args"
    fake.write_text(f'#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done > {record}\n')
    fake.chmod(0o755)
    env = {
        **os.environ,
        "MOTCUA_SERVER": server_url + "/",
        "MOTCUA_KIOSK_TOKEN": token,
        "MOTCUA_CHROMIUM": str(fake),
        "MOTCUA_KIOSK_PROFILE": str(tmp_path / "profile"),
        "DISPLAY": "",
    }
    subprocess.run(["bash", str(LAUNCHER)], env=env, check=True, timeout=60)
    return record.read_text().splitlines()


def test_launcher_starts_chromium_in_kiosk_mode_on_the_kiosk_page_and_off_the_internet(tmp_path, server, chromium):
    token = server.token_for("kiosk")
    args = launch(tmp_path, server.url, token)
    url = args[-1]
    assert url == f"{server.url}/kiosk?token={token}"
    for flag in ("--kiosk", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"):
        assert flag in args
    assert f"--user-data-dir={tmp_path / 'profile'}" in args
    assert "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" in args
    assert "--proxy-server=http://127.0.0.1:9" in args
    # Chromium with those network flags: the kiosk works (page, API, websocket) ...
    network = [a for a in args if a.startswith(("--host-resolver-rules=", "--proxy-server=", "--proxy-bypass-list="))]
    assert len(network) == 3
    fenced = chromium.browser_type.launch(executable_path=CHROMIUM, args=[*FLAGS, *network])
    try:
        page = fenced.new_page(viewport={"width": 1366, "height": 768})
        page.goto(url)
        expect(page.locator(".tile")).to_have_count(10)
        page.locator('.tile[data-category-id="1"]').click()
        page.locator(".choice.none").click()
        expect(page.locator("#ticket-label")).to_have_text("A001")
        # ... and any other host is out of reach.
        with pytest.raises(PlaywrightError, match="ERR_"):
            page.goto("http://example.com/")
    finally:
        fenced.close()


def test_launcher_waits_for_the_server(tmp_path, server):
    server.stop()
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    env = {**os.environ, "MOTCUA_SERVER": server.url, "MOTCUA_CHROMIUM": str(fake), "MOTCUA_KIOSK_PROFILE": str(tmp_path / "p"), "DISPLAY": ""}
    waiting = subprocess.Popen(["bash", str(LAUNCHER)], env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert "waiting for 127.0.0.1" in waiting.stderr.readline()  # blocks until it says so
        assert waiting.poll() is None
        server.start()
        assert waiting.wait(timeout=30) == 0
    finally:
        if waiting.poll() is None:
            waiting.kill()
