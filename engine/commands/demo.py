"""`ocopflow demo`: demo users, and dossiers in every state of every shipped workflow.

Everything goes through the service (so the audit chain is real) on a clock
that starts at each dossier's filing date and moves one day per step. The
states are not named here: for every leaf state of every workflow the scenario
driver (engine/service/scenario.py) finds a way there from the definitions.
The people and products are data: demo/ocop-tay-ninh.yaml (Tây Ninh, code 80).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.commands.db import DEFAULT_DEFINITIONS, add_database_options


def default_people_file() -> Path:
    from engine.definitions.loader import repo_root

    return repo_root() / "demo" / "ocop-tay-ninh.yaml"


USER_KEYS = frozenset({"username", "roles", "area", "producer", "name"})
PRODUCER_KEYS = frozenset({"organisation", "commune", "products"})
PRODUCT_KEYS = frozenset({"name", "product_set"})


class DemoDataError(Exception):
    """The demo data file is missing or malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class People:
    """Who the demo creates: users, and producers with their organisation, commune and products."""

    password: str
    users: tuple[tuple[str, tuple[str, ...], str | None, str | None, str], ...]
    organisations: dict[str, str]  # producer key -> organisation
    communes: dict[str, str]  # producer key -> commune code
    products: dict[str, list[tuple[str, str]]]  # producer key -> (product name, product set)


def _text(entry: dict[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
    value = entry.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool) or str(value) == "":
        raise DemoDataError(f"{where}: '{key}' must be a non-empty text")
    return str(value)


def _known_keys(entry: dict[str, Any], known: frozenset[str], where: str) -> None:
    unknown = sorted(str(k) for k in entry if k not in known)
    if unknown:
        # In a flow mapping an unquoted comma starts a new key: `name: A, B` is name "A" and key "B".
        raise DemoDataError(f"{where}: unknown keys {unknown} (quote a value that contains a comma)")


def load_people(path: Path | None = None) -> People:
    import yaml

    path = path or default_people_file()

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DemoDataError(f"{path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("users"), list):
        raise DemoDataError(f"{path}: expected a mapping with 'password', 'producers' and 'users'")
    producers = data.get("producers") or {}
    if not isinstance(producers, dict):
        raise DemoDataError(f"{path}: 'producers' must be a mapping")
    organisations, communes, products = {}, {}, {}
    for key, entry in producers.items():
        where = f"{path}: producers.{key}"
        if not isinstance(entry, dict) or not isinstance(entry.get("products"), list):
            raise DemoDataError(f"{where}: expected organisation, commune and a list of products")
        _known_keys(entry, PRODUCER_KEYS, where)
        for product in entry["products"]:
            if isinstance(product, dict):
                _known_keys(product, PRODUCT_KEYS, where)
        organisations[key] = str(_text(entry, "organisation", where))
        communes[key] = str(_text(entry, "commune", where))
        products[key] = [
            (str(_text(p, "name", where)), str(_text(p, "product_set", where)))
            for p in entry["products"]
            if isinstance(p, dict)
        ]
    users = []
    for n, entry in enumerate(data["users"]):
        where = f"{path}: users[{n}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("roles"), list):
            raise DemoDataError(f"{where}: expected username, roles and name")
        _known_keys(entry, USER_KEYS, where)
        producer = _text(entry, "producer", where, required=False)
        if producer is not None and producer not in organisations:
            raise DemoDataError(f"{where}: unknown producer '{producer}'")
        users.append(
            (
                str(_text(entry, "username", where)),
                tuple(str(r) for r in entry["roles"]),
                _text(entry, "area", where, required=False),
                organisations[producer] if producer else None,
                str(_text(entry, "name", where)),
            )
        )
    if not any(user[3] for user in users):
        raise DemoDataError(f"{path}: no user belongs to a producer: give one user `producer: <key>`")
    return People(str(data.get("password") or "demo"), tuple(users), organisations, communes, products)


_ATTRIBUTES = {
    "PASSWORD": "password",
    "COMMUNES": "communes",
    "ORGANISATIONS": "organisations",
    "PRODUCTS": "products",
    "USERS": "users",
}


def __getattr__(name: str) -> Any:
    """PASSWORD, COMMUNES, … of the default demo file, read when first asked for (not at import:
    a broken demo file must not break `ocopflow validate`)."""
    if name in _ATTRIBUTES:
        return getattr(load_people(), _ATTRIBUTES[name])
    raise AttributeError(name)


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


def seed_users(service: Any, people: People | None = None) -> list[Any]:
    people = people or load_people()
    known = service.registry.all_roles()
    admin = None
    actors = []
    for username, roles, area, organisation, name in people.users:
        usable = [r for r in roles if r in known]
        service.seed_user(
            admin, username, people.password, usable, area=area, organisation=organisation, display_name=name
        )
        actor = service.actor_for_username(username)
        if admin is None:
            admin = actor
        actors.append(actor)
    return actors


def run_plan(
    service: Any,
    driver: Any,
    clock: MovingClock,
    plan: Plan,
    n: int,
    certificates: dict[str, str],
    people: People,
) -> Any:
    filing = {u[3] for u in people.users if u[3] is not None}
    producers = sorted(key for key, organisation in people.organisations.items() if organisation in filing)
    producer = producers[n % len(producers)]
    workflow = service.catalog.workflows[plan.workflow_id]
    usable = [
        p for p in people.products[producer] if service.registry.product_group(workflow, p[1]) is not None
    ]
    if not usable:  # a regime with fewer scoring forms: any product set it has
        sets = [
            ps.code
            for f in service.catalog.scoring_forms.values()
            if f.regime == workflow.scoring_regime
            for ps in f.product_sets
        ]
        usable = [(people.products[producer][0][0], sets[0])]
    product, product_set = usable[n % len(usable)]
    renews = certificates.get(plan.renews or "")
    if plan.kind == "reevaluation" and renews:
        cert = service.certificate_by_number(renews)
        if cert.reevaluation_opens and cert.reevaluation_closes:
            plan.filed_on = cert.reevaluation_opens + (cert.reevaluation_closes - cert.reevaluation_opens) / 2
    clock.set(plan.filed_on)
    # The user who files is the first demo user belonging to this producer's organisation.
    organisation = people.organisations[producer]
    username = next(u[0] for u in people.users if u[3] == organisation)
    actor = service.actor_for_username(username)
    snap = service.open_dossier(
        actor,
        product_name=product,
        product_set=product_set,
        producer_org=people.organisations[producer],
        commune_code=people.communes[producer],
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
    try:
        people = load_people(Path(args.people) if args.people else None)
    except DemoDataError as exc:
        print(f"ocopflow demo: {exc}", file=sys.stderr)
        return 1
    clock = MovingClock()
    service, database = _service(args, clock)
    if service is None:
        return 1
    try:
        return _demo(service, clock, people)
    finally:
        database.engine.dispose()


def _demo(service: Any, clock: MovingClock, people: People) -> int:
    from rich.progress import Progress

    from engine.errors import OcopflowError
    from engine.service.scenario import Driver, ScenarioError

    with service._tx(write=False) as repo:
        if repo.users():
            print("the database already has users: run the demo on a fresh database", file=sys.stderr)
            return 1
    actors = seed_users(service, people)
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
                    snap = run_plan(service, driver, clock, plan, n, certificates, people)
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
                snap = run_plan(service, driver, clock, plan, len(done), certificates, people)
                done[f"{snap.workflow_id}:{snap.state}"] = done.get(f"{snap.workflow_id}:{snap.state}", 0) + 1
            except (ScenarioError, OcopflowError) as exc:
                failures.append(f"{plan.kind} {plan.targets}: {exc} {getattr(exc, 'details', '')}")
            progress.advance(task)
    from engine.commands.demo_records import load_records, seed_records

    try:
        records = seed_records(service, actors, load_records())
    except (DemoDataError, OcopflowError) as exc:
        print(f"ocopflow demo: records: {exc} {getattr(exc, 'details', '')}", file=sys.stderr)
        return 1
    total = sum(done.values())
    print(f"{len(actors)} users (password '{people.password}'), {total} dossiers:")
    for key in sorted(done):
        print(f"  {key}: {done[key]}")
    for failure in failures:
        print(f"  not reached: {failure}", file=sys.stderr)
    for register, count in sorted(records.items()):
        print(f"  {register}: {count} records")
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
        "--people", help="demo users and producers, a YAML file (default: demo/ocop-tay-ninh.yaml)"
    )
    parser.add_argument(
        "definitions", nargs="*", help="definition files or folders (default: workflows/ forms/)"
    )
    parser.set_defaults(func=demo)
