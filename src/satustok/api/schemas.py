"""Schemas shared by every route module: the input base and the error document."""

from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict

from satustok.inventory.models import StockMovement


class Input(Schema):
    """Request bodies refuse unknown fields: a typo (``push_stok``) is a 422, not a no-op."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


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
