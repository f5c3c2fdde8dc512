"""Subject templates of recurring invoices: rendering, languages, and refusal of anything else."""

import datetime
import unittest

from odoo.addons.recurring_orders.tools import subject
from odoo.addons.recurring_orders.tools.subject import SubjectTemplateError

D = datetime.date

FRENCH_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class TestRenderSubject(unittest.TestCase):
    def test_issue_examples_in_french_and_english(self):
        march = D(2026, 3, 1)
        self.assertEqual(
            subject.render_subject("Abonnement {MMM} {YYYY}", march, "fr_FR"), "Abonnement mars 2026"
        )
        self.assertEqual(
            subject.render_subject("Subscription {MMM} {YYYY}", march, "en_US"), "Subscription March 2026"
        )
        self.assertEqual(
            subject.render_subject("Subscription {MMM} {YYYY}", march), "Subscription March 2026"
        )

    def test_every_variable(self):
        cases = [
            # (document date, expected rendering of "{YYYY}|{YY}|{MM}|{MMM}|{DD}|Q{Q}")
            (D(2026, 3, 1), "2026|26|03|March|01|Q1"),
            (D(2026, 3, 31), "2026|26|03|March|31|Q1"),
            (D(2026, 4, 1), "2026|26|04|April|01|Q2"),
            (D(2026, 6, 30), "2026|26|06|June|30|Q2"),
            (D(2026, 7, 1), "2026|26|07|July|01|Q3"),
            (D(2026, 9, 30), "2026|26|09|September|30|Q3"),
            (D(2026, 10, 1), "2026|26|10|October|01|Q4"),
            (D(2005, 12, 31), "2005|05|12|December|31|Q4"),
            (D(2100, 1, 9), "2100|00|01|January|09|Q1"),
        ]
        for day, expected in cases:
            with self.subTest(day=day):
                self.assertEqual(subject.render_subject("{YYYY}|{YY}|{MM}|{MMM}|{DD}|Q{Q}", day), expected)

    def test_full_month_names_in_french_and_english(self):
        for month in range(1, 13):
            day = D(2026, month, 15)
            with self.subTest(month=month):
                self.assertEqual(subject.render_subject("{MMM}", day, "fr_FR"), FRENCH_MONTHS[month - 1])
                self.assertEqual(subject.render_subject("{MMM}", day, "fr_BE"), FRENCH_MONTHS[month - 1])
                self.assertEqual(subject.render_subject("{MMM}", day, "en_US"), ENGLISH_MONTHS[month - 1])

    def test_stand_alone_month_name_next_to_a_year(self):
        # Where the forms differ, the month named on its own is the right one for "{MMM} {YYYY}".
        march = D(2026, 3, 1)
        self.assertEqual(subject.render_subject("{MMM} {YYYY}", march, "ru_RU"), "март 2026")
        self.assertEqual(subject.render_subject("{MMM} {YYYY}", march, "pl_PL"), "marzec 2026")
        self.assertEqual(subject.render_subject("{MMM} {YYYY}", march, "ca_ES"), "març 2026")

    def test_forced_language_wins_and_is_removed(self):
        march = D(2026, 3, 1)
        cases = [
            ("Subscription {MMM} {YYYY}{lang_en_us}", "fr_FR", "Subscription March 2026"),
            ("{lang_en_us}Subscription {MMM} {YYYY}", "fr_FR", "Subscription March 2026"),
            ("{LANG_EN_US}{MMM}", "fr_FR", "March"),
            ("{Lang_Fr_Fr}{MMM}", "en_US", "mars"),
            ("Abonnement {lang_fr_fr}{MMM} {YYYY}", "en_US", "Abonnement mars 2026"),
            ("Abonnement {MMM} {YYYY} {lang_fr_fr}", "de_DE", "Abonnement mars 2026 "),
            ("{lang_de}{MMM}", "en_US", "März"),
            ("{lang_es_419}{MMM}", "en_US", "marzo"),
            ("{lang_sr_latn}{MMM}", "en_US", "mart"),
            ("{YYYY}{lang_fr_fr}", "en_US", "2026"),
            ("{lang_fr_fr}", "en_US", ""),
        ]
        for template, lang, expected in cases:
            with self.subTest(template=template, lang=lang):
                self.assertEqual(subject.render_subject(template, march, lang), expected)
        self.assertEqual(subject.parse_subject("{lang_EN_us}{MMM}").lang, "en_US")

    def test_customer_language_fallbacks(self):
        march = D(2026, 3, 1)
        for lang in (None, False, "", "xx_XX", "zz"):
            with self.subTest(lang=lang):
                self.assertEqual(subject.render_subject("{MMM}", march, lang), "March")
        self.assertEqual(subject.render_subject("{MMM}", march, "sr@latin"), "mart")
        self.assertEqual(subject.render_subject("{MMM}", march, "sr@Cyrl"), "март")

    def test_literal_braces(self):
        day = D(2026, 3, 1)
        cases = [
            ("{{YYYY}}", "{YYYY}"),
            ("{{{YYYY}}}", "{2026}"),
            ("{{}}", "{}"),
            ("}}{{", "}{"),
            ("Ref {{{MM}/{YY}}} {{x}}", "Ref {03/26} {x}"),
            ("{{lang_fr_fr}} {MMM}", "{lang_fr_fr} March"),
            ("", ""),
            ("No variable: 100% {{safe}}", "No variable: 100% {safe}"),
        ]
        for template, expected in cases:
            with self.subTest(template=template):
                self.assertEqual(subject.render_subject(template, day), expected)

    def test_parsed_subject_is_reusable_and_immutable(self):
        parsed = subject.parse_subject("Abonnement {MMM} {YYYY}{lang_fr_fr}")
        self.assertEqual(
            parsed.tokens,
            ("Abonnement ", subject.Variable("MMM"), " ", subject.Variable("YYYY")),
        )
        self.assertEqual(parsed.lang, "fr_FR")
        self.assertEqual(subject.render_subject(parsed, D(2026, 4, 1), "en_US"), "Abonnement avril 2026")
        self.assertEqual(subject.render_subject(parsed, D(2026, 5, 1), "en_US"), "Abonnement mai 2026")
        with self.assertRaises(AttributeError):
            parsed.lang = "en_US"
        with self.assertRaises(AttributeError):
            parsed.tokens[1].name = "__class__"

    def test_datetime_is_rendered_as_its_date(self):
        self.assertEqual(subject.render_subject("{DD}/{MM}", datetime.datetime(2026, 3, 4, 23, 59)), "04/03")

    def test_maximum_length_is_allowed(self):
        template = "{YYYY}" + "x" * (subject.MAX_TEMPLATE_LENGTH - 6)
        self.assertEqual(
            len(subject.render_subject(template, D(2026, 3, 1))), subject.MAX_TEMPLATE_LENGTH - 2
        )

    def test_describe_variables(self):
        described = dict(subject.describe_variables())
        for variable in subject.VARIABLES:
            self.assertIn(f"{{{variable}}}", described)
        self.assertIn("{lang_xx_xx}", described)
        self.assertIn("March", described["{MMM}"])
        translated = dict(subject.describe_variables(translate=str.upper))
        self.assertEqual(translated["{Q}"], "QUARTER, 1 TO 4")


class TestInvalidTemplates(unittest.TestCase):
    def assertRefused(self, template, message, position=None):
        with self.assertRaises(SubjectTemplateError) as caught:
            subject.parse_subject(template)
        error = caught.exception
        self.assertIn(message, str(error))
        self.assertIn("Valid variables: {YYYY}, {YY}, {MM}, {MMM}, {DD}, {Q}.", str(error))
        self.assertIn("{lang_xx_xx}", str(error))
        self.assertEqual(error.position, position)
        self.assertIsInstance(error, ValueError)
        # Rendering refuses the same template with the same error.
        with self.assertRaises(SubjectTemplateError) as caught_render:
            subject.render_subject(template, D(2026, 3, 1))
        self.assertEqual(str(caught_render.exception), str(error))
        return error

    def test_unknown_variables(self):
        cases = [
            ("Invoice {YEAR}", 'Unknown variable "{YEAR}" at position 9.', 9),
            ("{yyyy}", 'Unknown variable "{yyyy}" at position 1.', 1),
            ("{__import__}", 'Unknown variable "{__import__}" at position 1.', 1),
            ("{__class__}", 'Unknown variable "{__class__}"', 1),
            ("{0}", 'Unknown variable "{0}" at position 1.', 1),
            ("{self}", 'Unknown variable "{self}"', 1),
            ("{lang}", 'Unknown variable "{lang}"', 1),
        ]
        for template, message, position in cases:
            with self.subTest(template=template):
                self.assertRefused(template, message, position)

    def test_format_spec_conversion_attribute_and_index_tricks(self):
        for template in (
            "{YYYY!r}",
            "{YYYY!s}",
            "{YYYY:>10}",
            "{YYYY:%Y}",
            "{a.b}",
            "{YYYY.__class__}",
            "{a[0]}",
            "{0[__globals__]}",
            "{0.__init__.__globals__}",
            "{YYYY }",
            "{ YYYY}",
            "{lang-fr-fr}",
            "{MMM()}",
            "{é}",
        ):
            with self.subTest(template=template):
                name = template[1:-1]
                self.assertRefused(
                    template, f'Invalid variable "{{{name}}}" at position 1: a variable is a plain', 1
                )

    def test_braces(self):
        cases = [
            ("Invoice {", 'The "{" at position 9 is never closed', 9),
            ("Invoice {YYYY", 'The "{" at position 9 is never closed', 9),
            ("{{{", 'The "{" at position 3 is never closed', 3),
            ("Invoice }", 'Unexpected "}" at position 9', 9),
            ("{YYYY}}", 'Unexpected "}" at position 7', 7),
            ("}}}", 'Unexpected "}" at position 3', 3),
            ("{YY{YY}}", 'Braces cannot be nested: "{" at position 4', 4),
            ("{{YY}{YY}", 'Unexpected "}" at position 5', 5),
            ("{a{b}c}", 'Braces cannot be nested: "{" at position 3', 3),
            ("{}", 'Empty variable "{}" at position 1.', 1),
            ("x {}{YYYY}", 'Empty variable "{}" at position 3.', 3),
        ]
        for template, message, position in cases:
            with self.subTest(template=template):
                self.assertRefused(template, message, position)

    def test_languages(self):
        self.assertRefused("{lang_xx_xx}", 'Unknown language "xx_xx" in "{lang_xx_xx}" at position 1.', 1)
        self.assertRefused("{MMM} {lang_fr_zz}", 'Unknown language "fr_zz"', 7)
        self.assertRefused("{lang_}", 'Unknown language "" in "{lang_}"', 1)
        self.assertRefused("{lang_root}", 'Unknown language "root"', 1)
        self.assertRefused(
            "{lang_fr_fr}{MMM}{lang_en_us}",
            'Only one language variable is allowed: "{lang_en_us}" at position 18 is the second one.',
            18,
        )
        self.assertRefused("{lang_fr_fr}{lang_fr_fr}", "Only one language variable is allowed", 13)

    def test_too_long(self):
        error = self.assertRefused(
            "x" * (subject.MAX_TEMPLATE_LENGTH + 1),
            "The subject template is 257 characters long; at most 256 are allowed.",
        )
        self.assertEqual(error.params, {"length": 257, "maximum": 256})
        # Checked before anything else: a huge template is refused without being tokenized.
        self.assertRefused("{" * 100_000, "The subject template is 100000 characters long")

    def test_control_characters(self):
        for template, position in (("a\nb", 2), ("\r\nBcc: x", 1), ("tab\t", 4), ("\x00", 1), ("a\u2028", 2)):
            with self.subTest(template=template):
                self.assertRefused(template, "contains a control character", position)

    def test_translated_messages(self):
        translations = {
            subject.MESSAGE_UNKNOWN_VARIABLE: "Variable inconnue « {%(name)s} » à la position %(position)s.",
            subject.HELP_MESSAGE: "Variables valides : {YYYY}…",
        }
        with self.assertRaises(SubjectTemplateError) as caught:
            subject.parse_subject("Facture {ANNEE}", translate=lambda text: translations.get(text, text))
        self.assertEqual(
            str(caught.exception),
            "Variable inconnue « {ANNEE} » à la position 9. Variables valides : {YYYY}…",
        )
        self.assertEqual(caught.exception.message_template, subject.MESSAGE_UNKNOWN_VARIABLE)
        self.assertEqual(caught.exception.params, {"name": "ANNEE", "position": 9})
        # A broken translation falls back to the English message instead of hiding the error.
        with self.assertRaises(SubjectTemplateError) as caught:
            subject.render_subject("{X}", D(2026, 3, 1), translate=lambda text: "%(missing)s")
        self.assertTrue(str(caught.exception).startswith('Unknown variable "{X}" at position 1.'))

    def test_user_text_never_reaches_string_formatting(self):
        # Placeholders written by the user stay inert text in the message and in the result.
        self.assertEqual(subject.render_subject("%(name)s %s {{0}}", D(2026, 3, 1)), "%(name)s %s {0}")
        with self.assertRaises(SubjectTemplateError) as caught:
            subject.parse_subject("{a%(position)s}")
        self.assertIn('"{a%(position)s}"', str(caught.exception))
