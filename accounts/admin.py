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
