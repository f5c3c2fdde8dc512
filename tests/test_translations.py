"""Every addon ships a complete French catalog of its template (refresh both with setup/i18n)."""

from pathlib import Path

import polib
import pytest

ADDONS = Path(__file__).resolve().parent.parent / "addons"


@pytest.mark.parametrize(
    "addon",
    [
        "pricelist_priority",
        "consumption_billing",
        "recurring_orders",
        "consumption_billing_fs_storage",
        "recurring_orders_queue_job",
        "consumption_billing_queue_job",
    ],
)
def test_french_catalog_translates_every_template_string(addon):
    template = polib.pofile(str(ADDONS / addon / "i18n" / f"{addon}.pot"))
    french = polib.pofile(str(ADDONS / addon / "i18n" / "fr.po"))
    translated = {(entry.msgctxt, entry.msgid) for entry in french.translated_entries() if not entry.obsolete}
    missing = [entry.msgid for entry in template if (entry.msgctxt, entry.msgid) not in translated]
    assert len(template) > 5, "the template holds the addon's strings: export it with setup/i18n"
    assert missing == [], f"{len(missing)} strings of {addon} have no French translation: {missing[:5]}"
    assert french.fuzzy_entries() == []
