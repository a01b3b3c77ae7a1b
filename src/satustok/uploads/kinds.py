"""The kinds of upload, by name: what the web pages, the REST API and the command line offer.

Each kind is a :class:`~satustok.uploads.plans.Kind` in a module of its own. The registry names
them by dotted path and imports each once, at first use: a kind's module imports the layers it
changes (catalogue editing, links, sync), which the front ends need not load until an upload
is made.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from satustok.uploads.models import UploadKind
from satustok.uploads.plans import Kind

KIND_CLASSES = {
    UploadKind.STOCK.value: "satustok.uploads.stock.StockKind",
    UploadKind.MASTERS.value: "satustok.uploads.masters.MastersKind",
    UploadKind.LINKS.value: "satustok.uploads.links.LinksKind",
}


class UnknownKind(LookupError):
    """No kind of upload has this name."""


@cache
def kinds() -> dict[str, Kind]:
    """Every kind available, in the order the menus show them (stock, masters, links)."""
    return {name: _load(path) for name, path in KIND_CLASSES.items()}


def kind_named(name: str) -> Kind:
    try:
        return kinds()[name]
    except KeyError:
        raise UnknownKind(name) from None


def _load(path: str) -> Kind:
    module_name, _dot, class_name = path.rpartition(".")
    kind: Kind = getattr(import_module(module_name), class_name)()
    return kind
