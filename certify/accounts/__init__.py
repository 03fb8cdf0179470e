"""People, roles, places (countries, regions, municipalities), login and API tokens."""
