"""Sign-in throttles that stop guessing without locking owners out (OWASP
authentication cheat sheet, "account lockout"; docs/SECURITY.md).

Failed password checks are counted three ways, in exact sliding windows
shared by every process (messenger.ratelimit):

* per (account, client IP): LOGIN_PAIR_FAILURE_LIMIT per window. This is
  what stops one source guessing one account.
* per client IP, whatever the account: LOGIN_IP_FAILURE_LIMIT per window,
  so one source cannot spray a common password over many accounts.
* per account, from anywhere: LOGIN_USER_FAILURE_LIMIT per window. It never
  refuses on its own: it marks the account as under attack, and then a
  source gets one failure instead of LOGIN_PAIR_FAILURE_LIMIT. A source with
  no recent failure for the account is always let through to the password
  check, so the owner's right password works however many addresses guess.

Every refusal carries the longest of the waits that refused it: the real
time until the request would be let through. Nothing here is consulted by
actions made with a live token (password change, deletion, sign-out): a
stranger cannot reach those counters, so they cannot be used to lock them.
"""

from django.conf import settings

from messenger.platform import ratelimit


class Throttled(Exception):
    def __init__(self, retry_after_ms: int, message: str):
        super().__init__(message)
        self.retry_after_ms = retry_after_ms
        self.message = message


def _pair(username: str, ip: str) -> str:
    return f"login:pair:{username}:{ip}"


def _ip_failures(ip: str) -> str:
    return f"login:ipfail:{ip}"


def account_key(username: str) -> str:
    return f"login:user:{username}"


async def gate(*, username: str, ip: str) -> None:
    """Count this attempt against the client IP's attempt rate and check the
    failure counters; Throttled (with the real wait) when any refuses."""
    waits: list[tuple[int, str]] = []
    attempts = await ratelimit.hit(f"login:ip:{ip}", *settings.LOGIN_RATE_PER_IP)
    if not attempts.allowed:
        waits.append((attempts.retry_after_ms, "Too many sign-in attempts from this address."))
    from_ip = await ratelimit.hit(_ip_failures(ip), *settings.LOGIN_FAILURES_PER_IP, record=False)
    if not from_ip.allowed:
        waits.append((from_ip.retry_after_ms, "Too many failed sign-ins from this address."))
    account = await ratelimit.hit(account_key(username), *settings.LOGIN_FAILURES_PER_USERNAME, record=False)
    pair_limit, pair_window = settings.LOGIN_FAILURES_PER_PAIR
    # Under attack, a source gets one failure; the owner's source has none.
    limit = pair_limit if account.allowed else 1
    pair = await ratelimit.hit(_pair(username, ip), limit, pair_window, record=False)
    if not pair.allowed:
        waits.append((pair.retry_after_ms, "Too many failed sign-ins for this account from this address."))
    if waits:
        retry_after_ms, message = max(waits)
        raise Throttled(retry_after_ms, message)


async def failed(*, username: str, ip: str) -> None:
    """A wrong password (or unknown user): one failure on each counter."""
    await ratelimit.hit(_pair(username, ip), *settings.LOGIN_FAILURES_PER_PAIR)
    await ratelimit.hit(_ip_failures(ip), *settings.LOGIN_FAILURES_PER_IP)
    await ratelimit.hit(account_key(username), *settings.LOGIN_FAILURES_PER_USERNAME)


async def succeeded(*, username: str, ip: str) -> None:
    """The right password: this source's failures for the account are forgotten."""
    await ratelimit.reset(_pair(username, ip))
