"""Roles in Chromium: the Owner invites a user by a one-time link and the invitee, in a browser
of their own, sets a password and logs in; a Staff user neither sees nor opens integrations
and their credentials; a Viewer sees no button that changes anything and their POSTs (with a
valid CSRF token) are refused."""

from __future__ import annotations

from typing import Any

from browser_support import Stack, log_in, screenshot

PASSWORD = "kopi-susu-gula-aren-42"


def log_in_as(page: Any, stack: Stack, username: str, password: str = PASSWORD) -> None:
    page.goto(stack.url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button.btn")
    page.wait_for_url(stack.url + "/")
    page.click("button[data-lang=en]")
    page.wait_for_selector("html[lang=en]")


def add_user(page: Any, stack: Stack, username: str, role: str, how: str) -> str:
    """As the Owner: the Users page's form; returns the invitation link (empty for a password)."""
    page.goto(stack.url + "/users/")
    page.fill("#id_username", username)
    page.select_option("#id_role", role)
    page.check(f"input[name=how][value={how}]")
    if how == "password":
        page.fill("#id_password", PASSWORD)
    page.click("#invite-form button[type=submit]")
    if how == "password":
        page.wait_for_selector(f"tr[data-user={username}]")
        return ""
    return str(page.locator("#invite-link").input_value())


def menu(page: Any) -> list[str]:
    return [
        str(href)
        for href in page.eval_on_selector_all(
            ".menu a", "els => els.map(e => e.getAttribute('href'))"
        )
    ]


def test_an_owner_invites_a_staff_user_who_logs_in_and_cannot_reach_integrations(
    page: Any, browser: Any, stack: Stack
) -> None:
    log_in(page, stack)
    assert "/users/" in menu(page) and "/integrations/" in menu(page)  # the Owner's menu
    link = add_user(page, stack, "staf-gudang", "staff", "link")
    assert link.startswith(stack.url + "/invitation/")
    screenshot(page, "20-users-invite")

    invitee = browser.new_context(locale="en-US")  # another person, another browser
    try:
        other = invitee.new_page()
        other.goto(link)
        other.fill("#id_password1", PASSWORD)
        other.fill("#id_password2", PASSWORD)
        other.click("#invitation-form button[type=submit]")
        other.wait_for_url(stack.url + "/login/")
        log_in_as(other, stack, "staf-gudang")
        links = menu(other)
        assert "/integrations/" not in links and "/users/" not in links
        assert "/inventory/" in links and "/orders/" in links
        for path in ("/users/", "/integrations/add/", "/integrations/1/", "/integrations/"):
            response = other.goto(stack.url + path)
            assert response.status == 403, path
            assert other.locator("[data-testid=forbidden]").is_visible()
        screenshot(other, "21-staff-refused")
        used = other.goto(link)  # the link worked once
        assert used.status == 404
    finally:
        invitee.close()


def test_a_viewer_sees_no_change_buttons_and_their_posts_are_refused(
    page: Any, browser: Any, stack: Stack
) -> None:
    log_in(page, stack)
    add_user(page, stack, "pengamat", "viewer", "password")
    viewer = browser.new_context(locale="en-US")
    try:
        other = viewer.new_page()
        log_in_as(other, stack, "pengamat")
        for path in ("/", "/catalog/", "/inventory/", "/orders/", "/sync-log/"):
            other.goto(stack.url + path)
            # Logging out and choosing the language (top right) are not changes to the hub.
            forms = other.locator("main form[method=post]:not(.who form)")
            assert forms.count() == 0, path
        token = next(c["value"] for c in viewer.cookies() if c["name"] == "csrftoken")
        for path, data in [
            ("/users/", {"username": "mallory", "role": "owner", "how": "link"}),
            ("/integrations/1/push/", {"push_stock": "on"}),
            ("/catalog/sync/", {"integration": "1"}),
        ]:
            refused = other.request.post(
                stack.url + path,
                form=data,
                headers={"X-CSRFToken": token, "Referer": stack.url + "/"},
            )
            assert refused.status == 403, path
        page.goto(stack.url + "/users/")
        assert page.locator("tr[data-user=mallory]").count() == 0
    finally:
        viewer.close()
