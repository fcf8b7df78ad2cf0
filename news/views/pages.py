"""Site pages linked from the footer."""

from django.views.generic import ListView

from accounts.models import Ban


class BlackroomView(ListView):
    """小黑屋: residents banned from speaking right now, newest ban first."""

    template_name = "news/blackroom.html"
    context_object_name = "bans"
    paginate_by = 30

    def get_queryset(self):
        return Ban.objects.active().select_related("user").order_by("-created_at", "-id")
