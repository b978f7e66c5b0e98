"""Load definition files into a validated Catalog, collecting every problem.

Per file: read bytes -> sha256 -> (cache hit: done) -> fast YAML read ->
JSON Schema -> semantic checks -> frozen model. Line and column are resolved
from data paths only for files that have findings. Files are cached per
(path, sha256) in-process, so a reload of unchanged files re-reads and hashes
them and re-validates nothing; the cheap checks across files always run.
"""

from __future__ import annotations

import copy
import dataclasses
import gc
import hashlib
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.definitions import (
    build,
    checks,
    crossrefs,
    locate,
    messages,
    plans,
    registers,
    schema,
    scoring_checks,
    shared_roles,
    units,
    yamlread,
)
from engine.definitions.model import Catalog, Source, UnitSet
from engine.definitions.problems import Problem, Severity
from engine.definitions.yamlread import Finding

CACHE_SIZE = 4096
MAX_PROBLEMS = 100  # per file; the rest are counted in one E109
_ATTR = {"workflow": "workflows", "roles": "roles", "form": "forms", "scoring_form": "scoring_forms",
         "units": "units", "tests": "tests", "register": "registers", "plan": "plans"}  # fmt: skip
_BUILD = {"workflow": build.build_workflow, "roles": build.build_roles, "form": build.build_form,
          "scoring_form": build.build_scoring_form, "tests": build.build_tests,
          "register": registers.build_register, "plan": plans.build_plan}  # fmt: skip
_CHECKS = {"workflow": checks.check_workflow, "form": checks.check_form, "tests": checks.check_tests,
           "scoring_form": scoring_checks.check_scoring_form, "register": registers.check_register,
           "plan": plans.check_plan, "units": units.check_units}  # fmt: skip
Progress = Callable[[int, int], None]


@dataclass
class LoadResult:
    catalog: Catalog
    problems: list[Problem]
    ok: bool
    files: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


@dataclass
class _Outcome:
    """What one file yields; cached per (path, sha256). Findings are already located."""

    kind: str | None
    definition: Any
    def_id: str | None  # known even when the definition had errors
    findings: list[Finding]
    refs: list[checks.Ref] = field(default_factory=list)
    text: str = ""
    deps: tuple[tuple[str, str], ...] = ()  # (path, sha256) of other files read (a units CSV)


_cache: OrderedDict[tuple[str, str], _Outcome] = OrderedDict()
_cache_lock = threading.Lock()  # the web app loads from several threads


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def repo_root() -> Path:
    here = Path(__file__).resolve().parents[2]
    return here if (here / "workflows").is_dir() else Path.cwd()


def default_paths() -> list[Path]:
    root = repo_root()
    return [p for p in (root / "workflows", root / "forms") if p.exists()]


def discover(paths: Sequence[Path | str], lang: str = "vi") -> tuple[list[Path], list[Problem]]:
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = [p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()]
            files.extend(
                sorted(
                    p for p in found if not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
            )
        elif path.is_file():
            files.append(path)
        else:
            problems.append(
                _problem(display(path), Finding("E100", params={"reason": "no such file or folder"}), lang)
            )
    unique: dict[str, Path] = {}
    for f in files:  # a file named twice (or by two routes) is loaded once
        unique.setdefault(os.path.abspath(f), f)
    return list(unique.values()), problems


def display(path: Path) -> str:
    """The path as the user should see it: relative to the working directory when under it."""
    absolute, cwd = os.path.abspath(path), os.getcwd()
    return os.path.relpath(absolute, cwd) if absolute.startswith(cwd + os.sep) else str(path)


def load_catalog(paths: Sequence[Path | str] | None = None, lang: str = "vi", *, context: Catalog | None = None,
                 progress: Progress | None = None) -> LoadResult:  # fmt: skip
    """Load and validate files and folders (default: the repository's workflows/ and forms/)."""
    files, problems = discover(default_paths() if paths is None else paths, lang)
    entries: list[tuple[str, _Outcome]] = []
    with _collector_paused():
        for i, path in enumerate(files):
            entries.append((display(path), _load_file(path)))
            if progress:
                progress(i + 1, len(files))
        return _assemble(entries, problems, lang, context)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Loading allocates a million small acyclic objects; the cyclic collector's passes over the
    growing heap are wasted work (bench_definitions: 15-40 % of a cold load). Collection resumes after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_text(
    text: str | bytes, filename: str, lang: str = "vi", context: Catalog | None = None
) -> LoadResult:
    """Validate one uploaded file, resolving its references against `context`."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    outcome = _process(raw, None, filename)
    return _assemble([(filename, outcome)], [], lang, context)


def load_texts(
    files: Sequence[tuple[str, str | bytes]], lang: str = "vi", context: Catalog | None = None
) -> LoadResult:
    """Validate a bundle of uploaded files together (in any order), against `context`.

    YAML files (.yaml, .yml) are definitions; any other file is an attachment a definition of
    the bundle reads by its name (the CSV a `units` file names in `source:`).
    """
    raw = {name: text.encode("utf-8") if isinstance(text, str) else text for name, text in files}
    attachments = {name: data for name, data in raw.items() if not name.lower().endswith((".yaml", ".yml"))}
    entries = [
        (name, _process(data, None, name, attachments=attachments))
        for name, data in raw.items()
        if name not in attachments
    ]
    return _assemble(entries, [], lang, context)


def _load_file(path: Path) -> _Outcome:
    try:
        size = path.stat().st_size
        if size > yamlread.MAX_BYTES:
            return _Outcome(
                None, None, None, [Finding("E103", params={"size": size, "limit": yamlread.MAX_BYTES})]
            )
        raw = path.read_bytes()
    except OSError as exc:
        return _Outcome(None, None, None, [Finding("E100", params={"reason": exc.strerror or str(exc)})])
    key = (os.path.abspath(path), hashlib.sha256(raw).hexdigest())  # abspath: no symlink syscalls
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
    if cached is not None and all(_sha_of(Path(p)) == sha for p, sha in cached.deps):
        return cached
    outcome = _process(raw, path)
    with _cache_lock:
        _cache[key] = outcome
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return outcome


def _sha_of(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _process(
    raw: bytes, path: Path | None, name: str = "<upload>", *, attachments: dict[str, bytes] | None = None
) -> _Outcome:
    parsed = yamlread.parse(raw)
    findings = list(parsed.findings)
    text = raw.decode("utf-8-sig", errors="replace")
    data = parsed.data
    if data is None or not isinstance(data, dict):
        if not findings:
            reason = "the file is empty" if data is None else f"found a {type(data).__name__}"
            findings.append(Finding("E106", params={"reason": reason}))
        kind, ident = _guess_identity(text)
        return _Outcome(kind, None, ident, _located(findings, text), text=text)
    kind = data.get("kind")
    if kind not in schema.KINDS:
        findings.append(Finding("E107", ("kind",), {"kind": kind, "kinds": schema.KINDS}))
        return _Outcome(None, None, None, _located(findings, text), text=text)
    structural = schema.validate(kind, data)
    findings.extend(structural)
    refs: list[checks.Ref] = []
    definition: Any = None
    deps: tuple[tuple[str, str], ...] = ()
    if structural:
        findings.extend(_semantic_despite(kind, data, structural))
    else:
        findings.extend(_semantic(kind, data, refs))
        if kind == "scoring_form":
            findings = list(_apply_discrepancies(data, findings))
        unit_map: dict[str, Any] = {}
        csv_raw = b""
        if kind == "units":
            unit_map, unit_findings, csv_raw = units.read_units(data, path, _sibling(name, attachments))
            findings.extend(unit_findings)
            if path is not None and "source" in data:
                deps = ((os.path.abspath(path.parent / data["source"]), hashlib.sha256(csv_raw).hexdigest()),)
        if not any(f.severity == "error" for f in findings):
            attached = ((units.source_name(data), csv_raw.decode("utf-8-sig")),) if kind == "units" else ()
            source = Source(str(path) if path else name, hashlib.sha256(raw).hexdigest(), text, attached)
            if kind == "units":
                definition = UnitSet(
                    data["id"], build.text(data["title"]), unit_map, source, tuple(data["levels"])
                )
            else:
                definition = _BUILD[kind](data, source)
    ident = data.get("id") if isinstance(data.get("id"), str) else None
    return _Outcome(kind, definition, ident, _located(findings, text), refs, text, deps)


def _sibling(name: str, attachments: dict[str, bytes] | None) -> dict[str, bytes] | None:
    """The attachments by their name relative to the folder of the YAML file `name`."""
    if attachments is None:
        return None
    folder = name.rsplit("/", 1)[0] + "/" if "/" in name else ""
    return {n[len(folder) :]: data for n, data in attachments.items() if n.startswith(folder)}


_TOP_KEY = re.compile(r"^(kind|id):[ \t]*['\"]?([A-Za-z0-9_-]+)['\"]?[ \t]*(?:#.*)?$", re.MULTILINE)


def _guess_identity(text: str) -> tuple[str | None, str | None]:
    """Kind and id of a file YAML could not read, so references to it are not also reported as unknown."""
    found: dict[str, str] = {m.group(1): m.group(2) for m in _TOP_KEY.finditer(text[:20_000])}
    kind = found.get("kind")
    return (kind, found.get("id")) if kind in schema.KINDS else (None, None)


def _semantic(kind: str, data: dict[str, Any], refs: list[checks.Ref]) -> Iterator[Finding]:
    if kind == "workflow":
        yield from checks.check_dates(data, ("effective_from", "effective_until"))
    check = _CHECKS.get(kind)
    if check is not None:
        yield from check(data, refs)


def _semantic_despite(kind: str, data: dict[str, Any], structural: list[Finding]) -> list[Finding]:
    """The semantic problems too, in the same run, as far as the structure allows: the parts with
    structural problems are set aside (an unknown key; else the list item or the entry holding the
    problem: a transition, a criterion, a state), and the semantic checks run on the rest, which
    the schema then accepts. Their findings point into the file as written. A finding that names
    anything the parts set aside held (a state, a transition, a role …) is dropped: without those
    parts it may report what is not wrong. When no part can be set aside (the file's own keys are
    wrong), the semantic checks wait until the structure is fixed."""
    pruned = _pruned(kind, data, structural)
    if pruned is None:
        return []
    rest, removals, names, cut_paths = pruned
    tainted, tainted_paths = _tainted(rest, names[1], names[0])
    tainted_paths = [_original_path(t, removals) for t in tainted_paths]
    try:
        found = list(_semantic(kind, rest, []))
    except Exception:  # pragma: no cover - a check that trips on a partial file must not hide the rest
        return []
    if kind == "scoring_form":
        found = list(_apply_discrepancies(rest, found))
    kept = []
    for f in found:
        path = _original_path(tuple(f.path), removals)
        if _mentions(f.params, names[0]) or any(_near(path, cut) for cut in cut_paths):
            continue  # about a part set aside, or about what holds one (a sum, a best option …)
        inside = any(path[: len(t)] == t for t in tainted_paths)
        if not inside and _mentions(f.params, tainted):
            continue  # about what a part referring to one set aside names (a state only it reached)
        kept.append(dataclasses.replace(f, path=path))
    return kept


_MAX_PRUNE_ROUNDS = 8
# The data without the parts set aside; the list items removed (prefix, index) in order; the names
# those parts held and what other parts call them; where they were in the file.
_Pruned = tuple[
    dict[str, Any], list[tuple[tuple[Any, ...], int]], tuple[set[str], set[str]], list[tuple[Any, ...]]
]


def _near(path: tuple[Any, ...], cut: tuple[Any, ...]) -> bool:
    """Is `path` inside what held the part set aside at `cut` (the criterion of an option, the
    mapping of a state), or one of its ancestors (the group whose sum it counted)? A part set
    aside from the file's own list (a transition) holds nothing but the file: no path is near."""
    holder = cut[:-2] if isinstance(cut[-1], int) else cut[:-1]
    if not holder:
        return False
    return path[: len(holder)] == holder or holder[: len(path)] == path


def _pruned(kind: str, data: dict[str, Any], structural: list[Finding]) -> _Pruned | None:
    """The data without the parts holding structural problems, the list items removed (prefix,
    index, in the order removed), every name the removed parts held, and where they were in the
    file; None when impossible."""
    pruned = copy.deepcopy(data)
    removals: list[tuple[tuple[Any, ...], int]] = []
    names: set[str] = set()
    identities: set[str] = set()
    cut_paths: list[tuple[Any, ...]] = []
    findings = structural
    for _ in range(_MAX_PRUNE_ROUNDS):
        cuts: dict[tuple[Any, ...], bool] = {}  # part -> whether only unknown keys set it aside
        for f in findings:
            cut = tuple(f.path) if f.code == "E110" else _cut(tuple(f.path), f.code)
            if cut is None:
                return None
            cuts[cut] = cuts.get(cut, True) and f.code == "E110"
        outer = [c for c in cuts if not any(o != c and c[: len(o)] == o for o in cuts)]
        for cut in sorted(outer, key=_removal_order, reverse=True):
            parent: Any = pruned
            for step in cut[:-1]:
                parent = parent[step]
            last = cut[-1]
            held = parent[last] if isinstance(parent, (list, dict)) and _has(parent, last) else None
            if held is None and not _has(parent, last):
                return None
            if not cuts[cut]:  # an unknown key is read by nothing: what it holds names nothing
                cut_paths.append(_original_path(cut, removals))
                names |= _names_in(held) | ({str(last)} if isinstance(parent, dict) else set())
                identities.add(_identity(last, held))
            if isinstance(parent, list):
                del parent[last]
                removals.append((cut[:-1], last))
            else:
                parent.pop(last)
        findings = schema.validate(kind, pruned)
        if not findings:  # names: what the parts set aside held, and what other parts call them
            return pruned, removals, (names, identities - {""}), cut_paths
    return None


def _identity(key: Any, held: Any) -> str:
    """What other parts call a part by: its key in a mapping (a state), else its `id` (a transition)."""
    if isinstance(key, str):
        return key
    return str(held.get("id", "")) if isinstance(held, dict) else ""


def _tainted(
    data: dict[str, Any], identities: set[str], removed: set[str]
) -> tuple[set[str], list[tuple[Any, ...]]]:
    """The names held by every part that refers to a part set aside (a transition from a state set
    aside, then a duty of that transition …), and where those parts are: a finding elsewhere about
    one of those names (a state only that transition reached) may be an artefact."""
    parts: list[tuple[tuple[Any, ...], Any]] = []
    for top, collection in data.items():
        entries = (
            collection.items()
            if isinstance(collection, dict)
            else enumerate(collection)
            if isinstance(collection, list)
            else ()
        )
        parts.extend(((top, key), value) for key, value in entries)
    names: set[str] = set()
    paths: list[tuple[Any, ...]] = []
    identities = set(identities)
    changed = True
    while changed:
        changed = False
        for path, value in parts:
            if path in paths:
                continue
            held = _names_in(value) | ({path[1]} if isinstance(path[1], str) else set())
            if held & identities:
                paths.append(path)
                names |= held
                identities.add(_identity(path[1], value))
                changed = True
    return names - removed, paths


def _cut(path: tuple[Any, ...], code: str) -> tuple[Any, ...] | None:
    """The part to set aside for a problem at `path`: the innermost list item holding it, else the
    entry of a top-level mapping (a state, a role) or a top-level key; None for the file itself."""
    for k in range(len(path), 0, -1):
        if isinstance(path[k - 1], int):
            return path[:k]
    if len(path) >= 2:
        return path[:2]
    if len(path) == 1 and code != "E111":
        return path
    return None


def _removal_order(cut: tuple[Any, ...]) -> tuple[Any, ...]:
    """Later list items first, so the indices of the earlier ones stay put."""
    return tuple((0, step) if isinstance(step, int) else (1, str(step)) for step in cut)


def _has(parent: Any, key: Any) -> bool:
    if isinstance(parent, list):
        return isinstance(key, int) and 0 <= key < len(parent)
    return isinstance(parent, dict) and key in parent


def _names_in(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return {str(k) for k in value} | {n for v in value.values() for n in _names_in(v)}
    if isinstance(value, list):
        return {n for v in value for n in _names_in(v)}
    return set()


def _mentions(params: dict[str, Any], names: set[str]) -> bool:
    return any(bool(_names_in(v) & names) for k, v in params.items() if k not in ("known", "allowed"))


def _original_path(path: tuple[Any, ...], removals: list[tuple[tuple[Any, ...], int]]) -> tuple[Any, ...]:
    """A path into the pruned data as a path into the file: undo the removals, the last first."""
    out = tuple(path)
    for prefix, index in reversed(removals):
        n = len(prefix)
        if len(out) > n and out[:n] == prefix and isinstance(out[n], int) and out[n] >= index:
            out = (*prefix, out[n] + 1, *out[n + 1 :])
    return out


def _apply_discrepancies(data: dict[str, Any], findings: list[Finding]) -> Iterator[Finding]:
    declared = {
        (d["code"], d["path"].strip("/")): (i, d["note"])
        for i, d in enumerate(data.get("known_discrepancies", []))
    }
    used: set[tuple[str, str]] = set()
    for f in findings:
        key = (f.code, str(f.params.get("where", "")))
        if f.severity == "error" and key in declared:
            used.add(key)
            yield dataclasses.replace(f, severity="warning", params={**f.params, "_note": declared[key][1]})
        else:
            yield f
    for key, (i, _) in declared.items():
        if key not in used:
            yield Finding(
                "W002", ("known_discrepancies", i), {"code": key[0], "where": key[1]}, severity="warning"
            )


def _capped(findings: list[Finding]) -> list[Finding]:
    """At most MAX_PROBLEMS per file, then one E109 that says how many more: an upload of 40,000
    duplicate keys costs what 100 cost to locate, word and show, and still tells the total."""
    if len(findings) <= MAX_PROBLEMS:
        return findings
    # The first of each code is always shown, so a flood of one mistake hides no other kind.
    firsts: dict[str, int] = {}
    for index, f in enumerate(findings):
        firsts.setdefault(f.code, index)
    keep = set(sorted(firsts.values())[:MAX_PROBLEMS])
    for index in range(len(findings)):
        if len(keep) >= MAX_PROBLEMS:
            break
        keep.add(index)
    shown = [f for i, f in enumerate(findings) if i in keep]
    hidden = [f for i, f in enumerate(findings) if i not in keep]
    first = hidden[0]
    severity = "error" if any(f.severity == "error" for f in hidden) else "warning"
    summary = Finding(
        "E109", first.path, {"more": len(hidden), "total": len(findings)},
        first.line, first.column, first.at_key, severity,
    )  # fmt: skip
    return [*shown, summary]


def _located(findings: list[Finding], text: str) -> list[Finding]:
    findings = _capped(findings)
    wanted = [(f.path, f.at_key) for f in findings if not f.line]
    if not wanted:
        return findings
    marks = locate.locate(text, wanted)
    return [f if f.line else dataclasses.replace(f, line=marks[(f.path, f.at_key)][0],
                                                 column=marks[(f.path, f.at_key)][1]) for f in findings]  # fmt: skip


def _assemble(
    entries: list[tuple[str, _Outcome]], problems: list[Problem], lang: str, context: Catalog | None
) -> LoadResult:
    catalog = Catalog()
    owners: dict[tuple[str, str], str] = {}
    cross: list[crossrefs.Entry] = []
    for name, outcome in entries:
        problems.extend(_problem(name, f, lang) for f in outcome.findings)
        d = outcome.definition
        if d is None or outcome.kind is None:
            continue
        attr = _ATTR[outcome.kind]
        if (attr, d.id) in owners:
            f = Finding("E201", ("id",), {"id": d.id, "kind": outcome.kind, "other": owners[(attr, d.id)]})
            problems.append(_problem(name, _located([f], outcome.text)[0], lang))
            continue
        owners[(attr, d.id)] = name
        getattr(catalog, attr)[d.id] = d
        cross.append(crossrefs.Entry(name, outcome.kind, d, outcome.refs))
    broken = {(_ATTR[o.kind], o.def_id) for _, o in entries if o.definition is None and o.kind and o.def_id}
    catalog.roles = shared_roles.resolve_catalog(catalog.roles, context.roles if context else {})
    resolver = crossrefs.Resolver(catalog, context, broken)
    texts = {name: outcome.text for name, outcome in entries}
    found = [(e, f) for e in cross for f in crossrefs.check_entry(e, resolver)]
    found.extend(crossrefs.duplicate_product_sets(cross))
    for entry, f in found:
        problems.append(_problem(entry.key, _located([f], texts[entry.key])[0], lang))
    problems.sort(key=lambda p: (p.file, p.line, p.column, p.code))
    ok = not any(p.severity == "error" for p in problems)
    return LoadResult(catalog, problems, ok, len(entries))


def problem_at(
    file: str, text: str, code: str, path: tuple[str | int, ...], params: dict[str, Any], lang: str = "vi"
) -> Problem:
    """A problem found outside the loader (installing against what is stored), at its line."""
    return _problem(file, _located([Finding(code, path, params)], text)[0], lang)


def _problem(file: str, f: Finding, lang: str) -> Problem:
    message, hint = messages.render(f.code, f.params, lang)
    if "_note" in f.params:
        note = f.params["_note"]
        note_text = build.text(note).get(lang)
        message, hint = messages.render("W001", {"message": message, "note": note_text}, lang)
    severity: Severity = "warning" if f.severity == "warning" or f.code.startswith("W") else "error"
    return Problem(file=file, code=f.code, message=message, hint=hint, path=f.path, line=f.line, column=f.column,
                   severity=severity)  # fmt: skip
