"""Site pages linked from the footer."""

from django.views.generic import TemplateView


class BlackroomView(TemplateView):
    """小黑屋: the public list of banned residents (bans arrive with the comments issue)."""

    template_name = "news/blackroom.html"
