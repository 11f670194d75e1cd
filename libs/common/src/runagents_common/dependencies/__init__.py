"""What an upload declares it needs, read the same way by the analyzer (which refuses an unsafe
declaration at upload) and the builder (which installs it, checking it again).

Standard library only: the rules are one definition that both services follow."""

from .plan import InstallPlan, Refusal, UploadFiles, plan_install

__all__ = ["InstallPlan", "Refusal", "UploadFiles", "plan_install"]
