"""``{% article_video article as markup %}``: an article's lead video, or "" when it has none."""

from django import template
from django.template.loader import render_to_string

from news.articles.video import poster_url

register = template.Library()


@register.simple_tag
def article_video(article):
    """Our MP4 in ``<video>`` with its poster, or the platform's player in a sandboxed ``<iframe>``.

    The iframe's address is always :attr:`Embed.player_url`, built from a parsed id: a stored
    address that does not parse frames nothing.
    """
    if article.video:
        context = {
            "file_url": article.video.url,
            "poster": poster_url(article.video_poster, article.video_poster_width),
            "width": article.video_width or article.video_poster_width,
            "height": article.video_height or article.video_poster_height,
            "title": article.title,
        }
    elif embed := article.embed:
        context = {"embed": embed, "title": article.title}
    else:
        return ""
    return render_to_string("news/includes/article_video.html", context)
