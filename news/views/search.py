"""Search results (/search/?q=)."""

from django.views.generic import TemplateView


class SearchView(TemplateView):
    template_name = "news/search.html"
