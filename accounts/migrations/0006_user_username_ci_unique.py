"""Usernames unique case-insensitively, as they were on the old portal ("Admin" cannot join beside "admin").

Before adding the constraint, existing accounts whose usernames differ only in case are listed,
so the upgrade stops with names a person can act on instead of a bare IntegrityError.
"""

from django.db import migrations, models
from django.db.models.functions import Lower


def refuse_case_duplicates(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    clashes = (
        User.objects.annotate(key=Lower("username"))
        .values("key")
        .annotate(n=models.Count("id"))
        .filter(n__gt=1)
        .values_list("key", flat=True)
    )
    names = sorted(User.objects.annotate(key=Lower("username")).filter(key__in=list(clashes[:20])).values_list("username", flat=True))
    if names:
        raise RuntimeError(
            "These accounts differ only in the case of their usernames; rename all but one of each "
            "(admin → 用户) before upgrading: " + ", ".join(names)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_reaction_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.AlterModelManagers(name="user", managers=[]),
        migrations.RunPython(refuse_case_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                Lower("username"), name="accounts_user_username_ci_unique", violation_error_code="unique"
            ),
        ),
    ]
