"""Small pieces of HTML that list tags write in Python instead of through ``{% include %}``."""

from html import escape

from django.utils import timezone
from django.utils.safestring import mark_safe


def time_tag(moment, display="%Y-%m-%d %H:%M", css_class=""):
    """``<time datetime="2026-11-28T13:20:41+08:00">2026-11-28 13:20</time>`` in local time."""
    local = timezone.localtime(moment)
    attribute = f' class="{escape(css_class)}"' if css_class else ""
    markup = f'<time{attribute} datetime="{local.isoformat(timespec="seconds")}">{local.strftime(display)}</time>'
    return mark_safe(markup)  # noqa: S308 - digits and signs, and an escaped class
