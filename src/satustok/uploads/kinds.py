"""The kinds of upload, by name: what the web pages, the REST API and the command line offer.

Each kind is a :class:`~satustok.uploads.plans.Kind` in a module of its own. The registry names
them by dotted path and imports each once, at first use: a kind's module imports the layers it
changes (catalogue editing, links, sync), which the front ends need not load until an upload
is made. A kind whose module is not there (a partial checkout) is left out rather than
breaking every page; any other import error is raised.
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
    found: dict[str, Kind] = {}
    for name, path in KIND_CLASSES.items():
        kind = _load(path)
        if kind is not None:
            found[name] = kind
    return found


def kind_named(name: str) -> Kind:
    try:
        return kinds()[name]
    except KeyError:
        raise UnknownKind(name) from None


def _load(path: str) -> Kind | None:
    module_name, _dot, class_name = path.rpartition(".")
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as missing:
        if missing.name == module_name:
            return None
        raise
    kind: Kind = getattr(module, class_name)()
    return kind


def __getattr__(name: str) -> object:
    """``kinds.KINDS``: the registry as a dict, loaded at first use (see :func:`kinds`)."""
    if name == "KINDS":
        return kinds()
    raise AttributeError(name)
