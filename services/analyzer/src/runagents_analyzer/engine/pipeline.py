"""The analysis, phase by phase: parsing -> detection -> scanning -> enrichment."""

from collections.abc import Callable, Mapping, Sequence
from importlib import metadata

from .dependencies import install_plan_finding, plan_install
from .entry_point import find_entry_point, refused_in_every_tier
from .evaluate import Evaluator
from .hosts import HostCollector
from .http_calls import HttpCallDetector
from .javascript import analyze_javascript
from .llm_routing import routing
from .llm_usage import LlmUsageDetector
from .local_modules import LocalModules
from .packages import (
    import_packages,
    manifest_packages,
    merge_packages,
)
from .project import Project
from .report import AnalysisError, LlmUsage, Report, SkippedFile, Tier
from .secrets import scan_secrets
from .sources import load_sources
from .suggest import RegisteredResources, suggest_model, suggest_tool
from .system_prompt import SystemPromptFinder
from .tier import decide_tier
from .tools import group_tools
from .urls import llm_endpoint

PhaseCallback = Callable[[str, int], None]
PHASE_PERCENT = {"parsing": 0, "detection": 25, "scanning": 60, "enrichment": 85}


def analyzer_version() -> str:
    try:
        return metadata.version("runagents-analyzer")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def analyze_files(
    files: Mapping[str, bytes],
    resources: RegisteredResources | None = None,
    on_phase: PhaseCallback | None = None,
    skipped: Sequence[SkippedFile] = (),
) -> Report:
    """Analyze an upload given as relative path -> content. Nothing in it is imported or run."""

    def phase(name: str) -> None:
        if on_phase is not None:
            on_phase(name, PHASE_PERCENT[name])

    phase("parsing")
    sources = load_sources(dict(files))
    project = Project(sources.python)
    evaluator = Evaluator(project)

    phase("detection")
    http_calls = HttpCallDetector(project, evaluator).detect()
    javascript = analyze_javascript(sources.files)
    tool_calls = [call for call in http_calls if llm_endpoint(call.url) is None]
    tools = group_tools([*tool_calls, *javascript.http_calls])
    llm_findings = LlmUsageDetector(project, evaluator).detect(http_calls) + javascript.llm_usage
    local_modules = LocalModules(project.modules)
    entry_point = find_entry_point(project, sources.files) or javascript.entry_point
    tier = decide_tier(project.modules, local_modules, javascript.imports)
    if tier.value == "platform" and javascript.framework is not None:
        tier = Tier(value="custom", reason=javascript.framework)
    if tier.value == "platform" and entry_point is not None and not entry_point.takes_message \
            and not refused_in_every_tier(entry_point):
        # The platform's own tool loop answers a Tier 1 agent: its code's entry is never called.
        entry_point = entry_point.model_copy(update={"takes_message": True, "refusal": None})
    system_prompt = SystemPromptFinder(project, evaluator).find(entry_point.file if entry_point else None)

    phase("scanning")
    secrets = scan_secrets(sources.files, {m.path: m for m in project.modules})
    hosts = HostCollector(project)
    hosts.add_calls(http_calls)
    hosts.add_calls(javascript.http_calls)
    hosts.add_urls(javascript.hosts)
    hosts.scan_call_arguments()

    phase("enrichment")
    declared = manifest_packages(sources.files, project)
    imported, unresolved_imports = import_packages(project, local_modules, [n for n, e in declared if e == "pypi"])
    imported += [(name, "npm") for name in javascript.packages]
    packages = merge_packages(declared, imported)
    # What the builder installs: the upload's manifests read by the rules (an upload whose manifests
    # are refused never gets here: it is refused at upload).
    plan = plan_install(files, sorted({p.name for p in packages if p.ecosystem == "pypi"}))
    install_plan = None if plan.refused else install_plan_finding(plan)
    refusals = [AnalysisError(file=r.file, line=r.line or 0, message=f"no install plan: {r.describe()}")
                for r in plan.refused]
    resources = resources or RegisteredResources()
    for tool in tools:
        tool.suggested = suggest_tool(tool, resources.tools)
    llm_usage = []
    for finding in sorted(llm_findings, key=lambda f: (f.file, f.line)):
        route = routing(finding.provider, finding.via)
        usage = LlmUsage(provider=finding.provider, model=finding.model, role=finding.role,
                         file=finding.file, line=finding.line, routable=route.routable, note=route.note)
        usage.suggested = suggest_model(usage, resources.model_providers)
        llm_usage.append(usage)

    return Report(
        analyzer_version=analyzer_version(),
        files=[f.path for f in sources.files],
        skipped=sorted([*skipped, *sources.skipped], key=lambda s: s.file),
        errors=sorted([*sources.errors, *javascript.errors, *refusals], key=lambda e: (e.file, e.line)),
        tools=tools,
        llm_usage=llm_usage,
        secrets=secrets,
        hosts=hosts.hosts(),
        packages=packages,
        install_plan=install_plan,
        unresolved_imports=unresolved_imports,
        entry_point=entry_point,
        system_prompt=system_prompt,
        tier=tier,
    )
