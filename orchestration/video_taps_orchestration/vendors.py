"""What differs between the four taps when Dagster runs them: partitions, dates, rate budgets.

The run-queue limits in ``dagster.yaml`` (``tag_concurrency_limits``) are the
numbers below; ``tests/unit/test_orchestration_units.py`` checks that they agree, so
change both together. Each limit comes from a documented API limit (the
vendor references in ``docs/vendors/``: docs/vendors/brightcove-audience.md#rate-limits,
docs/vendors/apivideo.md#rate-limits, docs/vendors/brightcove-interactivity.md#limits,
docs/vendors/ibm-video.md#rate-limits), and where several runs may share one
budget, each run is given its share of it through the tap's own settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["ACCOUNT_TAG", "TAPS", "VENDOR_TAG", "TapKind", "account_tag_key"]

#: Tag on every run: which vendor's API it reads (limits that span accounts).
VENDOR_TAG = "video-taps/vendor"
#: Tag on every run: which account, IBM client or api.video project it reads.
ACCOUNT_TAG = "video-taps/account"


def account_tag_key(vendor: str) -> str:
    """The per-vendor account tag, so each vendor gets its own per-account limit."""
    return f"{ACCOUNT_TAG}/{vendor}"


@dataclass(frozen=True)
class TapKind:
    """One tap as Dagster runs it.

    Attributes:
        tap: the extractor that declares the tap in ``meltano.yml``.
        vendor: short name used in job names and run tags.
        accounts_setting: the setting listing accounts (one partition each); None
            when one plugin is one account (IBM client, api.video project), so
            each inherited plugin is one partition.
        end_date_is_last_day: True when the tap's ``end_date`` is the last day
            synced (Interactivity: "Last UTC day to sync"); otherwise it is the
            first moment not synced (api.video: "Sync days before this one";
            Audience and IBM: the end of the range).
        runs_per_vendor: how many runs of this vendor may run at once in the
            whole Dagster instance (None: no vendor-wide limit).
        runs_per_account: how many runs of one account may run at once.
        shared_settings: integer settings that are one budget for all the
            concurrent runs this limit allows; each run gets ``value // share``.
        label_setting: the setting that labels every row with its account or
            project (IBM ``account_id``, api.video ``project_id``); no two
            partitions may share a label, or their rows overwrite each other.
    """

    tap: str
    vendor: str
    accounts_setting: str | None
    end_date_is_last_day: bool
    runs_per_vendor: int | None
    runs_per_account: int
    shared_settings: Mapping[str, int] = field(default_factory=dict)
    label_setting: str | None = None


TAPS: tuple[TapKind, ...] = (
    # Audience: "50 requests per second per account" AND "per IP address"
    # (docs/vendors/brightcove-audience.md#rate-limits). Runs on one machine share one
    # IP, so 4 runs at once each get 50 // 4 = 12 requests/s. The limit is for
    # the whole instance; with run workers on N machines (N IPs), raise it to
    # 4 * N only if each machine runs at most 4 (see README "Running at scale").
    TapKind(
        tap="tap-brightcove-audience",
        vendor="brightcove-audience",
        accounts_setting="account_ids",
        end_date_is_last_day=False,
        runs_per_vendor=4,
        runs_per_account=4,
        shared_settings={"max_requests_per_second": 4},
    ),
    # Interactivity: "4 reports per minute; 20 per hour; and 100 per day" per
    # account (docs/vendors/brightcove-interactivity.md#limits). Two runs of one account
    # (e.g. two backfill days) each get half of each budget.
    TapKind(
        tap="tap-brightcove-interactivity",
        vendor="brightcove-interactivity",
        accounts_setting="account_ids",
        end_date_is_last_day=True,
        runs_per_vendor=None,
        runs_per_account=2,
        shared_settings={"reports_per_minute": 2, "reports_per_hour": 2, "reports_per_day": 2},
    ),
    # api.video: a request limit per minute per project, announced in every
    # answer's X-RateLimit-* headers (docs/vendors/apivideo.md#rate-limits), which the
    # tap paces itself by; runs of one project read the same headers, so four
    # backfill days of one project may run at once and still share the budget.
    TapKind(
        tap="tap-apivideo",
        vendor="apivideo",
        accounts_setting=None,
        end_date_is_last_day=False,
        runs_per_vendor=None,
        runs_per_account=4,
        label_setting="project_id",
    ),
    # IBM Video: the analytics docs state no rate limit
    # (docs/vendors/ibm-video.md#rate-limits: no numbers); the safe choice is one
    # run per client at a time.
    TapKind(
        tap="tap-ibm-video",
        vendor="ibm-video",
        accounts_setting=None,
        end_date_is_last_day=False,
        runs_per_vendor=None,
        runs_per_account=1,
        label_setting="account_id",
    ),
)
