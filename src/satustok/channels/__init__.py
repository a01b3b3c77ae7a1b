"""Channel accounts (integrations), listings (the binding table) and one package per channel.

The domain (catalog, inventory, orders) never imports a channel package; a channel package
never imports another channel.
"""
