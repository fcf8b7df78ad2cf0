"""The Chinese translation is complete and compiled, so the UI never falls back to English."""

import gettext
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_message_is_translated():
    po = polib.pofile(str(LOCALE / "django.po"))
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []


def test_compiled_catalog_matches_the_po_file():
    po = polib.pofile(str(LOCALE / "django.po"))
    with open(LOCALE / "django.mo", "rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    for entry in po.translated_entries():
        if entry.msgid_plural:
            assert catalog.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0]
        else:
            assert catalog.gettext(entry.msgid) == entry.msgstr, entry.msgid


def _django_untranslated(app, domain):
    """msgids of a Django contrib app's English catalogue that its zh_Hans catalogue lacks."""
    import django

    base = Path(django.__file__).parent / app / "locale"
    chinese = {(e.msgctxt, e.msgid) for e in polib.mofile(str(base / "zh_Hans" / "LC_MESSAGES" / f"{domain}.mo"))}
    return [
        e
        for e in polib.pofile(str(base / "en" / "LC_MESSAGES" / f"{domain}.po"))
        if not e.obsolete and not e.msgid_plural and (e.msgctxt, e.msgid) not in chinese
    ]


def test_the_admin_has_no_english_that_djangos_catalogue_leaves_untranslated():
    """The sidebar read "MODEL NAME", "ADD LINK" to screen readers: our catalogue fills the gaps."""
    from django.utils import translation

    missing = _django_untranslated("contrib/admin", "django")
    assert missing, "Django translates its whole admin now: drop yzgz/django_strings.py"
    with translation.override("zh-hans"):
        for entry in missing:
            assert translation.gettext(entry.msgid) != entry.msgid, entry.msgid


def test_the_admins_javascript_has_no_untranslated_english(client):
    from django.views.i18n import JavaScriptCatalog

    missing = _django_untranslated("contrib/admin", "djangojs")
    from django.utils import translation

    with translation.override("zh-hans"):
        catalog = JavaScriptCatalog(domain="djangojs", packages=["django.contrib.admin"])
        catalog.translation = translation.trans_real.DjangoTranslation("zh-hans", domain="djangojs")
        strings = catalog.get_catalog()
    for entry in missing:
        assert strings.get(entry.msgid) not in (None, "", entry.msgid), entry.msgid
