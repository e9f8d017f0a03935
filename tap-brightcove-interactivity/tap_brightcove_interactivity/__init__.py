"""Singer tap for the Brightcove Interactivity engagement reports."""
