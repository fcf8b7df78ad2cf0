"""Search results (/search/?q=): Chinese words inside sentences, titles first, matches highlighted."""

from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from news.articles.models import Article
from news.search import documents as search

PAGE_SIZE = 10


class SearchView(TemplateView):
    template_name = "search/search.html"

    def get_context_data(self, **kwargs):
        raw = self.request.GET.get("q", "")
        query = "".join(ch for ch in raw if ch.isprintable())[: search.MAX_QUERY_LENGTH].strip()
        notice = ""
        if len(raw) > search.MAX_QUERY_LENGTH:
            notice = _("Your search was shortened to %(n)d characters.") % {"n": search.MAX_QUERY_LENGTH}
        terms = search.query_terms(query)
        if query and not terms:
            notice = _("Type words or numbers to search for.")
        # Rank and page over ids only, then load the ten articles of the page: sorting thousands
        # of matches is cheap when the rows are narrow and expensive when they carry bodies.
        paginator = Paginator(search.RankedIds(terms), PAGE_SIZE)
        found = search.count(Article.objects.published(), terms, published_only=True)  # no ranking
        paginator.count = min(found, search.COUNT_CAP)
        page = paginator.get_page(self.request.GET.get("page"))
        loaded = Article.objects.for_list("body").in_bulk(list(page.object_list))  # the body for snippets
        page.object_list = [loaded[pk] for pk in page.object_list if pk in loaded]
        if self.request.GET.get("page") not in (None, "", "1") and str(page.number) != self.request.GET.get("page"):
            notice = notice or _("There is no such page of results; here is the nearest one.")
        for article in page.object_list:
            article.snippet = search.snippet(article, terms)
        return super().get_context_data(
            query=query,
            terms=terms,
            page_obj=page,
            paginator=paginator,
            more_than=search.COUNT_CAP if found > search.COUNT_CAP else None,
            notice=notice,
            **kwargs,
        )
