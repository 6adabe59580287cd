"""``python -m sandbox.desktop_erp --db PATH``: start the desktop client on $DISPLAY."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sandbox.desktop_erp.knobs import Knobs, faults_path
from sandbox.erp.db import ErpDb
from sandbox.scenario import CREDENTIALS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.desktop_erp",
                                     description=__doc__)
    parser.add_argument("--db", type=Path, required=True,
                        help="the ERP's truth database (the web sandbox's erp.db)")
    parser.add_argument("--faults", type=Path, default=None,
                        help="faults file (default: desktop_erp.faults.json beside --db)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the slowness draws")
    ns = parser.parse_args(argv)
    if not ns.db.is_file():
        print(f"no ERP database at {ns.db}: start the sandbox first "
              "(finbots sandbox up)", file=sys.stderr)
        return 2
    from sandbox.desktop_erp.app import DesktopErpApp  # needs a display: import late

    knobs = Knobs(ns.faults or faults_path(ns.db), ns.seed)
    app = DesktopErpApp(ErpDb(ns.db), knobs, (CREDENTIALS.erp_username, CREDENTIALS.erp_password))
    app.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
