"""Data the lessons and the lab read: the shipped 8x8 digits, user CSV tables (pandas lives
here) and the paths of assets/."""
