"""Users in the admin, with the nickname beside Django's own fields."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "nickname", "email", "is_staff", "is_active", "date_joined"]
    search_fields = ["username", "nickname", "email"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets[:1],
        (_("Personal info"), {"fields": ["nickname", "first_name", "last_name", "email"]}),
        *DjangoUserAdmin.fieldsets[2:],
    ]
