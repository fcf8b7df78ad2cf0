"""Users in the admin, with the nickname beside Django's own fields."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.forms import ThrottledAdminAuthenticationForm
from accounts.models import Ban, User

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


class BanForm(forms.ModelForm):
    """Who may be banned is Ban.clean()'s rule, checked on add and on change alike."""

    class Meta:
        model = Ban
        fields = "__all__"  # noqa: DJ007 - BanAdmin decides what is shown


@admin.register(Ban)
class BanAdmin(admin.ModelAdmin):
    form = BanForm
    list_display = ["user", "action", "reason", "created_at", "expires_at", "lifted_at", "created_by"]
    list_filter = ["action", "created_at", "expires_at"]
    search_fields = ["user__username", "reason"]
    autocomplete_fields = ["user"]
    readonly_fields = ["created_by", "lifted_at"]
    list_select_related = ["user", "created_by"]
    actions = ["lift_selected"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False  # bans are lifted, not erased, so the record stays

    @admin.action(description=_("Lift selected bans"), permissions=["change"])
    def lift_selected(self, request, queryset):
        from news.services import ban_lift

        for ban in queryset.filter(lifted_at__isnull=True):
            ban_lift(ban=ban, by=request.user)
        self.message_user(request, _("Bans lifted."))
