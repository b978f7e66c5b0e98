"""The public catalogue (/p/, GET /api/v1/public/products): certified products whose certificate
is valid today, searched and filtered in SQL with paging.

Which certificates are valid is one rule (`engine.service.base.VALID_STATUS` and the expiry
date, the same rule `certificate_snapshot` applies for /c/), written here as a SQL condition so
the database, not a loop over every row, picks the products. Only public fields leave this
module: the product, its producer organisation, its area, group and stars, and the certificate's
number and dates; no person, no dossier answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, func, select

from engine.service.base import certificate_snapshot, valid_certificate_condition
from engine.service.snapshots import CertificateSnapshot
from engine.storage import search
from engine.storage import tables as t

if TYPE_CHECKING:
    from engine.service.base import ServiceBase

MAX_PER_PAGE = 100
MAX_PAGE = 10_000


@dataclass(frozen=True)
class PublicProduct:
    product_code: str
    product_name: str
    producer_org: str
    product_group: str
    province_code: str
    commune_code: str
    certificate: CertificateSnapshot


@dataclass(frozen=True)
class CataloguePage:
    products: list[PublicProduct]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


_COLUMNS = (
    t.certificates,
    t.dossiers.c.product_group,
    t.dossiers.c.province_code,
    t.dossiers.c.commune_code,
)


def _product(row: Any, today: dt.date) -> PublicProduct:
    certificate = certificate_snapshot(row, today)
    return PublicProduct(
        product_code=row["product_code"] or row["number"],
        product_name=row["product_name"],
        producer_org=row["producer_org"],
        product_group=row["product_group"],
        province_code=row["province_code"],
        commune_code=row["commune_code"],
        certificate=certificate,
    )


class PublicCatalogueUseCases:
    def __init__(self, base: ServiceBase) -> None:
        self.base = base

    def _conditions(
        self,
        today: dt.date,
        *,
        q: str = "",
        province_code: str = "",
        commune_code: str = "",
        product_group: str = "",
        stars: int | None = None,
    ) -> list[ColumnElement[bool]]:
        c, d = t.certificates.c, t.dossiers.c
        where = [valid_certificate_condition(c.status, c.expires_on, today)]
        if q.strip():
            where.append(d.search_text.like(search.like_pattern(q.strip()), escape="\\"))
        if province_code:
            where.append(d.province_code == province_code)
        if commune_code:
            where.append(d.commune_code == commune_code)
        if product_group:
            where.append(d.product_group == product_group)
        if stars is not None:
            where.append(c.stars == stars)
        return where

    def products(
        self,
        *,
        q: str = "",
        province_code: str = "",
        commune_code: str = "",
        product_group: str = "",
        stars: int | None = None,
        page: int = 1,
        per_page: int = 20,
    ) -> CataloguePage:
        """One page of the products with a valid certificate, by name then certificate."""
        page = min(max(page, 1), MAX_PAGE)
        per_page = min(max(per_page, 1), MAX_PER_PAGE)
        today = self.base.now().date()
        where = and_(
            *self._conditions(
                today,
                q=q,
                province_code=province_code,
                commune_code=commune_code,
                product_group=product_group,
                stars=stars,
            )
        )
        joined = t.certificates.join(t.dossiers, t.dossiers.c.id == t.certificates.c.dossier_id)
        listing = (
            select(*_COLUMNS)
            .select_from(joined)
            .where(where)
            .order_by(t.certificates.c.product_name, t.certificates.c.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        counting = select(func.count()).select_from(joined).where(where)
        with self.base._tx(write=False) as repo:
            rows = repo.connection.execute(listing).mappings().all()
            total = int(repo.connection.execute(counting).scalar_one())
        return CataloguePage([_product(r, today) for r in rows], total, page, per_page)

    def product(self, product_code: str) -> PublicProduct | None:
        """The product with this code, if its certificate is valid today; None otherwise."""
        today = self.base.now().date()
        c = t.certificates.c
        joined = t.certificates.join(t.dossiers, t.dossiers.c.id == c.dossier_id)
        query = (
            select(*_COLUMNS)
            .select_from(joined)
            .where(c.product_code == product_code, valid_certificate_condition(c.status, c.expires_on, today))
            .order_by(c.id.desc())
            .limit(1)
        )
        with self.base._tx(write=False) as repo:
            row = repo.connection.execute(query).mappings().first()
        return _product(row, today) if row is not None else None
