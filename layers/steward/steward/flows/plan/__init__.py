"""`steward plan`: what the deployed stack would do now, from the operator's own credentials.

The same listing and the same decisions as the retention sweep and the decommission sweep, with
DRY_RUN on and every client in plan mode (services/read_only.py): nothing but reads is ever sent.
`settings` reads the template's defaults, a stack's parameters and the flags; `plan` lists and decides;
`ports` gives the decommission run the stack's inventory to read and keeps the alerts it would send.
"""

from steward.flows.plan.plan import Plan, listed_services, plan
from steward.flows.plan.settings import PlanSettings, plan_settings

__all__ = ["Plan", "PlanSettings", "listed_services", "plan", "plan_settings"]
