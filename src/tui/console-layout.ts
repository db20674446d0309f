/** Terminal size in character cells. */
export interface TerminalSize {
  rows: number;
  columns: number;
}

/** Where the console's parts go for a terminal size. */
export interface ConsoleLayout {
  /** Lines the console uses: one less than the terminal, so ink redraws in place. */
  height: number;
  /** Alert rows that fit (the table's header line comes on top). */
  listRows: number;
  /** The detail pane beside the list on wide terminals, below it on narrow ones. */
  detailBeside: boolean;
  detailWidth: number;
  detailHeight: number;
}

const HEADER_LINES = 2;
const FOOTER_LINES = 2; // input line + key help
const TABLE_HEADER_LINES = 1;
const DETAIL_WIDTH = 56;
const STACKED_DETAIL_HEIGHT = 13;
const MIN_COLUMNS_FOR_SIDE_DETAIL = 120;

export function consoleLayout(size: TerminalSize): ConsoleLayout {
  const height = Math.max(8, size.rows - 1);
  const detailBeside = size.columns >= MIN_COLUMNS_FOR_SIDE_DETAIL;
  const around = HEADER_LINES + FOOTER_LINES + TABLE_HEADER_LINES;
  const listRows = Math.max(1, height - around - (detailBeside ? 0 : STACKED_DETAIL_HEIGHT));
  return {
    height,
    listRows,
    detailBeside,
    detailWidth: detailBeside ? DETAIL_WIDTH : size.columns,
    detailHeight: detailBeside ? listRows + TABLE_HEADER_LINES : STACKED_DETAIL_HEIGHT,
  };
}

/** First row of the page holding the selected row: the list only scrolls a page at a time. */
export function pageStart(selected: number, listRows: number): number {
  return Math.floor(selected / listRows) * listRows;
}
