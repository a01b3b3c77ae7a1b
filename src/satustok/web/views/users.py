"""Users (Owner only): who works in the hub, their role and warehouses; invite someone by a
one-time link or with a password set now; change a role; deactivate. And the invitee's page,
reachable without logging in, where the link is spent by setting a password."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from satustok.core import users
from satustok.core.access import Permission, Role, assigned_role
from satustok.inventory.access import set_warehouses, warehouse_names
from satustok.inventory.models import Warehouse
from satustok.web.access import requires
from satustok.web.forms import IdMultipleChoiceField

HOW_CHOICES = [
    ("link", gettext_lazy("Send a one-time link (the user sets a password)")),
    ("password", gettext_lazy("Set a password now")),
]


def _warehouse_field() -> IdMultipleChoiceField:
    return IdMultipleChoiceField(
        label=gettext_lazy("Warehouses"),
        queryset=Warehouse.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every warehouse."),
    )


class InviteForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("Email (optional)"), required=False)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices, initial=Role.STAFF)
    how = forms.ChoiceField(
        label=gettext_lazy("How they log in"),
        choices=HOW_CHOICES,
        initial="link",
        widget=forms.RadioSelect,
    )
    password = forms.CharField(
        label=gettext_lazy("Password (when set now)"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warehouses"] = _warehouse_field()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("how") == "password" and not data.get("password"):
            self.add_error("password", _("Type the password, or choose the one-time link."))
        return data


class UserForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warehouses"] = _warehouse_field()


@requires(Permission.MANAGE_USERS)
def index(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST or None)
    invite_link = ""
    if request.method == "POST" and form.is_valid():
        try:
            invite_link = _create(request, form.cleaned_data)
        except users.UserRefused as refused:
            form.add_error("username", str(refused))
        else:
            if not invite_link:
                return redirect("web:users")
            form = InviteForm()
    return render(
        request,
        "web/users/index.html",
        {"nav": "users", "rows": _rows(), "form": form, "invite_link": invite_link},
    )


def _create(request: HttpRequest, data: dict[str, Any]) -> str:
    """Create the user; returns the invitation link to show once (empty for a password)."""
    name, email, role = data["username"], data["email"], data["role"]
    if data["how"] == "password":
        user = users.create_user(name, email, role, data["password"], request.user)
        set_warehouses(user, data["warehouses"])
        messages.success(request, _("%(name)s can log in now.") % {"name": user.get_username()})
        return ""
    invited = users.invite(name, email, role, request.user)
    set_warehouses(invited.user, data["warehouses"])
    path = reverse("web:invitation", kwargs={"key": invited.key})
    return request.build_absolute_uri(path)


def _rows() -> list[dict[str, Any]]:
    found = get_user_model().objects.select_related("membership").order_by("username")
    return [
        {
            "user": user,
            "role": Role(assigned_role(user)).label,
            "warehouses": warehouse_names(user),
            "pending": user.has_usable_password() is False and not user.is_active,
        }
        for user in found
    ]


@requires(Permission.MANAGE_USERS)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(get_user_model(), pk=pk)
    chosen = user.warehouse_access.values_list("warehouse", flat=True)  # type: ignore[attr-defined]
    initial = {"role": assigned_role(user), "warehouses": list(chosen)}
    form = UserForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            users.set_role(user, form.cleaned_data["role"])
        except users.UserRefused as refused:
            messages.error(request, str(refused))
        else:
            set_warehouses(user, form.cleaned_data["warehouses"])
            messages.success(request, _("%(name)s is saved.") % {"name": user.get_username()})
            return redirect("web:user", pk=user.pk)
    return render(
        request,
        "web/users/detail.html",
        {
            "nav": "users",
            "person": user,
            "form": form,
            "pending": users.pending_invitation(user) if not user.is_active else None,
        },
    )


@requires(Permission.MANAGE_USERS)
@require_POST
def deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(get_user_model(), pk=pk)
    try:
        if request.POST.get("active") == "on":
            users.reactivate(user)
        else:
            users.deactivate(user)
    except users.UserRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("%(name)s is saved.") % {"name": user.get_username()})
    return redirect("web:user", pk=user.pk)


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=gettext_lazy("New password"), strip=False, widget=forms.PasswordInput
    )
    password2 = forms.CharField(
        label=gettext_lazy("The same password again"), strip=False, widget=forms.PasswordInput
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


@never_cache
def invitation(request: HttpRequest, key: str) -> HttpResponse:
    """Public: the invitee sets a password. Nothing is stored unless the key is good."""
    invited = users.open_invitation(key)
    if invited is None:
        return render(request, "web/users/invitation.html", {"expired": True}, status=404)
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            users.accept_invitation(key, form.cleaned_data["password1"])
        except users.UserRefused as refused:
            form.add_error("password1", str(refused))
        else:
            messages.success(request, _("Your password is set. Log in with it."))
            return redirect("web:login")
    return render(request, "web/users/invitation.html", {"form": form, "invited": invited.user})
