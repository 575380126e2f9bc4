"""The result of :func:`scoreaudit.explain.explain`: tidy tables of why selection differs."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

# =============================================================================================
# The result object
# =============================================================================================


@dataclass
class Explanation:
    """Why a model's selection differs between groups: tidy tables.

    Attributes
    ----------
    decomposition : DataFrame
        Additive models only (empty otherwise). One row per (attribute, group, reference,
        term): ``mean_group`` and ``mean_reference`` (mean contribution of the term, link
        scale), ``gap`` (their difference), ``total_gap`` (the gap in mean linear predictor;
        the ``gap`` of a comparison's terms sum to it), ``share`` (``gap / total_gap``),
        ``ratio_without_term`` (selection-rate ratio at the budget when the term is
        neutralised) and ``rate_gap_share`` (share of the selection-rate difference that
        disappears when the term is neutralised; these shares need not sum to 1, since
        selection at a budget is not additive).
    neutralisation : DataFrame
        One row per (input, attribute, group): ``ratio_before`` / ``ratio_after`` with Katz
        intervals, ``ratio_change``, ``log_ratio_change``, selection and reference rates before
        and after, ``difference_before`` / ``difference_after``, ``rate_gap_share``,
        ``ratio_after_sd`` (over ``n_repeats`` draws), ``after_covers_1`` and ``rank``
        (1 = the input whose neutralisation brings the ratio closest to 1).
    proxies : DataFrame
        One row per (input, attribute): ``auc`` (max over levels, one-vs-rest; cross-fitted
        for unordered inputs), ``auc_group``, ``auc_mean``, ``auc_method``, ``association``
        and ``association_measure`` (``"cramers_v"``, bias-corrected, or
        ``"normalised_mi"``), ``input_kind``, ``levels``, ``many_levels``, ``note``,
        ``is_attribute`` and ``rank`` within the attribute (by ``auc``).
    protected_neutralised : DataFrame
        One row per compared group of each single protected attribute: the columns that encode
        the attribute, whether the model reads them, ratio before and after neutralising them,
        and ``remaining`` = ``log(ratio_after) / log(ratio_before)``, the share of the
        (log) disparity that remains (1 when the model does not read the attribute).
    proxy_groups : DataFrame
        One row per (input, attribute, group): the group's one-vs-rest ``auc``, from which the
        proxy table takes its best and mean (and the publication gate retakes them without
        the hidden groups).
    config : dict
        How the explanation was computed (method, stratum, repeats, seed, policy, references).
    notes : list of str
        Plain statements of the method, for reports.
    timings : dict
        Seconds spent per part (not part of :meth:`to_dict`, which is deterministic).
    """

    decomposition: pd.DataFrame
    neutralisation: pd.DataFrame
    proxies: pd.DataFrame
    protected_neutralised: pd.DataFrame
    config: dict
    notes: list[str] = field(default_factory=list)
    timings: dict = field(default_factory=dict, repr=False)
    proxy_groups: pd.DataFrame = field(default_factory=pd.DataFrame)

    def to_dict(self) -> dict:
        """JSON-ready, deterministic description (tables as lists of records).

        Examples
        --------
        >>> ex = Explanation(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(),
        ...                  {"neutralise": "permute"})
        >>> sorted(ex.to_dict())[:3]
        ['config', 'decomposition', 'neutralisation']
        """
        from scoreaudit.results import json_safe, table_records

        return json_safe(
            {
                "config": self.config,
                "notes": list(self.notes),
                "decomposition": table_records(self.decomposition),
                "neutralisation": table_records(self.neutralisation),
                "proxies": table_records(self.proxies),
                "proxy_groups": table_records(self.proxy_groups),
                "protected_neutralised": table_records(self.protected_neutralised),
            }
        )

    def top(self, n: int = 3) -> pd.DataFrame:
        """The ``n`` inputs whose neutralisation moves each ratio most towards 1.

        Examples
        --------
        >>> Explanation(pd.DataFrame(), pd.DataFrame(columns=["rank"]), pd.DataFrame(),
        ...             pd.DataFrame(), {}).top().shape[0]
        0
        """
        t = self.neutralisation
        return t[t["rank"] <= n].reset_index(drop=True)

    def __repr__(self) -> str:
        return (
            f"Explanation({self.config.get('model', '?')!r}, neutralise="
            f"{self.config.get('neutralise')!r}: {len(self.decomposition)} decomposition rows, "
            f"{len(self.neutralisation)} neutralisation rows, {len(self.proxies)} proxy rows)"
        )
