"""Display tests run headless: SDL's dummy video and audio drivers, set before pygame loads."""

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pygame  # noqa: E402
import pytest  # noqa: E402

from display.fonts import Fonts  # noqa: E402

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-output" / "display"


@pytest.fixture(scope="session")
def headless() -> Iterator[None]:
    pygame.mixer.pre_init(22050, -16, 1, 512)
    pygame.init()
    yield
    pygame.quit()


@pytest.fixture(scope="session")
def fonts(headless: None) -> Fonts:
    return Fonts()


@pytest.fixture(scope="session")
def artefacts() -> Path:
    """Rendered frames are kept here (gitignored) for a person to look at."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return ARTEFACTS
