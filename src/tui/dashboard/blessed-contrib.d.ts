// blessed-contrib ships typings, but without the map's view options and marker
// methods (lib/widget/map.js). This declares just what the dashboard uses.
import "blessed-contrib";

declare module "blessed-contrib" {
  namespace Widgets {
    interface MapOptions {
      /** Shown area, in map-canvas's shifted degrees: longitude + 180. */
      startLon?: number;
      endLon?: number;
      /** Shown area, in map-canvas's shifted degrees: latitude + 90. */
      startLat?: number;
      endLat?: number;
      style?: { shapeColor?: string; stroke?: string; fill?: string };
    }

    interface MapMarker {
      lon: number;
      lat: number;
      color?: string;
      char?: string;
    }

    interface MapElement {
      addMarker(marker: MapMarker): void;
      /** Redraws the map without markers. */
      clearMarkers(): void;
    }
  }
}
