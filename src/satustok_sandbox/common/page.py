"""The seller's authorization page of the approval-page marketplaces (Shopee, TikTok Shop).

Both show a small HTML page in the marketplace's colours: the app asking, one labelled choice
(Shopee: the shop; TikTok Shop: the seller account), and an approve and a Cancel button posting
back to the page with the session the page was shown with; both answer the decision with a 303
to a URL that gains query parameters. What the page says, which parameters the redirect gains
and what an error page reads stay each marketplace's.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse


@dataclass(frozen=True)
class PageTheme:
    """The page's colours and width; ``extra_css`` goes between the button and select rules."""

    max_width: str
    ink: str
    accent: str
    extra_css: str = ""

    def css(self) -> str:
        return (
            f"body{{font-family:sans-serif;max-width:{self.max_width};margin:3rem auto;"
            f"color:{self.ink}}}h1{{color:{self.accent};font-size:1.4rem}}"
            f"button{{background:{self.accent};color:#fff;border:0;"
            "padding:.6rem 1.2rem;font-size:1rem;border-radius:4px;cursor:pointer}"
            f"{self.extra_css}select{{font-size:1rem;padding:.3rem;margin:.5rem 0 1rem}}"
        )


def html_page(theme: PageTheme, title: str, body: str, status: int = 200) -> HTMLResponse:
    """A whole page: ``title`` as its title and heading, ``body`` (already escaped) below."""
    return HTMLResponse(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        f"<style>{theme.css()}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>",
        status_code=status,
    )


def approval_form(
    action: str, session: str, field: str, label: str, options: str, approve: str
) -> str:
    """The form: the session, one labelled ``<select>`` of ``options`` (already escaped), and
    the approve and Cancel buttons (``decision`` = ``approve`` or ``cancel``)."""
    return (
        f"<form method='post' action='{action}'>"
        f"<input type='hidden' name='session' value='{session}'>"
        f"<label for='{field}'>{label}</label><br>"
        f"<select id='{field}' name='{field}'>{options}</select><br>"
        f"<button type='submit' name='decision' value='approve'>{approve}</button> "
        "<button type='submit' name='decision' value='cancel'>Cancel</button>"
        "</form>"
    )


async def form_fields(request: Request) -> dict[str, str]:
    """A posted form's fields (the last value of a repeated one); undecodable bytes replaced."""
    posted = parse_qs((await request.body()).decode(errors="replace"))
    return {name: values[-1] for name, values in posted.items()}


def with_query(url: str, **params: Any) -> str:
    """``url`` with ``params`` added to its query (``&`` when it already has one)."""
    return f"{url}{'&' if urlsplit(url).query else '?'}{urlencode(params)}"
