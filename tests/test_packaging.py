"""Every addon is packaged and loaded the way OCA tooling and Odoo's own test runner expect."""

import ast
import re
import unittest
from pathlib import Path

ADDONS_DIR = Path(__file__).resolve().parent.parent / "addons"
ADDONS = sorted(path.parent for path in ADDONS_DIR.glob("*/__manifest__.py"))
MANIFEST_KEYS = {
    "name",
    "summary",
    "category",
    "version",
    "license",
    "author",
    "website",
    "maintainers",
    "images",
    "depends",
}


def manifest(addon):
    return ast.literal_eval((addon / "__manifest__.py").read_text())


class TestPackaging(unittest.TestCase):
    def test_every_addon_builds_with_whool_and_shows_in_the_apps(self):
        self.assertTrue(ADDONS)
        for addon in ADDONS:
            with self.subTest(addon=addon.name):
                values = manifest(addon)
                self.assertLessEqual(MANIFEST_KEYS, set(values))
                self.assertRegex(values["version"], r"^19\.0\.\d+\.\d+\.\d+$")
                self.assertEqual(values["license"], "LGPL-3")
                self.assertIn('build-backend = "whool.buildapi"', (addon / "pyproject.toml").read_text())
                description = addon / "static" / "description"
                self.assertTrue((description / "icon.png").is_file())
                # Odoo renders index.html on the Apps page instead of parsing the README as RST.
                self.assertIn("oe_container", (description / "index.html").read_text())
                for image in values["images"]:
                    self.assertTrue((addon / image).is_file(), image)

    def test_odoo_runner_loads_every_test_module(self):
        """Odoo's test runner runs only the test modules that tests/__init__.py imports (pytest finds every
        file): a module missing there would never run under runbot or OCA's CI."""
        for addon in ADDONS:
            with self.subTest(addon=addon.name):
                package = (addon / "tests" / "__init__.py").read_text()
                imported = set(re.findall(r"\btest_\w+", package))
                on_disk = {path.stem for path in (addon / "tests").glob("test_*.py")}
                self.assertEqual(on_disk - imported, set())
