"""``{% chart_scripts %}``: the two static scripts a chart needs (Chart.js and ``charts.js``),
written into a page once however many charts it includes (``web/_chart.html`` calls it).

A ``<script src>`` element runs every time it appears, even from the browser's cache: Chart.js
evaluated twice would make two separate libraries, and ``Chart.getChart`` of the second
would not know the charts the first drew. So the first chart of a request writes the tags and
marks the request; later ones write nothing."""

from __future__ import annotations

from typing import Any

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

register = template.Library()

SCRIPTS = ("web/vendor/chartjs/chart.umd.min.js", "web/charts.js")
_MARK = "_satustok_chart_scripts"


@register.simple_tag(takes_context=True)
def chart_scripts(context: Any) -> str:
    request = context.get("request")
    if request is not None:
        if getattr(request, _MARK, False):
            return ""
        setattr(request, _MARK, True)
    return format_html(
        '<script src="{}" defer></script>\n<script src="{}" defer></script>',
        static(SCRIPTS[0]),
        static(SCRIPTS[1]),
    )
