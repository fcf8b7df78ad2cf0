"""The staff roles (Django groups) and their permissions, in one table.

This is the live table, the one tests and ``sync_roles`` use today. Migrations never
import it: each keeps a frozen copy of the table as it stood (accounts/migrations/
_frozen_roles.py), so moving a model to another app (the comments moved out of ``news``)
cannot change what an old migration does. Running :func:`sync_roles` again adds what is
missing and never removes what an admin granted.
"""

REPORTER = "记者"
EDITOR = "编辑"
MODERATOR = "审核"

ROLE_PERMISSIONS = {
    REPORTER: [
        "news.add_article",
        "news.change_article",
        "news.view_article",
        "news.publish_article",  # a site may take this away: reporters then submit for review
        "news.view_articlerevision",
        "news.view_category",
        "news.view_source",
        "taggit.view_tag",
    ],
    EDITOR: [
        "news.add_article",
        "news.change_article",
        "news.delete_article",
        "news.view_article",
        "news.manage_all_articles",
        "news.publish_article",
        "news.feature_article",
        "news.view_articlerevision",
        "news.add_category",
        "news.change_category",
        "news.delete_category",
        "news.view_category",
        "news.add_source",
        "news.change_source",
        "news.delete_source",
        "news.view_source",
        "news.add_topic",
        "news.change_topic",
        "news.delete_topic",
        "news.view_topic",
        "news.add_topicsection",
        "news.change_topicsection",
        "news.delete_topicsection",
        "news.view_topicsection",
        "news.change_sitesettings",
        "news.view_sitesettings",
        "viewcounts.add_reaction",
        "viewcounts.change_reaction",
        "viewcounts.view_reaction",
        "taggit.add_tag",
        "taggit.change_tag",
        "taggit.delete_tag",
        "taggit.view_tag",
        "accounts.view_user",
    ],
    # Moderators read articles on the public site, where the comment queue links them; drafts,
    # revisions and withdrawal reasons are newsroom material (news migration 0011).
    MODERATOR: [
        "accounts.view_user",  # the ban form's user search (autocomplete needs it)
        "comments.view_comment",
        "comments.change_comment",
        "comments.delete_comment",
        "comments.moderate_comment",
        "comments.view_commentreport",
        "comments.add_sensitiveword",
        "comments.change_sensitiveword",
        "comments.delete_sensitiveword",
        "comments.view_sensitiveword",
        "comments.view_moderationaction",
        "comments.view_commentrecord",  # deleted comments on record (评论记录)
        "comments.export_commentrecord",  # one account's records as CSV, for the authorities
        "accounts.add_ban",
        "accounts.change_ban",
        "accounts.view_ban",
    ],
}


def sync_roles(apps, schema_editor=None):
    """Create the role groups and grant each its permissions (idempotent)."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, apps=apps)
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=role)
        for perm in perms:
            app_label, codename = perm.split(".")
            permission = permission_model.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is not None:
                group.permissions.add(permission)
