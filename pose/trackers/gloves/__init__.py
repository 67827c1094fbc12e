"""Gloved-hand tracker (registry name "gloves"), in parts that can be tested on their own:

- `segmentation`: glove-colour masks of a frame at working size (coloured, skin-tone, white; the drape);
- `hands`: from a mask to hands (pieces joined, touching hands split, the hand at the arm's far end);
- `arm_pairs`: in stills, gloves inside the frame named (and a blob of two split) by the sleeves they lie on;
- `identity`: left/right by anatomy for the camera view, kept over time in video;
- `calibration`: what a video's sample frames and its first hands teach (family, still bench, hue band);
- `tracker`: `GloveTracker`, the Tracker the registry builds.
"""

from skillsight.pose.trackers.gloves.tracker import GLOVE_COLORS, GLOVE_TRACKER_VERSION, GloveTracker

__all__ = ["GLOVE_COLORS", "GLOVE_TRACKER_VERSION", "GloveTracker"]
