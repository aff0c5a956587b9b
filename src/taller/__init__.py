"""Taller Flask + JWT + OAuth2: la orden ``taller`` y el motor de comprobación."""
