"""What the marketplaces' seed formats share: their base model, the rate-limit entry, the
duplicate-id check of cross-reference validation, and the committed JSON Schema.

The formats themselves (``tokopedia/seed.py``, ``shopee/seed.py``) stay each marketplace's:
their pydantic models are the single source of truth of ``seed.schema.json`` next to them.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

PositiveId = Annotated[int, Field(gt=0)]


class SeedModel(BaseModel):
    """A part of a seed: unknown fields are refused, aliases and names both accepted."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class RateLimitEntry(SeedModel):
    """A rate limit: steady ``rate`` per second and bucket ``burst``, or unlimited. Also the
    shape ``POST faults`` takes (``common/faults.py``)."""

    rate: float | None = Field(None, gt=0)
    burst: PositiveId | None = None
    unlimited: bool = False

    @model_validator(mode="after")
    def _complete(self) -> RateLimitEntry:
        if not self.unlimited and (self.rate is None or self.burst is None):
            raise ValueError("give rate and burst, or unlimited: true")
        return self


def duplicates(values: Iterable[Any]) -> list[Any]:
    """The values that appear more than once, in order of first appearance."""
    return [value for value, count in Counter(values).items() if count > 1]


def schema_text(model: type[BaseModel], schema_id: str, title: str) -> str:
    """The JSON Schema of a seed format, as committed next to it (``seed.schema.json``)."""
    schema = model.model_json_schema(by_alias=True)
    schema["$id"] = schema_id
    schema["title"] = title
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class SeedSchema:
    """A seed format's JSON Schema, committed as ``path`` next to the format (each format's
    test checks the committed file is current; ``write`` regenerates it)."""

    model: type[BaseModel]
    schema_id: str
    title: str
    path: Path

    def text(self) -> str:
        return schema_text(self.model, self.schema_id, self.title)

    def write(self, path: Path | None = None) -> None:
        (path or self.path).write_text(self.text(), encoding="utf-8")
