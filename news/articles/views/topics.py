"""专题 (topics): the topic page. A draft topic is shown to staff who may edit topics, as a preview."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.generic import DetailView, TemplateView

from news.articles import wechat
from news.articles.converters import text_segment
from news.articles.models import Topic
from news.articles.topics import public_topics, section_articles


class TopicDetailView(DetailView):
    template_name = "news/topic_detail.html"
    context_object_name = "topic"

    def get_object(self, queryset=None):
        topic = get_object_or_404(Topic, slug=text_segment(self.kwargs["slug"]))
        user = self.request.user
        self.is_preview = not topic.is_public
        if self.is_preview and not (user.is_active and user.is_staff and user.has_perm("news.change_topic")):
            raise Http404(_("No such topic."))
        return topic

    def get_context_data(self, **kwargs):
        sections = section_articles(self.object.sections.select_related("tag"))
        return super().get_context_data(sections=sections, is_preview=self.is_preview, **kwargs)

    def render_to_response(self, context, **kwargs):
        return wechat.allow_sdk(super().render_to_response(context, **kwargs), preview=self.is_preview)


class TopicIndexView(TemplateView):
    """Every public topic: the active ones first, then the archived (no query: the cached list)."""

    template_name = "news/topic_index.html"

    def get_context_data(self, **kwargs):
        topics = sorted(public_topics(), key=lambda topic: topic.status != Topic.Status.ACTIVE)  # stable
        return super().get_context_data(topics=topics, **kwargs)
