"""What the browser tests share besides fixtures: the stack's addresses and credentials, logging
in, and screenshots for the README. (Test modules import these from here, not from
``conftest``: with several test folders, ``conftest`` names a different module each.)"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

USER, PASSWORD = "penjual", "rahasia-demo-123"
SCREENSHOTS = os.environ.get("SATUSTOK_SCREENSHOTS")  # e.g. docs/screenshots


@dataclass
class Stack:
    url: str
    control_url: str
    client_id: str
    client_secret: str
    shopee_partner_id: str
    shopee_partner_key: str
    env: dict[str, str]  # the stack's data directory and addresses, for the CLI


def log_in(page: Any, stack: Stack, language: str = "en") -> None:
    page.goto(stack.url + "/login/")
    page.fill("#id_username", USER)
    page.fill("#id_password", PASSWORD)
    page.click("form button.btn")
    page.wait_for_url(stack.url + "/")
    if language == "en":
        page.click("button[data-lang=en]")
        page.wait_for_selector("html[lang=en]")


def screenshot(page: Any, name: str) -> None:
    """Saved for the README when SATUSTOK_SCREENSHOTS names a folder."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))
