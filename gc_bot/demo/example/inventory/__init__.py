"""Inventory: stock levels and orders."""
