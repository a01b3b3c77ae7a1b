"""Master stock: warehouses, stock levels per (warehouse, variant), and the movement ledger."""
