"""The seller's desk: sales aggregates kept up to date from orders, the dashboard's figures,
the reports and their downloads (XLSX and CSV, long ones in the background).

Every figure here is derived from orders, order lines and ledger rows, never typed in: the
aggregates can be rebuilt from them at any time and must then come out the same."""
