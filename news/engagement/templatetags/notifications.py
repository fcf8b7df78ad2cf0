"""``{% notification_bell user %}``: 消息 in the user menu with the unread count (one query)."""

from django import template

from news.engagement import services

register = template.Library()

SHOWN_MAX = 99


@register.inclusion_tag("engagement/bell.html")
def notification_bell(user):
    unread = services.unread_count(user)
    return {"unread": unread, "shown": f"{SHOWN_MAX}+" if unread > SHOWN_MAX else str(unread)}
