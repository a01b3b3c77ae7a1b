"""In Chromium, under the Content-Security-Policy: no page of the UI, the API docs or the
admin triggers a violation (an inline script, a style or image the policy refuses, an eval),
and what runs on scripts still works (htmx, Swagger UI)."""

from __future__ import annotations

from typing import Any

from browser_support import Stack, log_in

# Runs before any page script (through the DevTools protocol, so the CSP does not apply to it):
# records every violation the browser reports.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""

PAGES = [
    "/",
    "/integrations/",
    "/integrations/add/",
    "/catalog/",
    "/inventory/",
    "/orders/",
    "/sync-log/",
    "/api/docs",
    "/admin/",
]


def violations_on(page: Any, url: str, console: list[str]) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    found = list(page.evaluate("window.__violations"))
    return found + [line for line in console if "Content Security Policy" in line]


def test_no_page_violates_the_content_security_policy(page: Any, stack: Stack) -> None:
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: console.append(str(error)))
    page.add_init_script(RECORD_VIOLATIONS)
    log_in(page, stack)
    header = page.request.get(stack.url + "/").headers["content-security-policy"]
    assert "script-src 'self'" in header
    problems = {url: violations_on(page, stack.url + url, console) for url in PAGES}
    assert not {url: found for url, found in problems.items() if found}
    # Swagger UI (its own scripts, from our static files) drew the API's operations.
    page.goto(stack.url + "/api/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    # htmx is loaded and configured from the meta tag, not from an inline script.
    page.goto(stack.url + "/")
    page.wait_for_function("window.htmx !== undefined")
    assert page.evaluate("window.htmx && htmx.config.includeIndicatorStyles") is False
