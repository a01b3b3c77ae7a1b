"""Moving data between the hub and the channels: imports now; the stock pusher and the order
poller later."""
