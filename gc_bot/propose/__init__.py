"""Planning proposals and handing them to a forge."""
