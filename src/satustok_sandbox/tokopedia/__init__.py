"""A faithful local simulator of the legacy Tokopedia Open API (accounts + fs.tokopedia.net).

It follows ``reference/tokopedia-open-api.md``; where the sheet is uncertain, the choices are
written down in ``docs/sandbox.md``. It is a fake external system with its own in-memory state
and never imports the hub.
"""

from satustok_sandbox.tokopedia.demo import demo_seed
from satustok_sandbox.tokopedia.sandbox import TokopediaSandbox
from satustok_sandbox.tokopedia.seed import Seed, SeedError, load_seed, parse_seed

__all__ = ["Seed", "SeedError", "TokopediaSandbox", "demo_seed", "load_seed", "parse_seed"]
