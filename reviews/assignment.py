"""Automatic assignment of dossiers to experts as a min-cost flow (OR-Tools `SimpleMinCostFlow`).

Pure: it reads only its arguments. The network is

    source ──(needed, 0)──► dossier ──(1, specialty cost)──► expert ──(1, marginal load cost) × free──► sink

A dossier→expert arc exists only where there is no conflict, so a conflict can never be assigned. Each
expert's way to the sink is split into unit arcs whose cost grows with the load the unit would bring
(load ÷ limit), so the cheapest flow spreads dossiers in proportion to each expert's limit and never above
it. Where the campaign asks for specialties, an expert without one costs more than any load step, so
matching experts are used first. `solve_max_flow_with_min_cost` staffs as many places as can be staffed;
every dossier short of its experts is reported with the reason.
"""

from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import min_cost_flow

LOAD_SCALE = 1000
SPECIALTY_PENALTY = 10 * LOAD_SCALE


@dataclass(frozen=True)
class DossierNeed:
    key: int
    needed: int
    forbidden: frozenset = frozenset()  # expert keys in conflict or already on the dossier


@dataclass(frozen=True)
class ExpertSlot:
    key: int
    limit: int
    load: int = 0
    matches_specialty: bool = True


@dataclass
class Plan:
    pairs: list = field(default_factory=list)  # (dossier key, expert key)
    unstaffed: dict = field(default_factory=dict)  # dossier key -> Chinese reason

    def experts_of(self, dossier_key) -> list:
        return [e for d, e in self.pairs if d == dossier_key]


def solve(dossiers: list[DossierNeed], experts: list[ExpertSlot]) -> Plan:
    plan = Plan()
    dossiers = [d for d in dossiers if d.needed > 0]
    if not dossiers:
        return plan
    D, E = len(dossiers), len(experts)
    expert_index = {x.key: i for i, x in enumerate(experts)}
    free = np.array([max(0, x.limit - x.load) for x in experts], dtype=np.int64)

    # Allowed dossier × expert pairs, as a boolean matrix with the conflicts struck out.
    allowed = np.ones((D, E), dtype=bool)
    allowed[:, free == 0] = False
    for i, d in enumerate(dossiers):
        for key in d.forbidden:
            j = expert_index.get(key)
            if j is not None:
                allowed[i, j] = False
    di, ej = np.nonzero(allowed)
    source, sink = 0, D + E + 1
    penalty = np.array([0 if x.matches_specialty else SPECIALTY_PENALTY for x in experts], dtype=np.int64)

    # Expert → sink: one unit arc per free place, cost rising with the load it would bring.
    unit_tails, unit_costs = [], []
    for j, x in enumerate(experts):
        n = int(free[j])
        if n:
            loads = np.arange(x.load + 1, x.load + n + 1, dtype=np.int64)
            unit_tails.append(np.full(n, D + 1 + j, dtype=np.int64))
            unit_costs.append(loads * LOAD_SCALE // max(1, x.limit))
    unit_tails = np.concatenate(unit_tails) if unit_tails else np.zeros(0, dtype=np.int64)
    unit_costs = np.concatenate(unit_costs) if unit_costs else np.zeros(0, dtype=np.int64)

    needed = np.array([d.needed for d in dossiers], dtype=np.int64)
    tails = np.concatenate([np.zeros(D, dtype=np.int64), di + 1, unit_tails])
    heads = np.concatenate([np.arange(1, D + 1, dtype=np.int64), ej + D + 1, np.full(len(unit_tails), sink)])
    caps = np.concatenate([needed, np.ones(len(di) + len(unit_tails), dtype=np.int64)])
    costs = np.concatenate([np.zeros(D, dtype=np.int64), penalty[ej], unit_costs])

    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), heads.astype(np.int32), caps, costs)
    total = int(needed.sum())
    flow.set_node_supply(source, total)
    flow.set_node_supply(sink, -total)
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow solver returned {status}")
    pair_arcs = np.arange(D, D + len(di), dtype=np.int32)
    used = flow.flows(pair_arcs) > 0 if len(di) else np.zeros(0, dtype=bool)
    staffed = np.zeros(D, dtype=np.int64)
    for i, j in zip(di[used], ej[used], strict=True):
        plan.pairs.append((dossiers[i].key, experts[j].key))
        staffed[i] += 1
    candidates = allowed.sum(axis=1)
    no_conflict = np.ones((D, E), dtype=bool)
    for i, d in enumerate(dossiers):
        for key in d.forbidden:
            j = expert_index.get(key)
            if j is not None:
                no_conflict[i, j] = False
    for i, d in enumerate(dossiers):
        if staffed[i] < d.needed:
            clear = int(no_conflict[i].sum())
            if clear < d.needed:
                reason = f"无利益冲突的专家不足：需要{d.needed}位，仅有{clear}位可回避。"
            elif candidates[i] < d.needed:
                reason = f"无利益冲突的专家中有余量的不足：需要{d.needed}位，仅有{int(candidates[i])}位尚有余量。"
            else:
                reason = "专家评审容量已用尽（各专家已达每次认证最多评审份数）。"
            plan.unstaffed[d.key] = f"仅分配{int(staffed[i])}位，" + reason
    return plan
