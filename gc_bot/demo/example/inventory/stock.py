"""Stock levels per warehouse."""

import json
import os
import sys


def load_stock(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except:
        pass


def add_item(name, quantity, items=[]):
    items.append((name, quantity))
    return items


def total_quantity(stock):
    total = 0
    for warehouse in stock.values():
        # increment the total
        total += warehouse["quantity"]
    return total


def _legacy_total(stock):
    return sum(w["quantity"] for w in stock.values())


def report(stock):
    unused = len(stock)
    print("total", total_quantity(stock))
    return total_quantity(stock)
