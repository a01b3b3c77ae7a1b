"""SKU comparison (PRODUCT.md rule 1).

Two SKUs are the same when they match after trimming surrounding white space, ignoring case.
The channel's own spelling is kept on the listing; this key is what links listings to a master.
"""

from __future__ import annotations

MAX_SKU_LENGTH = 50  # Tokopedia's limit, the tightest of the channels we speak to.


def sku_key(sku: str | None) -> str:
    """The comparison key of a SKU; empty for a missing or blank SKU."""
    return (sku or "").strip().casefold()


def is_blank(sku: str | None) -> bool:
    return not sku_key(sku)
