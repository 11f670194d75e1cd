"""The install plan as the analysis report gives it (the contract the deployer passes to the builder)."""

from runagents_contracts import install_plan as contract

from .plan import InstallPlan


def install_plan_finding(plan: InstallPlan) -> contract.InstallPlan:
    return contract.InstallPlan(
        source=plan.source,
        requirements=list(plan.requirements),
        constraints=list(plan.constraints),
        projects=list(plan.projects),
        uv_lock=plan.uv_lock,
        added=[contract.AddedRequirement(requirement=line, reason=plan.reasons.get(line, "the code needs it"))
               for line in plan.added],
    )
