"""An import-linter contract type the built-in ones lack: no cycles among named modules.

import-linter's own ``acyclic_siblings`` judges whole packages, and a domain package
holds its router, its service and its models together, so it would call
"identity's router uses restrictions' service, restrictions' service uses identity's
models" a cycle. Here the nodes are modules (the domain services), and a cycle is a
chain of imports — direct or through any other module — from one to another and back.

Registered in pyproject.toml (``[tool.importlinter] contract_types``); lint-imports
runs from the repository root, which it puts on ``sys.path``.
"""

from __future__ import annotations

from itertools import combinations

import grimp
from importlinter.application import contract_utils, output
from importlinter.application.contract_utils import AlertLevel
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck
from importlinter.domain.helpers import module_expressions_to_modules


class AcyclicModulesContract(Contract):
    type_name = "acyclic_modules"

    modules = fields.SetField(subfield=fields.ModuleExpressionField())
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph, ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=AlertLevel.ERROR)
        names = sorted(m.name for m in module_expressions_to_modules(
            graph, self.modules, raise_if_unmatched=True))  # type: ignore[arg-type]
        cycles = []
        for first, second in combinations(names, 2):
            there = graph.find_shortest_chain(importer=first, imported=second)
            back = graph.find_shortest_chain(importer=second, imported=first)
            if there and back:
                cycles.append((list(there), list(back)))
        return ContractCheck(kept=not cycles, warnings=list(removal.warnings),
                             ignored_import_count=removal.ignored_import_count,
                             metadata={"cycles": cycles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for there, back in check.metadata["cycles"]:
            output.print_error(f"{there[0]} and {there[-1]} import each other:")
            for chain in (there, back):
                output.indent_cursor()
                output.print_error(" -> ".join(chain), bold=False)
            output.new_line()
