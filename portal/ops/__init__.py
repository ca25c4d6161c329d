"""Running the portal for real (issue 16): verified backups and restores (`backup`), and the
recovery of import jobs whose worker went away (`portal.attendance.recovery`). Commands only:
no blueprint, so not in DOMAINS; `portal.cli` registers the commands."""
