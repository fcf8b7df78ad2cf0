"""Strings of Django's own admin that its zh_Hans catalogue leaves untranslated.

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
