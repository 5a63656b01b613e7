"""Maps: folium/Leaflet builders, basemaps and local tile sets."""
