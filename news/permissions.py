"""Object-level rules for articles, shared by the admin and the public preview."""


def can_manage_all_articles(user):
    return user.is_active and user.is_staff and user.has_perm("news.manage_all_articles")


def can_edit_article(user, article):
    """Editors edit every article; a reporter only their own."""
    if not (user.is_active and user.is_staff and user.has_perm("news.change_article")):
        return False
    return can_manage_all_articles(user) or article.author_id == user.pk
