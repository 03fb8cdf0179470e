"""National programme tracking: targets and quotas, the dashboard's figures, charts, exports."""
