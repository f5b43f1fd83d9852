"""HTTP clients of the online sources (SCB PxWeb, Kolada, Overpass) -> parsed payloads; one shared session layer."""
