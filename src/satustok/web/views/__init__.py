"""Views of the seller UI, one module per menu entry. Every page needs a logged-in user."""
