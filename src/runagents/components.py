"""The services of the platform, by name, and how to build each one's component."""

import importlib
from collections.abc import Callable

from runagents_common.service import ServiceComponent

SERVICES = ("analyzer", "builder", "deployer", "gateway", "policy", "runs")


def component_factory(service: str) -> Callable[[], ServiceComponent]:
    """The ``create_component`` function of a service (imported lazily: a process loads only what it hosts)."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; one of: {', '.join(SERVICES)}")
    module = importlib.import_module(f"runagents_{service}.component")
    factory: Callable[[], ServiceComponent] = module.create_component
    return factory


def available_services() -> list[str]:
    """Services whose package provides a component (all six once the platform is complete)."""
    found = []
    for service in SERVICES:
        try:
            importlib.import_module(f"runagents_{service}.component")
        except ModuleNotFoundError as exc:
            if exc.name != f"runagents_{service}.component":
                raise
            continue
        found.append(service)
    return found
