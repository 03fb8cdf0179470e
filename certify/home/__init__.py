"""The landing page: sends each person to what they need first."""
