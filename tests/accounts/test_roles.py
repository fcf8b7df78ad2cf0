"""Roles are groups created by a data migration, with the permissions of DESIGN.md."""

import pytest
from django.contrib.auth.models import Group

from accounts.roles import EDITOR, MODERATOR, REPORTER, ROLE_PERMISSIONS
from news.articles.factories import make_user

pytestmark = pytest.mark.django_db


def perms_of(role):
    group = Group.objects.get(name=role)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


@pytest.mark.parametrize("role", [REPORTER, EDITOR, MODERATOR])
def test_fresh_database_has_each_role_with_its_permissions(role):
    assert perms_of(role) == set(ROLE_PERMISSIONS[role])


def test_reporter_writes_but_cannot_delete_or_manage_others():
    perms = perms_of(REPORTER)
    assert {"news.add_article", "news.change_article"} <= perms
    assert "news.delete_article" not in perms
    assert "news.manage_all_articles" not in perms
    assert not any(p.startswith("news.") and "category" in p and not p.endswith("view_category") for p in perms)


def test_editor_manages_everything_in_the_newsroom():
    perms = perms_of(EDITOR)
    for perm in (
        "news.manage_all_articles",
        "news.feature_article",
        "news.change_category",
        "news.change_sitesettings",
    ):
        assert perm in perms


def test_moderator_cannot_write_articles():
    perms = perms_of(MODERATOR)
    assert not {"news.add_article", "news.change_article", "news.delete_article"} & perms


def test_user_has_a_display_name():
    assert make_user("zhang", nickname="老张").display_name == "老张"
    assert make_user("li").display_name == "li"


def test_the_role_form_lists_permissions_in_chinese(client):
    """#20: Django stores "Can add article" in English; the permission chooser says 添加文章."""
    admin = make_user("chief", is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get(f"/admin/auth/group/{Group.objects.get(name=EDITOR).pk}/change/").content.decode()
    assert "新闻 | 文章 | 添加文章" in page and "新闻 | 文章 | 可不经审核直接发布文章" in page
    assert "Can add" not in page and "Can publish" not in page
