"""The search page's filters: a category and a publication date range (from, to)."""

from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from news.articles.navigation import category_family
from news.search.documents import Filters

DATE_FORMATS = ["%Y-%m-%d"]  # what <input type="date"> sends
EARLIEST = date(1990, 1, 1)  # before the web, nothing to find; also keeps the year within bounds


class SearchFilterForm(forms.Form):
    """Bound to the query string. A bad value is reported and that filter left out: a search
    with a mistyped date still finds the reader's words."""

    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        error_messages={"invalid_choice": _("There is no such category; all categories were searched.")},
    )
    start = forms.DateField(
        label=_("From"),
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": _("“From” is not a date; use the form 2024-05-01.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": _("“To” is not a date; use the form 2024-05-01.")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, data, *, tree, **kwargs):
        super().__init__(data, **kwargs)
        self.tree = tree
        choices = [("", _("All categories"))]
        for category in tree:
            choices.append((category.slug, category.name))
            choices.extend((sub.slug, f"— {sub.name}") for sub in category.subcategories)
        self.fields["category"].choices = choices
        self.swapped = False

    def _clean_day(self, name):
        day = self.cleaned_data.get(name)
        if day is not None and not EARLIEST <= day <= date.today() + timedelta(days=366):
            raise forms.ValidationError(_("Pick a date between 1990 and next year."), code="out_of_range")
        return day

    def clean_start(self):
        return self._clean_day("start")

    def clean_end(self):
        return self._clean_day("end")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            cleaned["start"], cleaned["end"] = end, start  # the reader meant the other way round
            self.swapped = True
        return cleaned

    def filters(self):
        """The :class:`Filters` of the fields that are valid (an invalid one narrows nothing)."""
        self.is_valid()
        cleaned = self.cleaned_data
        slug = cleaned.get("category")
        ids = category_family(slug, self.tree) if slug else ()
        start, end = cleaned.get("start"), cleaned.get("end")
        zone = timezone.get_current_timezone()
        return Filters(
            category_ids=ids,
            start=datetime.combine(start, time.min, tzinfo=zone) if start else None,
            end=datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone) if end else None,
        )

    def active(self):
        """The filters' values as the page's links keep them (valid ones only)."""
        self.is_valid()
        values = {}
        if self.cleaned_data.get("category"):
            values["category"] = self.cleaned_data["category"]
        for name in ("start", "end"):
            if self.cleaned_data.get(name):
                values[name] = self.cleaned_data[name].isoformat()
        return values
