"""SkillBridge HTTP service, CLI and the services both call."""
