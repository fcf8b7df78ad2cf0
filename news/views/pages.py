"""Site pages linked from the footer."""

from django.views.generic import ListView, TemplateView

from accounts.models import Ban
from news.rankings import PERIODS, rankings


class BlackroomView(ListView):
    """小黑屋: residents banned from speaking right now, newest ban first."""

    template_name = "news/blackroom.html"
    context_object_name = "bans"
    paginate_by = 30

    def get_queryset(self):
        return Ban.objects.active().select_related("user").order_by("-created_at", "-id")


class RankView(TemplateView):
    """排行榜: the most viewed and most commented articles of a period."""

    template_name = "news/rank.html"

    def get_context_data(self, **kwargs):
        period = self.request.GET.get("period", "today")
        if period not in PERIODS:
            period = "today"
        lists = rankings(period)
        return super().get_context_data(
            period=period,
            period_label=PERIODS[period][0],
            periods=[(key, label) for key, (label, _days) in PERIODS.items()],
            by_views=lists["views"],
            by_comments=lists["comments"],
            **kwargs,
        )
