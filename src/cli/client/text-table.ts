// Plain-text tables for the terminal: columns padded to their widest cell, numbers
// right-aligned, the last column never padded (no trailing blanks).

export function alignRows(rows: readonly (readonly string[])[], rightAligned: readonly number[] = []): string {
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const right = new Set(rightAligned);
  return rows.map((r) => widths.map((width, i) => {
    const cell = r[i] ?? '';
    if (right.has(i)) return cell.padStart(width);
    return i === columns - 1 ? cell : cell.padEnd(width);
  }).join('  ')).join('\n');
}

export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: readonly number[] = []): string {
  return alignRows([header, ...rows], rightAligned);
}
