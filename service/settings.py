"""The service's settings: one typed object, read when the app is created, never at import time."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.domain.gridcodes import CodeLayout

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Environment variables GRIDCOMMAND_<NAME> override each field."""

    model_config = SettingsConfigDict(env_prefix="GRIDCOMMAND_", extra="ignore")

    data_dir: Path = Field(default=PROJECT_ROOT / "var", description="Where the SQLite file and local key live")
    database_url: str = Field(default="", description="Any SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db; "
                                                      "empty: SQLite file gridcommand.db in data_dir")
    host: str = "127.0.0.1"
    port: int = 8765
    sse_heartbeat_seconds: float = 15.0
    sse_poll_seconds: float = 1.0
    max_body_bytes: int = 8 * 1024 * 1024
    max_file_upload_bytes: int = Field(default=512 * 1024 * 1024, description="limit for boundary and road files "
                                       "(spooled to disk as they arrive), e.g. a district's or a city's micro-grids")
    max_batch_items: int = 10_000
    duplicate_radius_m: float = 150.0
    duplicate_window_minutes: float = 60.0
    repeat_radius_m: float = 50.0
    repeat_window_days: float = 30.0
    sla_overrides: dict[str, dict[str, float]] = Field(
        default_factory=dict, description='Minutes per clock, by category code or priority: '
                                          '{"p4": {"on_scene": 120}, "E0102": {"on_scene": 60}}')
    sla_warn_fraction: float = 0.8
    arrival_radius_m: float = 50.0
    stale_after_minutes: float = 5.0
    track_retention_days: float = 90.0
    watch_interval_seconds: float = 1.0
    osmand_port: int | None = Field(default=None, description="also serve the OsmAnd protocol on this port "
                                                              "(Traccar's is 5055), so phones need only the address")
    osmand_crs: str = Field(default="WGS84", description="CRS of OsmAnd positions (Traccar Client sends WGS84)")
    grid_code_layout: CodeLayout = Field(default=CodeLayout.DB11_T_2157_2023, description=(
        "grid code layout: db11_t_2157_2023 (15 digits, 6+3+3+3) or gb_t_30428_1_2013 (16 digits, 6+3+3+4); "
        "micro-grids add 2 digits in both"))
    sqlite_synchronous: str = Field(default="FULL", pattern="^(FULL|NORMAL|EXTRA)$",
                                    description="FULL: a 2xx survives power loss, not only a crash")
    report_horizon_days: float = Field(default=365.0, description="a report older than this is refused (a wrong "
                                                                  "year or an unset clock, not a case)")
    fix_horizon_days: float = Field(default=7.0, description="a position older than this is refused")
    auth_failures_per_minute: int = Field(default=10, ge=1, description="failed keys one client address may send "
                                                                         "per minute before it gets 429")
    key_lockout_minutes: float = Field(default=10.0, ge=10.0, description="a key is locked this long after 5 "
                                                                          "consecutive failures (CJIS 5.5.3)")
    audit_retention_days: float = Field(default=400.0, ge=365.0, description="audit records are kept at least a year")
    pseudonymise_after_days: float = Field(default=180.0, gt=0, description="reporters' names and phones are "
                                                                            "replaced by pseudonyms after this")
    device_fixes_per_minute: int = Field(default=120, ge=1, description="positions one device may send per minute")
    osmand_allowed_networks: list[str] = Field(default_factory=list, description='OsmAnd senders allowed, e.g. '
                                               '["10.0.0.0/8"]; empty: any address (a device token is still needed)')
    tls_cert_file: Path | None = Field(default=None, description="HTTPS certificate (PEM); required off loopback")
    tls_key_file: Path | None = Field(default=None, description="HTTPS private key (PEM)")
    public_base_url: str = Field(default="", description="The address residents' phones reach the service at "
                                 "(QR codes point there); empty: the address the request came to")
    resident_reports_per_hour: int = Field(default=6, ge=1, description="reports one address (and one device) "
                                           "may file without a key per hour")
    scheduled_reports: bool = Field(default=True, description="write yesterday's daily and last week's weekly "
                                    "report PDF into data_dir/reports (by the process holding the watch lease)")

    filing_channels: list[str] = Field(default_factory=lambda: ["citymgmt"],
                                       description="Channels whose cases are filed (立案) before dispatch")
    filing_categories: list[str] = Field(default_factory=list,
                                         description="Categories filed before dispatch, from any channel")
    reopen_window_days: float = Field(default=30.0, description="A reporter may reopen a closed case this long")
    notify_webhooks: dict[str, str] = Field(
        default_factory=dict, description='Outbound notifications: recipient -> webhook URL (WeCom / DingTalk robot '
                                          'or SMS gateway), e.g. {"department:城管": "https://...", "unit:*": ..., "*": ...}')
    notify_retry_seconds: float = Field(default=30.0, description="First retry of a failed notification; doubles")
    max_photo_bytes: int = Field(default=5 * 1024 * 1024, description="Largest photo accepted (JPEG, PNG, WebP)")

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'gridcommand.db'}"

    @property
    def local_key_file(self) -> Path:
        return self.data_dir / "operator.key"
