"""Headless Chromium (Debian's `chromium` package) driven from tests: dump a page's DOM after load, or
screenshot it. Installed by the test set-up (`apt-get install -y chromium`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars")  # fmt: skip


def chromium_binary() -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail("headless Chromium is needed to render the report: apt-get install -y chromium")
    return binary


def run_chromium(page: Path, profile: Path, *extra: str) -> str:
    command = [chromium_binary(), *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=10000", *extra,
               page.resolve().as_uri()]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def dump_dom(page: Path, profile: Path) -> str:
    return run_chromium(page, profile, "--dump-dom")


def screenshot(page: Path, profile: Path, out: Path, size: str = "1200,5200") -> Path:
    run_chromium(page, profile, f"--screenshot={out}", f"--window-size={size}")
    return out
