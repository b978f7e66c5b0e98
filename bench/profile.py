"""Sampling profiles of the gunicorn workers with py-spy, summed into where the CPU goes.

`bench_web.py --profile DIR` attaches `py-spy record --format raw` to every worker for the
transition run (`--gil`: only the thread holding the GIL is sampled, so the samples are Python's CPU, not
waits on the disk or the write lock), then prints the functions with the largest inclusive and
self shares, grouped by layer (ocopflow's engine/web, Flask/Werkzeug, the
JSON layer, SQLAlchemy and the database driver, gunicorn). py-spy reads the workers' memory
from outside: it needs ptrace rights (root, or `kernel.yama.ptrace_scope=0`).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^():]+)(?::(?P<line>\d+))?\)$")
LAYERS = (  # first match wins: sqlalchemy/engine/ is SQLAlchemy's, not ocopflow's engine
    ("sqlalchemy", ("sqlalchemy/",)),
    ("json", ("json/", "orjson")),
    ("ocopflow engine", ("(engine/",)),
    ("ocopflow web", ("(web/",)),
    ("database driver", ("sqlite3", "psycopg")),
    ("flask/werkzeug/jinja", ("/flask/", "/werkzeug/", "/jinja2/", "/markupsafe/")),
    ("gunicorn", ("/gunicorn/",)),
)
OURS = tuple(f"({p}" for p in ("engine/", "web/"))
IDLE = ("wait (threading.py", "select (selectors.py", "accept (socket.py", "sleep (", "_worker (concurrent")


def py_spy() -> str | None:
    found = shutil.which("py-spy") or str(Path(__import__("sys").executable).with_name("py-spy"))
    return found if Path(found).exists() else None


def start(pids: Iterable[int], seconds: float, out: Path) -> list[subprocess.Popen[bytes]]:
    """One py-spy per worker, sampling all its threads for `seconds`."""
    tool = py_spy()
    if tool is None:
        raise SystemExit("py-spy is missing: `make setup` installs it with the dev extras")
    out.mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(
            [
                tool,
                "record",
                "--format",
                "raw",
                "--rate",
                "250",
                "--duration",
                str(int(seconds) + 1),
                "--nonblocking",
                "--gil",
                "--pid",
                str(pid),
                "--output",
                str(out / f"worker-{pid}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for pid in pids
    ]


def finish(processes: list[subprocess.Popen[bytes]]) -> None:
    for p in processes:
        _, err = p.communicate(timeout=60)
        if p.returncode != 0:
            print(f"  py-spy: {err.decode(errors='replace').strip().splitlines()[-1:]}")


def _stacks(folder: Path) -> Iterable[tuple[list[str], int]]:
    for file in sorted(folder.glob("worker-*.txt")):
        for line in file.read_text(encoding="utf-8", errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                yield stack.split(";"), int(count)


def _name(frame: str) -> str:
    m = FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    file = m["file"]
    for marker in ("site-packages/", "/main/", "/lib/python3"):
        if marker in file:
            file = file.split(marker, 1)[1]
            break
    return f"{m['func']} ({file})"


def _layer(frame: str) -> str:
    for layer, markers in LAYERS:
        if any(mark in _name(frame) or mark in frame for mark in markers):
            return layer
    return "other (stdlib, …)"


def report(folder: Path, top: int = 25) -> None:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    layers: Counter[str] = Counter()
    busy = 0
    for frames, count in _stacks(folder):
        leaf = frames[-1] if frames else ""
        if any(leaf.startswith(i) for i in IDLE):
            continue
        busy += count
        for name in {_name(f) for f in frames}:
            inclusive[name] += count
        own[_name(leaf)] += count
        layers[_layer(leaf)] += count
    if not busy:
        print("  (no busy samples: was py-spy allowed to attach?)")
        return
    print(f"\nprofile of the transition run: {busy} busy samples (py-spy, 250 Hz, all workers)")
    print("  self time by layer (the frame running when sampled):")
    for layer, n in layers.most_common():
        print(f"    {layer:<28}{n / busy:>7.1%}")
    print(f"  top {top} functions by self share:")
    for name, n in own.most_common(top):
        print(f"    {n / busy:>6.1%}  {name[:110]}")
    ours = [(k, n) for k, n in inclusive.most_common() if any(o in k for o in OURS)]
    print(f"  top {top} of ocopflow's functions by inclusive share (self share beside it):")
    for name, n in ours[:top]:
        print(f"    {n / busy:>6.1%} {own[name] / busy:>6.1%}  {name[:110]}")
