"""Form widgets that render without Django's per-option template includes.

Django's `Select` renders `select.html`, which includes `select_option.html` and `attrs.html` for every option:
for the catalogue's 34 provinces that was about a third of the page's time. `PlainSelect` writes the very same
HTML in Python (tests compare it with Django's own rendering), so the look does not change.
"""

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


def _attrs(attrs: dict) -> str:
    # As django/forms/widgets/attrs.html: False drops the attribute, True writes its bare name.
    return "".join(f" {conditional_escape(name)}" if value is True
                   else f' {conditional_escape(name)}="{conditional_escape(value)}"'
                   for name, value in attrs.items() if value is not False)


class PlainSelect(forms.Select):
    """A single `forms.Select` of flat choices, with the HTML of Django's templates, rendered in Python.

    Option groups and multiple selects keep Django's template rendering."""

    def render(self, name, value, attrs=None, renderer=None):
        choices = list(self.choices)
        if self.allow_multiple_selected or any(isinstance(label, (list, tuple)) for _value, label in choices):
            return super().render(name, value, attrs, renderer)
        wanted = set(self.format_value(value))
        parts = ['<select name="', conditional_escape(name), '"', _attrs(self.build_attrs(self.attrs, attrs)), ">"]
        selected_one = False
        for option_value, label in choices:
            option_value = "" if option_value is None else str(option_value)
            # Like ChoiceWidget.optgroups: a single select marks only the first matching option.
            selected = not selected_one and option_value in wanted
            selected_one |= selected
            # select_option.html ends with a newline, which its include keeps.
            parts += ['\n  <option value="', conditional_escape(option_value), '"', " selected" if selected else "",
                      ">", conditional_escape(label), "</option>\n"]
        parts.append("\n</select>")
        return mark_safe("".join(parts))
