"""The multi-agency attendance panel: meetings, members, the agenda and its decisions."""
