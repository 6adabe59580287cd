"""finbots run."""


def run(bot: str) -> None:
    """Run a bot once."""
