from __future__ import annotations

import bots.runtime as runtime


def test_all_is_the_public_surface() -> None:
    public = {n for n in dir(runtime) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(runtime, n)).__name__ == "module"}
    assert set(runtime.__all__) == public - modules
    assert sorted(runtime.__all__, key=str.lower) == sorted(runtime.__all__, key=str.lower)
    for name in ("Bot", "RunContext", "BusinessFailure", "ApplicationFailure", "AppSession",
                 "StepSink", "ItemSink", "Vault", "Credential", "Redactor"):
        assert name in runtime.__all__


def test_bot_definition() -> None:
    bot = runtime.Bot(name="payment-posting", version="1.0.0", description="Posts payments",
                      apps=["sandbox_bank", "legacy_erp"])
    assert bot.apps == ("sandbox_bank", "legacy_erp")

    @bot.task
    def main(ctx: runtime.RunContext) -> str:
        return "done"

    assert bot.run(None) == "done"  # type: ignore[arg-type]
