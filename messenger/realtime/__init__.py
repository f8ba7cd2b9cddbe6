"""The socket runtime: the base socket, its frame queue, the registry and its
sweep, process-local fan-out and user groups, the socket cap, and how the
server processes are started. The only code that imports daphne (the ASGI
server), Twisted or autobahn; every change made to them is in
library_patches.py."""

# daphne's app provides its `runserver`; settings.py lists it through here.
SERVER_APPS = ["daphne"]
SERVER_LOGGERS = ["daphne"]
