"""Settings from FEEDBACK_* environment variables."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from feedback.core.local_time import is_zone


class Settings(BaseSettings):
    """Everything an operator can set; each field is read from FEEDBACK_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="FEEDBACK_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///feedback.db",
        description="SQLAlchemy URL; an SQLite file (the default, relative to the working "
        "directory) or postgresql+psycopg://user@host/db.",
    )
    secret_key: str | None = Field(
        default=None,
        description="Signs session cookies and amend tokens. If unset, one is generated and "
        "kept in the database, so every process of one installation shares it.",
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Public URL of this server, used in snippets, links and QR codes.",
    )
    time_zone: str = Field(
        default="UTC",
        description="IANA time zone (such as America/Toronto) that new services start with; "
        "each service's own zone is changed on /admin/services.",
    )
    admin_password: str | None = Field(
        default=None,
        description="Password of the `admin` user that `feedback demo` creates; generated and "
        "printed if unset.",
    )
    demo: bool = Field(default=False, description="Serve the sample host page at /demo.")
    max_body_bytes: int = Field(
        default=64 * 1024, description="Largest request body accepted, in bytes (else 413)."
    )
    session_max_age: int = Field(
        default=8 * 3600,
        ge=60,
        description="Seconds a staff sign-in lasts at most, however active (then sign in again).",
    )
    session_idle: int = Field(
        default=30 * 60,
        ge=60,
        description="Seconds without a request after which a staff session ends.",
    )
    require_2fa: bool = Field(
        default=False,
        description="Administrators who sign in with a password must use a second factor "
        "(an authenticator app); one without it is sent to set it up before anything else.",
    )
    local_passwords: bool = Field(
        default=True,
        description="Staff may sign in with a username and password; turn off to allow only "
        "single sign-on (FEEDBACK_OIDC_*).",
    )
    oidc_issuer: str | None = Field(
        default=None,
        description="OpenID Connect issuer URL for staff single sign-on (its "
        "/.well-known/openid-configuration is read); off if unset.",
    )
    oidc_client_id: str | None = Field(default=None, description="Client id at the issuer.")
    oidc_client_secret: str | None = Field(default=None, description="Client secret.")
    oidc_name: str | None = Field(
        default=None,
        description="Name on the sign-in button (“Sign in with NAME”); the issuer's host if unset.",
    )
    oidc_roles_claim: str | None = Field(
        default=None,
        description="Claim holding the person's role (admin, manager, viewer or agent) and kept "
        "in step at each sign-in; if unset, a new person gets no role until an admin grants one.",
    )
    smtp_host: str | None = Field(
        default=None, description="SMTP server for alert emails; no email is sent if unset."
    )
    smtp_port: int = Field(default=587, description="Port of the SMTP server.")
    smtp_user: str | None = Field(default=None, description="SMTP user name, if it needs one.")
    smtp_password: str | None = Field(default=None, description="SMTP password.")
    smtp_from: str = Field(
        default="feedback@localhost", description="Sender address of alert emails."
    )
    smtp_starttls: bool = Field(
        default=True, description="Upgrade the SMTP connection with STARTTLS before signing in."
    )
    alert_webhook_secret: str | None = Field(
        default=None,
        description="Signs alert webhooks (HMAC-SHA256); no webhook is sent if unset.",
    )
    alert_check_interval: int = Field(
        default=300,
        description="Seconds between the server's checks for control-limit signals; 0 stops them.",
    )
    scorecard_min_count: int = Field(
        default=30, description="Public scorecards hide any figure based on fewer answers."
    )
    request_timeout: float = Field(
        default=15,
        description="Seconds a request may take to arrive in full (headers and body); slower "
        "clients get a 408 and their connection is closed, so they cannot hold it open.",
    )
    bulk_max_bytes: int = Field(
        default=4 * 1024 * 1024,
        description="Largest body of POST /api/v1/responses (bulk ingest, up to 1,000 items).",
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Allow webhook URLs on private, loopback or link-local addresses (off, so "
        "nobody can make the server call into its own network).",
    )
    webhook_interval: int = Field(
        default=30, description="Seconds between webhook delivery runs; 0 stops them."
    )
    webhook_timeout: float = Field(
        default=10.0, description="Seconds to wait for a webhook receiver to answer."
    )
    log_format: str = Field(
        default="json",
        description="`json`: one JSON object per line on stderr (time, level, logger, message, "
        "route, status, duration_ms; never addresses, user agents, tokens or answers); `text`.",
    )
    log_level: str = Field(default="info", description="Lowest level logged: debug, info, warning.")
    access_log: bool = Field(
        default=True, description="Log one line per request (route template, status, duration)."
    )
    metrics_token: str | None = Field(
        default=None,
        description="If set, GET /metrics needs `Authorization: Bearer <token>`; if unset it is "
        "open (block it at the reverse proxy, as docs/deploy.md shows).",
    )
    metrics_dir: str | None = Field(
        default=None,
        description="Folder where `serve --workers N` (N > 1) keeps each worker's metric files, "
        "emptied at start; a new temporary folder if unset.",
    )
    kiosk_limit_per_minute: int = Field(
        default=600,
        description="Kiosk posts a minute from one address to one survey (tablets at a counter "
        "share an address and send their offline queue at once); the survey's own limit applies "
        "if it is higher.",
    )
    trusted_proxies: str = Field(
        default="127.0.0.1, ::1",
        description="Networks of the reverse proxies whose X-Forwarded-For is believed (comma "
        "separated, e.g. `10.0.0.0/8, fd00::/8`); read right to left past these hops only. "
        "Empty: the peer address is the client.",
    )
    ipv6_prefix: int = Field(
        default=64,
        ge=32,
        le=128,
        description="IPv6 clients are counted by their network of this prefix length for rate "
        "limits (one home or phone has a whole /64); IPv4 clients by their address.",
    )
    survey_limit_per_minute: int = Field(
        default=0,
        description="Submissions a minute to one survey from everyone together, answered with "
        "429 beyond it; 0 for no cap.",
    )
    opportunity_limit_per_hour: int = Field(
        default=120,
        description="People offered a survey that one address may count per survey and hour "
        "(widget seen, hosted page shown); more are dropped, so a script cannot inflate rates.",
    )
    invitation_interval: int = Field(
        default=60,
        description="Seconds between the server's invitation sending runs; 0 stops them.",
    )
    invitation_batch: int = Field(
        default=200, description="Most invitation messages sent in one run (a throttle)."
    )
    sms_account_sid: str | None = Field(
        default=None, description="Twilio account SID for text invitations; none sent if unset."
    )
    sms_auth_token: str | None = Field(
        default=None, description="Twilio auth token: signs API calls and checks reply webhooks."
    )
    sms_from: str | None = Field(
        default=None, description="Number text invitations come from, in E.164 (+15551234567)."
    )
    sms_api_base: str = Field(
        default="https://api.twilio.com",
        description="Base URL of the text message API (Twilio's format).",
    )
    retention_interval: int = Field(
        default=86400,
        description="Seconds between the server's purges of comments past their survey's "
        "retention period; 0 stops them (run `feedback purge` instead).",
    )

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        if not is_zone(value):
            raise ValueError(f"{value!r} is not an IANA time zone (such as America/Toronto)")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in value.replace(",", " ").split():
            ipaddress.ip_network(part, strict=False)  # ValueError names the bad network
        return value

    @field_validator("oidc_issuer")
    @classmethod
    def _issuer(cls, value: str | None) -> str | None:
        if value and urlsplit(value).scheme not in ("https", "http"):
            raise ValueError("the OpenID issuer must be an https:// (or, for tests, http://) URL")
        return value or None

    @model_validator(mode="after")
    def _someone_can_sign_in(self) -> Settings:
        # With passwords off and no single sign-on, nobody could ever sign in.
        if not self.local_passwords and not (self.oidc_issuer and self.oidc_client_id):
            raise ValueError(
                "FEEDBACK_LOCAL_PASSWORDS=false needs FEEDBACK_OIDC_ISSUER and "
                "FEEDBACK_OIDC_CLIENT_ID (single sign-on), or nobody can sign in"
            )
        return self

    @property
    def https(self) -> bool:
        """True when the public URL is HTTPS, so cookies must be Secure."""
        return urlsplit(self.base_url).scheme == "https"

    @property
    def origin(self) -> str:
        """The scheme://host[:port] of the public URL."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"
