"""What an upload declares it needs: the analyzer's rules for which manifest wins, what is installed
and what is refused. The analyzer refuses an unsafe declaration at upload and reports the install plan
(the `install_plan` finding, runagents_contracts.install_plan); the builder checks it again and installs it."""

from .finding import install_plan_finding
from .plan import InstallPlan, Refusal, UploadFiles, plan_install

__all__ = ["InstallPlan", "Refusal", "UploadFiles", "install_plan_finding", "plan_install"]
