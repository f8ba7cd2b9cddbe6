"""Demo contacts for `manage.py seed_demo`: a lively, mutual list for demo users who have none yet."""

from messenger.accounts.seed import DEMO_USERS
from messenger.accounts.users import users_with_profiles

from .models import Contact

# Each demo user lists the next and previous four in a ring: 8 mutual contacts.
_RING_REACH = 4


def contacts_seed(stdout) -> None:
    order = [username for username, *_ in DEMO_USERS]
    users = {user.username: user for user in users_with_profiles().filter(username__in=order)}
    ring = [users[name] for name in order if name in users]
    created = 0
    # A demo user who already has a list (seeded before, then edited: someone
    # removed or blocked a contact) keeps it as it is.
    has_list = set(Contact.objects.filter(owner__in=ring).values_list("owner_id", flat=True))
    for index, owner in enumerate(ring):
        if owner.pk in has_list:
            continue
        for step in range(-_RING_REACH, _RING_REACH + 1):
            other = ring[(index + step) % len(ring)]
            if other.pk == owner.pk:
                continue
            _, made = Contact.objects.get_or_create(owner=owner, contact=other)
            created += made
    stdout.write(f"demo contacts: {2 * _RING_REACH} each, mutual ({created} new)")
