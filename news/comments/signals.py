"""Receivers that keep the sensitive-word filter and 小黑屋 current."""

from django.db.models.signals import post_delete, post_save

from accounts.models import Ban
from news.comments.models import SensitiveWord
from news.comments.services import forget_sensitive_words
from yzgz import pagecache

post_save.connect(forget_sensitive_words, sender=SensitiveWord, dispatch_uid="comments-word-saved")
post_delete.connect(forget_sensitive_words, sender=SensitiveWord, dispatch_uid="comments-word-deleted")
# 小黑屋 is a cached page (see yzgz.pagecache).
post_save.connect(pagecache.bump_on_commit, sender=Ban, dispatch_uid="pagecache-Ban-saved")
post_delete.connect(pagecache.bump_on_commit, sender=Ban, dispatch_uid="pagecache-Ban-deleted")
