"""The registry: producers, products and their photos, sites (farms, facilities) and batches."""
