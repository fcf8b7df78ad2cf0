"""Users in the admin, with the nickname beside Django's own fields, and groups (the roles).

Bans (小黑屋) are the moderators' tool: their admin lives in news.comments.admin, which logs them.
"""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.forms import ThrottledAdminAuthenticationForm
from accounts.models import User

# /admin/login/ says "too many failed logins" when the throttle (accounts.throttle) refused it.
admin.site.login_form = ThrottledAdminAuthenticationForm


# Django stores permission names in English when it creates them ("Can add article"), so the
# permission chooser of users and groups (the roles) would list English: the four built-in ones
# are put together again from the model's translated name, the others (Meta.permissions, marked
# for translation) are looked up in the catalogue (#20).
BUILT_IN_PERMISSIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission):
    """``app | model | what it allows``, as Django writes a permission, in the reader's language."""
    model = permission.content_type.model_class()
    action, _sep, model_name = permission.codename.partition("_")
    if model is not None and action in BUILT_IN_PERMISSIONS and model_name == model._meta.model_name:
        name = BUILT_IN_PERMISSIONS[action] % {"model": model._meta.verbose_name}
    else:
        name = gettext(permission.name)
    return f"{permission.content_type} | {name}"


class TranslatedPermissionsMixin:
    permission_fields = ()

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name in self.permission_fields:
            kwargs["queryset"] = kwargs.get("queryset", db_field.remote_field.model.objects).select_related(
                "content_type"
            )
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name in self.permission_fields:
            field.label_from_instance = permission_label
        return field


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(TranslatedPermissionsMixin, DjangoGroupAdmin):
    permission_fields = ("permissions",)


@admin.register(User)
class UserAdmin(TranslatedPermissionsMixin, DjangoUserAdmin):
    permission_fields = ("user_permissions",)
    list_display = ["username", "nickname", "email", "is_staff", "is_active", "date_joined"]
    search_fields = ["username", "nickname", "email"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets[:1],
        (_("Personal info"), {"fields": ["nickname", "first_name", "last_name", "email"]}),
        *DjangoUserAdmin.fieldsets[2:],
    ]

    # 实名: the full number for superusers only; everyone else sees it masked (138****1234) and
    # cannot search by it, which would reveal it digit by digit.
    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None:
            phone = "phone" if request.user.is_superuser else "masked_phone_display"
            fieldsets.append(
                (_("Real-name registration"), {"fields": [phone, "phone_verified_at", "last_login_region"]})
            )
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = ["masked_phone_display", "last_login_region"]
        if not request.user.is_superuser:
            readonly.append("phone_verified_at")
        return [*super().get_readonly_fields(request, obj), *readonly]

    def get_search_fields(self, request):
        fields = list(super().get_search_fields(request))
        return [*fields, "phone"] if request.user.is_superuser else fields

    @admin.display(description=_("mobile number"))
    def masked_phone_display(self, obj):
        return obj.masked_phone or "-"
