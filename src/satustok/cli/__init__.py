"""The ``satustok`` console script: Django's management commands under one friendly name.

``satustok run``, ``satustok sandbox``, ``satustok migrate`` … are all management commands;
this entry point only points Django at satustok's settings first.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    # Files created from here on (the queue, SQLite's journals, the static folder, anything a
    # library writes into the data directory) are the owner's alone: they hold sessions, keys
    # and buyers' data (satustok/core/datadir.py). Only the `satustok` command sets it: the
    # test suite and tools importing satustok keep their own umask.
    os.umask(0o077)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satustok.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["satustok", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
