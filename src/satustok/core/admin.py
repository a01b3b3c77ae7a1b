"""People are managed on the Users page (web/views/users.py, through core/users.py), never in
the Django admin: its user form sets *superuser* and *active* directly, past the role table
and the rule that the hub keeps an active Owner (an Owner is a superuser, and only an Owner)."""

from django.contrib import admin
from django.contrib.auth.models import Group, User

admin.site.unregister(User)
admin.site.unregister(Group)  # roles are satustok's (core/access.py), not Django groups
