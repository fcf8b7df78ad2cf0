from django import template

from news.api.models import ApiToken

register = template.Library()


@register.inclusion_tag("api/tokens.html")
def api_tokens(user):
    """The apps and devices logged in to ``user``'s account through the API, newest first."""
    return {"tokens": list(ApiToken.objects.filter(user=user)) if user.is_authenticated else []}
