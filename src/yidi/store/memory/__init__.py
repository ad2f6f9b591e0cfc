"""In-memory twins of the repositories, so that use-case tests run without a database.

`MemoryStore` holds the tables as dicts of domain values; `memory_units(store)` makes units of work over it
that keep the SQL unit of work's promise: everything a use case wrote is there when its block ends normally,
and nothing of it when the block raises (the tables are copied at the start and put back). Locks are no-ops
(one thread); the race and crash guarantees are proved on PostgreSQL, not here.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields

from yidi.store.memory.accounts import MemoryHospitalKeys, MemoryLoginSessions, MemoryUsers
from yidi.store.memory.accumulators import MemoryAccumulators
from yidi.store.memory.chronic import MemoryChronicCerts
from yidi.store.memory.claim_payments import MemoryPaymentBatches
from yidi.store.memory.claims import MemoryClaimDocuments, MemoryClaims
from yidi.store.memory.clearing import (
    MemoryAdvanceFunds,
    MemoryClearingDisputes,
    MemoryClearingLines,
    MemoryClearingRuns,
    MemoryClearingSettlements,
)
from yidi.store.memory.credentials import MemoryECredentials
from yidi.store.memory.estimates import MemoryEstimates
from yidi.store.memory.family import MemoryFamilyLinks
from yidi.store.memory.filings import MemoryFilings
from yidi.store.memory.fsi_files import MemoryFsiFiles
from yidi.store.memory.personal_data import MemoryPersonalData
from yidi.store.memory.rate_limits import MemoryRateLimits
from yidi.store.memory.reference import MemoryInstitutions, MemoryPersons, MemoryRegions
from yidi.store.memory.settlements import (
    MemoryAudit,
    MemoryLedger,
    MemoryLines,
    MemoryMessages,
    MemorySettlements,
)
from yidi.store.memory.statistics import MemoryStatistics
from yidi.store.memory.tables import Tables
from yidi.store.memory.visits import MemoryVisits
from yidi.store.repositories.accounts import HospitalKeyRepository, LoginSessionRepository, UserRepository
from yidi.store.repositories.accumulators import AccumulatorRepository
from yidi.store.repositories.audit import AuditLog
from yidi.store.repositories.chronic import ChronicCertRepository
from yidi.store.repositories.claim_payments import PaymentBatchRepository
from yidi.store.repositories.claims import ClaimDocumentRepository, ClaimRepository
from yidi.store.repositories.clearing import (
    AdvanceFundRepository,
    ClearingDisputeRepository,
    ClearingLineRepository,
    ClearingRunRepository,
)
from yidi.store.repositories.clearing_settlements import ClearingSettlementRepository
from yidi.store.repositories.credentials import ECredentialRepository
from yidi.store.repositories.estimates import EstimateRepository
from yidi.store.repositories.family import FamilyLinkRepository
from yidi.store.repositories.filings import FilingRepository
from yidi.store.repositories.fsi_files import FsiFileRepository
from yidi.store.repositories.ledger import LedgerRepository
from yidi.store.repositories.lines import LineRepository
from yidi.store.repositories.messages import MessageRepository
from yidi.store.repositories.personal_data import PersonalDataRepository
from yidi.store.repositories.rate_limits import RateLimitRepository
from yidi.store.repositories.reference import InstitutionRepository, PersonRepository, RegionRepository
from yidi.store.repositories.settlements import SettlementRepository
from yidi.store.repositories.statistics import StatisticsRepository
from yidi.store.repositories.visits import VisitRepository
from yidi.store.uow import UnitOfWork, UnitOfWorkFactory

__all__ = ["MemoryStore", "MemoryUnitOfWork", "Tables", "memory_units"]


@dataclass
class MemoryStore:
    """The whole in-memory database: its tables, and how many units of work committed (for tests)."""

    tables: Tables = field(default_factory=Tables)
    commits: int = 0


class MemoryUnitOfWork:
    """The repositories over the in-memory tables."""

    def __init__(self, tables: Tables) -> None:
        self.regions: RegionRepository = MemoryRegions(tables)
        self.institutions: InstitutionRepository = MemoryInstitutions(tables)
        self.persons: PersonRepository = MemoryPersons(tables)
        self.filings: FilingRepository = MemoryFilings(tables)
        self.family_links: FamilyLinkRepository = MemoryFamilyLinks(tables)
        self.chronic_certs: ChronicCertRepository = MemoryChronicCerts(tables)
        self.visits: VisitRepository = MemoryVisits(tables)
        self.accumulators: AccumulatorRepository = MemoryAccumulators(tables)
        self.users: UserRepository = MemoryUsers(tables)
        self.login_sessions: LoginSessionRepository = MemoryLoginSessions(tables)
        self.hospital_keys: HospitalKeyRepository = MemoryHospitalKeys(tables)
        self.personal_data: PersonalDataRepository = MemoryPersonalData(tables)
        self.claims: ClaimRepository = MemoryClaims(tables)
        self.claim_documents: ClaimDocumentRepository = MemoryClaimDocuments(tables)
        self.claim_batches: PaymentBatchRepository = MemoryPaymentBatches(tables)
        self.clearing_runs: ClearingRunRepository = MemoryClearingRuns(tables.clearing)
        self.clearing_lines: ClearingLineRepository = MemoryClearingLines(tables.clearing)
        self.advance_funds: AdvanceFundRepository = MemoryAdvanceFunds(tables.clearing)
        self.clearing_disputes: ClearingDisputeRepository = MemoryClearingDisputes(tables.clearing)
        self.clearing_settlements: ClearingSettlementRepository = MemoryClearingSettlements(tables.clearing)
        self.lines: LineRepository = MemoryLines(tables)
        self.settlements: SettlementRepository = MemorySettlements(tables)
        self.messages: MessageRepository = MemoryMessages(tables)
        self.e_credentials: ECredentialRepository = MemoryECredentials(tables)
        self.estimates: EstimateRepository = MemoryEstimates(tables)
        self.fsi_files: FsiFileRepository = MemoryFsiFiles(tables)
        self.ledger: LedgerRepository = MemoryLedger(tables)
        self.rate_limits: RateLimitRepository = MemoryRateLimits(tables)
        self.statistics: StatisticsRepository = MemoryStatistics(tables)
        self.audit: AuditLog = MemoryAudit(tables)

    def write_at_once(self) -> None:
        """Nothing to batch in memory."""

    def read_only(self) -> None:
        """Nothing to leave out in memory."""


def memory_units(store: MemoryStore) -> UnitOfWorkFactory:
    """A unit-of-work factory over `store`: on error every table is put back as it was at the start."""

    @contextmanager
    def open_unit() -> Iterator[UnitOfWork]:
        before = {f.name: copy.deepcopy(getattr(store.tables, f.name)) for f in fields(store.tables)}
        try:
            yield MemoryUnitOfWork(store.tables)
            store.commits += 1
        except BaseException:
            for name, value in before.items():
                setattr(store.tables, name, value)
            raise

    return open_unit
