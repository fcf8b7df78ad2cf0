"""Search results (/search/?q=): Chinese words inside sentences, titles first, matches highlighted."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from news.articles.models import Article
from news.articles.navigation import category_tree
from news.search import documents as search
from news.search.forms import SearchFilterForm

# The parameters the page reads (the page cache keys on them: news/search/urls.py).
PARAMETERS = ("q", "category", "start", "end", "page")

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
        form = SearchFilterForm(self.request.GET, tree=category_tree())
        filters = form.filters()
        # Rank and page over ids only, then load the ten articles of the page: sorting thousands
        # of matches is cheap when the rows are narrow and expensive when they carry bodies.
        ranked = search.RankedIds(terms, filters=filters)
        paginator = Paginator(ranked, PAGE_SIZE)
        found = ranked.count()
        paginator.count = min(found, search.COUNT_CAP)
        page = paginator.get_page(self.request.GET.get("page"))
        loaded = Article.objects.for_list("body").in_bulk(list(page.object_list))  # the body for snippets
        page.object_list = [loaded[pk] for pk in page.object_list if pk in loaded]
        if self.request.GET.get("page") not in (None, "", "1") and str(page.number) != self.request.GET.get("page"):
            notice = notice or _("There is no such page of results; here is the nearest one.")
        for article in page.object_list:
            article.snippet = search.snippet(article, terms)
        kept = urlencode({"q": query, **form.active()})
        return super().get_context_data(
            query=query,
            terms=terms,
            form=form,
            filtered=bool(form.active()),
            dates_swapped=form.swapped,
            page_query=kept,  # the search and its filters, for the pagination links
            hide_header_search=True,  # this page has its own search box: one, not two
            page_obj=page,
            paginator=paginator,
            more_than=search.COUNT_CAP if found > search.COUNT_CAP else None,
            notice=notice,
            **kwargs,
        )
