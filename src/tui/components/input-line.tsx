import { Text } from "ink";
import type { Notice, Prompt } from "../console-state.js";

const QUESTION: Record<Prompt["kind"], (target: string) => string> = {
  filter: () => "filter (regex, Enter to apply, Esc to cancel): /",
  ack: (target) => `ack ${target}: reason? `,
  resolve: (target) => `resolve ${target}: reason? `,
  mute: (target) => `mute ${target} for (e.g. 30m, 2h)? `,
};

/** The input line while a prompt is open, else the last notice, else blank. */
export function InputLine({ prompt, notice }: { prompt: Prompt | null; notice: Notice | null }) {
  return (
    <Text wrap="truncate">
      {prompt && (
        <>
          <Text color="cyan">{QUESTION[prompt.kind](prompt.target?.citizen ?? "")}</Text>
          {prompt.text}
          <Text inverse> </Text>
          {notice && "  "}
        </>
      )}
      {notice && <Text color={notice.tone === "error" ? "red" : "green"}>{notice.text}</Text>}
      {!prompt && !notice && " "}
    </Text>
  );
}
