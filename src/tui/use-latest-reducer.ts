import { useCallback, useRef, useState } from "react";

/**
 * useReducer whose latest state can be read at once, before React renders it.
 * Key handlers need that: a second read from the terminal can arrive before
 * the render the first one caused, and must see what the first one did (a
 * "/" that opened the filter before its text arrives).
 */
export function useLatestReducer<S, A>(
  reducer: (state: S, action: A) => S,
  initial: S,
): [state: S, send: (action: A) => void, latest: { readonly current: S }] {
  const [state, setState] = useState(initial);
  const latest = useRef(initial);
  const send = useCallback(
    (action: A) => {
      latest.current = reducer(latest.current, action);
      setState(latest.current);
    },
    [reducer],
  );
  return [state, send, latest];
}
