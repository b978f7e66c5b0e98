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

from engine.definitions.model import Register, Text
from engine.service.base import certificate_snapshot, valid_certificate_condition
from engine.service.snapshots import CertificateSnapshot
from engine.storage import search
from engine.storage import tables as t

if TYPE_CHECKING:
    from engine.service.base import ServiceBase

MAX_PER_PAGE = 100
LISTINGS_MAX = 100  # places of one register shown on a product's page
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
class PublicPlace:
    """One record of a `catalogue:` register on a product's page: its title, public values, point."""

    record_id: int
    title: str
    values: tuple[Any, ...]  # engine.service.trace.PublicValue
    point: dict[str, Any] | None  # a public GeoJSON Point


@dataclass(frozen=True)
class PublicListing:
    register: str
    heading: Text
    places: tuple[PublicPlace, ...]


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

    def _naming(self, repo: Any, register_id: str, number: str) -> Any:
        """The active record of the register whose `to: certificate` field (`filter: true`) names it."""
        reg = self.base.catalog.registers.get(register_id)
        names = [
            f.id
            for f in (reg.fields if reg else ())
            if f.ref is not None and f.ref.kind == "certificate" and f.filter
        ]
        if not names:
            return None
        r, f = t.records.c, t.record_facets.c
        naming = select(f.record_id).where(f.record_id == r.id, f.field.in_(names), f.value == number)
        query = select(t.records).where(r.register_id == register_id, r.status == "active", naming.exists())
        row = repo.connection.execute(query.order_by(r.id.desc()).limit(1)).mappings().first()
        return dict(row) if row is not None else None

    def listings(self, product: PublicProduct) -> tuple[PublicListing, ...]:
        """Where the product is sold: for each register with a `catalogue:` block, its active records
        that name the product's record (at most LISTINGS_MAX each), their public fields only. The
        product's record is the one its certificate's dossier links (the workflow's `links`), else the
        one whose certificate field (`to: certificate`, `filter: true`) names the certificate, else the
        record whose code is the product code."""
        from engine.service.trace import PublicValue

        base = self.base
        out: list[PublicListing] = []
        with base._tx(write=False) as repo:
            dossier = repo.dossier(product.certificate.dossier_id)
            linked = [v for v in ((dossier or {}).get("links") or {}).values() if str(v).isdigit()]
            for reg in base.catalog.registers.values():
                ref = reg.field(reg.catalogue.product) if reg.catalogue else None
                if reg.catalogue is None or ref is None or ref.ref is None or not ref.ref.register:
                    continue
                found = repo.records_by_ids(ref.ref.register, [int(v) for v in linked])
                record = (
                    found[0] if found else self._naming(repo, ref.ref.register, product.certificate.number)
                )
                record = record or repo.record_by_code(ref.ref.register, product.product_code)
                if record is None or record["status"] != "active":
                    continue
                r, f = t.records.c, t.record_facets.c
                named = select(f.record_id).where(
                    f.record_id == r.id, f.field == ref.id, f.value == str(record["id"])
                )
                query = (
                    select(t.records)
                    .where(r.register_id == reg.id, r.status == "active", named.exists())
                    .order_by(r.title, r.id)
                    .limit(LISTINGS_MAX)
                )
                places = []
                for row in repo.connection.execute(query).mappings():
                    pinned = base.registry.model(repo, "register", row["definition_hash"])
                    assert isinstance(pinned, Register)
                    data = row["data"] or {}
                    values = tuple(
                        PublicValue(x, data[x.id])
                        for x in pinned.fields
                        if x.public
                        and x.id not in (pinned.title_field, ref.id)
                        and x.type not in ("geometry", "table", "ref")
                        and data.get(x.id) not in (None, "", [])
                    )
                    shape = pinned.geometry_field
                    point = (
                        row["geometry"] if shape is not None and shape.public and row["geometry"] else None
                    )
                    if point is not None and point.get("type") != "Point":
                        point = None
                    places.append(PublicPlace(row["id"], row["title"], values, point))
                if places:
                    out.append(PublicListing(reg.id, reg.catalogue.heading, tuple(places)))
        return tuple(out)
