"""One module per agency; each writes its own folder in its own layout."""

from __future__ import annotations

from .adult_social_care import AdultSocialCare
from .base import Agency, RunContext
from .health import Health
from .housing import Housing
from .police import Police
from .probation import Probation
from .schools import Schools
from .social_care import SocialCare
from .youth_justice import YouthJustice

AGENCIES: tuple[type[Agency], ...] = (
    SocialCare,
    Schools,
    Health,
    Police,
    Housing,
    YouthJustice,
    Probation,
    AdultSocialCare,
)

__all__ = ["AGENCIES", "Agency", "RunContext"]
