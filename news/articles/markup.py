"""Small pieces of HTML that list tags write in Python instead of through ``{% include %}``."""

from html import escape

from django.utils import timezone
from django.utils.safestring import mark_safe


def iso_local(value):
    """ISO 8601 in the site's time zone, e.g. 2021-10-25T13:16:00+08:00."""
    return timezone.localtime(value).isoformat(timespec="seconds")


def time_tag(moment, display="%Y-%m-%d %H:%M", css_class=""):
    """``<time datetime="2026-11-28T13:20:41+08:00">2026-11-28 13:20</time>`` in local time."""
    local = timezone.localtime(moment)
    attribute = f' class="{escape(css_class)}"' if css_class else ""
    markup = f'<time{attribute} datetime="{iso_local(local)}">{local.strftime(display)}</time>'
    return mark_safe(markup)  # noqa: S308 - digits and signs, and an escaped class
