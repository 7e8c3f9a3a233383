"""What the address book pages share: the list filter read from the query string, the country
prefixes for the number field, the provinces, and how a stored number splits back into them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import phonenumbers
from babel import Locale
from litestar import Request

from corriere.platform.contacts.fields import provinces
from corriere.platform.contacts.queries import ContactFilter, Sort
from corriere.web.formatting import collation_key

AnyRequest = Request[Any, Any, Any]


@dataclass(frozen=True, slots=True)
class ListParams:
    """A contact list's state, as the query string carries it (so every view is a link)."""

    text: str = ""
    group_id: int | None = None
    sort: Sort = "recent"
    page: int = 1

    @property
    def filter(self) -> ContactFilter:
        return ContactFilter(text=self.text, group_id=self.group_id)

    def query(self, **changes: Any) -> str:
        values = {
            "q": self.text,
            "gruppo": self.group_id or "",
            "ordina": "cognome" if self.sort == "surname" else "",
            "pagina": self.page if self.page > 1 else "",
        }
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def list_params(q: str = "", gruppo: str = "", ordina: str = "", pagina: str = "1") -> ListParams:
    group = int(gruppo) if gruppo.isdigit() and 0 < int(gruppo) < 2**62 else None
    page = int(pagina) if pagina.isdigit() and 0 < int(pagina) < 1_000_000 else 1
    sort: Sort = "surname" if ordina == "cognome" else "recent"
    return ListParams(text=q.strip()[:100], group_id=group, sort=sort, page=page)


@lru_cache(maxsize=8)
def prefix_options(locale: str) -> tuple[tuple[str, str], ...]:
    """(country code, "Italia (39)") for every calling code, named after its main country in
    `locale`, sorted as a reader of `locale` expects; Italy first."""
    names = Locale.parse(locale).territories
    options = []
    for code in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE):
        region = phonenumbers.region_code_for_country_code(code)
        if region in ("001", "ZZ"):
            continue  # global services (satellite, UIFN): not mobile networks
        options.append((str(code), f"{names.get(region, region)} ({code})"))
    options.sort(key=lambda o: collation_key(o[1]))
    italy = next(o for o in options if o[0] == "39")
    return (italy, *(o for o in options if o[0] != "39"))


def province_options(placeholder: str) -> list[tuple[str, str]]:
    return [("", placeholder), *((code, f"{name} ({code})") for code, name in provinces().items())]


def split_mobile(e164: str) -> tuple[str, str]:
    """ "+393351234567" → ("39", "3351234567"), as the form shows it."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return "", e164
    national = str(number.national_number)
    if number.italian_leading_zero:
        national = "0" * max(1, number.number_of_leading_zeros or 1) + national
    return str(number.country_code), national
