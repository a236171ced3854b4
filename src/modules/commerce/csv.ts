/**
 * RFC 4180 CSV, small and strict where it matters: quoted fields may hold commas, doubled quotes
 * and line breaks; records end at CRLF, LF or CR; an unterminated quote or text after a closing
 * quote is an error with its line, not a silently shifted row. A quote inside an unquoted field
 * is kept as text (12" RULER), as most producers write it.
 */

export interface CsvRecord {
  /** The 1-based line the record starts on (the header is line 1). */
  line: number;
  cells: string[];
}

export interface CsvDocument {
  header: string[];
  records: CsvRecord[];
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvSyntaxError';
  }
}

export function parseCsvRecords(input: string): CsvRecord[] {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  let quotedInRecord = false;
  const endRecord = () => {
    cells.push(field);
    // A blank line is no record (RFC 4180 would read one empty field; nobody means that).
    if (quotedInRecord || !(cells.length === 1 && cells[0] === '')) records.push({ line: recordLine, cells });
    cells = [];
    field = '';
    quotedInRecord = false;
  };
  while (i < text.length) {
    const char = text[i];
    if (char === '"' && field === '') {
      // A quoted field: read to the closing quote.
      const openedOn = line;
      quotedInRecord = true;
      i++;
      for (;;) {
        if (i >= text.length) throw new CsvSyntaxError(openedOn, 'a quoted field is never closed');
        const inner = text[i];
        if (inner === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (inner === '\r' || inner === '\n') {
          line++;
          field += '\n';
          i += inner === '\r' && text[i + 1] === '\n' ? 2 : 1;
          continue;
        }
        field += inner;
        i++;
      }
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\r' && next !== '\n') {
        throw new CsvSyntaxError(line, `unexpected ${JSON.stringify(next)} after a closing quote`);
      }
      continue;
    }
    if (char === ',') {
      cells.push(field);
      field = '';
      i++;
    } else if (char === '\r' || char === '\n') {
      endRecord();
      i += char === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
    } else {
      field += char;
      i++;
    }
  }
  if (field !== '' || cells.length > 0 || quotedInRecord) endRecord();
  return records;
}

/** The first record is the header; names are trimmed. */
export function parseCsv(input: string): CsvDocument {
  const [first, ...records] = parseCsvRecords(input);
  return { header: (first?.cells ?? []).map((name) => name.trim()), records };
}
