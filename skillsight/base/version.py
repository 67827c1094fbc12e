"""SkillSight's version: recorded in every assessment, model card and stored row."""

__version__ = "0.1.0"
