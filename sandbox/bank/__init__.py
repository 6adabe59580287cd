"""The sandbox online bank (``sandbox.bank.app:create_app``)."""
