"""Subject templates of recurring invoices: a small, closed language, parsed by hand (no ORM).

A template is plain text with variables replaced by the values of the invoice's document date::

    "Abonnement {MMM} {YYYY}"  ->  "Abonnement mars 2026" (French customer, March 2026)

* ``{YYYY}`` 2026, ``{YY}`` 26, ``{MM}`` 03, ``{MMM}`` the full month name ("March", "mars"), ``{DD}`` 01,
  ``{Q}`` the quarter, 1 to 4. Variable names are case-sensitive.
* ``{lang_xx_xx}`` (``{lang_en_us}``, ``{lang_fr_fr}``; case-insensitive; any locale Babel knows, e.g.
  ``{lang_de}`` or ``{lang_es_419}``) forces the language of the month name instead of the customer's; it
  is removed from the result. At most one per template.
* ``{{`` and ``}}`` are literal braces.

Security: the template is user text, so it is never given to ``str.format``, ``format_map``, ``eval``,
f-strings or Jinja. A hand-written tokenizer accepts only the grammar above: anything else inside braces
(format specs ``{YYYY:>10}``, conversions ``{YYYY!r}``, attributes ``{a.b}``, items ``{a[0]}``, positional
``{0}``, dunder names) is refused, as are lone braces, nested braces, ``{}``, control characters (line
breaks...) and templates longer than MAX_TEMPLATE_LENGTH characters.

Errors and translation: every problem raises :class:`SubjectTemplateError` (a ``ValueError``) whose message
is one of the fixed English templates of this module (``MESSAGE_*``, using ``%(name)s`` placeholders),
followed by HELP_MESSAGE, which lists the valid variables. Each public function takes an optional
``translate`` callable (default: identity) applied to those fixed templates *before* they are filled in,
so the Odoo layer passes ``translate=self.env._`` and gets the message in the user's language. The
templates are marked with ``_lt()`` below so Odoo's translation export collects them into this addon's
``.pot``; ``_lt`` here only marks, it translates nothing. The error also keeps ``message_template``,
``params`` and ``position`` (1-based, or None) for callers that build their own message.

Month names come from Babel in their stand-alone form (``LLLL``), the grammatical form of a month named on
its own next to a year: identical to the ``MMMM`` format form in English and French ("mars", Babel's
lowercase kept), and right where they differ (Russian "март 2026", not the genitive "марта"; Catalan
"març", not "de març").
"""

import datetime
import functools
import re
from dataclasses import dataclass
from typing import NamedTuple

from babel import Locale, UnknownLocaleError, localedata
from babel.dates import format_date


def _lt(message):
    """Mark ``message`` for Odoo's translation export (which collects ``_lt("...")`` calls).

    Named after Odoo's lazy translation because it plays that role: the text is translated later, when an
    error is raised, by the ``translate`` callable the caller gives. By itself it returns ``message``.
    """
    return message


MAX_TEMPLATE_LENGTH = 256
DEFAULT_LANG = "en_US"
VARIABLES = ("YYYY", "YY", "MM", "MMM", "DD", "Q")
LANG_PREFIX = "lang_"

MESSAGE_TOO_LONG = _lt("The subject template is %(length)s characters long; at most %(maximum)s are allowed.")
MESSAGE_CONTROL_CHARACTER = _lt(
    "The subject template contains a control character (such as a line break) at position %(position)s."
)
MESSAGE_LONE_CLOSING_BRACE = _lt(
    'Unexpected "}" at position %(position)s: write "}}" for a literal brace, or close a variable opened '
    'with "{".'
)
MESSAGE_UNCLOSED_BRACE = _lt(
    'The "{" at position %(position)s is never closed: write "{{" for a literal brace, or close the '
    'variable with "}".'
)
MESSAGE_NESTED_BRACE = _lt(
    'Braces cannot be nested: "{" at position %(position)s is inside another variable.'
)
MESSAGE_EMPTY_VARIABLE = _lt('Empty variable "{}" at position %(position)s.')
MESSAGE_INVALID_VARIABLE = _lt(
    'Invalid variable "{%(name)s}" at position %(position)s: a variable is a plain name, without '
    "formatting, conversion, attribute or index."
)
MESSAGE_UNKNOWN_VARIABLE = _lt('Unknown variable "{%(name)s}" at position %(position)s.')
MESSAGE_UNKNOWN_LANGUAGE = _lt('Unknown language "%(language)s" in "{%(name)s}" at position %(position)s.')
MESSAGE_SEVERAL_LANGUAGES = _lt(
    'Only one language variable is allowed: "{%(name)s}" at position %(position)s is the second one.'
)
HELP_MESSAGE = _lt(
    "Valid variables: {YYYY}, {YY}, {MM}, {MMM}, {DD}, {Q}. Force the language of the month name with "
    "{lang_xx_xx}, e.g. {lang_en_us} or {lang_fr_fr}. Write {{ and }} for literal braces."
)

_VARIABLE_DESCRIPTIONS = (
    ("{YYYY}", _lt("Year of the document date, four digits (2026)")),
    ("{YY}", _lt("Year, two digits (26)")),
    ("{MM}", _lt("Month number, two digits (03)")),
    ("{MMM}", _lt("Full name of the month in the customer's language (March, mars)")),
    ("{DD}", _lt("Day of the month, two digits (01)")),
    ("{Q}", _lt("Quarter, 1 to 4")),
    ("{lang_xx_xx}", _lt("Forces the language of the month name ({lang_en_us}, {lang_fr_fr}); not printed")),
    ("{{ }}", _lt("Literal braces { and }")),
)

# Odoo writes Serbian's scripts as modifiers ("sr@latin"); Babel wants them as script subtags ("sr_Latn").
_ODOO_SCRIPT_MODIFIERS = {"latin": "Latn", "cyrl": "Cyrl"}
_NAME_PATTERN = re.compile(r"[A-Za-z0-9_]+")
_CONTROL_PATTERN = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _identity(message):
    return message


class SubjectTemplateError(ValueError):
    """A subject template breaks the grammar; the message says what, where, and lists the valid variables."""

    def __init__(self, message_template, translate=None, **params):
        translate = translate or _identity
        self.message_template = message_template
        self.params = params
        self.position = params.get("position")
        try:
            message = translate(message_template) % params
        except (TypeError, ValueError, KeyError):  # a broken translation must not hide the error
            message = message_template % params
        super().__init__(f"{message} {translate(HELP_MESSAGE)}")


@dataclass(frozen=True)
class Variable:
    """A variable token of a parsed template, told apart from literal text (``str`` tokens) by its type."""

    name: str


class ParsedSubject(NamedTuple):
    """A validated template: literal ``str`` and Variable ``tokens``; ``lang``, the forced locale or None."""

    tokens: tuple
    lang: str | None


@functools.cache
def _known_locales():
    """Babel's locale identifiers by lowercase name (``"fr_fr"`` -> ``"fr_FR"``)."""
    identifiers = localedata.locale_identifiers()
    return {identifier.lower(): identifier for identifier in identifiers if identifier != "root"}


def parse_subject(template, translate=None):
    """Validate ``template`` and split it into tokens; raise SubjectTemplateError on any problem."""
    template = template or ""
    if len(template) > MAX_TEMPLATE_LENGTH:
        raise SubjectTemplateError(
            MESSAGE_TOO_LONG, translate, length=len(template), maximum=MAX_TEMPLATE_LENGTH
        )
    control = _CONTROL_PATTERN.search(template)
    if control:
        raise SubjectTemplateError(MESSAGE_CONTROL_CHARACTER, translate, position=control.start() + 1)

    tokens = []
    literal = []
    lang = None
    index = 0
    while index < len(template):
        char = template[index]
        if char == "}":
            if template.startswith("}}", index):
                literal.append("}")
                index += 2
                continue
            raise SubjectTemplateError(MESSAGE_LONE_CLOSING_BRACE, translate, position=index + 1)
        if char != "{":
            literal.append(char)
            index += 1
            continue
        if template.startswith("{{", index):
            literal.append("{")
            index += 2
            continue
        opening = index
        name, index, variable_lang = _read_variable(template, opening, translate)
        if variable_lang is None:
            if literal:
                tokens.append("".join(literal))
                literal = []
            tokens.append(Variable(name))
        elif lang is not None:
            raise SubjectTemplateError(MESSAGE_SEVERAL_LANGUAGES, translate, name=name, position=opening + 1)
        else:
            lang = variable_lang
    if literal:
        tokens.append("".join(literal))
    return ParsedSubject(tuple(tokens), lang)


def _read_variable(template, start, translate):
    """Read the variable opened at ``start``: ``(name, index after "}", forced language or None)``."""
    position = start + 1
    end = start + 1
    while end < len(template) and template[end] not in "{}":
        end += 1
    if end == len(template):
        raise SubjectTemplateError(MESSAGE_UNCLOSED_BRACE, translate, position=position)
    if template[end] == "{":
        raise SubjectTemplateError(MESSAGE_NESTED_BRACE, translate, position=end + 1)
    name = template[start + 1 : end]
    if not name:
        raise SubjectTemplateError(MESSAGE_EMPTY_VARIABLE, translate, position=position)
    if not _NAME_PATTERN.fullmatch(name):
        raise SubjectTemplateError(MESSAGE_INVALID_VARIABLE, translate, name=name, position=position)
    if name in VARIABLES:
        return name, end + 1, None
    if name.lower().startswith(LANG_PREFIX):
        language = name[len(LANG_PREFIX) :]
        lang = _known_locales().get(language.lower())
        if lang is None:
            raise SubjectTemplateError(
                MESSAGE_UNKNOWN_LANGUAGE, translate, language=language, name=name, position=position
            )
        return name, end + 1, lang
    raise SubjectTemplateError(MESSAGE_UNKNOWN_VARIABLE, translate, name=name, position=position)


def _babel_locale(lang):
    """Babel locale of an Odoo language code (``fr_FR``, ``sr@latin``); English when unknown or empty."""
    if lang and isinstance(lang, str):
        code, _sep, modifier = lang.replace("-", "_").partition("@")
        parts = code.split("_")
        script = _ODOO_SCRIPT_MODIFIERS.get(modifier.lower())
        if script:
            parts.insert(1, script)
        try:
            return Locale.parse("_".join(parts))
        except (UnknownLocaleError, ValueError):
            return Locale.parse(DEFAULT_LANG)
    return Locale.parse(DEFAULT_LANG)


def render_subject(template_or_parsed, day, lang=DEFAULT_LANG, translate=None):
    """The subject for the document date ``day``.

    ``template_or_parsed`` is a template string (parsed here, so it may raise SubjectTemplateError) or a
    ParsedSubject. The month name is in the template's forced language, else ``lang`` (the customer's
    Odoo language code), else English when ``lang`` is empty or unknown to Babel.
    """
    if isinstance(template_or_parsed, ParsedSubject):
        parsed = template_or_parsed
    else:
        parsed = parse_subject(template_or_parsed, translate)
    if isinstance(day, datetime.datetime):
        day = day.date()
    values = {
        "YYYY": f"{day.year:04d}",
        "YY": f"{day.year % 100:02d}",
        "MM": f"{day.month:02d}",
        "DD": f"{day.day:02d}",
        "Q": str((day.month - 1) // 3 + 1),
    }
    if Variable("MMM") in parsed.tokens:
        values["MMM"] = format_date(day, "LLLL", locale=_babel_locale(parsed.lang or lang))
    return "".join(values[token.name] if isinstance(token, Variable) else token for token in parsed.tokens)


def describe_variables(translate=None):
    """``[(variable as written in a template, description)]`` for the help shown next to the field."""
    translate = translate or _identity
    return [(variable, translate(description)) for variable, description in _VARIABLE_DESCRIPTIONS]
