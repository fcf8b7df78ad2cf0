"""Users in the admin, with the nickname beside Django's own fields.

Bans (小黑屋) are the moderators' tool: their admin lives in news.comments.admin, which logs them.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.forms import ThrottledAdminAuthenticationForm
from accounts.models import User

# /admin/login/ says "too many failed logins" when the throttle (accounts.throttle) refused it.
admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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
