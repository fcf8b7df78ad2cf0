"""Autosave in the article form (#20): a copy every 30 s, offered back after a closed tab or a crash.

``static/js/admin-article.js`` posts the form's text fields to :func:`autosave_view` every
30 s while they change, and once more when the tab is hidden or closed. The copy is kept per
editor and article (:class:`~news.articles.models.ArticleAutosave`); the article itself is
never touched. When the editor opens the form again and their copy is newer than the article
and differs from it, the form asks 恢复未保存的内容？ — restoring fills the form from the copy
(``?restore=autosave``) with the lock time the copy was based on, so saving it over someone
else's newer save gets the conflict message, not a silent overwrite. Saving the article drops
the copy.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from news.articles.models import Article, ArticleAutosave
from news.articles.permissions import can_edit_article

# The form's text fields (pictures and files are uploaded at once and need no copy).
FIELDS = [
    "title",
    "kind",
    "category",
    "source",
    "source_url",
    "tags",
    "summary",
    "body",
    "reporters",
    "correspondents",
    "photographers",
    "byline",
    "responsible_editor",
]
MAX_FIELD_LENGTH = 500_000  # the body of a very long article with its markup; a title is far less
RESTORE_PARAMETER = "restore"


def _article_for(request, value):
    """The article the copy belongs to (None for a new one), or PermissionDenied/Http404."""
    if not value:
        if not request.user.has_perm("news.add_article"):
            raise PermissionDenied
        return None
    try:
        article = Article.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        article = None
    if article is None:
        raise Http404
    if not can_edit_article(request.user, article):
        raise PermissionDenied
    return article


def autosave_view(request):
    """POST the form's fields: keep this editor's copy. ``discard=1`` drops it. JSON back."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        article = _article_for(request, request.POST.get("article"))
    except PermissionDenied:
        return JsonResponse({"error": _("You may not edit this article.")}, status=403)
    except Http404:
        return JsonResponse({"error": _("The article does not exist.")}, status=404)
    copies = ArticleAutosave.objects.filter(user=request.user, article=article)
    if request.POST.get("discard"):
        copies.delete()
        return JsonResponse({"discarded": True})
    fields = {name: request.POST[name] for name in FIELDS if name in request.POST}
    if not fields:
        return JsonResponse({"error": _("Nothing to save.")}, status=400)
    if any(len(value) > MAX_FIELD_LENGTH for value in fields.values()):
        return JsonResponse({"error": _("The article is too long to autosave.")}, status=400)
    based_on = parse_datetime(request.POST.get("based_on") or "") if article is not None else None
    now = timezone.now()
    updated = copies.update(fields=fields, based_on=based_on, saved_at=now)
    if not updated:
        ArticleAutosave.objects.create(user=request.user, article=article, fields=fields, based_on=based_on)
    return JsonResponse({"saved_at": now.isoformat(), "time": timezone.localtime(now).strftime("%H:%M:%S")})


def _current_fields(article):
    from news.articles.admin_articles import ArticleAdminForm  # the form's own idea of each field's value

    form = ArticleAdminForm(instance=article)
    values = {}
    for name in FIELDS:
        if name not in form.fields:
            continue
        value = form[name].value()
        if name == "tags":
            value = ", ".join(sorted(tag.name for tag in article.tags.all()))
        values[name] = "" if value is None else str(value)
    return values


def _same_tags(saved, current):
    split = [name.strip().strip('"') for name in (saved or "").split(",")]
    return sorted(name for name in split if name) == sorted(name for name in current.split(", ") if name)


def pending(user, article):
    """This editor's copy worth offering back for ``article`` (None: a new article), or None.

    Saving the article drops its copy; a copy that says what the article already says (an autosave
    that crossed the save) is dropped here. One older than someone else's save is still offered:
    it is this editor's work, and restoring it meets the conflict message on save.
    """
    copy = ArticleAutosave.objects.filter(user=user, article=article).first()
    if copy is None:
        return None
    if article is None:
        if any((copy.fields.get(name) or "").strip() for name in ("title", "body", "summary")):
            return copy
        copy.delete()
        return None
    current = _current_fields(article)
    changed = [
        name
        for name, value in copy.fields.items()
        if name in current
        and not (_same_tags(value, current[name]) if name == "tags" else value.strip() == current[name].strip())
    ]
    if changed:
        return copy
    copy.delete()
    return None


def restore_into(form, copy):
    """Fill an unbound article form from ``copy``, locked as the copy was (see module docstring)."""
    form.initial.update({name: value for name, value in copy.fields.items() if name in form.fields})
    if "loaded_at" in form.fields and copy.article_id is not None and copy.based_on is not None:
        form.initial["loaded_at"] = copy.based_on.isoformat()


def banner(user, article, restoring):
    """What the form shows above itself: the offer to restore, or that a copy was restored."""
    copy = pending(user, article)
    if copy is None:
        return None
    saved = timezone.localtime(copy.saved_at)
    newer_save = (
        article is not None
        and copy.based_on is not None
        and article.updated_at.isoformat() != copy.based_on.isoformat()
    )
    return {
        "restoring": restoring,
        "time": saved.strftime("%m-%d %H:%M:%S"),
        "newer_save": timezone.localtime(article.updated_at).strftime("%H:%M:%S") if newer_save else "",
    }


def forget(user, article, created):
    """The article was saved: its copy (and, when it was new, the new-article copy) goes."""
    ArticleAutosave.objects.filter(user=user, article=article).delete()
    if created:
        ArticleAutosave.objects.filter(user=user, article=None).delete()
