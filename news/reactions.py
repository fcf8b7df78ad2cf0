"""The reaction bar (表态). The five defaults are the old portal's; counting comes later."""

from django.utils.translation import gettext_lazy as _

DEFAULT_REACTIONS = [
    ("pass", _("Passing by")),
    ("shock", _("Shocking")),
    ("handshake", _("Handshake")),
    ("flower", _("Flowers")),
    ("egg", _("Eggs")),
]
