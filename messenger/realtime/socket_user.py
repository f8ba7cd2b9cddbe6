"""A socket's user with their profile: the query of every connect, its SQL
compiled once per process.

`User.objects.select_related("profile").filter(pk=..., is_active=True).first()`
spent more of a connect's CPU building itself than PostgreSQL spent
answering it: the compiler's SQL, each column's converters and the related
object's populator, per connect (issue 17, docs/PERFORMANCE.md "Where a
connect's time goes"). Here the queryset is compiled once per database
alias, and each connect runs its SQL with the user's id and builds the same
objects the queryset would (Django's own `from_db` and `RelatedPopulator`):
every field loaded, the profile cached on the user and the user on the
profile.
"""

import threading

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.models.query import get_related_populators

# Stands for the user's id while the SQL is compiled; found again among the params.
_ID_PLACEHOLDER = -7_331_733


class _Compiled:
    def __init__(self, using: str):
        queryset = get_user_model().objects.select_related("profile").filter(pk=_ID_PLACEHOLDER, is_active=True)
        queryset = queryset.order_by("pk")[:1]
        compiler = queryset.query.get_compiler(using=using)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.id_index = self.params.index(_ID_PLACEHOLDER)
        klass_info, select = compiler.klass_info, compiler.select
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        # Populators keep no state of a row: one serves every connect.
        self.populators = get_related_populators(klass_info, select, using)
        self.converters = sorted(compiler.get_converters([column[0] for column in select]).items())

    def fetch(self, user_id: int, using: str):
        params = list(self.params)
        params[self.id_index] = user_id
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if self.converters:
            row = list(row)
            for index, (converters, expression) in self.converters:
                for converter in converters:
                    row[index] = converter(row[index], expression, connection)
        user = self.model.from_db(using, self.init_list, row[self.start : self.end])
        for populator in self.populators:
            populator.populate(row, user)
        return user


_compiled: dict[str, _Compiled] = {}
_lock = threading.Lock()


def active_user_with_profile(user_id: int, *, using: str = "default"):
    """The active user `user_id` with `.profile` loaded, or None: the same
    objects as the select_related queryset, in one query."""
    compiled = _compiled.get(using)
    if compiled is None:
        with _lock:
            compiled = _compiled.get(using) or _Compiled(using)
            _compiled[using] = compiled
    return compiled.fetch(user_id, using)
