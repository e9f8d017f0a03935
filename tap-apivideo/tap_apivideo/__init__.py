"""Singer tap for api.video analytics."""
