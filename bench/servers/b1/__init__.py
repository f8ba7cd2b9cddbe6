"""B1: the Channels tutorial chat (https://channels.readthedocs.io, tutorial
part 3) on daphne with channels-redis' default RedisChannelLayer. A separate
Django project: it imports nothing from CF Messenger."""
