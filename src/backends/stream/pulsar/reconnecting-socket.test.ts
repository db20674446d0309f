import { describe, expect, it } from "vitest";
import { summarizeErrorPage } from "./reconnecting-socket.js";

describe("summarizeErrorPage", () => {
  it("keeps the broker's reason from Jetty's error page", () => {
    const page =
      "<html><head><title>Error 500 Failed to create reader: {&quot;errorMsg&quot;:&quot;Namespace not found&quot;,&quot;reqId&quot;:1203937093655383984, &quot;remote&quot;:&quot;127.0.0.1/127.0.0.1:6650&quot;}</title></head><body>...</body></html>";
    expect(summarizeErrorPage(page)).toBe("Failed to create reader: Namespace not found");
  });

  it("falls back to the page text, shortened", () => {
    expect(summarizeErrorPage("<p>Producer   busy</p>")).toBe("Producer busy");
    expect(summarizeErrorPage("x".repeat(500))).toHaveLength(200);
    expect(summarizeErrorPage("")).toBe("");
  });
});
