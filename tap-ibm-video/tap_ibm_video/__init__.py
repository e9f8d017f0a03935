"""Singer tap for the IBM Video Streaming Analytics API."""
