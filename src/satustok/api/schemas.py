"""Schemas shared by every route module: the input base and the error document."""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, model_validator

from satustok.inventory.models import StockMovement

# The largest id a row can have (a 64-bit primary key). A bigger number in a path or a query
# can match nothing, and PostgreSQL refuses it with an error instead of an empty answer: such
# values are refused up front with a 422 naming the field.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


NUL_REFUSED = "must not contain NUL characters"


def _refuse_nul(value: Any) -> Any:
    """No text the API takes may hold a NUL: PostgreSQL refuses one in any text column (an
    error, not a stored value), and no SKU, name or reason needs it."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError(NUL_REFUSED)
    if isinstance(value, dict):
        for item in value.values():
            _refuse_nul(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_nul(item)
    return value


# Text from a query string or a path: as ``str``, but a NUL is a 422.
Text = Annotated[str, AfterValidator(_refuse_nul)]


class Input(Schema):
    """Request bodies refuse unknown fields: a typo (``push_stok``) is a 422, not a no-op; and
    a NUL in any text (PostgreSQL cannot store one)."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        return _refuse_nul(data)


class FieldError(Schema):
    field: str
    location: str
    message: str


class Error(Schema):
    """Every 4xx/5xx the API itself answers."""

    detail: str
    code: str
    explanation: str | None = None  # seller problems: what happened and what to do
    errors: list[FieldError] | None = None  # invalid input: one entry per field


def errors(*statuses: int) -> dict[int, type[Error]]:
    """``response=`` entries documenting the error statuses an endpoint may answer."""
    return dict.fromkeys(statuses, Error)


class MovementBase(Schema):
    """A ledger row's SKU and warehouse, read through its stock level (stock and orders)."""

    sku: str
    warehouse: str

    @staticmethod
    def resolve_sku(movement: StockMovement) -> str:
        return movement.level.variant.sku

    @staticmethod
    def resolve_warehouse(movement: StockMovement) -> str:
        return movement.level.warehouse.code
