"""The pages' language (zh or en): ``?lang=``, then the ``lang`` cookie, then Accept-Language
(default zh); their words from gettext catalogues (``locales/<lang>/LC_MESSAGES/messages.po``,
read with Babel: msgid the English, msgstr the language's). Enumerated values take the
vocabulary's labels."""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from fastapi import Request

from shoutu.domain.vocabulary import Labeled

LANGS = ("zh", "en")
COOKIE = "lang"

LOCALES = Path(__file__).parent / "locales"
#: the catalogue of each language (gettext .po files, msgid the English)
CATALOGUES = {"zh": "zh_CN", "en": "en"}


def negotiate(request: Request) -> str:
    """The language of this request."""
    asked = request.query_params.get("lang") or request.cookies.get(COOKIE)
    if asked in LANGS:
        return asked
    header = request.headers.get("accept-language", "")
    ranked = []
    for i, part in enumerate(header.split(",")):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        ranked.append((-weight, i, tag.strip().lower()[:2]))
    for _, _, tag in sorted(ranked):
        if tag in LANGS:
            return tag
    return "zh"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of ``lang`` (compiled in memory from its .po file)."""
    path = LOCALES / CATALOGUES[lang] / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=CATALOGUES[lang])
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def label(value: object, lang: str) -> str:
    """A vocabulary value's label in ``lang`` (other values as they are)."""
    return value.label(lang) if isinstance(value, Labeled) else str(value)


@cache
def _vocabularies() -> dict[str, type[Labeled]]:
    found: dict[str, type[Labeled]] = {}
    pending: list[type[Labeled]] = [Labeled]
    while pending:
        for cls in pending.pop().__subclasses__():
            found[cls.__name__] = cls
            pending.append(cls)
    return found


def term(kind: str, value: object, lang: str) -> str:
    """The label in ``lang`` of a code as JSON holds it (``value``) of the vocabulary named
    ``kind`` (its class, e.g. ``ControlStatus``); an unknown code as it is."""
    vocabulary = _vocabularies().get(kind)
    if vocabulary is None or value is None:
        return "" if value is None else str(value)
    try:
        return vocabulary.parse(str(value)).label(lang)
    except ValueError:
        return str(value)


__all__ = [
    "CATALOGUES",
    "COOKIE",
    "LANGS",
    "LOCALES",
    "label",
    "negotiate",
    "term",
    "translations",
]
