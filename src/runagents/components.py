"""The services of the platform, by name, and how to build each one's component."""

import importlib
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

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


def create_components(services: tuple[str, ...] | list[str], environment: Mapping[str, str]) -> list[ServiceComponent]:
    """The components of ``services``, their settings read with ``environment`` set on top of this process's
    (which is as it was afterwards)."""
    with _environment(environment):
        return [component_factory(service)() for service in services]


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
