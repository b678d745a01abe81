"""The pages' French catalogue is complete and up to date with the code and templates."""

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from tests.conftest import ROOT

CATALOGUE = ROOT / "taxapp" / "locale" / "fr" / "LC_MESSAGES" / "taxapp.po"


def test_every_text_of_the_pages_has_its_french(tmp_path):
    template = tmp_path / "taxapp.pot"
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-o", str(template), str(ROOT)]
    )
    with template.open("rb") as f:
        texts = {message.id for message in read_po(f) if message.id}
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f)
    french = {message.id: message for message in catalogue if message.id}
    assert sorted(texts - french.keys(), key=str) == [], "texts without French: make messages, then translate"
    untranslated = [m.id for m in french.values() if m.fuzzy or not all(m.string if m.pluralizable else [m.string])]
    assert untranslated == []
    assert sorted(french.keys() - texts, key=str) == [], "French for texts that are gone: make messages"
    assert list(catalogue.check()) == []  # placeholders kept, plural forms complete
