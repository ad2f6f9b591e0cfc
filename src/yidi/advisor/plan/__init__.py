"""The advisor's planner: advise(situation, packs, today) -> Plan. Pure: no I/O, no clock.

What a person should do, in their own case: whether direct settlement is possible and what makes it
possible, the steps in order and where, the papers, the deadlines, the money (ratios from the insured
region's pack; a bill estimated by the settlement engine itself), and the warnings that change everything.
Every point cites the sections of docs/rules.md it rests on and the policy-pack clauses it uses.

Modules: `context` (what the planner builds up, citations), `reading` (the case, its scope, the questions),
`filing` (the filing held or to make), `settlement` (the path), `papers`, `deadlines`, `money`.

Decisions (each also said where it is applied):
- Unknown fields are asked only when the answer depends on them; the rest of the plan is still given
  under stated assumptions (`assumptions_zh`), so a person gets a useful answer at once.
- An unknown insurance status is not asked: nearly everyone is insured normally, so the plan assumes it
  and its first step tells the person to check it (R-1.1).
- Emergency care counts as filed (R-1.9) and is by definition already under way (treated = true).
- Money follows the path the plan leads to: the filing held, else the filing recommended, else unfiled
  (a manual claim after paying in full is judged as unfiled, as the engine does at the insured region).
  Scope, basis and the ratio adjustment are yidi.domain.scope and yidi.domain.ratios, as for the engine.
- A bill given as a total only is estimated as one class-A in-scope line of the treatment catalogue: the
  most the fund could pay for that total (self-funded and class-B items lower it). The assumption is
  printed with the estimate. Given lines, they are calculated as they are.
"""

from __future__ import annotations

import datetime as dt

from yidi.advisor.knowledge import Knowledge, knowledge
from yidi.advisor.models import Plan, Situation
from yidi.advisor.plan.context import Ctx
from yidi.advisor.plan.deadlines import deadline_list
from yidi.advisor.plan.money import estimate_bill, money_for, placeholder_id
from yidi.advisor.plan.papers import material_groups
from yidi.advisor.plan.reading import ask_scope, resolve_case
from yidi.advisor.plan.settlement import settlement_path
from yidi.domain.enums import CrossRegionBasis
from yidi.domain.packset import PackSet


def advise(situation: Situation, packs: PackSet, today: dt.date, *, kb: Knowledge | None = None) -> Plan:
    """The plan for `situation` on `today`, using the insured region's policy in force that day."""
    c = Ctx(situation, packs, today, kb or knowledge())
    resolve_case(c)
    ask_scope(c)
    settlement, ftype, basis = settlement_path(c)
    materials = material_groups(c, settlement, ftype, basis)
    deadlines = deadline_list(c, settlement, ftype)
    money = money_for(c, ftype, basis)
    understood = {**situation.known(), **{k: v for k, v in c.derived.items() if v is not None}}
    return Plan(
        today=today, situation=understood, assumptions_zh=c.assumptions, scope=c.scope,
        questions=c.questions, settlement=settlement, steps=c.steps, materials=materials, deadlines=deadlines,
        money=money, warnings=c.warnings, pack=f"{packs.name}@{packs.version}",
    )


__all__ = ["CrossRegionBasis", "advise", "estimate_bill", "placeholder_id"]
