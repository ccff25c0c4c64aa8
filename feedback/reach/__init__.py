"""Reach: who was offered a survey, how many people each channel served, and invitations
sent after an interaction (email, text message)."""
