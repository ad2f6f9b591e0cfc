"""Every table of yidi on one metadata: import this, not one model module, wherever the whole schema matters.

Model modules register their tables on the shared Base when imported; migrations (autogenerate), the
migration drift test and test clean-up must see all of them, or they would miss (or try to drop) tables.
A new model module is added here.
"""

from __future__ import annotations

from yidi.store import (  # noqa: F401 - importing registers their tables
    auth_models,
    chronic_models,
    claim_models,
    clearing_models,
    family_models,
    settlement_models,
)
from yidi.store.models import Base

metadata = Base.metadata
