"""Site-wide admin adjustments: the "view on site" shortcut, guarded, and the yes/no icons' words.

The "view on site" shortcut (``/admin/r/<content type>/<id>/``): Django's own redirects any
staff member to any object's public address: a reporter could walk a user's content type
through every id and read each username off the ``/publisher/<username>/`` redirect, residents
who never published included. Here the object must be one the model's admin shows this staff
member (its queryset, then its view or change permission); anything else is a 404, as for an
object that does not exist.
"""

from django.contrib import admin
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext


def view_on_site(request, content_type_id, object_id):
    try:
        model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
    except (ContentType.DoesNotExist, ValueError) as exc:
        raise Http404("No such content type") from exc
    if model is None or not admin.site.is_registered(model):
        raise Http404("Not in the admin")
    model_admin = admin.site.get_model_admin(model)
    obj = model_admin.get_object(request, unquote(object_id))
    if obj is None or not model_admin.has_view_or_change_permission(request, obj):
        raise Http404("No such object")
    return contenttype_views.shortcut(request, content_type_id, object_id)


def boolean_icon(value):
    """The admin's yes/no/unknown icon, its alt text in the reader's language."""
    icon = {True: "yes", False: "no", None: "unknown"}[value]
    label = {True: gettext("Yes"), False: gettext("No"), None: gettext("Unknown")}[value]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), label)


# Django writes the icon's alt as the value itself, "True" or "False", in English whatever the
# language (#20). The lists and the read-only fields (admin_list, helpers, utils) look it up when they draw.
admin_list._boolean_icon = boolean_icon
