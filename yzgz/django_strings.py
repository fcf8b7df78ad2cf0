"""Strings of Django's own admin (and of django-axes) that their zh_Hans catalogues leave untranslated.

Never imported: ``make messages`` (makemessages) reads this file, so the strings enter our
catalogue (locale/zh_Hans/LC_MESSAGES/django.po, translated in translate_zh.py), which comes
before Django's own in LOCALE_PATHS. Without it the admin's sidebar reads "MODEL NAME",
"ADD LINK" and "CHANGE OR VIEW LIST LINK" to screen readers. tests/site/test_translations.py finds
the untranslated strings from Django's catalogues themselves, so an upgrade that adds one fails.
"""

from django.utils.translation import gettext_noop as _

ADMIN = [
    _("Model name"),
    _("Add link"),
    _("Change or view list link"),
    _("After you’ve created a user, you’ll be able to edit more user options."),
    _("Error:"),
    _("Forgotten your login credentials?"),
    _("In case you’ve forgotten, you are:"),
]

# django-axes (the login throttle's bookkeeping) ships no Chinese: its models' names appear in the
# permission chooser of users and groups and in content-type lists (#20).
AXES = [
    _("access attempt"),
    _("access attempts"),
    _("access attempt expiration"),
    _("access attempt expirations"),
    _("access failure"),
    _("access failures"),
    _("access log"),
    _("access logs"),
]
