"""B3: the mandated stack's floor for an authenticated room connect (issue 17, target (e)).

daphne (CF Messenger's command line and library patches), Django, Channels
(ProtocolTypeRouter, AllowedHostsOriginValidator, URLRouter and an
AsyncWebsocketConsumer), the token in Redis (one GETEX) and the user in
PostgreSQL (one primary-key read through the ORM on a thread), then a welcome
and an in-process room as in B2. Nothing else: no membership, no join frames,
no caps. A separate Django project: it imports nothing from CF Messenger but
its library patches.
"""
