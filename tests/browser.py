"""Real headless Chromium for the kiosk and console tests (a plain module, not a conftest:
pytest keeps one module named conftest, and several test folders import this).

Debian's `chromium` (deploy/packages.txt), driven by Playwright's driver; never a browser that
Playwright downloads. Each test gets a fresh context (cookies, storage); Playwright gives each
launch a fresh, empty profile folder. Screenshots go to test-output/<component>/ (gitignored).
axe-core, for accessibility checks, comes from the npm registry into .cache/npm (gitignored)
the first time a test needs it.
"""

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

REPO = Path(__file__).resolve().parent.parent
OUTPUT = REPO / "test-output"
CHROMIUM = os.environ.get("MOTCUA_CHROMIUM", "/usr/bin/chromium")
# Keep Chromium off the network: no update checks, sync, field trials or QUIC.
FLAGS = [
    "--no-sandbox",  # tests run as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
    "--autoplay-policy=no-user-gesture-required",
]
AXE_VERSION = "4"
AXE_FOLDER = REPO / ".cache" / "npm"
AXE_SCRIPT = AXE_FOLDER / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"portrait": (1080, 1920), "full-hd": (1920, 1080), "laptop": (1366, 768)}


@contextmanager
def chromium() -> Iterator[Browser]:
    if not Path(CHROMIUM).is_file():
        raise RuntimeError(f"{CHROMIUM} not found: apt-get install chromium (deploy/packages.txt)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


# Chromium logs each thing the Content-Security-Policy refused as a console error.
CSP_REFUSAL = "Content Security Policy"


@contextmanager
def context(browser: Browser, width: int = 1366, height: int = 768, **options: object) -> Iterator[BrowserContext]:
    """A fresh context (no cookies, no localStorage) with a viewport; pages opened in it log
    their script errors to `page.errors` and what the server's Content-Security-Policy
    refused to `page.csp_refusals` (lists). A refusal fails the test when the context closes:
    every page test also checks that the pages live within their policy."""
    ctx = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN", **options)  # type: ignore[arg-type]
    ctx.set_default_timeout(15_000)
    pages: list[Page] = []

    def track(page: Page) -> None:
        pages.append(page)
        page.errors = []  # type: ignore[attr-defined]
        page.csp_refusals = []  # type: ignore[attr-defined]
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))  # type: ignore[attr-defined]

        def console(message) -> None:  # type: ignore[no-untyped-def]
            if CSP_REFUSAL in message.text:
                page.csp_refusals.append(f"{page.url}: {message.text}")  # type: ignore[attr-defined]

        page.on("console", console)

    ctx.on("page", track)
    try:
        yield ctx
    finally:
        ctx.close()
    # (A test's own page.wait_for_function takes a function, "() => ...": an expression is
    # run through eval, which the policy refuses.)
    refusals = [refusal for page in pages for refusal in page.csp_refusals]  # type: ignore[attr-defined]
    assert not refusals, refusals


def screenshot(page: Page, component: str, name: str) -> Path:
    path = OUTPUT / component / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    return path


def overflow(page: Page) -> dict[str, int]:
    """How far the page scrolls beyond the viewport (0, 0 when it fits)."""
    return page.evaluate(
        """() => {
            const el = document.scrollingElement;
            return {x: el.scrollWidth - innerWidth, y: el.scrollHeight - innerHeight};
        }"""
    )


def css_pixels_per_cm(page: Page) -> float:
    return page.evaluate(
        """() => {
            const probe = document.createElement('div');
            probe.style.cssText = 'position:absolute;visibility:hidden;width:1cm';
            document.body.append(probe);
            const width = probe.getBoundingClientRect().width;
            probe.remove();
            return width;
        }"""
    )


def axe_script() -> Path:
    """axe-core's axe.min.js, installed from the npm registry on first use."""
    if not AXE_SCRIPT.is_file():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm not found: it installs axe-core for the accessibility tests")
        AXE_FOLDER.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--prefix", str(AXE_FOLDER), "--no-audit", "--no-fund", "--silent", f"axe-core@{AXE_VERSION}"],
            check=True,
            timeout=300,
        )
    return AXE_SCRIPT


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """axe-core's WCAG 2.x A/AA violations of the page as it is now, of the given impacts."""
    # Evaluated, not added as an inline <script>: the pages' policy refuses inline scripts.
    page.evaluate(axe_script().read_text() + "\n;0")
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
            resultTypes: ['violations'],
        })"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]
