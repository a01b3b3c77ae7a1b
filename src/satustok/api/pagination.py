"""``limit``/``offset`` pagination with a ceiling, answering ``{"items": [...], "count": N}``."""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

DEFAULT_LIMIT = 50
MAX_LIMIT = 500  # a bigger page is a whole-catalogue dump; page through instead
# No list holds a billion rows; a larger offset (the databases' own ceilings differ, and
# beyond them they fail instead of answering an empty page) is refused with a 422.
MAX_OFFSET = 1_000_000_000


class Page(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="items per page")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="items to skip")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)  # type: ignore[arg-type]
