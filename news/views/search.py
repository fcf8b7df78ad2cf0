"""Search results (/search/?q=): Chinese words inside sentences, titles first, matches highlighted."""

from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from news import search
from news.models import Article

PAGE_SIZE = 10


class SearchView(TemplateView):
    template_name = "news/search.html"

    def get_context_data(self, **kwargs):
        raw = self.request.GET.get("q", "")
        query = "".join(ch for ch in raw if ch.isprintable())[: search.MAX_QUERY_LENGTH].strip()
        notice = ""
        if len(raw) > search.MAX_QUERY_LENGTH:
            notice = _("Your search was shortened to %(n)d characters.") % {"n": search.MAX_QUERY_LENGTH}
        articles = Article.objects.published().select_related("category", "author", "source")
        results, terms = search.search(articles, query)
        if query and not terms:
            notice = _("Type words or numbers to search for.")
        paginator = Paginator(results, PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("page"))
        if self.request.GET.get("page") not in (None, "", "1") and str(page.number) != self.request.GET.get("page"):
            notice = notice or _("There is no such page of results; here is the nearest one.")
        for article in page.object_list:
            article.snippet = search.snippet(article, terms)
        return super().get_context_data(
            query=query, terms=terms, page_obj=page, paginator=paginator, notice=notice, **kwargs
        )
