"""Places and geodesy: datums, ellipsoidal distances, reference data of the town, gazetteer, geocoding, roads, descriptions."""
