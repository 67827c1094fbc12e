"""The bottom layer: what every other layer may use and which itself imports nothing of SkillSight.

hashing (content hashes), atomic (whole-file-or-nothing writes), version, constants (shared names
such as the video suffixes). capture, pose, scoring, datasets and the app shell all sit above it.
"""
