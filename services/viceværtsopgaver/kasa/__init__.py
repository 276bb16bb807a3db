"""Exchange with KEID's property system (KASA Helpdesk): adapter contract, simulator and sync."""
