"""English mode reads English: the 2026 product sets and criteria (converted with the reviewed
glossary of tools/annex2), each product-set code once, and counts in their plural forms."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

# Letters only Vietnamese uses: a line holding one is Vietnamese (or a proper name).
VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)


def english(browser: Any, path: str) -> Any:
    browser.post("/lang/en", {"next": path})
    return browser


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def test_the_new_dossier_page_lists_each_product_set_once_in_english(as_user: Any) -> None:
    b = english(as_user("producer1"), "/dossiers/new")
    page = b.get("/dossiers/new").get_data(as_text=True)
    select = page[page.index('id="product_set"') : page.index("</select>", page.index('id="product_set"'))]
    options = [_text(o) for o in re.findall(r"<option value=\"\d+\"[^>]*>(.*?)</option>", select, re.S)]
    assert "01 — Fresh vegetables, tubers, fruit and nuts" in options
    assert "26 — Community tourism, eco-tourism services and tourist sites" in options
    codes = [o.split(" — ")[0] for o in options]
    assert len(codes) == len(set(codes)) == 26
    assert [o for o in options if VIETNAMESE.search(o)] == []


@pytest.mark.parametrize("state", ["council_scoring"])
def test_the_2026_score_sheet_reads_in_english(as_user: Any, walk: Any, state: str) -> None:
    dossier_id = walk(state, product_set="01")
    page = english(as_user("council1"), "/work").get(f"/dossiers/{dossier_id}/score").get_data(as_text=True)
    criteria = re.findall(r'<div class="criterion"(.*?)</div>\s*</div>', page, re.S)
    assert len(criteria) > 20
    lines = [_text(c) for c in criteria]
    assert [line for line in lines if VIETNAMESE.search(line)] == []
    assert "Origin of the product" in page and "Product grown in the commune, but less than 50% of it" in page


def test_counts_read_in_their_plural_forms(as_user: Any, walk: Any) -> None:
    b = english(as_user("producer1"), "/dossiers")
    walk("idea")
    assert re.search(r'data-testid="total">\s*1 dossier\s*<', b.get("/dossiers").get_data(as_text=True))
    walk("idea")
    assert re.search(r'data-testid="total">\s*2 dossiers\s*<', b.get("/dossiers").get_data(as_text=True))
    vietnamese = as_user("producer1").get("/dossiers").get_data(as_text=True)
    assert re.search(r'data-testid="total">\s*2 hồ sơ\s*<', vietnamese)
