"""``{% favourite_button article %}``: 收藏 beside 表态, its state for this resident in one query."""

from django import template

from news.engagement import services

register = template.Library()


@register.inclusion_tag("engagement/favourite_button.html", takes_context=True)
def favourite_button(context, article):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "article": article,
        "on": user is not None and services.is_favourite(user, article.pk),
        "csrf_token": context.get("csrf_token"),
        "disabled": context.get("is_preview", False),
    }
