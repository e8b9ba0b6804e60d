"""python-escpos, imported once and cleanly, on first use (never at import time of this package).

Importing `escpos.capabilities` has two side effects we undo:
- it calls `tempfile.mkdtemp()` even when ESCPOS_CAPABILITIES_PICKLE_DIR is set (the default
  argument of `environ.get` is evaluated first), leaving an empty temp folder per process;
- it calls `logging.basicConfig()`, which would preempt the application's own logging set-up.
We point the pickle cache at a folder of ours, hand it to that stray `mkdtemp` call, and restore
the root logger's handlers.
"""

import copy
import logging
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

_lock = threading.Lock()


def cache_dir() -> Path:
    """Where python-escpos keeps its pickled printer database."""
    configured = os.environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR")
    if configured:
        return Path(configured)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "motcua" / "escpos"


def load() -> Any:
    """The `escpos` package with its printers and capabilities loaded."""
    with _lock:
        if "escpos.capabilities" not in sys.modules:
            folder = cache_dir()
            folder.mkdir(parents=True, exist_ok=True)
            os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(folder)
            root_handlers = list(logging.getLogger().handlers)
            real_mkdtemp = tempfile.mkdtemp
            tempfile.mkdtemp = lambda *args, **kwargs: str(folder)  # type: ignore[assignment]
            try:
                import escpos.capabilities  # noqa: F401
            finally:
                tempfile.mkdtemp = real_mkdtemp
                logging.getLogger().handlers[:] = root_handlers
        import escpos
        import escpos.capabilities
        import escpos.exceptions
        import escpos.printer

        return escpos


def profile(base_name: str, width_dots: int, cutter: bool = True) -> Any:
    """A printer profile of our own, derived from a named python-escpos profile.

    Profile data is shared by every printer object of a named profile, so we copy it rather than
    change the paper width or the cutter flag in place. Queue-ticket printers have a cutter even
    where the named 58 mm profiles say otherwise; a printer without one ignores the cut command.
    """
    capabilities = load().capabilities
    base = capabilities.get_profile_class(base_name)
    data = copy.deepcopy(base.profile_data)
    data["media"]["width"]["pixels"] = width_dots
    data["features"]["paperFullCut"] = data["features"].get("paperFullCut") or cutter
    derived = type(f"Motcua{width_dots}{base.__name__}", (base,), {"profile_data": data})
    return derived()
