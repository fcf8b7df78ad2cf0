"""``{% time_tag moment %}``: a ``<time>`` element in local time (see :func:`news.articles.markup.time_tag`)."""

from django import template

from news.articles.markup import time_tag

register = template.Library()
register.simple_tag(time_tag, name="time_tag")
