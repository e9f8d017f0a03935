"""What differs between the four taps when Dagster runs them: accounts, dates, budgets.

No figure of a vendor's limit is written here. Each tap declares its API's documented
limits as its own settings, their defaults the documented figures (``--about`` shows
them; meltano resolves them, with any value a project gives): Brightcove Audience's
``max_requests_per_second`` (50 a second per account and per IP,
docs/vendors/brightcove-audience.md#rate-limits), Brightcove Interactivity's
``reports_per_minute``/``_hour``/``_day`` (4, 20 and 100 per account,
docs/vendors/brightcove-interactivity.md#limits). api.video announces its read limit
per project in every answer's ``X-RateLimit-*`` headers and the tap paces by them
(docs/vendors/apivideo.md#rate-limits), as IBM's tap does by IBM's headers, whose
figures IBM does not publish (docs/vendors/ibm-video.md#rate-limits).

What is written here is the one choice orchestration makes per budget: how many runs
may draw on it at once. From it and the tap's resolved settings follow both the
run-queue limits (``instance.py`` writes them into ``dagster.yaml``) and each run's
share of the budget (``value // runs``, given to the run as the tap's setting).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ACCOUNT", "MACHINE", "TAPS", "Budget", "TapKind", "kind_of"]

#: A budget every run of one account (IBM client, api.video project) shares.
ACCOUNT = "account"
#: A budget every run on one machine shares (a limit per IP address).
MACHINE = "machine"


@dataclass(frozen=True)
class Budget:
    """A documented limit, the tap settings that hold it, and the runs sharing it at once.

    Attributes:
        per: ``ACCOUNT`` or ``MACHINE``: what the vendor counts the limit per.
        runs: how many runs may draw on one such budget at once (the run-queue limit).
        settings: the tap's integer settings that are the budget; each run gets
            ``value // runs`` of each. Empty when the API shares the budget among
            the runs itself (its rate-limit headers, which every run reads).
    """

    per: str
    runs: int
    settings: tuple[str, ...] = ()


@dataclass(frozen=True)
class TapKind:
    """One tap as Dagster runs it.

    Attributes:
        tap: the extractor that declares the tap in ``meltano.yml``.
        vendor: short name: asset groups, job names, the account dimension.
        accounts_setting: the setting listing accounts (one partition each); None
            when one plugin is one account (IBM client, api.video project), so each
            inherited plugin is one partition.
        end_date_is_last_day: True when the tap's ``end_date`` is the last day
            synced (Interactivity: "Last UTC day to sync"); otherwise it is the first
            moment not synced.
        label_setting: the setting that labels every row with its account or project
            (IBM ``account_id``, api.video ``project_id``); no two partitions of one
            schema may share a label, or their rows overwrite each other.
        dbt_schema_var: the dbt project's variable naming the schema the tap's
            tables land in (its sources), set from the plugin's ``load_schema``.
        budgets: the limits its runs share.
    """

    tap: str
    vendor: str
    accounts_setting: str | None
    end_date_is_last_day: bool
    dbt_schema_var: str
    label_setting: str | None = None
    budgets: tuple[Budget, ...] = field(default_factory=tuple)

    @property
    def name(self) -> str:
        """The vendor as a Python identifier (``brightcove_audience``)."""
        return self.vendor.replace("-", "_")

    def runs_sharing(self, setting: str) -> int:
        """How many runs share the budget ``setting`` belongs to (the most of its budgets)."""
        return max((b.runs for b in self.budgets if setting in b.settings), default=1)

    @property
    def shared_settings(self) -> list[str]:
        """Every setting that is a budget, once."""
        return list(dict.fromkeys(s for budget in self.budgets for s in budget.settings))


TAPS: tuple[TapKind, ...] = (
    # 50 requests a second per account AND per IP: four runs at once on one machine
    # (so one slow account never holds up the others), each with a quarter of it.
    # With run workers on N machines, the per-machine limit is still one number for
    # the whole instance (README, "Running at scale").
    TapKind(
        tap="tap-brightcove-audience",
        vendor="brightcove-audience",
        accounts_setting="account_ids",
        end_date_is_last_day=False,
        dbt_schema_var="brightcove_audience_schema",
        budgets=(
            Budget(MACHINE, 4, ("max_requests_per_second",)),
            Budget(ACCOUNT, 4, ("max_requests_per_second",)),
        ),
    ),
    # 4 reports a minute, 20 an hour, 100 a day per account: two runs of one account
    # (two backfill days) at once, each with half of each.
    TapKind(
        tap="tap-brightcove-interactivity",
        vendor="brightcove-interactivity",
        accounts_setting="account_ids",
        end_date_is_last_day=True,
        dbt_schema_var="brightcove_interactivity_schema",
        budgets=(
            Budget(ACCOUNT, 2, ("reports_per_minute", "reports_per_hour", "reports_per_day")),
        ),
    ),
    # The read limit per project is in every answer's headers, which every run of the
    # project reads: runs pace themselves together; four of a project at once.
    TapKind(
        tap="tap-apivideo",
        vendor="apivideo",
        accounts_setting=None,
        end_date_is_last_day=False,
        dbt_schema_var="apivideo_schema",
        label_setting="project_id",
        budgets=(Budget(ACCOUNT, 4),),
    ),
    # No published figures: one run per client at a time, the safe choice.
    TapKind(
        tap="tap-ibm-video",
        vendor="ibm-video",
        accounts_setting=None,
        end_date_is_last_day=False,
        dbt_schema_var="ibm_video_schema",
        label_setting="account_id",
        budgets=(Budget(ACCOUNT, 1),),
    ),
)


def kind_of(tap: str) -> TapKind | None:
    """The kind of the tap ``tap`` (the extractor declaring it), if it is one of ours."""
    return next((kind for kind in TAPS if kind.tap == tap), None)
