"""QR codes on buildings, rooms and components that open the ordering flow with the location filled in."""
