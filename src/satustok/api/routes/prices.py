"""``/api/integrations/{id}/price-push``: an integration's price push switch and price rule
(``sync/prices.py``), read and changed with the same checks as the web page."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema

from satustok.api.access import requires
from satustok.api.errors import invalid, not_found
from satustok.api.schemas import Input, errors
from satustok.channels.models import ChannelAccount
from satustok.core.access import Permission, require
from satustok.sync import prices, pusher

router = Router(tags=["integrations"])


class PricePushOut(Schema):
    integration: int
    push_price: bool = Field(description="prices are pushed to this shop")
    markup: str = Field(description="percent added to the master price (may be negative)")
    step: int = Field(description="rupiah the price is rounded to, nearest: 1, 100, 500, 1000")
    listings_due: int = Field(description="linked listings waiting for a price push")
    listings_refused: int = Field(
        description="listings whose price the channel refused (below its minimum, a promotion)"
    )


class PricePushIn(Input):
    push_price: bool | None = Field(
        None, description="switching on pushes every linked listing with a master price once"
    )
    markup: str | None = Field(None, description="-90 to 1000, at most two decimals; e.g. 10")
    step: int | None = Field(None, description="1, 100, 500 or 1000")


def _account(pk: int) -> ChannelAccount:
    account = ChannelAccount.objects.filter(pk=pk).first()
    if account is None:
        raise not_found("integration", pk)
    return account


def _out(account: ChannelAccount) -> PricePushOut:
    linked = account.listings.filter(variant__isnull=False)
    return PricePushOut(
        integration=account.pk,
        push_price=account.push_price,
        markup=f"{account.price_markup.normalize():f}",
        step=account.price_step,
        listings_due=linked.filter(price_needs_push=True, price_push_blocked=False).count(),
        listings_refused=linked.filter(price_push_blocked=True).count(),
    )


@router.get("/{integration_id}/price-push", response={200: PricePushOut, **errors(404)})
@requires(Permission.MANAGE_INTEGRATIONS)
def get_price_push(request: HttpRequest, integration_id: int) -> PricePushOut:
    return _out(_account(integration_id))


@router.put("/{integration_id}/price-push", response={200: PricePushOut, **errors(404, 422)})
@requires(Permission.SWITCH_PUSH)
def put_price_push(request: HttpRequest, integration_id: int, payload: PricePushIn) -> PricePushOut:
    """The rule is checked whole before anything changes; a rule change pushes every linked
    listing with a master price again when pushing is on."""
    account = _account(integration_id)
    if payload.markup is not None or payload.step is not None:
        require(request.user, Permission.MANAGE_INTEGRATIONS)
        _set_rule(account, payload)
    if payload.push_price is not None and payload.push_price != account.push_price:
        try:
            prices.set_push_price(account, payload.push_price)
        except pusher.PushRefused as refused:
            raise invalid("push_price", str(refused)) from None
    return _out(_account(integration_id))


def _set_rule(account: ChannelAccount, payload: PricePushIn) -> None:
    markup = account.price_markup if payload.markup is None else payload.markup
    step = account.price_step if payload.step is None else payload.step
    for field, check, value in (
        ("markup", prices.parse_markup, markup),
        ("step", prices.parse_step, step),
    ):
        try:
            check(value)
        except prices.PriceRuleInvalid as bad:
            raise invalid(field, str(bad)) from None
    prices.set_price_rule(account, markup, step)
