"""Integrations › an integration › *Shop warehouses*: which hub warehouse feeds each of the
shop's own warehouses (``channels/locations.py``; the change is ``orders/location_mapping.py``).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from satustok.channels.models import ChannelAccount
from satustok.core.access import Permission
from satustok.orders.location_mapping import MappingRefused, set_locations
from satustok.web.access import requires
from satustok.web.params import as_id

FIELD_PREFIX = "location:"  # one select per shop warehouse: location:<its id> = warehouse pk


@requires(Permission.MANAGE_INTEGRATIONS)
@require_POST
def set_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(ChannelAccount.objects.select_related("warehouse"), pk=pk)
    wanted: dict[str, int | None] = {}
    for name in request.POST:
        if not name.startswith(FIELD_PREFIX):
            continue
        value = request.POST.get(name, "")
        warehouse_id = as_id(value) if value.strip() else None
        if value.strip() and warehouse_id is None:
            messages.error(request, _("Choose one of the warehouses."))
            return _back(pk)
        wanted[name.removeprefix(FIELD_PREFIX)] = warehouse_id
    try:
        changed = set_locations(account, wanted)
    except MappingRefused as refused:
        messages.error(request, str(refused))
        return _back(pk)
    if changed:
        messages.success(
            request,
            _("Shop warehouses mapped: every linked listing of %(shop)s is pushed again.")
            % {"shop": account.shop_name},
        )
    else:
        messages.info(request, _("The shop warehouses were mapped so already: nothing changed."))
    return _back(pk)


def _back(pk: int) -> HttpResponse:
    return redirect(f"{reverse('web:integration', kwargs={'pk': pk})}#shop-locations")
