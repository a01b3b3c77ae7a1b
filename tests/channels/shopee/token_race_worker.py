"""One hub worker process for the token race test (``test_shopee_tokens.py``), not a test.

Run as ``python token_race_worker.py <integration id>`` with ``SATUSTOK_TEST_DB_NAME`` naming
the test database and ``SATUSTOK_SHOPEE_API_URL`` the sandbox. It sets Django up, loads the
integration, prints ``ready``, waits for a line on stdin (so every worker starts at once),
calls ``access_token_for`` and prints the result as one JSON line.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satustok.settings")
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = os.environ["SATUSTOK_TEST_DB_NAME"]
    import django

    django.setup()
    from satustok.channels.models import ChannelAccount
    from satustok.channels.shopee.tokens import AuthorizationEnded, access_token_for

    account = ChannelAccount.objects.get(pk=int(sys.argv[1]))
    print("ready", flush=True)
    sys.stdin.readline()
    try:
        result = {"token": access_token_for(account)}
    except AuthorizationEnded as ended:
        result = {"ended": str(ended)}
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
