"""The staff roles (Django groups) and their permissions, in one table.

Data migrations call :func:`sync_roles` so a fresh database has the groups; running it
again adds what a later migration introduced and never removes what an admin granted.
A permission whose model does not exist yet at that point of the migration history is
skipped; the migration that creates the model runs ``sync_roles`` again.
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
        "news.change_sitesettings",
        "news.view_sitesettings",
        "news.add_reaction",
        "news.change_reaction",
        "news.view_reaction",
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
        "news.view_comment",
        "news.change_comment",
        "news.delete_comment",
        "news.moderate_comment",
        "news.view_commentreport",
        "news.add_sensitiveword",
        "news.change_sensitiveword",
        "news.delete_sensitiveword",
        "news.view_sensitiveword",
        "news.view_moderationaction",
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
