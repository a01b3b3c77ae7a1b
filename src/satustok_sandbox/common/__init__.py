"""What every marketplace sandbox is built from, whatever the marketplace.

- :mod:`.clock` — the sandbox clock (real time plus an offset the control API moves) and WIB;
- :mod:`.faults` — the fault box's lock, random source and reset, the rate-limit patch, and the
  drop/duplicate decision of push and webhook chaos;
- :mod:`.delivery` — the queue, worker, retries and log of signed callbacks (Tokopedia's
  and TikTok Shop's webhooks, Shopee's pushes);
- :mod:`.control` — the control API's plumbing: JSON bodies, errors, routes, clock and reset;
- :mod:`.handle` — the Python-side client of a control API, for tests and demos;
- :mod:`.seed` — the helpers of a seed format (duplicate ids, its committed JSON Schema);
- :mod:`.ratelimit` — token buckets keyed by anything (TikTok Shop: per app × shop);
- :mod:`.stats` — per-API call counters for ``GET stats``.

The marketplaces' own rules, payloads and URLs stay in their packages: what lives here is
parametrised where they differ. Like the sandboxes, nothing here imports the hub.
"""
