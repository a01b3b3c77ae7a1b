"""Login throttling (django-axes, configured in ``settings.py``): what satustok adds to it.

A successful login forgets the failures recorded against its username, so a seller who
mistyped a few times is not locked out by the next typo a week later, but not the failures
recorded from its address: axes' own reset on success forgets both, and an attacker who logs
in to an account of their own would wipe the count of their guesses at everyone else's.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest


def forget_username_failures(sender: Any, request: HttpRequest | None, user: Any, **_: Any) -> None:
    from axes.utils import reset

    reset(username=user.get_username())


def connect() -> None:
    user_logged_in.connect(forget_username_failures, dispatch_uid="satustok-forget-failures")
