"""URL converters: database ids that cannot overflow a bigint; text segments safe to look up."""

from django.http import Http404


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


def text_segment(value):
    """A ``<str:…>`` path segment about to be looked up in the database.

    PostgreSQL refuses NUL in text, so a segment holding one (``/tag/%00/``) would be a
    database error; no slug or username can contain it, so it is simply not found.
    """
    if "\x00" in value:
        raise Http404("No such page")
    return value
