"""The Helm chart gives each service its own service key and no other's, the policy service the secret the keys
derive from, under the names `runagents setup-identity` writes and the services read; the migration Job none.

No helm binary here: the templates' conditionals used around these settings (``with``, ``if``, ``if eq $name``)
are evaluated line by line for each service with the chart's default values."""

import re
from pathlib import Path

from runagents.setup_identity import identity_settings
from runagents_common.events.catalog import Service

CHART = Path(__file__).resolve().parents[1] / "deploy" / "helm" / "runagents"
DEFAULTS = {"identitySecret": "runagents-identity", "busUsersSecret": "", "adminKeyFromIdentitySecret": True,
            "dataVolume.storageClassName": ""}
DIRECTIVE = re.compile(r"\{\{-?\s*(with|if|range|end)\b(.*?)-?\}\}")


def secret_env(template: str, service: str) -> dict[str, tuple[str, str]]:
    """Each environment variable the template takes from a Secret: name -> (Secret, key), for ``service``."""
    found: dict[str, tuple[str, str]] = {}
    stack: list[tuple[bool, str | None]] = []  # (emitted?, the value `{{ . }}` stands for)
    pending: str | None = None
    for line in template.splitlines():
        line = line.replace("{{ upper $name }}", service.upper())
        directive = DIRECTIVE.search(line)
        if directive:
            kind, argument = directive.group(1), directive.group(2).strip()
            if kind == "end":
                stack.pop()
            elif kind == "with":
                value = DEFAULTS[argument.removeprefix("$.Values.").removeprefix(".Values.")]
                stack.append((bool(value), str(value)))
            elif kind == "if" and argument.startswith("eq $name"):
                stack.append((argument.split()[-1].strip('"') == service, None))
            elif kind == "if":
                stack.append((bool(DEFAULTS[argument.removeprefix("$.Values.").removeprefix(".Values.")]), None))
            else:  # range over the services: this service
                stack.append((True, None))
            continue
        if not all(emitted for emitted, _ in stack):
            continue
        name = re.search(r"- name: (\S+)", line)
        if name:
            pending = name.group(1)
        reference = re.search(r"secretKeyRef: \{name: (.+?), key: (\S+?)\}", line)
        if reference and pending:
            current = next(value for _, value in reversed(stack) if value is not None)
            secret = current if reference.group(1) == "{{ . }}" else reference.group(1)
            found[pending] = (secret, reference.group(2))
    return found


def test_each_service_gets_its_own_key_and_only_the_policy_service_the_secret() -> None:
    template = (CHART / "templates" / "services.yaml").read_text()
    written = identity_settings("secret", "admin")
    for service in Service:
        identity = {name: key for name, (secret, key) in secret_env(template, service.value).items()
                    if secret == DEFAULTS["identitySecret"]}
        expected = {f"RUNAGENTS_{service.value.upper()}_SERVICE_KEY", "RUNAGENTS_ADMIN_KEY"}
        if service is Service.POLICY:
            expected.add("RUNAGENTS_SERVICE_KEYS_SECRET")
        assert set(identity) == expected, service
        assert all(name == key and key in written for name, key in identity.items()), identity


def test_the_migration_job_gets_no_key() -> None:
    # migrate needs the database alone (runagents migrate builds the components with authentication off).
    assert secret_env((CHART / "templates" / "migrate-job.yaml").read_text(), "migrate") == {}


def test_the_chart_runs_every_service_and_names_its_identity_secret() -> None:
    values = (CHART / "values.yaml").read_text()
    assert f"identitySecret: {DEFAULTS['identitySecret']}" in values
    for service in Service:
        assert re.search(rf"^  {service.value}: \{{replicas: \d+\}}$", values, re.M), service
