"""/static/ as the ASGI application serves it: Django's static handler, except that a path
that leaves the static folder or cannot be a file name at all (`%2e%2e/`,
`..%2f`, NUL) is a 404, not a SuspiciousFileOperation answered 500."""

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404

from messenger.platform import text_rules


class SafeStaticFilesHandler(ASGIStaticFilesHandler):
    def serve(self, request):
        if text_rules.has_control(request.path):
            raise Http404("No such file.")
        try:
            return super().serve(request)
        except (SuspiciousFileOperation, ValueError):
            raise Http404("No such file.")
