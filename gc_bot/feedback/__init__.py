"""The feedback store: the ledger, session logs, harvested decisions and lessons."""
