"""Administration: users, the audit log, the monthly audit report and alerts.

Every view needs the `admin` capability, every form carries a CSRF token (GET
filters aside), and every action is itself audited.
"""

from webapp.admin import accounts, auditing  # noqa: F401  (their routes join `bp`)
from webapp.admin.blueprint import bp

__all__ = ["bp"]
