"""What every marketplace sandbox is built from, whatever the marketplace.

- :mod:`.clock` — the sandbox clock (real time plus an offset the control API moves), WIB, and
  the timestamp window of signed calls (against the sandbox clock or the real one);
- :mod:`.sandbox` — the sandbox object's lifecycle (seed, reset, startup, latency, call log),
  and for Shopee and TikTok Shop the per-API counters and call-log records;
- :mod:`.faults` — the fault box's lock, random source, reset and merge, the rate-limit patch,
  the per-API fault box of Shopee and TikTok Shop, webhook faults, and the drop/duplicate
  decision of push and webhook chaos;
- :mod:`.gateway` — the last checks of Shopee's and TikTok Shop's API gateways: the rate limit,
  then an injected fault (each answered in the marketplace's own errors);
- :mod:`.delivery` — the queue, worker, faults, retries and log of signed callbacks
  (Tokopedia's and TikTok Shop's webhooks, Shopee's pushes);
- :mod:`.ratelimit` — rate limits and token buckets, keyed by anything (Shopee: per partner
  app; TikTok Shop: per app × shop); Tokopedia's per-group limiter builds on its buckets;
- :mod:`.stocklog` — the shown-stock log: every change of the stock buyers see, with its
  wall-clock time and cause (``GET stock-log``, for the flash-sale benchmark);
- :mod:`.stats` — per-API call counters for ``GET stats`` (Shopee, TikTok Shop);
- :mod:`.tokens` — authorization codes, page sessions, access tokens and the refresh-token
  ledger of the marketplaces that issue token pairs (Shopee, TikTok Shop);
- :mod:`.page` — the seller's authorization page: its frame, form, posted fields, redirects;
- :mod:`.control` — the control API's plumbing: JSON bodies, errors, routes, and the handlers
  every sandbox answers alike (info, reset, call log, clock, clearing faults, authorization);
- :mod:`.handle` — the Python-side client of a control API, for tests and demos;
- :mod:`.seed` — the helpers of a seed format (duplicate ids, its committed JSON Schema);
- :mod:`.lazy` — lazy package exports (the marketplace packages' ``__init__``).

The marketplaces' own rules, payloads, errors, signing and URLs stay in their packages: what
lives here is parametrised where they differ. Like the sandboxes, nothing here imports the hub,
and no marketplace imports another's package.
"""
