"""Run every benchmark in bench/ and print its figures; `make bench` calls this.

Each bench script is standalone and measures its own baseline in the same run,
so the ratios it prints mean something on a shared, noisy machine.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ("bench_definitions.py", "bench_audit.py", "bench_runtime.py", "bench_web.py", "bench_postgres.py")


def main() -> int:
    scripts = [HERE / name for name in ORDER if (HERE / name).exists()]
    scripts += sorted(p for p in HERE.glob("bench_*.py") if p.name not in ORDER)
    failed = []
    for script in scripts:
        print(f"\n=== {script.name} ===", flush=True)
        status = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        if status != 0:
            failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
