import type { TextProps } from "ink";
import type { Severity } from "../../domain/alert.js";

/** Ink text styles per severity, matching the colours of `pw alerts` lines. */
export const SEVERITY_STYLE: Record<Severity, TextProps> = {
  critical: { color: "white", backgroundColor: "red", bold: true },
  high: { color: "red", bold: true },
  medium: { color: "yellow" },
  low: { color: "cyan" },
};
