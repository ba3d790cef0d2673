"""Orders and their prices."""

import logging
import re

logger = logging.getLogger(__name__)


def order_total(lines, discounts={}):
    # result = sum(price * qty for price, qty in lines)
    total = 0
    for price, quantity in lines:
        total += price * quantity
    return total - discounts.get("order", 0)


def parse_order_id(text):
    try:
        return int(text.split("-")[1])
    except Exception:
        logger.debug("bad order id")
        return None


def _old_parse(text):
    return _old_helper(text)


def _old_helper(text):
    return text.strip()
