"""Orders from every channel: stored once, unified statuses, and their effect on stock."""
