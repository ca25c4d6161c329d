"""The sweeps domain refuses changes the way the cases domain does."""
from portal.cases.errors import Conflict, Refused  # noqa: F401  (re-exported)
