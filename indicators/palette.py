"""The one palette for statuses, used by the dashboard's charts and by every export alike."""
from .progress import DONE, LAGGING, NOT_APPLICABLE, NOT_DUE, NOT_STARTED, ON_PACE

STATUS_COLORS = {DONE: "#2E7D32", ON_PACE: "#4A90D9", NOT_DUE: "#B39DDB", LAGGING: "#F5A623", NOT_STARTED: "#D0021B",
                 NOT_APPLICABLE: "#C8C8C8"}
