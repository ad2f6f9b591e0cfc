"""The unit of work: one use case's transaction and the repositories that read and write inside it.

A service never sees a database session. It opens a unit of work (`with ctx.uow() as uow:`), asks the
repositories it holds (`uow.filings`, `uow.persons`, ...) for domain values, and tells them what to write.
When the block ends normally the unit of work commits once; on any error it rolls back, so a YidiError
raised anywhere inside changes nothing (what every door promises).

Two implementations keep the same promise:
- `SqlUnitOfWork` (here): one SQLAlchemy session = one database transaction, with the audit chain installed
  on its session factory (yidi.store.db.session_factory);
- `MemoryUnitOfWork` (yidi.store.memory): dicts of domain values, copied at the start and put back on error,
  so that use-case tests run without a database. The PostgreSQL race and crash tests use the real store.

A repository is declared once as a Protocol (what services may ask) next to its SQL class in
yidi.store.repositories; its in-memory twin lives in yidi.store.memory. Adding an aggregate = a Protocol,
its SQL class, its memory class, and one attribute on `UnitOfWork`, `SqlUnitOfWork` and `MemoryUnitOfWork`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from yidi.store import audit_chain, flush_one
from yidi.store.repositories.accounts import (
    HospitalKeyRepository,
    HospitalKeys,
    LoginSessionRepository,
    LoginSessions,
    UserRepository,
    Users,
)
from yidi.store.repositories.accumulators import AccumulatorRepository, Accumulators
from yidi.store.repositories.audit import Audit, AuditLog
from yidi.store.repositories.chronic import ChronicCertRepository, ChronicCerts
from yidi.store.repositories.claim_payments import PaymentBatches, PaymentBatchRepository
from yidi.store.repositories.claims import (
    ClaimDocumentRepository,
    ClaimDocuments,
    ClaimRepository,
    Claims,
)
from yidi.store.repositories.clearing import (
    AdvanceFundRepository,
    AdvanceFunds,
    ClearingDisputeRepository,
    ClearingDisputes,
    ClearingLineRepository,
    ClearingLines,
    ClearingRunRepository,
    ClearingRuns,
)
from yidi.store.repositories.clearing_settlements import ClearingSettlementRepository, ClearingSettlements
from yidi.store.repositories.credentials import ECredentialRepository, ECredentials
from yidi.store.repositories.estimates import EstimateRepository, Estimates
from yidi.store.repositories.family import FamilyLinkRepository, FamilyLinks
from yidi.store.repositories.filings import FilingRepository, Filings
from yidi.store.repositories.fsi_files import FsiFileRepository, FsiFiles
from yidi.store.repositories.ledger import Ledger, LedgerRepository
from yidi.store.repositories.lines import LineRepository, Lines
from yidi.store.repositories.messages import MessageRepository, Messages
from yidi.store.repositories.personal_data import PersonalData, PersonalDataRepository
from yidi.store.repositories.rate_limits import RateLimitRepository, RateLimits
from yidi.store.repositories.reference import (
    InstitutionRepository,
    Institutions,
    PersonRepository,
    Persons,
    RegionRepository,
    Regions,
)
from yidi.store.repositories.settlements import SettlementRepository, Settlements
from yidi.store.repositories.statistics import Statistics, StatisticsRepository
from yidi.store.repositories.visits import VisitRepository, Visits

# A write a uniqueness rule refused because another transaction wrote the same thing first (two identical
# requests at once): services catch it by this name and answer as if theirs had been the one stored.
Conflict = IntegrityError

_READ_ONLY = "yidi_read_only"  # session.info: the unit declared it only reads (SqlUnitOfWork.read_only)


class UnitOfWork(Protocol):
    """What a service holds while one use case runs: one repository per aggregate, one transaction."""

    regions: RegionRepository
    institutions: InstitutionRepository
    persons: PersonRepository
    filings: FilingRepository
    family_links: FamilyLinkRepository
    chronic_certs: ChronicCertRepository
    visits: VisitRepository
    accumulators: AccumulatorRepository
    users: UserRepository
    login_sessions: LoginSessionRepository
    hospital_keys: HospitalKeyRepository
    personal_data: PersonalDataRepository
    claims: ClaimRepository
    claim_documents: ClaimDocumentRepository
    claim_batches: PaymentBatchRepository
    clearing_runs: ClearingRunRepository
    clearing_lines: ClearingLineRepository
    advance_funds: AdvanceFundRepository
    clearing_disputes: ClearingDisputeRepository
    clearing_settlements: ClearingSettlementRepository
    lines: LineRepository
    settlements: SettlementRepository
    messages: MessageRepository
    e_credentials: ECredentialRepository
    estimates: EstimateRepository
    fsi_files: FsiFileRepository
    ledger: LedgerRepository
    rate_limits: RateLimitRepository
    statistics: StatisticsRepository
    audit: AuditLog

    def write_at_once(self) -> None:
        """Ask, before its first read, for this unit's writes to reach the database at its commit in as few
        statements as the store can (issue 15, yidi.store.flush_one and plain_rows); what is written does not
        change. The unit must not read again what it changed before it commits."""
        ...


    def read_only(self) -> None:
        """Declare, before its first read, that this unit only reads (a check that changes nothing): the store
        may then run its statements outside a transaction, each seeing what was committed when it began, as
        under READ COMMITTED inside one. A unit that writes must never call this."""
        ...


UnitOfWorkFactory = Callable[[], AbstractContextManager[UnitOfWork]]


class SqlUnitOfWork:
    """The repositories over one SQLAlchemy session (one database transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session  # for the store's own modules only (audit records, repositories): never a service
        self.regions: RegionRepository = Regions(session)
        self.institutions: InstitutionRepository = Institutions(session)
        self.persons: PersonRepository = Persons(session)
        self.filings: FilingRepository = Filings(session)
        self.family_links: FamilyLinkRepository = FamilyLinks(session)
        self.chronic_certs: ChronicCertRepository = ChronicCerts(session)
        self.visits: VisitRepository = Visits(session)
        self.accumulators: AccumulatorRepository = Accumulators(session)
        self.users: UserRepository = Users(session)
        self.login_sessions: LoginSessionRepository = LoginSessions(session)
        self.hospital_keys: HospitalKeyRepository = HospitalKeys(session)
        self.personal_data: PersonalDataRepository = PersonalData(session)
        self.claims: ClaimRepository = Claims(session)
        self.claim_documents: ClaimDocumentRepository = ClaimDocuments(session)
        self.claim_batches: PaymentBatchRepository = PaymentBatches(session)
        self.clearing_runs: ClearingRunRepository = ClearingRuns(session)
        self.clearing_lines: ClearingLineRepository = ClearingLines(session)
        self.advance_funds: AdvanceFundRepository = AdvanceFunds(session)
        self.clearing_disputes: ClearingDisputeRepository = ClearingDisputes(session)
        self.clearing_settlements: ClearingSettlementRepository = ClearingSettlements(session)
        self.lines: LineRepository = Lines(session)
        self.settlements: SettlementRepository = Settlements(session)
        self.messages: MessageRepository = Messages(session)
        self.e_credentials: ECredentialRepository = ECredentials(session)
        self.estimates: EstimateRepository = Estimates(session)
        self.fsi_files: FsiFileRepository = FsiFiles(session)
        self.ledger: LedgerRepository = Ledger(session)
        self.rate_limits: RateLimitRepository = RateLimits(session)
        self.statistics: StatisticsRepository = Statistics(session)
        self.audit: AuditLog = Audit(session)

    def write_at_once(self) -> None:
        flush_one.request(self.session)

    def read_only(self) -> None:
        # PostgreSQL: no BEGIN and no COMMIT around the reads, two round trips less (SQLite keeps its transaction)
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            self.session.info[_READ_ONLY] = True

    def finish(self) -> None:
        """End the unit that ran without error: commit, unless it only read outside a transaction."""
        s = self.session
        if s.info.get(_READ_ONLY) and audit_chain.nothing_to_commit(s):
            # nothing to commit: each statement ran on its own (AUTOCOMMIT), and the session's commit would only
            # run its hooks and an empty flush (~0.3 ms of CPU of a 1101 or an eligibility check)
            return
        if _commit_is_ours(s):
            # the audit hook's last statement may carry the COMMIT (one round trip fewer): nothing else runs between
            # it and the commit, whose own COMMIT then sends nothing
            audit_chain.commit_with_record(s)
        if _holds_no_objects(s):
            # nothing for the ORM to flush, expire or detach: the commit is the audit hook's work (the unit's writes,
            # flush_one's one statement when asked, and its audit record), run here once, then COMMIT, without
            # Session.commit's machinery around them; an error in either is rolled back by the caller, as there
            audit_chain.before_commit(s)
            assert not (s.new or s.deleted or s.identity_map), "the audit hook left ORM objects to flush"
            s.connection().commit()
            s.close()  # the session's transaction ends with it, as after Session.commit
            return
        s.commit()


def _commit_is_ours(s: Session) -> bool:
    """Whether nothing but audit_chain's hook runs before this session's COMMIT: a transaction (not a nested one)
    and no other before_commit listener."""
    return (s.get_transaction() is not None and not s.in_nested_transaction()
            and list(s.dispatch.before_commit) == [audit_chain.before_commit])


def _holds_no_objects(s: Session) -> bool:
    """Whether Session.commit would do no more than run audit_chain's hook and COMMIT: a transaction (not a nested
    one) with no ORM object in the session, and no other listener of the commit (each would be run there)."""
    if s.identity_map or s.new or s.deleted or not _commit_is_ours(s):
        return False
    return not s.dispatch.after_commit


def sql_units(factory: sessionmaker[Session]) -> UnitOfWorkFactory:
    """A unit-of-work factory over a session factory: commit at the end of the block, roll back on error."""

    @contextmanager
    def open_unit() -> Iterator[UnitOfWork]:
        session = factory()
        try:
            unit = SqlUnitOfWork(session)
            yield unit
            unit.finish()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    return open_unit
