"""The publication gate: every published number passes here (see ``publish``).

``publish`` hides small counts and chooses complements by integer programming
(``complements``) so that an attacker who knows every published file and that counts are
non-negative integers (``attack``) cannot narrow a hidden count below the protection range;
``curve`` gates the budget curve; ``aggregate`` and ``funnel`` apply the same rule to
the results from counts and to funnels. The gate needs only counts, so it sits below the result
objects and every output (report, terminal, web page, ``AuditResult.published()``) calls it.
"""

from scoreaudit.gate._solver import quiet_highs
from scoreaudit.gate.publish import PublishedResult, Suppression, publish

__all__ = ["PublishedResult", "Suppression", "publish", "quiet_highs"]
