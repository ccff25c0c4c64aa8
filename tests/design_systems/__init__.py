"""The widget on pages built with GOV.UK Frontend, USWDS, Bootstrap and the GC Design System."""
