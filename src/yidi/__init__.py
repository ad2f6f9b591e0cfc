"""yidi 异地就医 — open-source cross-region medical insurance: filing, settlement, claims, clearing."""

__version__ = "0.1.0"
