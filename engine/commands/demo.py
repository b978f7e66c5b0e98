"""`ocopflow demo`: demo users, and dossiers in every state of every shipped workflow.

Everything goes through the service (so the audit chain is real) on a clock
that starts at each dossier's filing date and moves one day per step. The
states are not named here: for every leaf state of every workflow the scenario
driver (engine/service/scenario.py) finds a way there from the definitions.
The people below are demo data (Tây Ninh, code 80, is the demo province).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import dataclass
from typing import Any

from engine.commands.db import DEFAULT_DEFINITIONS, add_database_options

PASSWORD = "demo"
PROVINCE = "80"
# Real communes of Tây Ninh (Decision 19/2025 codes), one per demo producer.
COMMUNES = {"producer1": "25708", "producer2": "25516"}
ORGANISATIONS = {"producer1": "HTX Bánh tráng Trảng Bàng", "producer2": "HTX Nông nghiệp Tân Châu"}
PRODUCTS = {
    "producer1": [
        ("Bánh tráng phơi sương", "01"),
        ("Muối tôm Tây Ninh", "07"),
        ("Bánh canh Trảng Bàng", "03"),
    ],
    "producer2": [("Mãng cầu Bà Đen", "01"), ("Mật ong hoa cà phê", "12"), ("Trà mãng cầu", "15")],
}

# username, roles (the union of the same job in both regimes' roles files), area, organisation, name
USERS: tuple[tuple[str, tuple[str, ...], str | None, str | None, str], ...] = (
    ("admin", ("admin",), None, None, "Quản trị hệ thống"),
    ("producer1", ("producer",), None, ORGANISATIONS["producer1"], "Nguyễn Văn An"),
    ("producer2", ("producer",), None, ORGANISATIONS["producer2"], "Trần Thị Bình"),
    ("commune1", ("commune_officer",), COMMUNES["producer1"], None, "Cán bộ xã Trảng Bàng"),
    ("commune2", ("commune_officer",), COMMUNES["producer2"], None, "Cán bộ xã Tân Châu"),
    ("province1", ("province_officer", "district_officer"), PROVINCE, None, "Văn phòng OCOP tỉnh"),
    ("advisory1", ("advisory_team",), PROVINCE, None, "Tổ tư vấn tỉnh"),
    *(
        (
            f"council{i}",
            ("council_member", "district_council_member"),
            PROVINCE,
            None,
            f"Thành viên Hội đồng {i}",
        )
        for i in range(1, 4)
    ),
    *(
        (
            f"council{i}",
            ("council_member", "district_council_member", "central_council_member"),
            PROVINCE,
            None,
            f"Thành viên Hội đồng {i}",
        )
        for i in range(4, 6)
    ),
    ("chair", ("council_chair", "district_council_chair"), PROVINCE, None, "Chủ tịch Hội đồng tỉnh"),
    ("province_chair", ("province_chair", "district_chair"), PROVINCE, None, "Chủ tịch UBND tỉnh"),
    ("central1", ("central_officer", "central_council_chair"), None, None, "Văn phòng Điều phối OCOP"),
    ("minister", ("minister",), None, None, "Bộ trưởng"),
    ("auditor", ("auditor",), None, None, "Kiểm tra, giám sát"),
)


class MovingClock:
    """The demo's clock: set to a filing date, one day later at every step."""

    def __init__(self) -> None:
        self.now = dt.datetime(2025, 1, 6, 8, 0)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now

    def set(self, day: dt.date) -> None:
        self.now = dt.datetime.combine(day, dt.time(8, 0))

    def step(self) -> None:
        self.now += dt.timedelta(days=1)


@dataclass
class Plan:
    """One demo dossier: where it starts, where it should end, how the council scores it."""

    workflow_id: str
    filed_on: dt.date
    targets: tuple[str, ...]
    stars: int | None = 4
    excluded: bool = False
    kind: str = "first"
    renews: str | None = None  # key of an earlier plan's certificate that this dossier renews
    save_as: str | None = None  # remember this dossier's certificate under this key


def plans(catalog: Any) -> list[Plan]:
    """A dossier for every leaf state of every workflow, filed while that workflow is in effect."""
    out: list[Plan] = []
    for workflow in sorted(catalog.workflows.values(), key=lambda w: w.effective_from):
        start = max(workflow.effective_from, dt.date(2025, 1, 6))
        for i, state in enumerate(workflow.leaves()):
            out.append(Plan(workflow.id, start + dt.timedelta(days=5 * i), (state.id,)))
    return out


def _service(args: argparse.Namespace, clock: MovingClock) -> tuple[Any, Any]:
    from engine.commands.db import instance_dir, load_definitions, open_database
    from engine.service import Service

    catalog = load_definitions(args.definitions or DEFAULT_DEFINITIONS)
    if catalog is None:
        return None, None
    database = open_database(args)
    return Service(
        database.transaction, catalog, clock=clock, evidence_dir=instance_dir() / "evidence"
    ), database


def seed_users(service: Any) -> list[Any]:
    known = service.registry.all_roles()
    admin = None
    actors = []
    for username, roles, area, organisation, name in USERS:
        usable = [r for r in roles if r in known]
        service.create_user(
            admin, username, PASSWORD, usable, area=area, organisation=organisation, display_name=name
        )
        actor = service.actor_for_username(username)
        if admin is None:
            admin = actor
        actors.append(actor)
    return actors


def run_plan(
    service: Any, driver: Any, clock: MovingClock, plan: Plan, n: int, certificates: dict[str, str]
) -> Any:
    producer = ("producer1", "producer2")[n % 2]
    workflow = service.catalog.workflows[plan.workflow_id]
    usable = [p for p in PRODUCTS[producer] if service.registry.product_group(workflow, p[1]) is not None]
    if not usable:  # a regime with fewer scoring forms: any product set it has
        sets = [
            ps.code
            for f in service.catalog.scoring_forms.values()
            if f.regime == workflow.scoring_regime
            for ps in f.product_sets
        ]
        usable = [(PRODUCTS[producer][0][0], sets[0])]
    product, product_set = usable[n % len(usable)]
    renews = certificates.get(plan.renews or "")
    if plan.kind == "reevaluation" and renews:
        cert = service.certificate_by_number(renews)
        if cert.reevaluation_opens and cert.reevaluation_closes:
            plan.filed_on = cert.reevaluation_opens + (cert.reevaluation_closes - cert.reevaluation_opens) / 2
    clock.set(plan.filed_on)
    actor = service.actor_for_username(producer)
    snap = service.open_dossier(
        actor,
        product_name=product,
        product_set=product_set,
        producer_org=ORGANISATIONS[producer],
        commune_code=COMMUNES[producer],
        kind=plan.kind,
        filed_on=plan.filed_on,
        workflow_id=plan.workflow_id,
        renews_certificate=renews,
    )
    snap = driver.walk(snap.id, plan.targets, stars=plan.stars, excluded=plan.excluded)
    if plan.save_as and snap.certificate is not None:
        certificates[plan.save_as] = snap.certificate.number
    return snap


def demo(args: argparse.Namespace) -> int:
    clock = MovingClock()
    service, database = _service(args, clock)
    if service is None:
        return 1
    try:
        return _demo(service, clock)
    finally:
        database.engine.dispose()


def _demo(service: Any, clock: MovingClock) -> int:
    from rich.progress import Progress

    from engine.errors import OcopflowError
    from engine.service.scenario import Driver, ScenarioError

    with service._tx(write=False) as repo:
        if repo.users():
            print("the database already has users: run the demo on a fresh database", file=sys.stderr)
            return 1
    actors = seed_users(service)
    driver = Driver(service, actors, before_fire=clock.step)
    todo = plans(service.catalog)
    done: dict[str, int] = {}
    certificates: dict[str, str] = {}
    failures = []
    with Progress() as progress:
        task = progress.add_task("Tạo hồ sơ mẫu / demo dossiers", total=len(todo) + 5)
        for n, plan in enumerate(todo):
            snap = None
            for stars, excluded in ((4, False), (5, False), (2, False), (4, True)):
                plan.stars, plan.excluded = stars, excluded
                try:
                    snap = run_plan(service, driver, clock, plan, n, certificates)
                    break
                except (ScenarioError, OcopflowError):
                    continue
            if snap is None:
                failures.append(f"{plan.workflow_id}:{plan.targets[-1]}")
            else:
                done[f"{snap.workflow_id}:{snap.state}"] = done.get(f"{snap.workflow_id}:{snap.state}", 0) + 1
                if snap.certificate is not None and snap.certificate.status == "valid":
                    certificates.setdefault(f"{snap.workflow_id}:{snap.stars}", snap.certificate.number)
            progress.advance(task)
        for plan in special_plans(service.catalog, certificates):
            try:
                snap = run_plan(service, driver, clock, plan, len(done), certificates)
                done[f"{snap.workflow_id}:{snap.state}"] = done.get(f"{snap.workflow_id}:{snap.state}", 0) + 1
            except (ScenarioError, OcopflowError) as exc:
                failures.append(f"{plan.kind} {plan.targets}: {exc} {getattr(exc, 'details', '')}")
            progress.advance(task)
    total = sum(done.values())
    print(f"{len(actors)} users (password '{PASSWORD}'), {total} dossiers:")
    for key in sorted(done):
        print(f"  {key}: {done[key]}")
    for failure in failures:
        print(f"  not reached: {failure}", file=sys.stderr)
    result = service.verify_audit()
    print(f"audit chain: {result.events} events, {'intact' if result.ok else 'BROKEN'}")
    return 0 if result.ok else 1


def _certifying(workflow: Any) -> list[str]:
    return [t.target for t in workflow.transitions if any(e.name == "issue_certificate" for e in t.effects)]


def special_plans(catalog: Any, certificates: dict[str, str]) -> list[Plan]:
    """Returned and resubmitted, a 5-star product, an upgrade, and a re-evaluation across regimes."""
    by_date = sorted(catalog.workflows.values(), key=lambda w: w.effective_from)
    oldest, newest = by_date[0], by_date[-1]
    start = max(newest.effective_from, dt.date(2025, 1, 6))
    returned = [s.id for s in newest.leaves() if s.pauses_clocks]
    certified = _certifying(newest)
    out = []
    if returned and certified:
        first_check = next(t.sources[0] for t in newest.transitions if t.target == returned[0])
        out.append(Plan(newest.id, start + dt.timedelta(days=2), (returned[0], first_check, certified[0])))
        out.append(Plan(newest.id, start + dt.timedelta(days=4), (certified[0],), stars=5))
    three = next((number for key, number in certificates.items() if key.endswith((":3", ":4"))), None)
    if three and certified:
        certificates["upgrade"] = three
        out.append(
            Plan(
                newest.id,
                start + dt.timedelta(days=100),
                (certified[0],),
                stars=5,
                kind="upgrade",
                renews="upgrade",
            )
        )
    old_certified = _certifying(oldest)
    if old_certified and certified and oldest is not newest:
        # Certified under the old rules early enough that its re-evaluation window is open under the new ones.
        reevaluate_on = newest.effective_from + dt.timedelta(days=60)
        issued = reevaluate_on + dt.timedelta(days=175)
        issued = issued.replace(year=issued.year - 3)
        filed = max(oldest.effective_from, issued - dt.timedelta(days=30))
        out.append(Plan(oldest.id, filed, (old_certified[0],), save_as="old"))
        out.append(Plan(newest.id, start, (certified[0],), kind="reevaluation", renews="old"))
    return out


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo", help="fill a fresh database with demo users and dossiers (password 'demo')"
    )
    add_database_options(parser)
    parser.add_argument(
        "definitions", nargs="*", help="definition files or folders (default: workflows/ forms/)"
    )
    parser.set_defaults(func=demo)
