"""Lazy package exports: a package ``__init__`` that imports nothing until a name is asked for.

The marketplace packages need it because their seed formats and demos read each other's (the
Tokopedia seed embeds the Shopee and TikTok Shop sections; their demos read the Tokopedia one):
eager imports in an ``__init__`` would go round in a circle.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports each name of ``exports`` from the module it maps
    to, when first asked for; any other name is an ``AttributeError``."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(name)
        return getattr(importlib.import_module(module), name)

    return __getattr__
