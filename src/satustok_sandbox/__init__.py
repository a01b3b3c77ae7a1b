"""Marketplace sandboxes: local simulators of the channels' APIs, served over loopback.

Development machines and CI cannot reach the real marketplaces, so the demo and every test run
against these. Each marketplace lives in its own package (``tokopedia`` today) and mounts its
routes into the one server of ``satustok_sandbox.server``. Nothing here imports the hub.
"""
