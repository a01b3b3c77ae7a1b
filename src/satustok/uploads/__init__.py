"""Spreadsheets in: stock, master products and listing links changed by uploading an XLSX
(or CSV) file. Every upload is previewed first — each row's change and each error with its row
and column — and nothing is written until the seller confirms."""
