"""Subject templates over random input (hypothesis): rendered as an independent reference model of the
grammar renders them, or refused; never evaluated as code."""

import builtins
import datetime
import re
import unittest
from unittest import mock

from babel import localedata
from babel.dates import format_date
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.addons.recurring_orders.tools import subject
from odoo.addons.recurring_orders.tools.subject import SubjectTemplateError

from .test_subject import FRENCH_MONTHS

D = datetime.date
# Other processes share the test machine's CPU: timing is no property of these pure functions.
busy_machine = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


# Reference model of the grammar, written independently of the tokenizer: a template is a sequence of
# "{{", "}}", "{name}" and brace-free text; anything else is invalid.
_REFERENCE_TOKEN = re.compile(r"\{\{|\}\}|\{(?P<name>[^{}]*)\}|(?P<text>[^{}]+)")
_LOCALES = {identifier.lower() for identifier in localedata.locale_identifiers()} - {"root"}


def _reference_render(template, day, lang):
    """The expected subject, or None when the template must be refused."""
    if len(template) > subject.MAX_TEMPLATE_LENGTH or re.search(
        r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", template
    ):
        return None
    forced = []
    pieces = []
    position = 0
    while position < len(template):
        match = _REFERENCE_TOKEN.match(template, position)
        if not match:
            return None
        position = match.end()
        name = match.group("name")
        if match.group("text") is not None:
            pieces.append(match.group("text"))
        elif name is None:
            pieces.append(match.group()[0])
        elif name.lower().startswith("lang_") and re.fullmatch(r"\w+", name, re.ASCII):
            if name[5:].lower() not in _LOCALES:
                return None
            forced.append(name[5:])
        elif name in subject.VARIABLES:
            pieces.append(("var", name))
        else:
            return None
    if len(forced) > 1:
        return None
    locale = forced[0] if forced else lang
    values = {
        "YYYY": str(day.year).zfill(4),
        "YY": str(day.year % 100).zfill(2),
        "MM": str(day.month).zfill(2),
        "DD": str(day.day).zfill(2),
        "Q": "1234"[(day.month - 1) // 3],
    }
    result = []
    for piece in pieces:
        if isinstance(piece, tuple):
            name = piece[1]
            result.append(format_date(day, "LLLL", locale=locale) if name == "MMM" else values[name])
        else:
            result.append(piece)
    return "".join(result)


_FRAGMENTS = [
    "{YYYY}",
    "{YY}",
    "{MM}",
    "{MMM}",
    "{DD}",
    "{Q}",
    "{lang_fr_fr}",
    "{LANG_EN_US}",
    "{lang_de}",
    "{lang_xx_xx}",
    "{{",
    "}}",
    "{",
    "}",
    "{__import__}",
    "{0}",
    "{YYYY!r}",
    "{YYYY:>10}",
    "{a.b}",
    "{a[0]}",
    "{}",
    "{{}}",
    "__class__",
    "__globals__",
    "%s",
    "%(x)s",
    " ",
    "é",
    "\n",
]
_CHARACTERS = "{}!:.[]()_%0123456789 YMDQlangfrenusxAé"
_templates = st.one_of(
    st.text(alphabet=_CHARACTERS, max_size=40),
    st.lists(
        st.one_of(st.sampled_from(_FRAGMENTS), st.text(alphabet=_CHARACTERS, max_size=3)), max_size=12
    ).map("".join),
)


def _forbidden(*_args, **_kwargs):
    raise AssertionError("a subject template must never evaluate code")


class TestRandomTemplates(unittest.TestCase):
    @busy_machine
    @given(
        template=_templates,
        day=st.dates(min_value=D(1000, 1, 1), max_value=D(9999, 12, 31)),
        lang=st.sampled_from(["en_US", "fr_FR"]),
    )
    def test_renders_as_the_reference_or_refuses(self, template, day, lang):
        expected = _reference_render(template, day, lang)
        with (
            mock.patch.object(builtins, "eval", _forbidden),
            mock.patch.object(builtins, "exec", _forbidden),
            mock.patch.object(builtins, "compile", _forbidden),
        ):
            try:
                rendered = subject.render_subject(template, day, lang)
            except SubjectTemplateError as error:
                self.assertIsNone(expected, f"{template!r} was refused: {error}")
                self.assertIn("Valid variables", str(error))
                return
        self.assertIsNotNone(expected, f"{template!r} should have been refused, gave {rendered!r}")
        self.assertEqual(rendered, expected)

    @busy_machine
    @given(
        parts=st.lists(
            st.one_of(
                st.sampled_from(["{YYYY}", "{YY}", "{MM}", "{MMM}", "{DD}", "{Q}", "{{", "}}"]),
                st.text(alphabet="abc XYZ-/:.!%_0123456789é", max_size=5),
            ),
            max_size=15,
        ),
        day=st.dates(min_value=D(1000, 1, 1), max_value=D(9999, 12, 31)),
    )
    def test_valid_templates_render_only_text_and_date_values(self, parts, day):
        values = {
            "{YYYY}": str(day.year),
            "{YY}": str(day.year)[-2:],
            "{MM}": str(day.month).zfill(2),
            "{MMM}": FRENCH_MONTHS[day.month - 1],
            "{DD}": str(day.day).zfill(2),
            "{Q}": str((day.month + 2) // 3),
            "{{": "{",
            "}}": "}",
        }
        template = "".join(parts)
        self.assertEqual(
            subject.render_subject(template, day, "fr_FR"), "".join(values.get(part, part) for part in parts)
        )
