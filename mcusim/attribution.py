"""Attribution: turning the firmware's trace-port events into windows of cost — init,
each invoke, each operator inside it — and the interpreter overhead, which is what an
invoke costs beyond the sum of its operators' kernel windows."""

from __future__ import annotations

import dataclasses

INIT_BEGIN, INIT_END, INVOKE_BEGIN, INVOKE_END, OP_BEGIN, OP_END, MARK_BEGIN, MARK_END, KERNEL = range(1, 10)


def _combine(a, b, sign):
    """Energy arithmetic where None means 'the core has no energy figures'."""
    return None if a is None or b is None else a + sign * b


@dataclasses.dataclass(frozen=True)
class Cost:
    cycles: int
    instructions: int
    energy_uj: float | None

    @staticmethod
    def between(begin, end) -> "Cost":
        return Cost(end.cycles - begin.cycles, end.instructions - begin.instructions,
                    _combine(end.energy_uj, begin.energy_uj, -1))

    def __add__(self, other):
        return Cost(self.cycles + other.cycles, self.instructions + other.instructions,
                    _combine(self.energy_uj, other.energy_uj, 1))

    def __sub__(self, other):
        return Cost(self.cycles - other.cycles, self.instructions - other.instructions,
                    _combine(self.energy_uj, other.energy_uj, -1))


ZERO = Cost(0, 0, 0.0)


@dataclasses.dataclass(frozen=True)
class Attribution:
    init: Cost
    invokes: list              # Cost of each invoke, in order
    ops: dict                  # op index -> Cost, for the first invoke
    markers: dict              # user marker id -> Cost (first occurrence)
    variants: dict = dataclasses.field(default_factory=dict)  # op index -> KERNEL event indexes in its window

    @property
    def invoke(self) -> Cost:
        return self.invokes[0] if self.invokes else ZERO

    @property
    def kernels(self) -> Cost:
        total = ZERO
        for cost in self.ops.values():
            total = total + cost
        return total

    @property
    def overhead(self) -> Cost:
        return self.invoke - self.kernels


def attribute(events) -> Attribution:
    """Pair begin/end events. Operator windows are taken from the first invoke; a window
    left open (the firmware stopped inside it) is ignored. KERNEL events (the optimized
    path a kernel call took) belong to the operator window open when they came."""
    init, invokes, ops, markers, variants = ZERO, [], {}, {}, {}
    open_ = {}
    invoke_count = 0
    current_op = None
    for ev in events:
        if ev.kind == KERNEL:
            if current_op is not None and invoke_count == 0:
                variants.setdefault(current_op, []).append(ev.index)
            continue
        if ev.kind == OP_BEGIN:
            current_op = ev.index
        elif ev.kind == OP_END:
            current_op = None
        if ev.kind in (INIT_BEGIN, INVOKE_BEGIN, OP_BEGIN, MARK_BEGIN):
            open_[(ev.kind, ev.index)] = ev
            continue
        begin = open_.pop((ev.kind - 1, ev.index), None)
        if begin is None:
            continue
        cost = Cost.between(begin, ev)
        if ev.kind == INIT_END:
            init = cost
        elif ev.kind == INVOKE_END:
            invokes.append(cost)
            invoke_count += 1
        elif ev.kind == OP_END and invoke_count == 0:
            ops[ev.index] = cost
        elif ev.kind == MARK_END:
            markers.setdefault(ev.index, cost)
    return Attribution(init, invokes, ops, markers, variants)
