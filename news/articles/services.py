"""The article service: publish, move to draft, withdraw, schedule, pin, unpin, restore, merge tags.

Every way an article changes state goes through here — the newsroom admin's actions and
form, the revision page and the Discuz! import — and each change ends with one
:data:`news.articles.signals.article_changed`, which every cache listens to.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from news.articles.models import Article, ArticleRevision
from news.articles.signals import article_changed


def changed(article_ids, fields=None):
    """Tell every cache that these articles changed (``fields=None``: anything may have)."""
    ids = sorted(set(article_ids))
    if ids:
        article_changed.send(sender=Article, article_ids=ids, fields=None if fields is None else frozenset(fields))


def keep_revision(article, user):
    """A revision of a published article, unless its content is what the last one kept."""
    latest = article.revisions.first()
    content = ArticleRevision.content_of(article)
    if latest is not None and all(getattr(latest, field) == value for field, value in content.items()):
        return None
    return ArticleRevision.objects.create(article=article, editor=user, **content)


def prepare_for_save(article, *, was_status, initial_time):
    """Apply the newsroom's rules to an article about to be saved from the form.

    A withdrawn article leaves the headlines; any other state has no withdrawal reason; a
    draft or submission published now with the time left as it was is today's news (a time
    in the future schedules it instead).
    """
    if article.status != Article.Status.WITHDRAWN:
        article.withdrawn_reason = ""
    else:
        article.is_featured = False
    # The form shows whole seconds: a difference under one second is not the user's choice.
    time_chosen = initial_time is None or abs(article.published_at - initial_time) >= timedelta(seconds=1)
    if (
        was_status in (Article.Status.DRAFT, Article.Status.REVIEW)
        and article.status == Article.Status.PUBLISHED
        and not time_chosen
        and article.published_at < timezone.now()
    ):
        article.published_at = timezone.now()


def sign_as_editor(article, user):
    """责任编辑: the editor who publishes an article, unless somebody is named already."""
    if not article.responsible_editor.strip():
        article.responsible_editor = user.display_name[: Article._meta.get_field("responsible_editor").max_length]


def _sign_unsigned(article_ids, by):
    name = by.display_name[: Article._meta.get_field("responsible_editor").max_length]
    Article.objects.filter(pk__in=article_ids, responsible_editor="").update(responsible_editor=name)


# Every change of an article's row moves ``updated_at`` (``.update()`` does not by itself): the
# article form compares it to tell a stale save from a fresh one (ArticleAdminForm.clean_loaded_at).


def publish(article_ids, *, by):
    """Publish; a draft or submission goes out now, a scheduled article keeps its time."""
    now = timezone.now()
    with transaction.atomic():
        _sign_unsigned(article_ids, by)
        Article.objects.filter(
            pk__in=article_ids, status__in=[Article.Status.DRAFT, Article.Status.REVIEW], published_at__lt=now
        ).update(published_at=now)
        updated = Article.objects.filter(pk__in=article_ids).update(
            status=Article.Status.PUBLISHED, withdrawn_reason="", updated_at=now
        )
        for article in Article.objects.filter(pk__in=article_ids):
            keep_revision(article, by)
    changed(article_ids, {"status", "published_at"})
    return updated


def schedule(article_ids, *, at, by):
    """Publish at a later time: public from ``at`` on (``published()`` hides it until then)."""
    with transaction.atomic():
        _sign_unsigned(article_ids, by)
        updated = Article.objects.filter(pk__in=article_ids).update(
            status=Article.Status.PUBLISHED, published_at=at, withdrawn_reason="", updated_at=timezone.now()
        )
        for article in Article.objects.filter(pk__in=article_ids):
            keep_revision(article, by)
    changed(article_ids, {"status", "published_at"})
    return updated


def move_to_draft(article_ids):
    updated = Article.objects.filter(pk__in=article_ids).update(status=Article.Status.DRAFT, updated_at=timezone.now())
    changed(article_ids, {"status"})
    return updated


def withdraw(article_ids, *, reason):
    """Hide from readers (410 Gone) with a reason the newsroom sees; leaves the headlines."""
    updated = Article.objects.filter(pk__in=article_ids).update(
        status=Article.Status.WITHDRAWN, withdrawn_reason=reason, is_featured=False, updated_at=timezone.now()
    )
    changed(article_ids, {"status", "is_featured"})
    return updated


def pin(article_ids, *, order, until=None):
    """Put into the headlines (头条) in ``order``, until ``until`` or until unpinned."""
    updated = Article.objects.filter(pk__in=article_ids).update(
        is_featured=True, headline_order=order, headline_until=until, updated_at=timezone.now()
    )
    changed(article_ids, {"is_featured", "headline_order", "headline_until"})
    return updated


def unpin(article_ids):
    updated = Article.objects.filter(pk__in=article_ids).update(
        is_featured=False, headline_until=None, updated_at=timezone.now()
    )
    changed(article_ids, {"is_featured", "headline_until"})
    return updated


def restore_revision(article, revision, *, by):
    """Put a kept revision's content back into the article (a new revision if published)."""
    with transaction.atomic():
        revision.restore_into(article)
        article.save()
        article.tags.set([t.strip() for t in revision.tags.split(",") if t.strip()])
        if article.status == Article.Status.PUBLISHED:
            keep_revision(article, by)
    return article


def merge_tags(tag_ids, *, into):
    """Give everything tagged with ``tag_ids`` the tag named ``into`` instead (made if new), as
    taggit's merge does: the old tags stay, untagged. Returns the tag."""
    from django.contrib.contenttypes.models import ContentType
    from taggit.models import Tag, TaggedItem

    article_type = ContentType.objects.get_for_model(Article)
    with transaction.atomic():
        tag, _created = Tag.objects.get_or_create(name=into)
        items = list(TaggedItem.objects.filter(tag_id__in=tag_ids).exclude(tag=tag))
        for item in items:
            already = TaggedItem.objects.filter(tag=tag, content_type_id=item.content_type_id, object_id=item.object_id)
            if already.exists():
                item.delete()
            else:
                item.tag = tag
                item.save(update_fields=["tag"])
    changed([item.object_id for item in items if item.content_type_id == article_type.pk])
    return tag
