"""The pages' words: every English word a template uses has its Chinese in the zh_CN catalogue
and stands in the en one, no catalogue entry is left unused, and the language is negotiated
from ?lang=, the cookie, then Accept-Language."""

from __future__ import annotations

import re

from babel.messages.pofile import read_po
from starlette.requests import Request

from paths import SRC
from shoutu.web.i18n import CATALOGUES, LOCALES, negotiate, translations

TEMPLATES = SRC / "web" / "templates"
#: _("…") calls, and the English values of the templates' own label tables (TIMES, FOUR)
CALL = re.compile(r'_\("((?:[^"\\]|\\.)*)"\)')
TABLE = re.compile(r"\{% set [A-Z]+ = \{(.*?)\} %\}")
VALUE = re.compile(r"'[a-z_]+': '([^']*)'")


def _used() -> set[str]:
    found: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text()
        found |= {
            m.encode().decode("unicode_escape") if "\\u" in m else m for m in CALL.findall(text)
        }
        for table in TABLE.findall(text):
            found |= set(VALUE.findall(table))
    return found


def _catalogue(lang: str) -> dict[str, str]:
    path = LOCALES / CATALOGUES[lang] / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle) if m.id}


def test_every_word_is_translated_and_none_is_stale() -> None:
    used = _used()
    assert len(used) > 60
    zh, en = _catalogue("zh"), _catalogue("en")
    assert sorted(used - set(zh)) == [] and sorted(set(zh) - used) == []
    assert set(en) == set(zh)
    assert all((zh[w] and zh[w] != w) or w == "中文" for w in used)  # the switch reads English
    assert translations("zh").gettext("Command centre") == "指挥中心"
    assert translations("en").gettext("Command centre") == "Command centre"


def _request(query: str = "", cookie: str = "", accept: str = "") -> Request:
    headers = [(b"accept-language", accept.encode())] if accept else []
    if cookie:
        headers.append((b"cookie", f"lang={cookie}".encode()))
    return Request({"type": "http", "query_string": query.encode(), "headers": headers})


def test_the_language_is_negotiated() -> None:
    assert negotiate(_request(accept="en-GB,en;q=0.9")) == "en"
    assert negotiate(_request(accept="fr-FR,zh-CN;q=0.8,en;q=0.5")) == "zh"
    assert negotiate(_request(accept="en;q=0.2,zh;q=0.9")) == "zh"
    assert negotiate(_request(cookie="en", accept="zh-CN")) == "en"
    assert negotiate(_request(query="lang=zh", cookie="en")) == "zh"
    assert negotiate(_request(query="lang=xx", accept="de")) == "zh"  # the default
