"""The master catalog: products, their variants, and the SKU rules that link channels."""
