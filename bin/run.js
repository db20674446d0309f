#!/usr/bin/env node
import { execute } from "@oclif/core";

// `pw ... | head` closes the pipe early: that is a normal way to stop reading, not an error.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

await execute({ dir: import.meta.url });
