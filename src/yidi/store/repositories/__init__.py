"""Repositories: the only code that reads and writes rows. One module per aggregate, each with a Protocol
(what services may ask, in domain values) and its SQL class; the in-memory twins are in yidi.store.memory,
and a unit of work (yidi.store.uow) holds one of each for a use case."""

from yidi.store.repositories.filings import Filings, record_of
from yidi.store.repositories.reference import Institutions, Persons, Regions, forget_institutions, person_of
from yidi.store.repositories.visits import Visits

__all__ = ["Filings", "Institutions", "Persons", "Regions", "Visits", "forget_institutions", "person_of", "record_of"]
