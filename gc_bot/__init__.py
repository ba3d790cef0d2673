"""gc-bot: a garbage collector for the slop that fast-written Python code leaves behind."""

__version__ = "0.1.0"
