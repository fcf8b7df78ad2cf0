"""Receivers that keep the sensitive-word filter, 小黑屋 and like counts current, and deleted comments on record."""

from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_delete

from accounts.models import Ban
from news.comments.models import Comment, SensitiveWord
from news.comments.services import forget_likes, forget_sensitive_words, keep_record
from yzgz import pagecache

post_save.connect(forget_sensitive_words, sender=SensitiveWord, dispatch_uid="comments-word-saved")
post_delete.connect(forget_sensitive_words, sender=SensitiveWord, dispatch_uid="comments-word-deleted")
# 小黑屋 is a cached page (see yzgz.pagecache).
post_save.connect(pagecache.bump_on_commit, sender=Ban, dispatch_uid="pagecache-Ban-saved")
post_delete.connect(pagecache.bump_on_commit, sender=Ban, dispatch_uid="pagecache-Ban-deleted")
# However a comment goes — the queue, the admin, with its article or its account — its record stays.
pre_delete.connect(keep_record, sender=Comment, dispatch_uid="comments-keep-record")
# An account deleted with its likes (点赞) leaves the comments it liked with exact counts.
pre_delete.connect(forget_likes, sender=settings.AUTH_USER_MODEL, dispatch_uid="comments-forget-likes")
