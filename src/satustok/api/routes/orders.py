"""Orders: the list with filters, one order with its lines, status history and stock effects,
and the seller's actions — accept, reject (with the channel's reason codes), read again,
restock a return, link unlinked lines again."""

from datetime import date, datetime

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from satustok.api.access import requires
from satustok.api.errors import ApiError, errors_for_form, not_found
from satustok.api.pagination import Page
from satustok.api.schemas import Id, Input, MovementBase, Text, errors
from satustok.core.access import Permission
from satustok.inventory.models import StockMovement
from satustok.orders import actions
from satustok.orders.forms import RejectForm
from satustok.orders.ingest import NotRestockable, can_restock, relink
from satustok.orders.models import Order, OrderLine, OrderStatus

router = Router(tags=["orders"])

PROBLEMS = (400, 409, 422, 429, 502, 503)  # what a channel call can end in


class LineOut(Schema):
    id: int
    product_id: str
    sku: str = Field(description="as the channel spells it")
    name: str
    quantity: int
    price: int = Field(description="whole rupiah, per unit")
    linked: bool = Field(description="false: no master SKU follows this line (flagged)")
    master_sku: str | None
    stock_effect: str

    @staticmethod
    def resolve_product_id(line: OrderLine) -> str:
        return line.external_product_id

    @staticmethod
    def resolve_master_sku(line: OrderLine) -> str | None:
        return line.variant.sku if line.variant else None


class RecipientOut(Schema):
    name: str
    phone: str = Field(description="as the channel shows it (often masked)")
    address: str


class PaymentOut(Schema):
    key: str = Field(description="subtotal, shipping, discount, insurance, fee or total")
    label: str = Field(description="the channel's name for the row")
    amount: int


class OrderOut(Schema):
    id: int
    integration: int
    shop: str
    channel: str
    order_id: str = Field(description="the channel's order id")
    invoice: str
    status: str = Field(description="the hub's unified status")
    channel_status: str = Field(description="the channel's own status code")
    buyer: str
    total: int = Field(description="whole rupiah")
    ordered_at: datetime
    stock_effect: str
    warehouse: str = Field(
        description="the code of the hub warehouse the order's stock moves in: the one mapped "
        "to the shop warehouse it ships from, else the integration's"
    )
    has_unlinked_lines: bool
    ship_by: datetime | None = Field(description="the channel's deadline for the next step")
    courier: str
    tracking_number: str
    packages: list[str]
    recipient: RecipientOut
    payment: list[PaymentOut] = Field(description="the channel's breakdown, whole rupiah")
    cancel_requested: bool = Field(description="the buyer asked to cancel")
    cancel_reason: str
    lines: list[LineOut]

    @staticmethod
    def resolve_recipient(order: Order) -> dict[str, str]:
        return {
            "name": order.recipient_name,
            "phone": order.recipient_phone,
            "address": order.recipient_address,
        }

    @staticmethod
    def resolve_integration(order: Order) -> int:
        return order.account_id

    @staticmethod
    def resolve_warehouse(order: Order) -> str:
        return order.stock_warehouse.code

    @staticmethod
    def resolve_shop(order: Order) -> str:
        return order.account.shop_name

    @staticmethod
    def resolve_channel(order: Order) -> str:
        return order.account.channel

    @staticmethod
    def resolve_order_id(order: Order) -> str:
        return order.external_id

    @staticmethod
    def resolve_buyer(order: Order) -> str:
        return order.buyer_name

    @staticmethod
    def resolve_lines(order: Order) -> list[OrderLine]:
        return list(order.lines.all())


class EventOut(Schema):
    from_status: str
    to_status: str
    channel_status: str
    source: str = Field(description="webhook, poll or action")
    at: datetime


class EffectOut(MovementBase):
    on_hand_delta: int
    reserved_delta: int
    reason: str
    created_at: datetime


class RejectReasonOut(Schema):
    code: int
    label: str
    needs_reason: bool
    needs_shop_close: bool

    @staticmethod
    def resolve_label(reason: object) -> str:
        return _(reason.label)  # type: ignore[attr-defined]


class ActionsOut(Schema):
    can_accept: bool
    can_reject: bool
    can_restock: bool
    can_arrange_shipment: bool
    ship_methods: list[str]
    can_print_label: bool
    can_answer_cancellation: bool
    reject_reasons: list[RejectReasonOut]


class OrderDetail(OrderOut):
    history: list[EventOut]
    stock_effects: list[EffectOut] = Field(description="the ledger movements of this order")
    actions: ActionsOut

    @staticmethod
    def resolve_history(order: Order) -> list[object]:
        return list(order.events.all())

    @staticmethod
    def resolve_stock_effects(order: Order) -> list[StockMovement]:
        movements = StockMovement.objects.filter(reference=order.reference)
        return list(
            movements.select_related("level__variant", "level__warehouse").order_by(
                "created_at", "id"
            )
        )

    @staticmethod
    def resolve_actions(order: Order) -> dict[str, object]:
        allowed = actions.allowed(order)
        return {
            "can_accept": allowed.can_accept,
            "can_reject": allowed.can_reject,
            "can_restock": can_restock(order),
            "can_arrange_shipment": allowed.can_arrange_shipment,
            "ship_methods": list(allowed.ship_methods),
            "can_print_label": allowed.can_print_label,
            "can_answer_cancellation": allowed.can_answer_cancellation,
            "reject_reasons": allowed.reject_reasons,
        }


class OrderFilters(Schema):
    integration: Id | None = None
    status: OrderStatus | None = None
    unlinked: bool | None = Field(None, description="only orders with lines linked to no SKU")
    q: Text | None = Field(None, description="part of the order id or invoice")


class RejectIn(Input):
    reason_code: int = Field(description="one of the order's reject_reasons codes")
    reason: str = Field("", description="required by some reason codes")
    shop_close_end_date: date | None = Field(None, description="required by 'shop closed'")
    shop_close_note: str = Field("", description="required by 'shop closed'")


def orders() -> QuerySet[Order]:
    lines = OrderLine.objects.select_related("variant").order_by("id")
    return (
        Order.objects.select_related("account__warehouse", "warehouse")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("-ordered_at", "-id")
    )


def get_order(pk: int) -> Order:
    order = orders().filter(pk=pk).first()
    if order is None:
        raise not_found("order", pk)
    return order


@router.get("", response=list[OrderOut], summary="Orders, newest first")
@paginate(Page)
def list_orders(request: HttpRequest, filters: Query[OrderFilters]) -> QuerySet[Order]:
    found = orders()
    if filters.integration is not None:
        found = found.filter(account_id=filters.integration)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.unlinked is not None:
        found = found.filter(has_unlinked_lines=filters.unlinked)
    if filters.q:
        found = found.filter(Q(external_id__icontains=filters.q) | Q(invoice__icontains=filters.q))
    return found


@router.get("/{order_id}", response={200: OrderDetail, **errors(404)})
def get_one(request: HttpRequest, order_id: int) -> Order:
    return get_order(order_id)


@router.post("/{order_id}/accept", response={200: OrderDetail, **errors(404, *PROBLEMS)})
@requires(Permission.WORK_ORDERS)
def accept(request: HttpRequest, order_id: int) -> Order:
    """Accept a new paid order on the channel, then read it back: the answer shows the
    channel's word, not a guess."""
    order = get_order(order_id)
    if not actions.allowed(order).can_accept:
        raise _not_allowed(order, _("accepted"))
    actions.accept(order)
    return get_order(order_id)


@router.post("/{order_id}/reject", response={200: OrderDetail, **errors(404, *PROBLEMS)})
@requires(Permission.WORK_ORDERS)
def reject(request: HttpRequest, order_id: int, payload: RejectIn) -> Order:
    """Reject with one of the channel's reason codes (``actions.reject_reasons`` of the
    order says which need an explanation or a shop-closed date and note)."""
    order = get_order(order_id)
    allowed = actions.allowed(order)
    if not allowed.can_reject:
        raise _not_allowed(order, _("rejected"))
    form = RejectForm(_form_data(payload), reasons=allowed.reject_reasons)
    if not form.is_valid():
        raise errors_for_form(form)
    actions.reject(order, form.rejection())
    return get_order(order_id)


@router.post("/{order_id}/refresh", response={200: OrderDetail, **errors(404, *PROBLEMS)})
@requires(Permission.WORK_ORDERS)
def refresh(request: HttpRequest, order_id: int) -> Order:
    """Read the order from the channel now."""
    actions.refresh(get_order(order_id))
    return get_order(order_id)


@router.post("/{order_id}/restock", response={200: OrderDetail, **errors(404, 409)})
@requires(Permission.WORK_ORDERS)
def restock(request: HttpRequest, order_id: int) -> Order:
    """The returned parcel is back on the shelf: put its items back in stock."""
    try:
        actions.restock(get_order(order_id))
    except NotRestockable:
        message = _("This order has nothing to restock.")
        raise ApiError(409, "not_restockable", message) from None
    return get_order(order_id)


@router.post("/{order_id}/relink", response={200: OrderDetail, **errors(404)})
@requires(Permission.WORK_ORDERS)
def link_again(request: HttpRequest, order_id: int) -> Order:
    """Try again to link lines that matched no master SKU (after linking a listing)."""
    relink(get_order(order_id))
    return get_order(order_id)


def _form_data(payload: RejectIn) -> dict[str, object]:
    data = payload.model_dump()
    data["shop_close_end_date"] = payload.shop_close_end_date or ""
    return data


def _not_allowed(order: Order, action: str) -> ApiError:
    message = _("This order cannot be %(action)s at its status (%(status)s).") % {
        "action": action,
        "status": order.get_status_display(),
    }
    return ApiError(409, "not_allowed", message)
