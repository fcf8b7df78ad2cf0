"""Small pieces of HTML that list tags write in Python instead of through ``{% include %}``."""

from django.utils import timezone
from django.utils.html import format_html


def time_tag(moment, display="%Y-%m-%d %H:%M", css_class=""):
    """``<time datetime="2026-11-28T13:20:41+08:00">2026-11-28 13:20</time>`` in local time."""
    local = timezone.localtime(moment)
    return format_html(
        '<time{} datetime="{}">{}</time>',
        format_html(' class="{}"', css_class) if css_class else "",
        local.isoformat(timespec="seconds"),
        local.strftime(display),
    )
