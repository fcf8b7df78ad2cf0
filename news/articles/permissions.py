"""Object-level rules for articles, shared by the admin and the public preview.

* Editors (``news.manage_all_articles``) edit, publish and withdraw every article.
* Reporters edit their own. With ``news.publish_article`` (the 记者 group has it by
  default) they publish directly; without it they submit for review, and an article
  that is already published or withdrawn is then read-only to them.
"""


def is_staff_user(user):
    return user.is_active and user.is_staff


def can_manage_all_articles(user):
    return is_staff_user(user) and user.has_perm("news.manage_all_articles")


def can_publish(user):
    return is_staff_user(user) and user.has_perm("news.publish_article")


def can_edit_article(user, article):
    """Editors edit every article; a reporter only their own (and only drafts without publish)."""
    if not (is_staff_user(user) and user.has_perm("news.change_article")):
        return False
    if can_manage_all_articles(user):
        return True
    if article.author_id != user.pk:
        return False
    return can_publish(user) or article.status in {"draft", "review"}


def can_preview_article(user, article):
    """Who sees an unpublished article at its public address: its editors, and its author."""
    if not (is_staff_user(user) and user.has_perm("news.view_article")):
        return False
    return can_manage_all_articles(user) or article.author_id == user.pk


def allowed_statuses(user, article=None):
    """The statuses ``user`` may give ``article`` (or a new article)."""
    if can_manage_all_articles(user) or can_publish(user):
        return ["draft", "review", "published", "withdrawn"]
    return ["draft", "review"]
