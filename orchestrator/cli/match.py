"""finbots match."""


def match() -> None:
    """Match a statement against open items."""
